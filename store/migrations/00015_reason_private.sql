-- +goose Up
-- Why a user missed a talk has a visibility of its own, as a note has: set
-- when the reason is given (--private, or the user's privacy then), kept
-- when the user's privacy changes later. Reasons given so far are private
-- for the users whose privacy is private now.
ALTER TABLE logs ADD COLUMN reason_private INTEGER NOT NULL DEFAULT 0;
UPDATE logs SET reason_private = 1
    WHERE reason != '' AND user_id IN (SELECT id FROM users WHERE default_visibility = 'private');
-- The undo records too: a log an undo puts back keeps its reason private.
UPDATE history SET payload = json_set(payload, '$.log_before.ReasonPrivate', json('true'))
    WHERE CASE WHEN json_valid(payload) THEN json_extract(payload, '$.log_before.Reason') != '' ELSE 0 END
    AND user_id IN (SELECT id FROM users WHERE default_visibility = 'private');
UPDATE history SET payload = json_set(payload, '$.log_after.ReasonPrivate', json('true'))
    WHERE CASE WHEN json_valid(payload) THEN json_extract(payload, '$.log_after.Reason') != '' ELSE 0 END
    AND user_id IN (SELECT id FROM users WHERE default_visibility = 'private');

-- +goose Down
ALTER TABLE logs DROP COLUMN reason_private;
