-- +goose Up
-- Conference-level notes (`journal`): attendance, the venue, hallway
-- conversations, takeaways. They feed the wrap-up post's intro and its
-- "Thoughts and takeaways"; private ones are seen by their author only.
CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- a j<id> seen in chat never points at another entry later
    conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    takeaway INTEGER NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL CHECK (visibility IN ('team', 'private')),
    created_at TEXT NOT NULL
);
CREATE INDEX journal_user ON journal(user_id, conference_id, id);
CREATE INDEX journal_conference ON journal(conference_id, id);

-- Talks a user gave (`presented`), with their slides when given. A table of
-- its own: the logs table's status CHECK cannot take a new value without
-- rebuilding it, and presenting is a fact beside attending.
CREATE TABLE presentations (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    slides_url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, talk_id)
) WITHOUT ROWID;
CREATE INDEX presentations_talk ON presentations(talk_id);

-- +goose Down
DROP TABLE presentations;
DROP TABLE journal;
