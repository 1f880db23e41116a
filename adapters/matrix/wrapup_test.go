package matrix_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// TestWrapUpPostIsAnEncryptedFile: in an encrypted direct chat,
// `export markdown` answers with a short notice and the post as an
// encrypted m.file, whole, however long (this one is past the 64 KiB an
// event may hold).
func TestWrapUpPostIsAnEncryptedFile(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	ctx := context.Background()
	resp, err := alice.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset: "trusted_private_chat", Invite: []id.UserID{e.botID}, IsDirect: true,
		InitialState: []*event.Event{{Type: event.StateEncryption, Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	room := resp.RoomID
	alice.waitMember(room, e.botID, event.MembershipJoin)
	alice.ask(room, "add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni 5/5")
	note := func(i int) string {
		return fmt.Sprintf("paragraph %02d begins. ", i) + strings.Repeat("The demo resized a pod the moment someone ran make. ", 70) + fmt.Sprintf("paragraph %02d ends.", i)
	}
	const notes = 18
	for i := range notes {
		if _, got := alice.ask(room, "note --private "+note(i)); !strings.HasPrefix(got.Body, "Noted (private)") {
			t.Fatalf("note %d: %q", i, got.Body)
		}
	}
	cmd := alice.say(room, "export markdown")
	poll(t, "the post", func() bool { return len(alice.repliesTo(cmd)) == 2 })
	var file, notice *event.MessageEventContent
	for _, r := range alice.repliesTo(cmd) {
		switch c := r.Content.AsMessage(); c.MsgType {
		case event.MsgFile:
			file = c
		case event.MsgNotice:
			notice = c
		}
		if r.Mautrix.EventSource&event.SourceDecrypted == 0 {
			t.Errorf("a reply to export markdown was not encrypted: %s", r.Content.AsMessage().MsgType)
		}
	}
	if notice == nil || !strings.Contains(notice.Body, "Your wrap-up post for General") || strings.Contains(notice.Body, "paragraph 00") {
		t.Errorf("the notice = %+v; want a short message saying what the file is", notice)
	}
	if file == nil || file.File == nil || file.Body != "general-wrap-up.md" {
		t.Fatalf("no encrypted general-wrap-up.md among the replies: %+v", alice.repliesTo(cmd))
	}
	mxc, err := file.File.URL.Parse()
	if err != nil {
		t.Fatal(err)
	}
	data, err := alice.cli.DownloadBytes(ctx, mxc)
	if err != nil {
		t.Fatal(err)
	}
	if err := file.File.DecryptInPlace(data); err != nil {
		t.Fatalf("decrypt the post: %v", err)
	}
	if len(data) <= 64<<10 {
		t.Errorf("the post is %d bytes; the test wants one past 64 KiB", len(data))
	}
	for i := range notes {
		if !strings.Contains(string(data), note(i)) {
			t.Errorf("the post lacks note %d whole", i)
		}
	}
}
