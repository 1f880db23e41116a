package dendritetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestBuild builds Dendrite into the cache; `make dendrite` runs it alone so
// the two-minute first build happens before the test suite's timeouts start.
func TestBuild(t *testing.T) {
	dir, err := Build(t)
	if err != nil {
		t.Fatal(err)
	}
	if !complete(dir) {
		t.Fatalf("build in %s is incomplete", dir)
	}
}

func TestServerRegistersAndLogsIn(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %s, want loopback", s.URL)
	}
	user, password := s.CreateUser(t, "alice")
	if user != "@alice:localhost" {
		t.Errorf("user = %s", user)
	}
	body := `{"type":"m.login.password","identifier":{"type":"m.id.user","user":"alice"},"password":"` + password + `"}`
	resp, err := http.Post(s.URL+"/_matrix/client/v3/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		UserID      string `json:"user_id"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: status %d, err %v", resp.StatusCode, err)
	}
	if got.UserID != user || got.AccessToken == "" {
		t.Errorf("login = %+v", got)
	}
	// Open registration is off: only shared-secret registration creates users.
	resp2, err := http.Post(s.URL+"/_matrix/client/v3/register", "application/json", strings.NewReader(`{"username":"mallory","password":"pw-pw-pw-pw","auth":{"type":"m.login.dummy"}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode == 200 {
		t.Errorf("open registration succeeded; want it disabled")
	}
}
