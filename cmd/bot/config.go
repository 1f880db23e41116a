package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/llm"
)

// Config is the bot's configuration, read once from the environment.
type Config struct {
	DB       string   // BOT_DB
	Admins   []string // BOT_ADMINS
	HTTPAddr string   // HTTP_ADDR
	LogLevel string   // LOG_LEVEL
	// BOT_SHUTDOWN_TIMEOUT: on SIGTERM, how long commands under way and queued may take to finish
	ShutdownTimeout time.Duration
	// DIGEST_WINDOW: how late a digest still goes out when the bot was down at its time
	DigestWindow time.Duration

	SlackBotToken      string
	SlackAppToken      string
	SlackSigningSecret string
	SlackAPIURL        string

	MatrixHomeserver      string
	MatrixUser            string
	MatrixPassword        string
	MatrixAccessToken     string
	MatrixPickleKey       string
	MatrixCryptoDB        string   // MATRIX_CRYPTO_DB: the end-to-end encryption store; default next to BOT_DB
	MatrixInviters        []string // MATRIX_ALLOWED_INVITERS: servers or user ids; empty means the bot's own server
	MatrixRecoveryKey     string   // MATRIX_RECOVERY_KEY: opens the cross-signing keys in the account's secret storage
	MatrixRecoveryKeyFile string   // where a new recovery key is written for the operator: next to BOT_DB
	// MATRIX_RESET_CROSS_SIGNING: replace the account's cross-signing keys when the bot cannot reach them
	MatrixResetCrossSigning bool
	resetCrossSigning       string // as given, for Validate

	OpenAIKey           string
	OpenAIBaseURL       string
	OpenAIModel         string
	OpenAIDailyTokens   int64         // OPENAI_DAILY_TOKENS: per workspace per day; 0 means no cap
	OpenAITimeout       time.Duration // OPENAI_TIMEOUT: per request
	OpenAIContextTokens int           // OPENAI_CONTEXT_TOKENS: prompt and answer of one request

	// IMPORT_ALLOW_PRIVATE: `import` may fetch from loopback and private addresses (a schedule on the operator's own network)
	ImportAllowPrivate bool
	importAllowPrivate string // as given, for Validate

	parseErrs []error // variables that did not parse, reported by Validate
}

// loadConfig reads the configuration through getenv.
func loadConfig(getenv func(string) string) Config {
	c := Config{
		DB:                 getenv("BOT_DB"),
		HTTPAddr:           getenv("HTTP_ADDR"),
		LogLevel:           strings.ToLower(getenv("LOG_LEVEL")),
		SlackBotToken:      getenv("SLACK_BOT_TOKEN"),
		SlackAppToken:      getenv("SLACK_APP_TOKEN"),
		SlackSigningSecret: getenv("SLACK_SIGNING_SECRET"),
		SlackAPIURL:        getenv("SLACK_API_URL"),
		MatrixHomeserver:   getenv("MATRIX_HOMESERVER"),
		MatrixUser:         getenv("MATRIX_USER"),
		MatrixPassword:     getenv("MATRIX_PASSWORD"),
		MatrixAccessToken:  getenv("MATRIX_ACCESS_TOKEN"),
		MatrixPickleKey:    getenv("MATRIX_PICKLE_KEY"),
		OpenAIKey:          getenv("OPENAI_API_KEY"),
		OpenAIBaseURL:      getenv("OPENAI_BASE_URL"),
		OpenAIModel:        getenv("OPENAI_MODEL"),
	}
	if c.DB == "" {
		c.DB = "talkbot.db"
	}
	// The Matrix files live next to BOT_DB, so that they move with it.
	base := strings.TrimSuffix(c.DB, ".db")
	c.MatrixCryptoDB = getenv("MATRIX_CRYPTO_DB")
	if c.MatrixCryptoDB == "" {
		c.MatrixCryptoDB = base + "-crypto.db"
	}
	c.MatrixRecoveryKeyFile = base + "-recovery-key.txt"
	c.MatrixRecoveryKey = strings.TrimSpace(getenv("MATRIX_RECOVERY_KEY"))
	c.resetCrossSigning = strings.TrimSpace(getenv("MATRIX_RESET_CROSS_SIGNING"))
	c.MatrixResetCrossSigning, _ = strconv.ParseBool(c.resetCrossSigning)
	c.MatrixInviters = splitList(getenv("MATRIX_ALLOWED_INVITERS"))
	c.importAllowPrivate = strings.TrimSpace(getenv("IMPORT_ALLOW_PRIVATE"))
	c.ImportAllowPrivate, _ = strconv.ParseBool(c.importAllowPrivate)
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8080"
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	c.Admins = splitList(getenv("BOT_ADMINS"))
	c.OpenAIDailyTokens = c.parseInt(getenv, "OPENAI_DAILY_TOKENS", 200000,
		"OPENAI_DAILY_TOKENS must be a whole number of tokens, 0 for no cap")
	c.OpenAIContextTokens = int(c.parseInt(getenv, "OPENAI_CONTEXT_TOKENS", 8000,
		"OPENAI_CONTEXT_TOKENS must be a whole number of tokens"))
	c.ShutdownTimeout = 10 * time.Second
	if v := getenv("BOT_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			c.parseErrs = append(c.parseErrs, errors.New("BOT_SHUTDOWN_TIMEOUT must be a duration like 10s"))
		} else {
			c.ShutdownTimeout = d
		}
	}
	c.DigestWindow = 6 * time.Hour
	if v := getenv("DIGEST_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			c.parseErrs = append(c.parseErrs, errors.New("DIGEST_WINDOW must be a duration like 6h"))
		}
		c.DigestWindow = d
	}
	c.OpenAITimeout = 30 * time.Second
	if v := getenv("OPENAI_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			c.parseErrs = append(c.parseErrs, errors.New("OPENAI_TIMEOUT must be a duration like 30s"))
		}
		c.OpenAITimeout = d
	}
	return c
}

func (c *Config) parseInt(getenv func(string) string, name string, def int64, msg string) int64 {
	v := getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		c.parseErrs = append(c.parseErrs, errors.New(msg))
		return def
	}
	return n
}

func splitList(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Validate checks the configuration; each error names its variable.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.SlackBotToken == "" || strings.HasPrefix(c.SlackBotToken, "xoxb-"), "SLACK_BOT_TOKEN must start with xoxb-")
	check(c.SlackAppToken == "" || strings.HasPrefix(c.SlackAppToken, "xapp-"), "SLACK_APP_TOKEN must start with xapp-")
	check(c.SlackAppToken == "" && c.SlackSigningSecret == "" || c.SlackBotToken != "",
		"SLACK_BOT_TOKEN must be set when SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is")
	check(c.SlackAPIURL == "" || isHTTPURL(c.SlackAPIURL), "SLACK_API_URL must be an http(s) URL")
	check(c.MatrixHomeserver == "" || isHTTPURL(c.MatrixHomeserver), "MATRIX_HOMESERVER must be an http(s) URL like https://matrix.example.org")
	// A password in a URL would be logged with every request the URL is in.
	check(!hasUserinfo(c.SlackAPIURL), "SLACK_API_URL must not hold a user name or password")
	check(!hasUserinfo(c.MatrixHomeserver), "MATRIX_HOMESERVER must not hold a user name or password; the bot logs in with MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN")
	check(!hasUserinfo(c.OpenAIBaseURL), "OPENAI_BASE_URL must not hold a user name or password; the key goes in OPENAI_API_KEY")
	// The client puts /chat/completions after the whole URL, query and all,
	// and errors quote the URL: a key in a query broke every call and was logged.
	check(!strings.ContainsAny(c.OpenAIBaseURL, "?#"), "OPENAI_BASE_URL must not hold a query or fragment (?…); a key goes in OPENAI_API_KEY")
	check(c.MatrixUser == "" || strings.HasPrefix(c.MatrixUser, "@") && strings.Contains(c.MatrixUser, ":"),
		"MATRIX_USER must be a full Matrix id like @talkbot:example.org")
	check(c.MatrixUser == "" || c.MatrixPassword != "" || c.MatrixAccessToken != "",
		"MATRIX_PASSWORD or MATRIX_ACCESS_TOKEN must be set when MATRIX_USER is")
	check(c.matrixEnabled() || c.MatrixPassword == "" && c.MatrixHomeserver == "" && c.MatrixPickleKey == "" && c.MatrixRecoveryKey == "",
		"MATRIX_USER (or MATRIX_ACCESS_TOKEN) must be set when MATRIX_HOMESERVER, MATRIX_PASSWORD, MATRIX_PICKLE_KEY or MATRIX_RECOVERY_KEY is")
	check(!c.matrixEnabled() || c.MatrixHomeserver != "", "MATRIX_HOMESERVER must be set when Matrix credentials are")
	check(!c.matrixEnabled() || c.MatrixPickleKey != "", "MATRIX_PICKLE_KEY must be set when Matrix credentials are (it encrypts the end-to-end keys)")
	check(c.MatrixRecoveryKey == "" || matrix.ValidRecoveryKey(c.MatrixRecoveryKey),
		"MATRIX_RECOVERY_KEY must be a Matrix recovery key: 48 characters in groups of four, as Element shows it")
	_, err := strconv.ParseBool(c.resetCrossSigning)
	check(c.resetCrossSigning == "" || err == nil, "MATRIX_RESET_CROSS_SIGNING must be true or false")
	_, err = strconv.ParseBool(c.importAllowPrivate)
	check(c.importAllowPrivate == "" || err == nil, "IMPORT_ALLOW_PRIVATE must be true or false (1 or 0)")
	check(c.OpenAIBaseURL == "" || isHTTPURL(c.OpenAIBaseURL), "OPENAI_BASE_URL must be an http(s) URL")
	check(c.OpenAIBaseURL == "" && c.OpenAIKey == "" || c.OpenAIModel != "",
		"OPENAI_MODEL must be set when OPENAI_BASE_URL or OPENAI_API_KEY is (e.g. gpt-4o-mini, or a model your server serves)")
	check(c.OpenAIContextTokens == 0 || c.OpenAIContextTokens >= llm.MinContextTokens,
		"OPENAI_CONTEXT_TOKENS must be at least %d", llm.MinContextTokens)
	errs = append(errs, c.parseErrs...)
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LOG_LEVEL must be one of debug, info, warn, error"))
	}
	check(c.DB != "", "BOT_DB must not be empty")
	// The PostgreSQL store is still to come: a postgres:// URL was taken for
	// a file name, and its password printed in the log and the errors.
	check(!isDBURL(c.DB), "BOT_DB must be a SQLite file path: this build has no PostgreSQL store, so it cannot use a postgres:// URL")
	return errors.Join(errs...)
}

func (c Config) slackEnabled() bool  { return c.SlackBotToken != "" }
func (c Config) matrixEnabled() bool { return c.MatrixAccessToken != "" || c.MatrixUser != "" }

// isDBURL reports whether BOT_DB is a URL (postgres://…) rather than a file path.
func isDBURL(s string) bool { return strings.Contains(s, "://") }

func hasUserinfo(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.User != nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
