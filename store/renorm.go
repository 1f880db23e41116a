package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/talkbot/talkbot"
)

// goMigrations are the migrations SQL cannot write. Each recomputes with
// this build's functions, so running one on a database it already
// suits changes nothing.
var goMigrations = []*goose.Migration{
	// Titles fold anew: "C#", "C++" and "C" apart, titles of emoji only
	// apart from each other, a soft hyphen no break.
	goose.NewGoMigration(14, &goose.GoFunc{RunTx: renormalizeTitles}, nil),
}

// renormalizeTitles sets every talk's norm_title to what NormalizeTitle
// makes of its title now.
func renormalizeTitles(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, title, norm_title FROM talks`)
	if err != nil {
		return fmt.Errorf("read titles: %w", err)
	}
	type change struct {
		id   int64
		norm string
	}
	var changes []change
	for rows.Next() {
		var id int64
		var title, norm string
		if err := rows.Scan(&id, &title, &norm); err != nil {
			rows.Close()
			return fmt.Errorf("read titles: %w", err)
		}
		if n := talkbot.NormalizeTitle(title); n != norm {
			changes = append(changes, change{id, n})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read titles: %w", err)
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE talks SET norm_title = ? WHERE id = ?`, c.norm, c.id); err != nil {
			return fmt.Errorf("fold the title of talk %d: %w", c.id, err)
		}
	}
	return nil
}
