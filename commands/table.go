package commands

import (
	"context"
	"strings"
)

// table is the one list of commands: routing and help are both built from it.
func (r *Router) table() []command {
	return []command{
		{name: "add", aliases: []string{"saw"}, usage: "add <title or schedule link> [5/5] [#tag] [url] [speakers:…] [event:…] [room:…] [day:YYYY-MM-DD] [tags:…] [-- note]",
			summary: "log a talk you attended (creates it if new)", run: r.add,
			notes: []string{"A rating is 4/5, *4 or ★★★★; a bare number is not one.",
				"Options count wherever they stand, at the end of the note too: `-- loved it 5/5 #security`.",
				"Only ` -- ` starts the note; an em dash is part of the title."},
			examples: []string{"add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni 5/5 #ebpf -- mind slightly blown",
				"add Cgroupv2 Is Coming Soon To a Cluster Near You -- only saw the last half",
				"add https://kccncna2022.sched.com/event/182HU *4 room:W183"}},
		{name: "missed", usage: "missed <talk> [-- reason]", summary: "could not attend; puts it on your watch-later list", run: r.missed,
			examples: []string{"missed https://kccncna2022.sched.com/event/182E3 -- room full"}},
		{name: "want", aliases: []string{"later"}, usage: "want <talk>", summary: "put a talk on your watch-later list", run: r.want,
			examples: []string{"want #14", "later Cgroupv2 Is Coming Soon"}},
		{name: "watched", usage: "watched <talk>", summary: "you watched the recording (leaves the watch-later list)", run: r.watched,
			examples: []string{"watched #14"}},
		{name: "rate", usage: "rate [#id | \"title\"] <1-5>", summary: "rate a talk (your last one unless you say)", run: r.rate,
			examples: []string{"rate 4", "rate #12 5/5", "rate \"KEDA - Real Time And Serverless Scaling in Kubernetes\" ★★★★"}},
		{name: "star", usage: "star [#id | \"title\"]", summary: "mark a personal highlight", run: r.star, examples: []string{"star", "star #12"}},
		{name: "unstar", usage: "unstar [#id | \"title\"]", summary: "remove a personal highlight", run: r.unstar, examples: []string{"unstar #12"}},
		{name: "note", usage: "note [--private] [#id | \"title\"] <text> | note edit|delete|private|team n<id> [text]",
			summary: "add a note (to your last talk unless you say), or change one of yours", run: r.note,
			examples: []string{"note the demo was great", "note --private #12 ask Vinay about KEP-1287", "note edit n57 the demo was great, slides are up", "note private n57"}},
		{name: "notes", usage: "notes [<talk>]", summary: "your notes on a talk, with the n<id> that note edit and note delete take", run: r.notes,
			examples: []string{"notes", "notes #12"}},
		{name: "video", usage: "video [<talk>] <recording url>", summary: "attach the recording link", run: r.video,
			examples: []string{"video #12 https://www.youtube.com/watch?v=29yKJ1312AM"}},
		{name: "list", usage: "list [today | YYYY-MM-DD | day N] [mine | team | @user] [#tag] [watch]", summary: "list talks (yours unless you say)", run: r.list,
			examples: []string{"list", "list today team", "list @bob", "list #ebpf", "list watch"}},
		{name: "show", usage: "show <talk>", summary: "one talk with everyone's ratings and team notes", run: r.show,
			examples: []string{"show #12", "show keda"}},
		{name: "highlights", aliases: []string{"top"}, usage: "highlights [today | YYYY-MM-DD | all | #tag] [mine | team]", summary: "top talks, best first", run: r.highlights,
			examples: []string{"highlights", "highlights today", "highlights mine", "highlights #ebpf"}},
		{name: "search", aliases: []string{"find"}, usage: "search <words>", summary: "search titles, speakers, abstracts and notes", run: r.search,
			examples: []string{"search ebpf", "search Pablo"}},
		{name: "watch", usage: "watch", summary: "what to watch on the recordings, with reasons (also: “what should I watch later?”)", run: r.watch,
			examples: []string{"watch", "what should I watch later?"}},
		{name: "recommend", usage: "recommend <talk> [@user]", summary: "recommend a talk to a colleague (or the whole team)", run: r.recommend,
			examples: []string{"recommend #12 @bob", "recommend #12"}},
		{name: "edit", usage: "edit <talk> <field>:<value>", summary: "fix a talk (title, speakers, event, room, day, tags, schedule, video) or your log (rating, reason)", run: r.edit,
			examples: []string{"edit #12 title:Resize Your Pods In-Place", "edit #12 room:W183", "edit #12 speakers:Pablo Chico de Guzman (Red Hat), Vinay Kulkarni", "edit #12 rating:4"}},
		{name: "delete", aliases: []string{"remove"}, usage: "delete <talk>", summary: "delete your log and notes on a talk", run: r.delete,
			examples: []string{"delete #12"}},
		{name: "undo", usage: "undo", summary: "undo your last change", run: r.undo, examples: []string{"undo"}},
		{name: "conf", aliases: []string{"conference"}, usage: "conf [list | use <name> | new <name> [YYYY-MM-DD..YYYY-MM-DD] [IANA zone] | video <playlist link>]",
			summary: "conferences (an admin's new or use switches the team; anyone else's, just them)", run: r.conf,
			examples: []string{"conf", "conf list", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver", "conf use KubeCon NA 2024",
				"conf video https://www.youtube.com/playlist?list=PLj6h78yzYM2Pw4mRw4S-1p_xLARMqPkA7"}},
		{name: "export", usage: "export json", summary: "all your data as JSON (format talkbot.export/v1)", run: r.export,
			examples: []string{"export json"}},
		{name: "privacy", usage: "privacy [team | private]", summary: "who sees your notes by default", run: r.privacy,
			examples: []string{"privacy", "privacy private"}},
		{name: "forget", usage: "forget me", summary: "delete all your data (asks to confirm)", run: r.forget,
			examples: []string{"forget me"}},
		{name: "help", usage: "help [command]", summary: "this list, or one command in detail", run: r.helpCmd,
			examples: []string{"help", "help add"}},
	}
}

func (r *Router) helpCmd(_ context.Context, c *call) (Reply, error) {
	return r.help(c.args), nil
}

// help lists every command, or explains one.
func (r *Router) help(topic string) Reply {
	topic = strings.ToLower(strings.TrimSpace(topic))
	b := &builder{}
	if topic != "" {
		cmd, ok := r.byName[topic]
		if !ok {
			return r.unknown(topic)
		}
		b.line(code(cmd.usage))
		b.text(cmd.summary)
		if len(cmd.aliases) > 0 {
			b.text("Also: " + strings.Join(cmd.aliases, ", "))
		}
		for _, ex := range cmd.examples {
			b.line(plain("  "), code(ex))
		}
		for _, n := range cmd.notes {
			b.text(n)
		}
		return b.reply()
	}
	b.text("talkbot: log the talks you see, rate them, share highlights with your team.")
	for _, cmd := range r.commands {
		b.line(code(cmd.usage), plain(" — "+cmd.summary))
	}
	b.text("A talk is #id, a schedule link or id, or its title; with none, your last talk. `help <command>` shows examples.")
	return b.reply()
}
