package talkbot

import (
	"errors"
	"fmt"
)

// Error codes: the kind of failure, so callers can react without parsing strings.
const (
	EINVALID   = "invalid"
	ENOTFOUND  = "not_found"
	ECONFLICT  = "conflict"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
)

// Error is a failure whose Message is safe to show a user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("talkbot %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with a formatted user-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on my side; nothing was changed. Please try again."
}

// Sentinels for expected outcomes.
var (
	ErrNotFound = &Error{Code: ENOTFOUND, Message: "not found"}
	ErrNoUndo   = &Error{Code: ENOTFOUND, Message: "There is nothing to undo."}
)
