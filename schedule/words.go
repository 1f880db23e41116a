package schedule

// Word lists behind the speaker parser. They are small on purpose: each word
// here settles a case that real Sched titles get wrong otherwise.

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// nameParticles may start in lower case inside a name: "Pablo Chico de Guzman".
var nameParticles = set("de", "da", "di", "del", "della", "van", "von", "der", "den", "la", "le", "du", "dos", "das",
	"do", "bin", "binti", "al", "el", "y", "ten", "ter", "zu", "af", "st", "e")

// notNames cannot start a person's name.
var notNames = set("the", "a", "an", "how", "why", "what", "when", "where", "who", "from", "intro", "introduction",
	"deep", "part", "and", "with", "your", "our", "my", "is", "are", "to", "in", "on", "of", "for", "beyond", "into",
	"building", "scaling", "running", "using", "getting", "making", "lessons", "day", "full", "half", "all", "no", "not",
	"one", "two", "three", "new", "next", "live", "open", "closing", "opening", "welcome", "sponsored", "project",
	// Articles of German, French, Spanish and Italian subtitles ("- Eine
	// Einführung", "- Una Guía"); not those that are also names (Les, Des,
	// Una, Uma, Le, Du, Lo, Das).
	"ein", "eine", "einer", "die", "une", "los", "las", "gli")

// sessionWords mark text as a kind of session, not a person.
var sessionWords = set("workshop", "panel", "keynote", "tutorial", "session", "sessions", "discussion", "lightning",
	"talk", "talks", "update", "updates", "demo", "demos", "hours", "meetup", "bof", "summit", "breakout", "q&a", "ama",
	"edition", "training", "event", "remarks", "break", "lunch", "networking", "reception", "registration", "required",
	"kubernetes", "cloud", "native", "roadmap", "intro", "overview", "deep", "dive", "way", "hard", "mesh", "service",
	"security", "observability", "platform", "engineering", "scaling", "serverless", "real", "time")

// roleWords mark an item as a job title: "Staff Developer Advocate".
var roleWords = set("maintainer", "maintainers", "engineer", "engineers", "developer", "director", "manager", "advocate",
	"architect", "scientist", "lead", "head", "fellow", "president", "vp", "vice", "cto", "ceo", "coo", "cio", "ciso",
	"cpo", "cfo", "founder", "co-founder", "cofounder", "chair", "chairperson", "co-chair", "member", "officer",
	"principal", "senior", "sr", "staff", "distinguished", "chief", "consultant", "evangelist", "specialist", "analyst",
	"researcher", "professor", "student", "intern", "owner", "contributor", "committer", "organizer", "organiser",
	"ambassador", "sre", "technologist", "strategist", "editor", "author", "executive", "programmer", "administrator",
	"coordinator", "steward", "emeritus", "liaison", "lecturer", "phd", "postdoc", "devrel", "dev", "swe", "manager,",
	"gm", "svp", "evp", "avp", "cso", "cmo", "leader", "expert", "trainer", "instructor", "mentor", "creator", "host",
	"moderator", "marketing", "sales", "oss", "product", "community", "reviewer", "approver")

// departments alone stand for a job title: "Jane Doe, Vice President, Product, Acme".
var departments = set("product", "engineering", "marketing", "sales", "research", "operations", "infrastructure",
	"devops", "platform", "security", "legal", "finance", "design", "support")

// orgWords mark an item as an organisation: "Palo Alto Networks", "SAP Labs".
var orgWords = set("inc", "ltd", "llc", "gmbh", "ag", "corp", "corporation", "company", "co", "plc", "labs", "lab",
	"networks", "network", "systems", "technologies", "technology", "tech", "software", "solutions", "cloud", "group",
	"foundation", "university", "universität", "universidad", "université", "college", "institute", "school",
	"academy", "bank", "telekom", "telecom", "services", "consulting", "data", "ai", "analytics", "computing",
	"research", "energy", "media", "games", "entertainment", "studios", "health", "capital", "partners", "digital",
	"io", "hq", "international", "global", "industries", "enterprises", "holdings", "agency", "ministry",
	"government", "council", "commission", "association", "society", "project", "community", "team", "works",
	"platforms", "security", "sciences", "science", "mathematics", "engineering", "robotics", "automotive",
	"mobility", "financial", "insurance", "investments", "markets", "exchange", "airlines", "railways", "telco",
	"communications", "wireless", "mobile", "electronics", "devices", "semiconductor", "microsystems", "gaming",
	"independent", "self", "freelance", "freelancer", "gmbh.", "center", "centre", "hospital", "laboratory",
	"national", "federal", "space", "aerospace", "cie", "sa", "srl", "bv", "nv", "state", "city", "machine", "learning", "open", "source", "linux", "apache", "cncf")

// knownOrgs are organisations whose names read like a person's.
var knownOrgs = set("red hat", "giant swarm", "deutsche telekom", "deutsche bahn", "capital one", "goldman sachs",
	"morgan stanley", "jp morgan", "american express", "home depot", "liberty mutual", "new relic", "swiss re",
	"palo alto", "mercedes benz", "mercedes-benz", "grafana", "cast ai", "aqua", "weave", "chaos mesh", "morgan",
	"stand tall", "marsh mclennan", "gens de confiance", "bloomberg", "booking", "spotify", "adidas", "ikea",
	"lexisnexis", "dynatrace", "elastic", "uber", "shopify", "teleport", "docker", "buoyant", "akuity", "intuit",
	"datadog", "google", "microsoft", "amazon", "apple", "meta", "netflix", "oracle", "vmware", "broadcom",
	"isovalent", "solo", "codefresh", "weaveworks", "chainguard", "upbound", "tetrate", "kong", "okta", "twilio",
	"zalando", "ericsson", "nokia", "siemens", "bosch", "sap", "suse", "canonical", "mirantis", "rancher", "percona",
	"ovhcloud", "scaleway", "hetzner", "ionos", "swisscom", "rabobank", "ing", "abn amro", "volkswagen", "bmw",
	"michelin", "renault", "orange", "vodafone", "telefonica", "bt", "sky", "bbc", "cern", "hitachi", "fujitsu",
	"nec", "toyota", "sony", "samsung", "huawei", "alibaba", "tencent", "baidu", "bytedance", "xiaomi", "daocloud", "defense unicorns", "liquid reply", "trade desk")

// commonWords are never a one-word name.
var commonWords = set("demo", "intro", "update", "keynote", "panel", "break", "lunch", "welcome", "closing",
	"opening", "overview", "tutorial", "workshop", "remarks", "q", "kubernetes", "everyone", "community", "tbd", "tba")
