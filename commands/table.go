package commands

import (
	"context"
	"strings"
)

// table is the one list of commands: routing, help and what adapters know of
// a command (whether it changes data, is for admins, or is slow) all come
// from it.
func (r *Router) table() []command {
	row := func(c Command, run func(ctx context.Context, c *call) (Reply, error)) command {
		return command{Command: c, run: run}
	}
	return []command{
		row(Command{Name: "add", Aliases: []string{"saw"}, Changes: true, FreeText: "note",
			Usage:   "add <title or schedule link> [5/5] [#tag] [url] [speakers:…] [event:…] [room:…] [day:YYYY-MM-DD] [tags:…] [-- note]",
			Summary: "log a talk you attended (creates it if new)",
			Notes: []string{"A rating is 4/5, *4 or ★★★★; a bare number is not one.",
				"Options count wherever they stand, at the end of the note too: `-- loved it 5/5 #security`.",
				"Only ` -- ` starts the note; an em dash is part of the title."},
			Examples: []string{"add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni 5/5 #ebpf -- mind slightly blown",
				"add Cgroupv2 Is Coming Soon To a Cluster Near You -- only saw the last half",
				"add https://kccncna2022.sched.com/event/182HU *4 room:W183"}}, r.add),
		row(Command{Name: "missed", Changes: true, FreeText: "reason", Usage: "missed <talk> [-- reason]", Summary: "could not attend; puts it on your watch-later list",
			Examples: []string{"missed https://kccncna2022.sched.com/event/182E3 -- room full"}}, r.missed),
		row(Command{Name: "want", Aliases: []string{"later"}, Changes: true, FreeText: "note", Usage: "want <talk> [-- note]", Summary: "put a talk on your watch-later list",
			Examples: []string{"want #14", "later Cgroupv2 Is Coming Soon"}}, r.want),
		row(Command{Name: "unwant", Changes: true, Usage: "unwant <talk>", Summary: "take a talk off your watch-later list",
			Examples: []string{"unwant #14"}}, r.unwant),
		row(Command{Name: "watched", Changes: true, FreeText: "note", Usage: "watched <talk> [-- note]", Summary: "you watched the recording (leaves the watch-later list)",
			Examples: []string{"watched #14"}}, r.watched),
		row(Command{Name: "rate", Changes: true, Usage: "rate [#id | \"title\"] <1-5>", Summary: "rate a talk (your last one unless you say)",
			Examples: []string{"rate 4", "rate #12 5/5", "rate \"KEDA - Real Time And Serverless Scaling in Kubernetes\" ★★★★"}}, r.rate),
		row(Command{Name: "unrate", Changes: true, Usage: "unrate [#id | \"title\"] [1-5]", Summary: "remove your rating (given one, only while it is that one)",
			Examples: []string{"unrate", "unrate #12"}}, r.unrate),
		row(Command{Name: "star", Changes: true, Usage: "star [#id | \"title\"]", Summary: "mark a personal highlight", Examples: []string{"star", "star #12"}}, r.star),
		row(Command{Name: "unstar", Changes: true, Usage: "unstar [#id | \"title\"]", Summary: "remove a personal highlight", Examples: []string{"unstar #12"}}, r.unstar),
		row(Command{Name: "note", Changes: true, Usage: "note [--private] [#id | \"title\"] <text> | note edit|delete|private|team n<id> [text]",
			Summary:  "add a note (to your last talk unless you say), or change one of yours",
			Examples: []string{"note the demo was great", "note --private #12 ask Vinay about KEP-1287", "note edit n57 the demo was great, slides are up", "note private n57"}}, r.note),
		row(Command{Name: "notes", Usage: "notes [<talk>]", Summary: "your notes on a talk, with the n<id> that note edit and note delete take",
			Examples: []string{"notes", "notes #12"}}, r.notes),
		row(Command{Name: "video", Changes: true, Usage: "video [<talk>] <recording url>", Summary: "attach the recording link",
			Examples: []string{"video #12 https://www.youtube.com/watch?v=29yKJ1312AM"}}, r.video),
		row(Command{Name: "list", Usage: "list [today | YYYY-MM-DD | day N] [mine | team | @user] [#tag] [watch]", Summary: "list talks (yours unless you say)",
			Examples: []string{"list", "list today team", "list @bob", "list #ebpf", "list watch"}}, r.list),
		row(Command{Name: "show", Usage: "show <talk> [page N]", Summary: "one talk with everyone's ratings (fifteen people a page) and team notes",
			Examples: []string{"show #12", "show keda"}}, r.show),
		row(Command{Name: "highlights", Aliases: []string{"top"}, Usage: "highlights [today | YYYY-MM-DD | all | #tag] [mine | team]", Summary: "top talks, best first",
			Examples: []string{"highlights", "highlights today", "highlights mine", "highlights #ebpf"}}, r.highlights),
		row(Command{Name: "search", Aliases: []string{"find"}, KeepsText: true, Usage: "search <words>", Summary: "search titles, speakers, abstracts and notes",
			Examples: []string{"search ebpf", "search Pablo"}}, r.search),
		row(Command{Name: "summary", Slow: true, Usage: "summary [<talk> | today | YYYY-MM-DD | all | #tag | mine]",
			Summary:  "summarise the notes you can read (an LLM when one is set up, else a built-in summariser)",
			Examples: []string{"summary today", "summary #12", "summary #ebpf", "summary mine"}}, r.summary),
		row(Command{Name: "watch", Usage: "watch", Summary: "what to watch on the recordings, with reasons (also: “what should I watch later?”)",
			Examples: []string{"watch", "what should I watch later?"}}, r.watch),
		row(Command{Name: "recommend", Changes: true, Usage: "recommend <talk> [@user]", Summary: "recommend a talk to a colleague (or the whole team)",
			Examples: []string{"recommend #12 @bob", "recommend #12"}}, r.recommend),
		row(Command{Name: "edit", Changes: true, Usage: "edit <talk> <field>:<value>",
			Summary: "fix a talk (title, speakers, event, room, day, tags, schedule, video) or your log (rating, reason)",
			Examples: []string{"edit #12 title:Resize Your Pods In-Place", "edit #12 room:W183",
				"edit #12 speakers:Pablo Chico de Guzman (Red Hat), Vinay Kulkarni", "edit #12 rating:4"}}, r.edit),
		row(Command{Name: "delete", Aliases: []string{"remove"}, Changes: true, Usage: "delete <talk>", Summary: "delete your log and notes on a talk",
			Examples: []string{"delete #12"}}, r.delete),
		row(Command{Name: "merge", Changes: true, Usage: "merge #id into #id [confirm]", Summary: "one session logged twice, under two titles: make the first one the second, for everyone",
			Notes: []string{"Everyone's logs, ratings, notes and recommendations of the first move onto the second, which takes the details it lacked; the first is gone, and `undo` cannot bring it back, so the bot asks first.",
				"For whoever logged the first one first, or an admin. A session of an imported schedule stays: merge the other into it."},
			Examples: []string{"merge #12 into #14"}}, r.merge),
		row(Command{Name: "undo", Changes: true, Usage: "undo", Summary: "undo your last change", Examples: []string{"undo"}}, r.undo),
		row(Command{Name: "conf", Aliases: []string{"conference"}, Changes: true,
			Usage:   "conf [list | use <name> | new <name> [YYYY-MM-DD..YYYY-MM-DD] [IANA zone] | here [<name> | off] | video <playlist link>]",
			Summary: "conferences (an admin's new or use switches the team; anyone else's, just them)",
			Notes:   []string{"An admin's `conf here <name>` gives the channel a conference of its own: every command typed there, by anyone, and its digest are about it; `conf here off` has it follow the team again."},
			Examples: []string{"conf", "conf list", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver", "conf use KubeCon NA 2024", "conf here FOSDEM 2025",
				"conf video https://www.youtube.com/playlist?list=PLj6h78yzYM2Pw4mRw4S-1p_xLARMqPkA7"}}, r.conf),
		row(Command{Name: "digest", Changes: true, Usage: "digest [on [here | #channel | !roomid:server] at HH:MM [IANA zone] | off [here | #channel] | status | preview [YYYY-MM-DD]]",
			Summary: "the team's daily digest in a channel, every evening of the conference (on and off are for admins)",
			Notes: []string{"The time is local to the conference unless you give a zone; 18:00 stays 18:00 when the clocks change.",
				"A day with nothing logged posts nothing. `digest preview` shows exactly what would be posted, and posts nothing."},
			Examples: []string{"digest on here at 18:00", "digest on #kubecon-talks at 18:30 Europe/Amsterdam", "digest status", "digest preview 2026-03-24", "digest off"}}, r.digest),
		row(Command{Name: "notify", Changes: true, Usage: "notify [on | off]", Summary: "a message when a talk on your watch-later or missed list gets a recording",
			Examples: []string{"notify", "notify off"}}, r.notify),
		row(Command{Name: "import", Admin: true, Slow: true, Changes: true, Usage: "import <schedule link or file> [IANA zone]",
			Summary: "import the conference's schedule, or import it again to update it (admins)",
			Notes: []string{"Reads Sched calendars (https://<event>.sched.com/all.ics), frab/FOSDEM schedule.xml and pretalx schedule.json.",
				"A file on the bot's own disk is imported from its console only; in chat, give a link.",
				"A zone after the link is for schedules that do not say theirs. `import` alone imports the same schedule again."},
			Examples: []string{"import https://kccnceu2026.sched.com/all.ics", "import https://fosdem.org/2025/schedule/xml",
				"import https://pretalx.com/democon/schedule.json Europe/Berlin", "import"}}, r.importSchedule),
		row(Command{Name: "schedule", Aliases: []string{"agenda"}, Usage: "schedule [now | next | today | tomorrow | YYYY-MM-DD | day N | all] [#track]",
			Summary:  "the conference's sessions with times and rooms, and who of the team went or wants to watch",
			Examples: []string{"schedule now", "schedule next", "schedule today #security", "schedule 2026-03-25", "schedule all #rust"}}, r.schedule),
		row(Command{Name: "journal", Changes: true,
			Usage:   "journal [--takeaway] [--private] <text> | journal | journal edit|delete|private|team|takeaway|intro j<id> [text]",
			Summary: "notes on the conference itself (the venue, the crowd, takeaways) for your wrap-up post; alone, lists yours",
			Notes: []string{"Takeaways go under “Thoughts and takeaways” in `export markdown`; the other notes make its intro.",
				"Like notes, they are team-visible unless `--private` or your `privacy` says otherwise."},
			Examples: []string{"journal 10k+ attendees, rooms too small", "journal --takeaway DRA is almost as hot as AI", "journal",
				"journal edit j3 9,200 attendees, we were told", "journal delete j3"}}, r.journal),
		row(Command{Name: "presented", Changes: true, FreeText: "note", Usage: "presented <talk> [slides link] [-- note]",
			Summary:  "you gave this talk (and attended it); the wrap-up post says so and links the slides",
			Examples: []string{"presented #12 https://speakerdeck.com/elmiko/okd-status", "presented Building a More Resilient Future with Advanced Cloud Provider Testing"}}, r.presented),
		row(Command{Name: "export", KeepsText: true, Usage: "export markdown [team] [conference] [--by day|event|topic] [--front jekyll|hugo|none] [--title …] [--stars] [--no-private] | export ics [conference] | export json",
			Summary: "your wrap-up post (or the team's) in Markdown, your agenda as iCalendar, or all your data as JSON (talkbot.export/v1)",
			Notes: []string{"The post groups your talks by event (the default; by day for an imported schedule), day or topic (their first tag), with your notes, ratings (words, or `--stars`), recordings, the talks you still want to watch and your `journal` takeaways.",
				"It includes your private notes unless `--no-private`; `export markdown team` has only notes the team can read, each with its author."},
			Examples: []string{"export markdown", "export markdown --by day --front hugo", "export markdown KubeCon NA 2024 --title My KubeCon week --no-private",
				"export markdown team", "export ics", "export json"}}, r.export),
		row(Command{Name: "privacy", Changes: true, Usage: "privacy [team | private]", Summary: "who sees your new notes (and why you missed a talk) by default",
			Examples: []string{"privacy", "privacy private"}}, r.privacy),
		row(Command{Name: "forget", Changes: true, Usage: "forget me", Summary: "delete all your data (asks to confirm)",
			Examples: []string{"forget me"}}, r.forget),
		row(Command{Name: "help", Usage: "help [command]", Summary: "this list, or one command in detail",
			Examples: []string{"help", "help add"}}, r.helpCmd),
	}
}

func (r *Router) helpCmd(_ context.Context, c *call) (Reply, error) {
	return r.help(c.args), nil
}

// help lists every command, or explains one.
func (r *Router) help(topic string) Reply {
	topic = strings.ToLower(strings.TrimSpace(topic))
	b := &builder{r: Reply{Command: "help", Safe: true}}
	if topic != "" {
		cmd, ok := r.byName[topic]
		if !ok {
			return r.unknown(topic)
		}
		b.line(code(cmd.Usage))
		b.line(plain(cmd.Summary))
		if len(cmd.Aliases) > 0 {
			b.line(plain("Also: " + strings.Join(cmd.Aliases, ", ")))
		}
		for _, ex := range cmd.Examples {
			b.line(plain("  "), code(ex))
		}
		for _, n := range cmd.Notes {
			b.text(n)
		}
		return b.reply()
	}
	b.text("talkbot: log the talks you see, rate them, share highlights with your team.")
	for _, cmd := range r.commands {
		b.line(code(cmd.Usage), plain(" — "+cmd.Summary))
	}
	b.text("A talk is #id, a schedule link or id, or its title; with none, your last talk. `help <command>` shows examples.")
	return b.reply()
}
