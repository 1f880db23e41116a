-- +goose Up
-- Where the daily digest goes: a channel or room of a workspace, at a local time.
CREATE TABLE digests (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,  -- a Slack channel id (or #name), a Matrix room id, a console channel
    at TEXT NOT NULL,       -- HH:MM, local time
    timezone TEXT NOT NULL DEFAULT '', -- IANA zone; empty means the conference's
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, channel)
) WITHOUT ROWID;

-- The digest ledger: a row per channel, conference and local date, claimed
-- before anything is posted, so a restart or a second bot never posts twice.
CREATE TABLE digest_posts (
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('claimed', 'sending', 'posted', 'empty', 'skipped', 'unknown')),
    claimed_by TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '', -- why it was skipped
    PRIMARY KEY (workspace_id, channel, conference_id, day)
) WITHOUT ROWID;

-- Whether the user wants a message when a talk on their list gets a recording.
ALTER TABLE users ADD COLUMN notify INTEGER NOT NULL DEFAULT 1;

-- When a talk's recording link first appeared.
ALTER TABLE talks ADD COLUMN recording_at TEXT;

-- Messages to send, at most once each: recording notices to users (kind
-- 'recording', one per user and talk, ever) and notices to digest channels
-- (kind 'conference').
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('recording', 'conference')),
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, -- the recipient of a recording notice
    talk_id INTEGER REFERENCES talks(id) ON DELETE CASCADE,
    conference_id INTEGER REFERENCES conferences(id) ON DELETE CASCADE, -- the team's new conference
    channel TEXT NOT NULL DEFAULT '',                        -- the channel of a conference notice
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'skipped')),
    claimed_by TEXT NOT NULL DEFAULT '',
    claimed_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX outbox_recording ON outbox(user_id, talk_id) WHERE kind = 'recording';
CREATE INDEX outbox_pending ON outbox(status, workspace_id, user_id);

-- A talk's recording link appearing, whoever sets it (`video`, a schedule
-- import), queues one notice for each person who has the talk on their
-- watch-later or missed list and has not opted out; once per user and talk,
-- ever. talkbot_now() is the store's clock, registered on its write connection.
-- +goose StatementBegin
CREATE TRIGGER talks_recording_appeared AFTER UPDATE OF recording_url ON talks
WHEN OLD.recording_url = '' AND NEW.recording_url <> '' BEGIN
    UPDATE talks SET recording_at = talkbot_now() WHERE id = NEW.id AND recording_at IS NULL;
    INSERT INTO outbox (workspace_id, kind, user_id, talk_id, created_at)
        SELECT NEW.workspace_id, 'recording', l.user_id, NEW.id, talkbot_now()
        FROM logs l JOIN users u ON u.id = l.user_id
        WHERE l.talk_id = NEW.id AND (l.watch_later = 1 OR l.status = 'missed') AND l.watched = 0 AND u.notify = 1
        ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- A recording link taken back (an undo, a typo fixed) drops the notices not
-- yet sent, so nobody is sent a link that is gone.
-- +goose StatementBegin
CREATE TRIGGER talks_recording_removed AFTER UPDATE OF recording_url ON talks
WHEN OLD.recording_url <> '' AND NEW.recording_url = '' BEGIN
    UPDATE talks SET recording_at = NULL WHERE id = NEW.id;
    DELETE FROM outbox WHERE kind = 'recording' AND talk_id = NEW.id AND status = 'pending';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER talks_recording_removed;
DROP TRIGGER talks_recording_appeared;
DROP TABLE outbox;
ALTER TABLE talks DROP COLUMN recording_at;
ALTER TABLE users DROP COLUMN notify;
DROP TABLE digest_posts;
DROP TABLE digests;
