-- +goose Up
-- An import's talks go into talk_fts after the transaction that writes
-- them: FTS5 tokenising FOSDEM's 1 MB of abstracts was half of the store's
-- part of the import. A talk inserted with fts_pending = 1 is left out of
-- talk_fts (its triggers skip it); the store indexes such talks and clears
-- the mark in transactions of its own right after the import commits, or
-- when it next opens the database if the process died before. The trigram
-- index of titles (talk_trigrams) goes the same way. Every read of either
-- waits for that run, so what an import reports can be searched and typed.
ALTER TABLE talks ADD COLUMN fts_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX talks_fts_pending ON talks(id) WHERE fts_pending = 1;
DROP TRIGGER talks_fts_insert;
DROP TRIGGER talks_fts_delete;
DROP TRIGGER talks_fts_update;
DROP TRIGGER talks_trigrams_insert;
DROP TRIGGER talks_trigrams_delete;
DROP TRIGGER talks_trigrams_update;
-- +goose StatementBegin
CREATE TRIGGER talks_trigrams_insert AFTER INSERT ON talks WHEN NEW.fts_pending = 0 BEGIN
    INSERT INTO talk_trigrams(rowid, title) VALUES (NEW.id, NEW.norm_title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_trigrams_delete AFTER DELETE ON talks WHEN OLD.fts_pending = 0 BEGIN
    DELETE FROM talk_trigrams WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_trigrams_update AFTER UPDATE OF norm_title ON talks WHEN OLD.norm_title != NEW.norm_title AND OLD.fts_pending = 0 BEGIN
    DELETE FROM talk_trigrams WHERE rowid = OLD.id;
    INSERT INTO talk_trigrams(rowid, title) VALUES (NEW.id, NEW.norm_title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_fts_insert AFTER INSERT ON talks WHEN NEW.fts_pending = 0 BEGIN
    INSERT INTO talk_fts(rowid, ws, title, speakers, abstract, tags)
    VALUES (NEW.id, 'w' || NEW.workspace_id, NEW.title, NEW.speakers, NEW.abstract, NEW.tags);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_fts_delete AFTER DELETE ON talks WHEN OLD.fts_pending = 0 BEGIN
    DELETE FROM talk_fts WHERE rowid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER talks_fts_update AFTER UPDATE OF title, speakers, abstract, tags ON talks WHEN OLD.fts_pending = 0 BEGIN
    DELETE FROM talk_fts WHERE rowid = OLD.id;
    INSERT INTO talk_fts(rowid, ws, title, speakers, abstract, tags)
    VALUES (NEW.id, 'w' || NEW.workspace_id, NEW.title, NEW.speakers, NEW.abstract, NEW.tags);
END;
-- +goose StatementEnd

-- +goose Down
INSERT INTO talk_fts(rowid, ws, title, speakers, abstract, tags)
    SELECT id, 'w' || workspace_id, title, speakers, abstract, tags FROM talks WHERE fts_pending = 1;
INSERT INTO talk_trigrams(rowid, title) SELECT id, norm_title FROM talks WHERE fts_pending = 1;
DROP TRIGGER talks_fts_update;
DROP TRIGGER talks_fts_delete;
DROP TRIGGER talks_fts_insert;
DROP TRIGGER talks_trigrams_update;
DROP TRIGGER talks_trigrams_delete;
DROP TRIGGER talks_trigrams_insert;
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
DROP INDEX talks_fts_pending;
ALTER TABLE talks DROP COLUMN fts_pending;
