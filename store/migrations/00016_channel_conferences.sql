-- +goose Up
-- A channel (Slack) or room (Matrix) may pick a conference of its own, as
-- a user may: the commands typed there, whoever types them, and its digest
-- are about that conference, whatever the team's active one is.
CREATE TABLE channel_conferences (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,  -- a Slack channel id, a Matrix room id, the console
    conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
    set_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, channel)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE channel_conferences;
