-- +goose Up
-- Every column that points at a user has an index: `forget me` deletes the
-- user, and each such column without one was a full scan of its table
-- (talks three times), holding the write lock for 120 ms on 100,000 talks.
CREATE INDEX talks_created_by ON talks(created_by) WHERE created_by IS NOT NULL;
CREATE INDEX recommendations_from ON recommendations(from_user_id);
CREATE INDEX recommendations_to_user ON recommendations(to_user_id) WHERE to_user_id IS NOT NULL;
CREATE INDEX outbox_user ON outbox(user_id) WHERE user_id IS NOT NULL;
CREATE INDEX digests_created_by ON digests(created_by) WHERE created_by IS NOT NULL;

-- +goose Down
DROP INDEX talks_created_by;
DROP INDEX recommendations_from;
DROP INDEX recommendations_to_user;
DROP INDEX outbox_user;
DROP INDEX digests_created_by;
