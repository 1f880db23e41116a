-- +goose Up
-- When several changes share a write batch, a talk or note one of them
-- inserts goes into its full-text indexes at the end of the batch, in the
-- same transaction, not by a trigger as it is inserted. FTS5 writes its
-- pending terms out as a new segment whenever a statement opens a
-- savepoint, and every later statement of the batch that fires a trigger
-- does (a log's counters, a note's own index): indexed by triggers, a
-- batch of eight new talks wrote 24 segments; indexed at the end, three.
-- The store inserts such rows with fts_pending = 2, which the triggers
-- below skip, then indexes what the batch left marked and clears the mark
-- before it commits (txn.indexMarked in store.go), so no committed row is
-- ever marked 2. A row updated or deleted in the batch after its insert is
-- indexed as it is at the end, or not at all. A change alone in its batch
-- inserts with 0 and its triggers index it, as before.
CREATE INDEX talks_fts_at_commit ON talks(id) WHERE fts_pending = 2;
ALTER TABLE notes ADD COLUMN fts_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX notes_fts_at_commit ON notes(id) WHERE fts_pending = 2;
DROP TRIGGER talks_title_words_insert;
DROP TRIGGER talks_title_words_delete;
DROP TRIGGER talks_title_words_update;
DROP TRIGGER notes_fts_insert;
DROP TRIGGER notes_fts_delete;
DROP TRIGGER notes_fts_update;
-- +goose StatementBegin
CREATE TRIGGER talks_title_words_insert AFTER INSERT ON talks WHEN NEW.fts_pending != 2 BEGIN
    INSERT INTO talk_title_words(rowid, title) VALUES (NEW.id, NEW.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_title_words_delete AFTER DELETE ON talks WHEN OLD.fts_pending != 2 BEGIN
    DELETE FROM talk_title_words WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_title_words_update AFTER UPDATE OF title ON talks WHEN OLD.title != NEW.title AND OLD.fts_pending != 2 BEGIN
    DELETE FROM talk_title_words WHERE rowid = OLD.id;
    INSERT INTO talk_title_words(rowid, title) VALUES (NEW.id, NEW.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes WHEN NEW.fts_pending = 0 BEGIN
    INSERT INTO note_fts(rowid, ws, text)
    VALUES (NEW.id, (SELECT 'w' || workspace_id FROM talks WHERE id = NEW.talk_id), NEW.text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes WHEN OLD.fts_pending = 0 BEGIN
    DELETE FROM note_fts WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER notes_fts_update AFTER UPDATE OF text ON notes WHEN OLD.fts_pending = 0 BEGIN
    DELETE FROM note_fts WHERE rowid = OLD.id;
    INSERT INTO note_fts(rowid, ws, text)
    VALUES (NEW.id, (SELECT 'w' || workspace_id FROM talks WHERE id = NEW.talk_id), NEW.text);
END;
-- +goose StatementEnd

-- +goose Down
-- No committed row is marked 2, so there is nothing left to index here
-- (00009's Down indexes the imports still marked 1).
DROP TRIGGER notes_fts_update;
DROP TRIGGER notes_fts_delete;
DROP TRIGGER notes_fts_insert;
DROP TRIGGER talks_title_words_update;
DROP TRIGGER talks_title_words_delete;
DROP TRIGGER talks_title_words_insert;
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
-- +goose StatementBegin
CREATE TRIGGER talks_title_words_insert AFTER INSERT ON talks BEGIN
    INSERT INTO talk_title_words(rowid, title) VALUES (NEW.id, NEW.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_title_words_delete AFTER DELETE ON talks BEGIN
    DELETE FROM talk_title_words WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_title_words_update AFTER UPDATE OF title ON talks WHEN OLD.title != NEW.title BEGIN
    DELETE FROM talk_title_words WHERE rowid = OLD.id;
    INSERT INTO talk_title_words(rowid, title) VALUES (NEW.id, NEW.title);
END;
-- +goose StatementEnd
DROP INDEX notes_fts_at_commit;
ALTER TABLE notes DROP COLUMN fts_pending;
DROP INDEX talks_fts_at_commit;
