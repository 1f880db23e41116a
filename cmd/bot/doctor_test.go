package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/adapters/matrix/dendritetest"
)

// slackAuthStandIn answers auth.test and apps.connections.open in Slack's
// wire format, accepting only the given tokens.
func slackAuthStandIn(t *testing.T, botToken, appToken string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Slack takes the token as a bearer header or a form field.
		auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if r.ParseForm() == nil && r.PostForm.Get("token") != "" {
			auth = r.PostForm.Get("token")
		}
		switch r.URL.Path {
		case "/api/auth.test":
			if auth != botToken {
				fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
				return
			}
			fmt.Fprint(w, `{"ok":true,"url":"https://kubecon.slack.com/","team":"KubeCon Team","user":"talkbot","team_id":"T0KUBE","user_id":"U0BOT","bot_id":"B0BOT"}`)
		case "/api/apps.connections.open":
			if auth != appToken {
				fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
				return
			}
			fmt.Fprint(w, `{"ok":true,"url":"wss://wss-primary.slack.com/link/?ticket=1"}`)
		default:
			fmt.Fprint(w, `{"ok":false,"error":"unknown_method"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// openAIStandIn lists models in the OpenAI wire format for one key.
func openAIStandIn(t *testing.T, key string, models ...string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key","param":null}}`)
			return
		}
		if r.URL.Path != "/v1/models" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		var data []string
		for _, m := range models {
			data = append(data, fmt.Sprintf(`{"id":%q,"object":"model","created":1,"owned_by":"test"}`, m))
		}
		fmt.Fprintf(w, `{"object":"list","data":[%s]}`, strings.Join(data, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func doctorRun(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	var out, logs bytes.Buffer
	err := run(context.Background(), []string{"doctor"}, envOf(env), strings.NewReader(""), &out, &logs)
	return out.String(), err
}

// soundDB makes a database with a talk in it.
func soundDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "talkbot.db")
	var out, logs bytes.Buffer
	if err := run(context.Background(), []string{"console", "--user", "alice", "--db", db}, envOf(nil),
		strings.NewReader("add Doctor Talk\n"), &out, &logs); err != nil {
		t.Fatal(err)
	}
	return db
}

func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

func TestDoctor(t *testing.T) {
	hs := dendritetest.Start(t)
	botID, botPW := hs.CreateUser(t, "talkbot")
	token := botToken(t, hs.URL, botID, botPW)
	slackSrv := slackAuthStandIn(t, "xoxb-good", "xapp-good")
	llmSrv := openAIStandIn(t, "sk-good", "llama3.2", "qwen2.5")
	db := soundDB(t)
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	os.WriteFile(damaged, bytes.Repeat([]byte("this is not a database "), 400), 0o600)

	good := map[string]string{
		"BOT_DB":          db,
		"SLACK_BOT_TOKEN": "xoxb-good", "SLACK_APP_TOKEN": "xapp-good", "SLACK_API_URL": slackSrv.URL + "/api/",
		"MATRIX_HOMESERVER": hs.URL, "MATRIX_USER": botID, "MATRIX_PASSWORD": botPW, "MATRIX_PICKLE_KEY": "pickle",
		"OPENAI_BASE_URL": llmSrv.URL + "/v1", "OPENAI_API_KEY": "sk-good", "OPENAI_MODEL": "llama3.2",
	}
	with := func(changes map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range good {
			env[k] = v
		}
		for k, v := range changes {
			if v == "" {
				delete(env, k)
			} else {
				env[k] = v
			}
		}
		return env
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string // in the report
	}{
		{"all good, Matrix by password", good, []string{
			"ok    slack         SLACK_BOT_TOKEN is the bot talkbot (U0BOT) in workspace KubeCon Team (T0KUBE); Socket Mode (SLACK_APP_TOKEN accepted)",
			"ok    matrix        MATRIX_PASSWORD works", "knows the bot as " + botID,
			"ok    database      BOT_DB " + db + " passes integrity_check",
			"ok    llm", "All checks passed."}},
		{"all good, Matrix by token", with(map[string]string{"MATRIX_PASSWORD": "", "MATRIX_ACCESS_TOKEN": token}), []string{
			"ok    matrix        MATRIX_ACCESS_TOKEN works", "All checks passed."}},
		{"a bad configuration", with(map[string]string{"LOG_LEVEL": "loud", "OPENAI_TIMEOUT": "30"}), []string{
			"FAIL  configuration LOG_LEVEL must be one of", "FAIL  configuration OPENAI_TIMEOUT must be a duration"}},
		{"a refused bot token", with(map[string]string{"SLACK_BOT_TOKEN": "xoxb-revoked"}), []string{
			"FAIL  slack         Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token"}},
		{"a refused app token", with(map[string]string{"SLACK_APP_TOKEN": "xapp-old"}), []string{
			"FAIL  slack         Slack refused SLACK_APP_TOKEN (invalid_auth): make an app-level token"}},
		{"Slack unreachable", with(map[string]string{"SLACK_API_URL": closedURL(t) + "/api/"}), []string{
			"FAIL  slack         cannot reach SLACK_API_URL"}},
		{"a wrong Matrix password", with(map[string]string{"MATRIX_PASSWORD": "wrong"}), []string{
			"FAIL  matrix        the homeserver refused MATRIX_USER " + botID + " with MATRIX_PASSWORD"}},
		{"a dead Matrix token", with(map[string]string{"MATRIX_PASSWORD": "", "MATRIX_ACCESS_TOKEN": "syt_bm9ib2R5_dead_0000"}), []string{
			"FAIL  matrix        the homeserver refused MATRIX_ACCESS_TOKEN"}},
		{"the homeserver unreachable", with(map[string]string{"MATRIX_HOMESERVER": closedURL(t)}), []string{
			"FAIL  matrix        cannot reach the homeserver at MATRIX_HOMESERVER"}},
		{"a model the server does not have", with(map[string]string{"OPENAI_MODEL": "gpt-5"}), []string{
			`does not offer OPENAI_MODEL "gpt-5"; it offers llama3.2, qwen2.5`}},
		{"a wrong LLM key", with(map[string]string{"OPENAI_API_KEY": "sk-wrong"}), []string{"refused OPENAI_API_KEY (401)"}},
		{"the LLM unreachable", with(map[string]string{"OPENAI_BASE_URL": closedURL(t) + "/v1"}), []string{"FAIL  llm           cannot reach OPENAI_BASE_URL"}},
		{"a damaged database", with(map[string]string{"BOT_DB": damaged}), []string{
			"FAIL  database      BOT_DB " + damaged + " is damaged", "restore the latest backup"}},
		{"no database yet, no chat, no LLM", map[string]string{"BOT_DB": filepath.Join(t.TempDir(), "new.db")}, []string{
			"does not exist yet", "no Slack or Matrix credentials", "no LLM is configured", "All checks passed."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := doctorRun(t, tc.env)
			passed := strings.Contains(tc.want[len(tc.want)-1], "All checks passed")
			if passed != (err == nil) {
				t.Errorf("doctor err = %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the report lacks %q:\n%s", w, out)
				}
			}
			for _, secret := range []string{"xoxb-good", "xapp-good", "sk-good", botPW, token, "xoxb-revoked", "sk-wrong"} {
				if strings.Contains(out, secret) {
					t.Errorf("the report shows a secret %q:\n%s", secret, out)
				}
			}
		})
	}
	// The password check signed its own device out and left the bot's alone.
	cli, err := mautrix.NewClient(hs.URL, id.UserID(botID), token)
	if err != nil {
		t.Fatal(err)
	}
	devices, err := cli.GetDevicesInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices.Devices {
		if d.DeviceID == "TALKBOTDOCTOR" {
			t.Errorf("the doctor's device is still signed in: %+v", d)
		}
	}
}

// botToken logs the bot in as an operator making MATRIX_ACCESS_TOKEN would.
func botToken(t *testing.T, hs, user, password string) string {
	t.Helper()
	cli, err := mautrix.NewClient(hs, "", "")
	if err != nil {
		t.Fatal(err)
	}
	login, err := cli.Login(context.Background(), &mautrix.ReqLogin{Type: mautrix.AuthTypePassword, Password: password,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: user}})
	if err != nil {
		t.Fatal(err)
	}
	return login.AccessToken
}

// `bot doctor --db PATH` checks that database, as `bot backup --db` backs
// it up; it had checked ./talkbot.db and passed. Other arguments are refused.
func TestDoctorChecksTheDatabaseItIsGiven(t *testing.T) {
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	os.WriteFile(damaged, bytes.Repeat([]byte("this is not a database "), 400), 0o600)
	var out, logs bytes.Buffer
	err := run(context.Background(), []string{"doctor", "--db", damaged}, envOf(map[string]string{"BOT_DB": soundDB(t)}), strings.NewReader(""), &out, &logs)
	if err == nil || !strings.Contains(out.String(), "FAIL  database") || !strings.Contains(out.String(), damaged) {
		t.Errorf("doctor --db %s: %v\n%s", damaged, err, out.String())
	}
	for _, args := range [][]string{{"doctor", "--bogus"}, {"doctor", "talkbot.db"}} {
		out.Reset()
		if err := run(context.Background(), args, envOf(nil), strings.NewReader(""), &out, &logs); err == nil {
			t.Errorf("%q passed: %s", args, out.String())
		}
	}
}

// Doctor fails a database the bot would refuse: one in a directory that is
// not there (the bot creates the file, not the directory), and one it cannot
// write. Both had passed, the second with "All checks passed", and the bot
// then stopped at start. (As root every file is writable: the second is
// checked by hand with setpriv there.)
func TestDoctorFailsADatabaseTheBotCannotStartOn(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "gone", "talkbot.db")
	out, err := doctorRun(t, map[string]string{"BOT_DB": missing})
	if err == nil || !strings.Contains(out, "FAIL  database") || !strings.Contains(out, "its directory") {
		t.Errorf("BOT_DB in a missing directory: %v\n%s", err, out)
	}

	if os.Geteuid() == 0 {
		t.Skip("root writes any file")
	}
	db := soundDB(t)
	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	out, err = doctorRun(t, map[string]string{"BOT_DB": db})
	if err == nil || !strings.Contains(out, "FAIL  database") || !strings.Contains(out, "cannot be written") {
		t.Errorf("a read-only BOT_DB: %v\n%s", err, out)
	}
}
