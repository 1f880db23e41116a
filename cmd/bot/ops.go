package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/talkbot/talkbot/metrics"
	"github.com/talkbot/talkbot/store"
)

// operations is what the operator server shows besides /healthz: the
// metrics, and the checks behind /readyz.
type operations struct {
	metrics *metrics.Metrics
	st      *store.Store

	mu       sync.Mutex
	adapters []readyAdapter
}

type readyAdapter struct {
	name      string
	connected func() bool
}

func newOperations(st *store.Store) *operations {
	m := metrics.New()
	m.WatchDatabaseSize(st.Size)
	return &operations{metrics: m, st: st}
}

// adapter adds a chat adapter that must be connected for the bot to be ready.
func (o *operations) adapter(name string, connected func() bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.adapters = append(o.adapters, readyAdapter{name, connected})
}

// mount serves /readyz and /metrics on mux.
func (o *operations) mount(mux *http.ServeMux, log *slog.Logger) {
	mux.Handle("GET /metrics", o.metrics.Handler(log))
	mux.HandleFunc("GET /readyz", o.serveReady)
}

// serveReady answers 200 when the database takes a write and every enabled
// adapter is connected, 503 otherwise; the body says which check failed.
func (o *operations) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var lines []string
	ready := true
	if err := o.st.Writable(ctx); err != nil {
		ready = false
		lines = append(lines, "database: not writable: "+err.Error())
	} else {
		lines = append(lines, "database: ok")
	}
	o.mu.Lock()
	adapters := append([]readyAdapter(nil), o.adapters...)
	o.mu.Unlock()
	for _, a := range adapters {
		if a.connected() {
			lines = append(lines, a.name+": connected")
		} else {
			ready = false
			lines = append(lines, a.name+": not connected")
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	io.WriteString(w, strings.Join(lines, "\n")+"\n")
}

// openStore opens the database, saying where the copy is when the schema was
// migrated (Open backs the database up before it migrates).
func openStore(ctx context.Context, path string, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, path, store.Options{Durable: true})
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	if b := st.MigrationBackup(); b != "" {
		log.InfoContext(ctx, "migrated the database schema; the database as it was is backed up", "db", path, "backup", b)
	}
	// A database the bot cannot write (a read-only file, another user's)
	// had started, and every command apologised, for ever. SQLite gives
	// the -shm file it makes the database's mode, so a start on a
	// read-only file leaves a read-only -shm behind: a chmod of the file
	// alone, as this once asked, left the bot refusing in the same words.
	if err := st.Writable(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("database %s cannot be written (%w): the bot's user must be able to write the file, its -wal and -shm files "+
			"and its directory (chmod 600 %s*)", path, err, path)
	}
	return st, nil
}
