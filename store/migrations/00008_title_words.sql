-- +goose Up
-- Titles by their words, with an index of their 3- to 6-letter prefixes, for finding
-- a talk by the words of its title (TitlesWithWords: whole words, then the
-- start of each word for a typo late in it). talk_fts could answer the same
-- with `title:`, but its doclists hold every column's words (a prefix such as
-- "sca"* merges every word of 100,000 abstracts that starts so), which made
-- `add <new title>` spend some 10 ms in the typo search of its title.
-- Same tokenizer as talk_fts, so both find the same talks; detail = none:
-- single words and prefixes only, no phrases.
CREATE VIRTUAL TABLE talk_title_words USING fts5(
    title,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2', prefix = '3 4 5 6', detail = none
);
INSERT INTO talk_title_words(rowid, title) SELECT id, title FROM talks;
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

-- +goose Down
DROP TRIGGER talks_title_words_update;
DROP TRIGGER talks_title_words_delete;
DROP TRIGGER talks_title_words_insert;
DROP TABLE talk_title_words;
