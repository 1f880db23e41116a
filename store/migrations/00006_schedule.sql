-- +goose Up
-- Talks from an imported schedule: the schedule's stable id of the session
-- (iCal UID, frab guid, pretalx guid; NULL for talks logged by hand), unique
-- in its conference so a re-import finds each session again; its type; and
-- what the schedule says of it: a non-talk item (a break, lunch, badge
-- pick-up), gone from the schedule, or not to be recorded.
ALTER TABLE talks ADD COLUMN source_id TEXT;
ALTER TABLE talks ADD COLUMN session_type TEXT NOT NULL DEFAULT '';
ALTER TABLE talks ADD COLUMN non_talk INTEGER NOT NULL DEFAULT 0;
ALTER TABLE talks ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE talks ADD COLUMN do_not_record INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX talks_source ON talks(conference_id, source_id) WHERE source_id IS NOT NULL;
-- `schedule now`, `schedule next` and `add now` look sessions up by time.
CREATE INDEX talks_starts ON talks(conference_id, starts_at) WHERE source_id IS NOT NULL;

-- Where a conference's schedule came from: the schedule's own name for the
-- conference (a re-import finds it by that), the source and its format.
ALTER TABLE conferences ADD COLUMN schedule_key TEXT NOT NULL DEFAULT '';
ALTER TABLE conferences ADD COLUMN schedule_source TEXT NOT NULL DEFAULT '';
ALTER TABLE conferences ADD COLUMN schedule_format TEXT NOT NULL DEFAULT '';
ALTER TABLE conferences ADD COLUMN imported_at TEXT;

-- Titles by their trigrams, so a title typed with a typo anywhere in a word
-- still finds its talk (talk_fts matches whole words and prefixes only).
-- It holds the normalised title; contentless, kept in step by triggers.
-- detail = none: queries ask for trigrams, not phrases, and the index is
-- half the work to write.
CREATE VIRTUAL TABLE talk_trigrams USING fts5(
    title,
    content = '', contentless_delete = 1, tokenize = 'trigram remove_diacritics 1', detail = none
);
INSERT INTO talk_trigrams(rowid, title) SELECT id, norm_title FROM talks;
-- +goose StatementBegin
CREATE TRIGGER talks_trigrams_insert AFTER INSERT ON talks BEGIN
    INSERT INTO talk_trigrams(rowid, title) VALUES (NEW.id, NEW.norm_title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_trigrams_delete AFTER DELETE ON talks BEGIN
    DELETE FROM talk_trigrams WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_trigrams_update AFTER UPDATE OF norm_title ON talks WHEN OLD.norm_title != NEW.norm_title BEGIN
    DELETE FROM talk_trigrams WHERE rowid = OLD.id;
    INSERT INTO talk_trigrams(rowid, title) VALUES (NEW.id, NEW.norm_title);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER talks_trigrams_update;
DROP TRIGGER talks_trigrams_delete;
DROP TRIGGER talks_trigrams_insert;
DROP TABLE talk_trigrams;
ALTER TABLE conferences DROP COLUMN imported_at;
ALTER TABLE conferences DROP COLUMN schedule_format;
ALTER TABLE conferences DROP COLUMN schedule_source;
ALTER TABLE conferences DROP COLUMN schedule_key;
DROP INDEX talks_starts;
DROP INDEX talks_source;
ALTER TABLE talks DROP COLUMN do_not_record;
ALTER TABLE talks DROP COLUMN cancelled;
ALTER TABLE talks DROP COLUMN non_talk;
ALTER TABLE talks DROP COLUMN session_type;
ALTER TABLE talks DROP COLUMN source_id;
