-- +goose Up
-- Good answers of the LLM, keyed by a hash of the exact request (notes,
-- model, prompt version), so unchanged notes cost nothing the second time.
-- Failures are never stored.
CREATE TABLE llm_answers (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;
CREATE INDEX llm_answers_age ON llm_answers(created_at);

-- Tokens each workspace spent on the LLM per day, held against OPENAI_DAILY_TOKENS.
CREATE TABLE llm_tokens (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    day TEXT NOT NULL, -- YYYY-MM-DD
    tokens INTEGER NOT NULL DEFAULT 0 CHECK (tokens >= 0),
    PRIMARY KEY (workspace_id, day)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE llm_tokens;
DROP TABLE llm_answers;
