package schedule

import (
	"regexp"
	"strings"
	"unicode"
)

// isNonTalk reports whether a session is an item of the programme that is
// not a talk: badge pick-up, breaks, meals, receptions and parties,
// community gatherings, booth and project demos without a topic. Such items
// stay out of recommendations, highlights and the wrap-up. A co-located
// event with a registration of its own ("OpenShift Commons Gathering | SEPARATE
// REGISTRATION REQUIRED") is not one of them: people attend it, rate it
// and write it up.
//
// It reads the track and type first ("BREAKS", "REGISTRATION"), then the
// title: a title, or a part of it after a colon or a bar ("Project
// Lightning Talk: Mini Break"), made only of such words, or a part that
// ends like a gathering ("LGBTQ+ Community Gathering", "Kubernetes Meet +
// Greet"). A session with speakers is a talk unless its track or type says
// otherwise.
func isNonTalk(title, track, typ string, hasSpeakers bool) bool {
	if t := words(track); len(t) > 0 && allIn(t, nonTalkTracks) {
		return true
	}
	if t := words(typ); len(t) > 0 && allIn(t, nonTalkTracks) {
		return true
	}
	// An event with tickets of its own is judged by its name alone, and
	// "OpenShift Commons Gathering" is a co-located event, not a get-together;
	// "Diversity Reception | SEPARATE REGISTRATION REQUIRED" is still a reception.
	own := ownRegistration(title)
	if own {
		title = reSoldOut.ReplaceAllString(reOwnRegistration.ReplaceAllString(title, " "), " ")
	}
	if hasSpeakers {
		return false
	}
	if w := words(title); len(w) > 0 && allIn(w, logistics, exhibits, fillers) && !allIn(w, fillers) {
		return true // "Badge Pick-Up", "Gold Sponsor In-Booth Demos", "Solutions Showcase"
	}
	for _, part := range strings.FieldsFunc(title, func(r rune) bool { return strings.ContainsRune("|:[]()–—", r) }) {
		w := words(part)
		if len(w) == 0 {
			continue
		}
		if allIn(w, logistics, fillers) && !allIn(w, fillers) {
			return true // "Lunch", "Mini Break", "#KubeCrawl + #CloudNativeFest"
		}
		if last := w[len(w)-1]; gatherings[last] && !(own && last == "gathering") {
			return true // "Network Nook Meetup", "Women's Community Gathering"
		}
	}
	return false
}

// ownRegistration reports whether a session is an event with tickets of its
// own ("… | SEPARATE REGISTRATION REQUIRED"): one to log, but not a day of
// the conference proper (sessionDays).
func ownRegistration(title string) bool { return reOwnRegistration.MatchString(title) }

// How a title says it has tickets of its own, and that they are gone.
var (
	reOwnRegistration = regexp.MustCompile(`(?i)\bseparate registrations?\b(\s+required\b)?|\bregistration required\b`)
	reSoldOut         = regexp.MustCompile(`(?i)\[\s*sold out\s*\]`)
)

// words returns the lower-case words of s, with the phrases below joined
// into one word ("pick up" is "pick-up") and a hashtag reduced to the social
// word it ends in ("#KubeCrawl" is "crawl").
func words(s string) []string {
	s = strings.ToLower(s)
	var out []string
	hashtag := false
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '#' && r != '\''
	}) {
		hashtag = strings.HasPrefix(f, "#")
		f = strings.Trim(f, "#'")
		f = strings.TrimSuffix(f, "'s")
		if f == "" {
			continue
		}
		if hashtag {
			for _, end := range []string{"crawl", "fest", "party", "night"} {
				if strings.HasSuffix(f, end) {
					f = end
				}
			}
		}
		if n := len(out); n > 0 && phrases[out[n-1]+" "+f] {
			out[n-1] += "-" + f
			continue
		}
		out = append(out, f)
	}
	return out
}

// allIn reports whether every word is in one of the sets, numbers aside.
func allIn(ws []string, sets ...map[string]bool) bool {
	for _, w := range ws {
		if w[0] >= '0' && w[0] <= '9' {
			continue // "Day 2", "1st", "10am"
		}
		found := false
		for _, set := range sets {
			if set[w] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// phrases are joined into one word before the sets are consulted, so that
// "run" or "check" alone mean nothing.
var phrases = set("pick up", "coat check", "check in", "on own", "happy hour", "fun run", "fun walk", "run walk",
	"meet greet", "meet up", "meet and", "fun-run walk", "meet-and greet", "expo hall", "exhibit hall", "exhibition hall", "in booth", "lunch break")

// nonTalkTracks are tracks and session types that hold no talks.
var nonTalkTracks = set("break", "breaks", "pause", "registration", "meals", "meal", "catering", "lunch", "coffee",
	"food", "logistics", "social", "socials", "party", "parties", "reception", "receptions", "and", "&")

// logistics are the words of breaks, meals, registration and social events.
var logistics = set("break", "breaks", "pause", "coffee", "tea", "refreshments", "snack", "snacks", "lunch", "lunches",
	"lunch-break", "breakfast", "brunch", "dinner", "supper", "meal", "drinks", "beer", "reception", "party", "crawl",
	"fest", "social", "mixer", "networking", "registration", "badge", "badges", "pick-up", "pickup", "cloakroom",
	"cloak", "coat-check", "check-in", "checkin", "wardrobe", "luggage", "happy-hour", "fun-run", "fun-walk",
	"run-walk", "fun-run-walk", "on-own", "yoga", "night")

// exhibits are the words of expo-floor items without a topic; only a whole
// title made of them is a non-talk ("Keynote: Live Demo Showcase" is a talk).
var exhibits = set("solutions", "showcase", "demo", "demos", "booth", "booths", "in-booth", "expo", "expo-hall",
	"exhibit", "exhibit-hall", "exhibition", "exhibition-hall", "exhibitor", "exhibitors", "sponsor", "sponsors",
	"gold", "silver", "platinum", "diamond", "bronze", "project", "projects", "pavilion", "poster", "posters", "floor")

// fillers mean nothing either way.
var fillers = set("and", "or", "the", "a", "an", "with", "in", "at", "of", "for", "by", "to", "time", "open", "opens",
	"desk", "area", "provided", "served", "mini", "short", "long", "morning", "afternoon", "evening", "group",
	"attendee", "attendees", "session", "sessions", "hall", "day", "all", "welcome", "closing", "official")

// gatherings end the name of a social event.
var gatherings = set("gathering", "meetup", "meet-up", "meet-greet", "meet-and-greet", "mixer", "happy-hour",
	"reception", "party", "crawl", "fest")
