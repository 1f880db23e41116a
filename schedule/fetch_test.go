package schedule

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
)

func TestIsPublicAddr(t *testing.T) {
	tests := []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true},
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // AWS, GCP, Azure metadata
		{"fd00:ec2::254", false},   // AWS metadata over IPv6
		{"100.100.100.200", false}, // Alibaba metadata (CGNAT range)
		{"100.64.0.1", false},
		{"192.0.0.192", false}, // Oracle metadata
		{"168.63.129.16", false},
		{"fe80::1", false},
		{"fc00::1", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"255.255.255.255", false},
		{"198.18.0.1", false},
		{"::ffff:127.0.0.1", false},       // IPv4-mapped loopback
		{"::ffff:169.254.169.254", false}, // IPv4-mapped metadata
		{"64:ff9b::a9fe:a9fe", false},     // NAT64 of 169.254.169.254
		{"64:ff9b::808:808", true},        // NAT64 of 8.8.8.8
		{"2002:a9fe:a9fe::1", false},      // 6to4 of 169.254.169.254
		{"2002:0808:0808::1", true},       // 6to4 of 8.8.8.8
		{"::127.0.0.1", false},            // IPv4-compatible
		{"2001:db8::1", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := isPublicAddr(netip.MustParseAddr(tt.addr)); got != tt.public {
				t.Errorf("isPublicAddr(%s) = %v, want %v", tt.addr, got, tt.public)
			}
		})
	}
}

// server serves a handler on 127.0.0.1 and counts the requests it gets.
type server struct {
	*httptest.Server
	hits atomic.Int32
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) addr() netip.AddrPort { return netip.MustParseAddrPort(s.Listener.Addr().String()) }

// asPublic returns options under which only this server's loopback
// address passes as public; every other address meets the production rules.
func (s *server) asPublic() FetchOptions {
	a := s.addr()
	return FetchOptions{treatAsPublic: func(ap netip.AddrPort) bool { return ap == a }}
}

func serveFile(t *testing.T, name string) *server {
	data := readFile(t, name)
	return newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(data) })
}

func TestFetchRefusesNonHTTP(t *testing.T) {
	for _, u := range []string{"/etc/passwd", "file:///etc/passwd", "ftp://example.org/all.ics", "http://", "javascript:alert(1)",
		"gopher://example.org/", "example.org/all.ics", ""} {
		t.Run(u, func(t *testing.T) {
			_, err := Fetch(context.Background(), u, FetchOptions{AllowPrivate: true})
			if !errors.Is(err, ErrBadURL) {
				t.Fatalf("err = %v, want ErrBadURL", err)
			}
			if msg := talkbot.ErrorMessage(err); !strings.Contains(msg, "http://") {
				t.Errorf("message %q", msg)
			}
		})
	}
}

func TestFetchRefusesPrivateAddresses(t *testing.T) {
	srv := serveFile(t, schedICS)
	port := strconv.Itoa(int(srv.addr().Port()))
	for _, u := range []string{
		srv.URL + "/all.ics",
		"http://localhost:" + port + "/all.ics", // a name: checked after DNS resolution
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://10.0.0.1:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
	} {
		t.Run(u, func(t *testing.T) {
			_, err := Fetch(context.Background(), u, FetchOptions{Timeout: 5 * time.Second})
			if !errors.Is(err, ErrPrivateAddress) {
				t.Fatalf("err = %v, want ErrPrivateAddress", err)
			}
			if msg := talkbot.ErrorMessage(err); !strings.Contains(msg, "private network") {
				t.Errorf("message %q", msg)
			}
		})
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("the private server got %d requests", n)
	}
}

// TestFetchAllowPrivate: with the operator's setting, the real files come
// through whole and parse.
func TestFetchAllowPrivate(t *testing.T) {
	for name, sessions := range map[string]int{schedICS: 596, fosdemXML: 1105, mchPretalx: 183} {
		t.Run(name, func(t *testing.T) {
			srv := serveFile(t, name)
			data, err := Fetch(context.Background(), srv.URL+"/schedule", FetchOptions{AllowPrivate: true})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, readFile(t, name)) {
				t.Fatalf("got %d bytes, not the file", len(data))
			}
			s, err := Parse(data)
			if err != nil || len(s.Sessions) != sessions {
				t.Fatalf("parsed %d sessions, %v; want %d", len(s.Sessions), err, sessions)
			}
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	private := serveFile(t, fosdemXML) // a loopback server nobody declared public
	var public *server
	public = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-private":
			http.Redirect(w, r, private.URL+"/schedule.xml", http.StatusMovedPermanently)
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/to-schedule":
			http.Redirect(w, r, "/schedule.ics", http.StatusSeeOther)
		case "/schedule.ics":
			w.Write(readFile(t, schedICS))
		default:
			http.NotFound(w, r)
		}
	})
	tests := []struct {
		path string
		kind error
	}{
		{"/to-metadata", ErrPrivateAddress},
		{"/to-private", ErrPrivateAddress},
		{"/to-file", ErrBadURL},
		{"/loop", ErrFetch},
		{"/missing", ErrFetch},
		{"/to-schedule", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			data, err := Fetch(context.Background(), public.URL+tt.path, public.asPublic())
			if !errors.Is(err, tt.kind) || tt.kind == nil && err != nil {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if tt.kind == nil {
				if s, err := Parse(data); err != nil || len(s.Sessions) != 596 {
					t.Errorf("after the redirect: %d sessions, %v", len(s.Sessions), err)
				}
				return
			}
			t.Logf("%s", talkbot.ErrorMessage(err))
		})
	}
	if n := private.hits.Load(); n != 0 {
		t.Errorf("the private server got %d requests through a redirect", n)
	}
}

func TestFetchTooLarge(t *testing.T) {
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		if r.URL.Query().Get("declare") != "" {
			w.Header().Set("Content-Length", strconv.Itoa(size))
		}
		for size > 0 { // streamed: without Content-Length it is chunked
			n := min(size, len(chunk))
			if _, err := w.Write(chunk[:n]); err != nil {
				return
			}
			size -= n
		}
	})
	tests := []struct {
		query string
		kind  error
	}{
		{"size=" + strconv.Itoa(MaxBytes+1), ErrTooLarge},
		{"size=" + strconv.Itoa(MaxBytes+1) + "&declare=1", ErrTooLarge},
		{"size=" + strconv.Itoa(MaxBytes), nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			data, err := Fetch(context.Background(), srv.URL+"/?"+tt.query, FetchOptions{AllowPrivate: true})
			if !errors.Is(err, tt.kind) || tt.kind == nil && err != nil {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if tt.kind != nil {
				if data != nil {
					t.Errorf("%d bytes returned with the error", len(data))
				}
				if msg := talkbot.ErrorMessage(err); !strings.Contains(msg, "over 20 MB") {
					t.Errorf("message %q", msg)
				}
			} else if len(data) != MaxBytes {
				t.Errorf("got %d bytes, want %d", len(data), MaxBytes)
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Write([]byte("BEGIN:VCALENDAR\r\n"))
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done() // until the client gives up
	})
	for _, path := range []string{"/no-answer", "/slow-body"} {
		t.Run(path, func(t *testing.T) {
			data, err := Fetch(context.Background(), srv.URL+path, FetchOptions{AllowPrivate: true, Timeout: 200 * time.Millisecond})
			if !errors.Is(err, ErrTimeout) || data != nil {
				t.Fatalf("got %d bytes, err = %v; want ErrTimeout", len(data), err)
			}
			if msg := talkbot.ErrorMessage(err); !strings.Contains(msg, "took longer than 200ms") {
				t.Errorf("message %q", msg)
			}
		})
	}
	t.Run("caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Fetch(ctx, srv.URL+"/no-answer", FetchOptions{AllowPrivate: true})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}
