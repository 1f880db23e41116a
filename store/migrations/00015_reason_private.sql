-- +goose Up
-- Why a user missed a talk has a visibility of its own, as a note has: set
-- when the reason is given (--private, or the user's privacy then), kept
-- when the user's privacy changes later. Reasons given so far go with the
-- privacy their users have now, which is what colleagues were shown.
ALTER TABLE logs ADD COLUMN reason_private INTEGER NOT NULL DEFAULT 0;
UPDATE logs SET reason_private = 1
    WHERE reason != '' AND user_id IN (SELECT id FROM users WHERE default_visibility = 'private');

-- +goose Down
ALTER TABLE logs DROP COLUMN reason_private;
