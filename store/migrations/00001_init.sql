-- +goose Up
CREATE TABLE workspaces (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    external_id TEXT NOT NULL,
    active_conference_id INTEGER REFERENCES conferences(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE conferences (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE NOCASE,
    starts_on TEXT NOT NULL DEFAULT '',
    ends_on TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT 'UTC',
    created_at TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    default_visibility TEXT NOT NULL DEFAULT 'team' CHECK (default_visibility IN ('team', 'private')),
    last_talk_id INTEGER REFERENCES talks(id) ON DELETE SET NULL,
    conference_id INTEGER REFERENCES conferences(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (workspace_id, external_id)
);
CREATE INDEX users_name ON users(workspace_id, name COLLATE NOCASE);

CREATE TABLE talks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- a #id seen in chat never points at another talk later
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    conference_id INTEGER NOT NULL REFERENCES conferences(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    norm_title TEXT NOT NULL,
    speakers TEXT NOT NULL DEFAULT '',      -- one speaker a line
    event TEXT NOT NULL DEFAULT '',
    room TEXT NOT NULL DEFAULT '',
    day TEXT NOT NULL DEFAULT '',           -- YYYY-MM-DD in the conference zone
    starts_at TEXT,                         -- RFC 3339, UTC
    ends_at TEXT,
    schedule_url TEXT NOT NULL DEFAULT '',
    schedule_id TEXT,
    recording_url TEXT NOT NULL DEFAULT '',
    abstract TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',          -- space separated, mirrored in talk_tags
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    -- kept by the triggers on logs, so highlights need no aggregation at read time
    highlight_count INTEGER NOT NULL DEFAULT 0,
    star_count INTEGER NOT NULL DEFAULT 0,
    rating_sum INTEGER NOT NULL DEFAULT 0,
    rating_count INTEGER NOT NULL DEFAULT 0,
    -- net enthusiasm: each rating counts rating-3 (a 2/5 pulls down), each star 1
    score INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX talks_title ON talks(conference_id, norm_title);
CREATE INDEX talks_schedule ON talks(conference_id, schedule_id) WHERE schedule_id IS NOT NULL;
CREATE INDEX talks_day ON talks(conference_id, day, COALESCE(starts_at, ''), id);
CREATE INDEX talks_rank ON talks(conference_id, highlight_count DESC, score DESC, id)
    WHERE highlight_count > 0;
CREATE INDEX talks_day_rank ON talks(conference_id, day, highlight_count DESC, score DESC, id)
    WHERE highlight_count > 0;

CREATE TABLE talk_tags (
    talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (talk_id, tag)
) WITHOUT ROWID;
CREATE INDEX talk_tags_tag ON talk_tags(tag, talk_id);

CREATE TABLE logs (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'none' CHECK (status IN ('none', 'attended', 'missed')),
    reason TEXT NOT NULL DEFAULT '',
    watch_later INTEGER NOT NULL DEFAULT 0,
    watched INTEGER NOT NULL DEFAULT 0,
    rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    starred INTEGER NOT NULL DEFAULT 0,
    logged_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, talk_id)
) WITHOUT ROWID;
CREATE INDEX logs_talk ON logs(talk_id, user_id);

-- +goose StatementBegin
CREATE TRIGGER logs_stats_insert AFTER INSERT ON logs BEGIN
    UPDATE talks SET
        highlight_count = highlight_count + (NEW.starred OR NEW.rating >= 4),
        star_count = star_count + NEW.starred,
        rating_sum = rating_sum + NEW.rating,
        rating_count = rating_count + (NEW.rating > 0),
        score = score + (CASE WHEN NEW.rating > 0 THEN NEW.rating - 3 ELSE 0 END) + NEW.starred
    WHERE id = NEW.talk_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER logs_stats_delete AFTER DELETE ON logs BEGIN
    UPDATE talks SET
        highlight_count = highlight_count - (OLD.starred OR OLD.rating >= 4),
        star_count = star_count - OLD.starred,
        rating_sum = rating_sum - OLD.rating,
        rating_count = rating_count - (OLD.rating > 0),
        score = score - (CASE WHEN OLD.rating > 0 THEN OLD.rating - 3 ELSE 0 END) - OLD.starred
    WHERE id = OLD.talk_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER logs_stats_update AFTER UPDATE OF starred, rating ON logs BEGIN
    UPDATE talks SET
        highlight_count = highlight_count - (OLD.starred OR OLD.rating >= 4) + (NEW.starred OR NEW.rating >= 4),
        star_count = star_count - OLD.starred + NEW.starred,
        rating_sum = rating_sum - OLD.rating + NEW.rating,
        rating_count = rating_count - (OLD.rating > 0) + (NEW.rating > 0),
        score = score - (CASE WHEN OLD.rating > 0 THEN OLD.rating - 3 ELSE 0 END) - OLD.starred
            + (CASE WHEN NEW.rating > 0 THEN NEW.rating - 3 ELSE 0 END) + NEW.starred
    WHERE id = NEW.talk_id;
END;
-- +goose StatementEnd

CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('team', 'private')),
    created_at TEXT NOT NULL
);
CREATE INDEX notes_talk ON notes(talk_id, id);
CREATE INDEX notes_user ON notes(user_id, talk_id);

CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    talk_id INTEGER NOT NULL REFERENCES talks(id) ON DELETE CASCADE,
    from_user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    to_user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, -- NULL: the whole workspace
    created_at TEXT NOT NULL
);
CREATE INDEX recommendations_to ON recommendations(workspace_id, to_user_id);
CREATE INDEX recommendations_talk ON recommendations(talk_id);

-- What undo restores: one row per change, newest last.
CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX history_user ON history(user_id, id);

-- Full-text search: contentless FTS5 tables kept in step by triggers. Each row
-- carries its workspace as a token (ws = "w12"), so a search is scoped inside
-- the index and one busy workspace never crowds out another's results.
CREATE VIRTUAL TABLE talk_fts USING fts5(
    ws, title, speakers, abstract, tags,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE note_fts USING fts5(
    ws, text,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
-- +goose StatementBegin
CREATE TRIGGER talks_fts_insert AFTER INSERT ON talks BEGIN
    INSERT INTO talk_fts(rowid, ws, title, speakers, abstract, tags)
    VALUES (NEW.id, 'w' || NEW.workspace_id, NEW.title, NEW.speakers, NEW.abstract, NEW.tags);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_fts_delete AFTER DELETE ON talks BEGIN
    DELETE FROM talk_fts WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_fts_update AFTER UPDATE OF title, speakers, abstract, tags ON talks BEGIN
    DELETE FROM talk_fts WHERE rowid = OLD.id;
    INSERT INTO talk_fts(rowid, ws, title, speakers, abstract, tags)
    VALUES (NEW.id, 'w' || NEW.workspace_id, NEW.title, NEW.speakers, NEW.abstract, NEW.tags);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO note_fts(rowid, ws, text)
    VALUES (NEW.id, (SELECT 'w' || workspace_id FROM talks WHERE id = NEW.talk_id), NEW.text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
    DELETE FROM note_fts WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER notes_fts_update AFTER UPDATE OF text ON notes BEGIN
    DELETE FROM note_fts WHERE rowid = OLD.id;
    INSERT INTO note_fts(rowid, ws, text)
    VALUES (NEW.id, (SELECT 'w' || workspace_id FROM talks WHERE id = NEW.talk_id), NEW.text);
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE note_fts;
DROP TABLE talk_fts;
DROP TABLE history;
DROP TABLE recommendations;
DROP TABLE notes;
DROP TABLE logs;
DROP TABLE talk_tags;
DROP TABLE talks;
DROP TABLE users;
DROP TABLE conferences;
DROP TABLE workspaces;
