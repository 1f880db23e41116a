-- +goose Up
-- A talk's other links (slides, repositories), one a line; a conference's
-- playlist or channel of recordings. Speakers keep their column: each line is
-- now "name<TAB>organisation" (lines written before, "Name (Org)", are read as such).
ALTER TABLE talks ADD COLUMN links TEXT NOT NULL DEFAULT '';
ALTER TABLE conferences ADD COLUMN videos_url TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE conferences DROP COLUMN videos_url;
ALTER TABLE talks DROP COLUMN links;
