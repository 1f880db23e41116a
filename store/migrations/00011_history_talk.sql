-- +goose Up
-- The talk each undo step names, indexed: a talk another user's undo may
-- still bring a log back onto is kept when its last log is deleted or its
-- creator is forgotten (store/change.go talkInOthersHistory), and that
-- look-up must not read every step of every user.
CREATE INDEX history_talk ON history(json_extract(payload, '$.talk_id'));

-- +goose Down
DROP INDEX history_talk;
