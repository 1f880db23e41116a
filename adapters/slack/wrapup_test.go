package slack

import (
	"fmt"
	"strings"
	"testing"
)

// longNote is a note near the 4,000-character limit, numbered so each is
// found again in the post.
func longNote(i int) string {
	return fmt.Sprintf("paragraph %02d begins. ", i) + strings.Repeat("The demo resized a pod the moment someone ran make. ", 70) + fmt.Sprintf("paragraph %02d ends.", i)
}

// TestWrapUpPostIsAFile: `export markdown` answers the slash command with a
// short message and sends the post, whole, as a .md file to the user's
// direct messages; a post of 50 KB and more is never cut.
func TestWrapUpPostIsAFile(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni 5/5 #ebpf"})
	const notes = 14
	for i := range notes {
		e.slash(slash{text: "note " + longNote(i)})
	}
	e.slash(slash{text: "journal --takeaway the last line of the post"})
	e.slash(slash{text: "export markdown --title Our week"})
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != notes+3 {
		t.Fatalf("%d answers, want %d", len(hooks), notes+3)
	}
	answer := hooks[len(hooks)-1].Body
	if !strings.Contains(answer, "Your wrap-up post for General") || !strings.Contains(answer, "general-wrap-up.md") ||
		!strings.Contains(answer, filesNote) || !strings.Contains(answer, `"response_type":"ephemeral"`) {
		t.Errorf("export markdown answer:\n%s", answer)
	}
	if strings.Contains(answer, "paragraph 00") {
		t.Errorf("the post's text is in the message, not only in the file:\n%.400s", answer)
	}
	checkUpload(t, e.api, "D0ALICE", "", "general-wrap-up.md", `title: "Our week"`)
	post := string(e.api.got("upload")[0].File.Data)
	if len(post) < 50_000 {
		t.Errorf("the post is %d bytes; the test wants one over 50 KB", len(post))
	}
	for i := range notes {
		if !strings.Contains(post, longNote(i)) {
			t.Errorf("the uploaded post lacks note %d whole", i)
		}
	}
	if !strings.HasSuffix(post, "* the last line of the post\n") {
		t.Errorf("the uploaded post ends %q", post[max(0, len(post)-80):])
	}
}

// TestSharedPosts: a personal post holds private notes, so sharing it in a
// channel is refused (nothing uploaded); the team's post, which never holds
// one, is posted in the channel with its file beside it.
func TestSharedPosts(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add KEDA - Real Time And Serverless Scaling in Kubernetes 5/5 -- scales on event streams"})
	e.slash(slash{text: "note --private ask Zbynek about MachineSets"})
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon 4/5", user: "U0BOB"})
	e.idle()
	e.api.reset()

	e.slash(slash{text: "share export markdown"})
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 1 || strings.Contains(hooks[0].Body, "in_channel") || !strings.Contains(hooks[0].Body, "--no-private") {
		t.Errorf("shared personal post: %+v", hooks)
	}
	if n := len(e.api.got("upload")); n != 0 {
		t.Errorf("a refused post uploaded %d files", n)
	}

	e.api.reset()
	e.slash(slash{text: "share export markdown team"})
	e.idle()
	hooks = e.api.got("response_url")
	if len(hooks) != 1 || !strings.Contains(hooks[0].Body, `"response_type":"in_channel"`) || !strings.Contains(hooks[0].Body, "general-team.md") {
		t.Fatalf("shared team post: %+v", hooks)
	}
	checkUpload(t, e.api, "C0TALKS", "", "general-team.md", "scales on event streams")
	post := string(e.api.got("upload")[0].File.Data)
	if strings.Contains(post, "ask Zbynek") {
		t.Errorf("the team's post holds a private note:\n%s", post)
	}
	if !strings.Contains(post, "**alice:** scales on event streams") || !strings.Contains(post, "Cgroupv2 Is Coming Soon") {
		t.Errorf("the team's post lacks the team's highlights:\n%s", post)
	}
}
