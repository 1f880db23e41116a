-- +goose Up
-- Events an adapter has handled (Slack event_id, Matrix event id), so a
-- redelivery or a restart never answers twice.
CREATE TABLE handled_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    handled_at TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
) WITHOUT ROWID;
CREATE INDEX handled_events_age ON handled_events(handled_at);

-- Small named values adapters keep across restarts (a Matrix sync token, a device id).
CREATE TABLE adapter_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE adapter_state;
DROP TABLE handled_events;
