package commands_test

import (
	"strings"
	"testing"
)

// Titles as people at conferences in Japan, China or Europe type them: a
// one-character difference in a script without spaces is another talk, and
// so are C#, C++ and C, or two titles of emoji only. (Each had landed the
// second user's rating and note on the first user's talk.)
func TestTitlesOneCharacterApartAreTwoTalks(t *testing.T) {
	f := newFixture(t)
	for _, pair := range [][2]string{
		{"Kubernetesセキュリティ入門前編", "Kubernetesセキュリティ入門後編"},
		{"云原生安全实践上篇", "云原生安全实践下篇"},
		{"Rustワークショップ第１部", "Rustワークショップ第２部"},
		{"Intro to C#", "Intro to C++"},
		{"Intro to C++", "Intro to C"},
		{"C#🚀 Workshop", "C🚀 Workshop"},
		{"🚀🚀🚀", "🔥🔥🔥"},
	} {
		first := f.ok("alice", "add "+pair[0]+" 5/5")
		second := f.ok("bob", "add "+pair[1]+" 1/5")
		if !strings.Contains(second, "Logged new talk") || strings.Contains(second, pair[0]) {
			t.Errorf("%q after %q:\n%s\n%s", pair[1], pair[0], first, second)
		}
	}
	// A typo in a Latin word is still the same talk; a soft hyphen pasted
	// from a web page is no difference at all.
	f.ok("alice", "add Observability Day")
	if got := f.ok("bob", "add Observabilty Day"); !strings.Contains(got, "Logged #") {
		t.Errorf("a typo made a new talk:\n%s", got)
	}
	if got := f.ok("bob", "add Observ\u00adability Day"); strings.Contains(got, "new talk") || strings.Contains(got, "\u00ad") {
		t.Errorf("a soft hyphen made a new talk:\n%s", got)
	}
}

// The note separator typed with an IME's full-width spaces is still the
// separator: a private note had gone into the talk's title, which the
// whole team reads.
func TestAWideSpacedSeparatorStartsTheNote(t *testing.T) {
	f := newFixture(t)
	got := f.ok("alice", "add 可観測性の実践\u3000--\u3000--private 上司の発表はつまらなかった")
	if !strings.Contains(got, "Note saved (private)") {
		t.Errorf("add:\n%s", got)
	}
	for _, cmd := range []string{"show #1", "search 上司", "list team"} {
		if got := f.ok("bob", cmd); strings.Contains(got, "つまらなかった") || strings.Contains(got, "private") {
			t.Errorf("bob's %q shows alice's private note:\n%s", cmd, got)
		}
	}
}

// Ratings typed the phone or IME way are ratings, not words of the title.
func TestRatingsAsPhonesTypeThem(t *testing.T) {
	f := newFixture(t)
	for i, tc := range []struct{ typed, want string }{
		{"４/５", "4/5"}, {"5／5", "5/5"}, {"＊３", "3/5"}, {"٤/٥", "4/5"},
		{"⭐⭐⭐⭐", "4/5"}, {"⭐️⭐️⭐️", "3/5"}, {"★★★★✩", "4/5"},
	} {
		title := "Talk Number " + string(rune('A'+i))
		got := f.ok("alice", "add "+title+" "+tc.typed)
		if !strings.Contains(got, "new talk #") || !strings.Contains(got, title+"\n") || !strings.Contains(got, tc.want) {
			t.Errorf("add … %s:\n%s", tc.typed, got)
		}
	}
	if got := f.ok("alice", "rate #1 ２"); !strings.Contains(got, "2/5") {
		t.Errorf("rate ２:\n%s", got)
	}
}

// A title typed full-width, half-width or in capitals is the same title.
func TestTitlesFoldWidthAndCase(t *testing.T) {
	f := newFixture(t)
	for _, pair := range [][2]string{
		{"KubeCon Keynote", "ＫｕｂｅＣｏｎ Ｋｅｙｎｏｔｅ"},
		{"Straße der Container", "STRASSE DER CONTAINER"},
		{"ガイド入門", "ｶﾞｲﾄﾞ入門"},
	} {
		first := f.ok("alice", "add "+pair[0])
		if got := f.ok("bob", "add "+pair[1]); strings.Contains(got, "new talk") || !strings.Contains(got, pair[0]) {
			t.Errorf("%q after %q:\n%s\n%s", pair[1], pair[0], first, got)
		}
	}
}

// An export's file is named after its conference in the conference's own
// script: "クラウドネイティブ会議" and "쿠버네티스 데이" were both "wrap-up.md".
func TestExportFileNamesKeepTheirScript(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ conf, want string }{
		{"クラウドネイティブ会議 2026", "クラウドネイティブ会議-2026-wrap-up.md"},
		{"Sécurité Days 2026", "sécurité-days-2026-wrap-up.md"},
		{strings.Repeat("長", 30), strings.Repeat("長", 20) + "-wrap-up.md"}, // 60 bytes, whole characters
	} {
		f.admin("alice", "conf new "+tc.conf)
		f.ok("alice", "add Opening Keynote")
		r := f.as("alice", "export markdown")
		var names []string
		for _, file := range r.Attachments() {
			names = append(names, file.Name)
		}
		if len(names) != 1 || names[0] != tc.want {
			t.Errorf("%s: files %q, want %s", tc.conf, names, tc.want)
		}
	}
}

// Titles quoted as German, French and Japanese users quote them: the
// rating after them counts, and `note 『…』` goes on that talk. A bracket
// inside a title stays the title's.
func TestQuotesOfOtherLocales(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ typed, title, rating string }{
		{"add »Kubernetes für Profis« 3/5", "#1 Kubernetes für Profis\n", "3/5"},
		{"add « Les bases de eBPF » *4", "#2 Les bases de eBPF\n", "4/5"},
		{"add 「Go言語の並行処理」 5/5", "#3 Go言語の並行処理\n", "5/5"},
		{"add 「Go」入門", "#4 「Go」入門\n", ""},
	} {
		if got := f.ok("alice", tc.typed); !strings.Contains(got, tc.title) || !strings.Contains(got, tc.rating) {
			t.Errorf("%s:\n%s", tc.typed, got)
		}
	}
	if got := f.ok("alice", "note 『Go言語の並行処理』 とても良かった"); !strings.Contains(got, "#3 Go言語の並行処理") {
		t.Errorf("the note went elsewhere:\n%s", got)
	}
}

// A tag in Hindi or Thai, whose letters carry vowel marks, is a tag.
func TestTagsOfScriptsWithMarks(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Talk A #सुरक्षा")
	f.ok("alice", "add Talk B tags:ความปลอดภัย")
	for _, tc := range []struct{ list, want string }{{"list #सुरक्षा", "#1 Talk A\n"}, {"list #ความปลอดภัย", "#2 Talk B\n"}} {
		if got := f.ok("alice", tc.list); !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n%s", tc.list, got)
		}
	}
}

// Speakers listed the Japanese or Chinese way are several speakers, each
// with the organisation in full-width brackets.
func TestSpeakersOfCJKPunctuation(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add クラウド入門 speakers:山田太郎（サイボウズ）、鈴木花子")
	f.ok("alice", "add 云原生实践 speakers:李小龙，王伟")
	for _, tc := range []struct{ show, want string }{
		{"show #1", "山田太郎, サイボウズ & 鈴木花子"}, {"show #2", "李小龙 & 王伟"},
	} {
		if got := f.ok("alice", tc.show); !strings.Contains(got, tc.want) {
			t.Errorf("%s lacks %q:\n%s", tc.show, tc.want, got)
		}
	}
}

// A command typed in an IME's full-width letters is that command.
func TestFullWidthCommands(t *testing.T) {
	f := newFixture(t)
	if got := f.ok("alice", "ＡＤＤ Foo Talk ５/５"); !strings.Contains(got, "Logged new talk #1 Foo Talk") {
		t.Errorf("ＡＤＤ:\n%s", got)
	}
	if got := f.ok("alice", "ｌｉｓｔ"); !strings.Contains(got, "#1 Foo Talk") {
		t.Errorf("ｌｉｓｔ:\n%s", got)
	}
	if got := f.as("alice", "ｌｓｉｔ").Text(); !strings.Contains(got, "Did you mean `list`?") {
		t.Errorf("ｌｓｉｔ:\n%s", got)
	}
	// A read's arguments too.
	for _, tc := range []struct{ typed, want string }{
		{"ｌｉｓｔ　ｔｏｄａｙ", "#1 Foo Talk"}, {"ｓｈｏｗ　＃１", "#1 Foo Talk"}, {"help ｌｉｓｔ", "list"},
		{"ｅｘｐｏｒｔ　ｊｓｏｎ", "talkbot.export/v1"}, {"ｅｘｐｏｒｔ　ｍａｒｋｄｏｗｎ", "wrap-up post"},
	} {
		if got := f.ok("alice", tc.typed); !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n%s", tc.typed, got)
		}
	}
}

// A change typed all in full width names its talk as ＃１: it acts on #1,
// it does not log a new talk called "＃１".
func TestFullWidthTalkIDs(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Foo Talk")
	f.ok("alice", "add Bar Talk")
	for _, tc := range []struct{ typed, want string }{
		{"ｍｉｓｓｅｄ　＃１", "Missed #1 Foo Talk"},
		{"ｒａｔｅ　＃１　４", "4/5: #1 Foo Talk"},
		{"ｎｏｔｅ　＃１　ｇｏｏｄ", "on #1 Foo Talk"},
	} {
		if got := f.ok("alice", tc.typed); !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n%s", tc.typed, got)
		}
	}
	if got := f.ok("alice", "list"); strings.Contains(got, "#3") {
		t.Errorf("a talk was made of a ＃１:\n%s", got)
	}
}

// A search typed in full width finds what was written so, and what was
// written in ASCII: the index keeps ＡＷＳ as it was typed.
func TestFullWidthSearch(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Opening Keynote -- ＡＷＳ の話")
	f.ok("alice", "add Closing Keynote -- AWS again")
	for _, typed := range []string{"search ＡＷＳ", "ｓｅａｒｃｈ　ＡＷＳ　ｐａｇｅ　１"} {
		if got := f.ok("alice", typed); !strings.Contains(got, "#1 Opening Keynote") || !strings.Contains(got, "#2 Closing Keynote") {
			t.Errorf("%s:\n%s", typed, got)
		}
	}
}

// Vowel signs are part of a Hindi word: कुल बात is no काल बात. Hebrew and
// Arabic vowel points are optional: written or not, one title.
func TestTitlesWithMarks(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add काल बात 5/5")
	if got := f.ok("bob", "add कुल बात 1/5"); !strings.Contains(got, "Logged new talk #2") {
		t.Errorf("कुल बात after काल बात:\n%s", got)
	}
	if got := f.ok("bob", "add काल बात"); !strings.Contains(got, "#1 काल बात") {
		t.Errorf("काल बात again:\n%s", got)
	}
	f.ok("alice", "add שָׁלוֹם עולם")
	if got := f.ok("bob", "add שלום עולם"); !strings.Contains(got, "#3") || strings.Contains(got, "new talk") {
		t.Errorf("Hebrew without its points:\n%s", got)
	}
	f.ok("alice", "add Top 5️⃣ Tips")
	if got := f.ok("bob", "add Top 5 Tips"); strings.Contains(got, "new talk") {
		t.Errorf("Top 5 Tips after Top 5️⃣ Tips:\n%s", got)
	}
	f.ok("alice", "add مَرحَبا بالعالم")
	if got := f.ok("bob", "add مرحبا بالعالم"); !strings.Contains(got, "#5") || strings.Contains(got, "new talk") {
		t.Errorf("Arabic without its harakat:\n%s", got)
	}
}

// No title, in any script or of any signs, makes the bot fail: each word
// of it reaches the title index, whose tokenizer splits words at signs
// and marks ("कुल" had been a phrase the index refuses).
func TestAnyTitleIsLoggedOrRefused(t *testing.T) {
	f := newFixture(t)
	for _, title := range []string{
		"कुल बात", "ความปลอดภัยคลาวด์", "C# AND C++ NEAR(x)", "a*b ^c :d -e", `"quoted" 'single'`, "👨‍👩‍👧‍👦 🇯🇵",
		"x\u0301y\u0308z", "مَرحَبا", "ا\u0670لله", "Day-2/Track_3", "#### ++++", "中文 한국어 日本語", "e\u0301\u0301\u0301",
		`"""`, `a"b`, `“"”`, `C" OR "x`, "🚀🚀🚀 \"NEAR\"",
	} {
		for _, cmd := range []string{"add " + title, "show " + title, "search " + title, "want " + title, "watch " + title} {
			if got := f.as("alice", cmd).Text(); strings.Contains(got, "went wrong") {
				t.Errorf("%q: %s", cmd, got)
			}
		}
	}
}

// A lone emoji star decorates a title; it is no 1/5.
func TestALoneEmojiStarIsNoRating(t *testing.T) {
	f := newFixture(t)
	for _, typed := range []string{"Rising Stars ⭐", "🌟 Lightning Talks 🌟", "⭐ GitHub Stars Demo"} {
		if got := f.ok("alice", "add "+typed); strings.Contains(got, "/5") || !strings.Contains(got, typed+"\n") {
			t.Errorf("add %s:\n%s", typed, got)
		}
	}
	if got := f.ok("alice", "add Top 5 ⭐ picks 4/5"); !strings.Contains(got, "Top 5 ⭐ picks\n") || !strings.Contains(got, "4/5") {
		t.Errorf("a ⭐ in a rated title:\n%s", got)
	}
}

// A Chinese or Japanese word inside a title is found: the search index
// holds a run of those scripts as one token and found only its start.
func TestSearchFindsCJKWordsInTitles(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add クラウドネイティブの未来")
	f.ok("alice", "add 云原生安全实践")
	f.ok("alice", "add Kubernetes安全入門")
	for _, tc := range []struct{ search, want, not string }{
		{"search 未来", "#1 クラウドネイティブの未来", "#2"},
		{"search 安全", "#2 云原生安全实践", "#1"},
		{"search 安全 kubernetes", "#3 Kubernetes安全入門", "#2"},
	} {
		got := f.ok("alice", tc.search)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.not+" ") {
			t.Errorf("%s:\n%s", tc.search, got)
		}
	}
}

// A post's title is kept as typed, full width and all.
func TestExportKeepsItsTitleAsTyped(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Opening Keynote")
	r := f.as("alice", "export markdown --title 「ＫｕｂｅＣｏｎ」（速報）")
	if post := string(attachment(r)); !strings.Contains(post, "「ＫｕｂｅＣｏｎ」（速報）") {
		t.Errorf("the post's title:\n%.300s", post)
	}
}
