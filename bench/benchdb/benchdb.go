// Package benchdb keeps the benchmarks' generated databases: each is made
// once by storegen, named after its sizes and a hash of the schema and the
// generator, and copied before every run, so a run's writes never reach the
// next one.
package benchdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/talkbot/talkbot/store"
	"github.com/talkbot/talkbot/store/storegen"
)

// Copy returns a fresh copy, named run, of the database g describes in dir
// (which it creates), generating that database first when no current one is
// there. root is the repository, whose migrations and generator name it.
func Copy(ctx context.Context, root, dir, run string, g storegen.Options) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	key, err := sourceKey(root)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("talkbot-%s-%s-t%d-u%d-n%d-", g.Platform, g.Workspace, g.Talks, g.Users, g.Notes)
	pristine := filepath.Join(dir, name+key+".db")
	if _, err := os.Stat(pristine); errors.Is(err, fs.ErrNotExist) {
		// Databases of this size from an older schema or generator are of no more use.
		if old, err := filepath.Glob(filepath.Join(dir, name+"*.db")); err == nil {
			for _, f := range old {
				os.Remove(f)
			}
		}
		if err := generate(ctx, pristine, g); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	work := filepath.Join(dir, run)
	return work, copyFile(pristine, work)
}

// Remove deletes a database and what SQLite and the store keep beside it.
func Remove(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", ".lock"} {
		os.Remove(path + suffix)
	}
}

// sourceKey hashes what a generated database depends on, the migrations, the
// generator, and the store's undo records, their depth and its time format
// (which the generator writes), so that changing any of them generates a new
// one.
func sourceKey(root string) (string, error) {
	files, err := filepath.Glob(filepath.Join(root, "store", "migrations", "*.sql"))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	files = append(files, filepath.Join(root, "store", "storegen", "generate.go"),
		filepath.Join(root, "store", "undo.go"), filepath.Join(root, "store", "change.go"), filepath.Join(root, "store", "store.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("hash the sources of the database: %w", err)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:8], nil
}

// generate writes a new database to path, through a temporary file so that an
// interrupted run leaves nothing to be reused.
func generate(ctx context.Context, path string, g storegen.Options) error {
	tmp := path + ".tmp"
	Remove(tmp)
	if g.Logger == nil {
		g.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	start := time.Now()
	s, err := store.Open(ctx, tmp, store.Options{})
	if err != nil {
		return err
	}
	if err := errors.Join(storegen.Generate(ctx, tmp, g), s.Close()); err != nil {
		return err
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: generated %s in %s: %d MB\n", path, time.Since(start).Round(time.Second), fi.Size()>>20)
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	Remove(tmp) // the store's lock file
	return nil
}

// copyFile copies a closed database file (its WAL already checkpointed into
// it) to dst, first removing dst and any WAL it left.
func copyFile(src, dst string) error {
	Remove(dst)
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
