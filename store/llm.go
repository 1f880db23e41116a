package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/talkbot/talkbot"
)

// LLMAnswer returns a cached answer of the LLM younger than llmAnswerAge;
// talkbot.ErrNotFound when there is none.
func (s *Store) LLMAnswer(ctx context.Context, workspaceID int64, key string) (string, error) {
	const q = `SELECT answer FROM llm_answers WHERE workspace_id = ? AND key = ? AND created_at >= ?`
	var answer string
	err := s.r.QueryRowContext(ctx, q, workspaceID, key, formatTime(s.now().Add(-llmAnswerAge))).Scan(&answer)
	if errors.Is(err, sql.ErrNoRows) {
		return "", talkbot.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read llm answer: %w", err)
	}
	return answer, nil
}

// llmAnswerAge is how long a cached answer is kept. The answers are
// summaries of people's notes: kept for ever, they would outlive the notes
// (a deleted note, a user who asked to be forgotten).
const llmAnswerAge = 30 * 24 * time.Hour

// SaveLLMAnswer caches a good answer of the LLM, and drops the answers
// older than llmAnswerAge (an index on their age makes that cheap).
func (s *Store) SaveLLMAnswer(ctx context.Context, workspaceID int64, key, answer string) error {
	const q = `INSERT INTO llm_answers (workspace_id, key, answer, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace_id, key) DO UPDATE SET answer = excluded.answer, created_at = excluded.created_at`
	now := s.now()
	return s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, q, workspaceID, key, answer, formatTime(now)); err != nil {
			return fmt.Errorf("save llm answer: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM llm_answers WHERE created_at < ?`, formatTime(now.Add(-llmAnswerAge))); err != nil {
			return fmt.Errorf("forget old llm answers: %w", err)
		}
		return nil
	})
}

// ReserveLLMTokens adds n to the workspace's tokens for day if the total
// stays within limit (no check when limit <= 0), and reports whether it did.
// The check and the add are one statement, so concurrent callers never
// together pass the limit.
func (s *Store) ReserveLLMTokens(ctx context.Context, workspaceID int64, day string, n, limit int64) (bool, error) {
	const q = `INSERT INTO llm_tokens (workspace_id, day, tokens) VALUES (?, ?, ?)
		ON CONFLICT (workspace_id, day) DO UPDATE SET tokens = tokens + excluded.tokens
		WHERE ? <= 0 OR llm_tokens.tokens + excluded.tokens <= ?`
	if n < 0 {
		return false, fmt.Errorf("reserve llm tokens: negative count %d", n)
	}
	if limit > 0 && n > limit {
		return false, nil
	}
	var ok bool
	err := s.update(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, q, workspaceID, day, n, limit, limit)
		if err != nil {
			return fmt.Errorf("reserve llm tokens: %w", err)
		}
		rows, err := res.RowsAffected()
		ok = rows == 1
		return err
	})
	return ok, err
}

// AddLLMTokens adds n (negative to give back a reservation) to the
// workspace's tokens for day, without a limit; the count never goes below zero.
func (s *Store) AddLLMTokens(ctx context.Context, workspaceID int64, day string, n int64) error {
	const q = `INSERT INTO llm_tokens (workspace_id, day, tokens) VALUES (?, ?, MAX(0, ?))
		ON CONFLICT (workspace_id, day) DO UPDATE SET tokens = MAX(0, tokens + ?)`
	return s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, q, workspaceID, day, n, n); err != nil {
			return fmt.Errorf("add llm tokens: %w", err)
		}
		return nil
	})
}

// LLMTokens returns the tokens the workspace spent on day.
func (s *Store) LLMTokens(ctx context.Context, workspaceID int64, day string) (int64, error) {
	const q = `SELECT COALESCE(SUM(tokens), 0) FROM llm_tokens WHERE workspace_id = ? AND day = ?`
	var n int64
	if err := s.r.QueryRowContext(ctx, q, workspaceID, day).Scan(&n); err != nil {
		return 0, fmt.Errorf("read llm tokens: %w", err)
	}
	return n, nil
}
