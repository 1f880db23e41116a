-- +goose Up
-- Events API callbacks kept before Slack is told they arrived: Slack never
-- delivers an acknowledged one again, so one a crash cut off is replayed
-- at the next start (its handled_events mark says whether it was handled).
CREATE TABLE inbox (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    body BLOB NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
) WITHOUT ROWID;
CREATE INDEX inbox_age ON inbox(received_at);

-- +goose Down
DROP TABLE inbox;
