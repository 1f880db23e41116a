package schedule

import (
	"fmt"

	"github.com/talkbot/talkbot"
)

// The kinds of failure of Parse and Fetch, to test with errors.Is. The error
// returned may carry a more specific message (talkbot.ErrorMessage reads it);
// the cause, for the log, is in Error().
var (
	ErrNotSchedule     = &talkbot.Error{Code: talkbot.EINVALID, Message: "That is not a schedule I can read: I know Sched calendars (.ics), frab/FOSDEM XML and pretalx JSON."}
	ErrMalformed       = &talkbot.Error{Code: talkbot.EINVALID, Message: "That schedule file is broken or cut short; nothing was imported."}
	ErrTooLarge        = &talkbot.Error{Code: talkbot.EINVALID, Message: "That schedule is over 20 MB; nothing was imported."}
	ErrNoTimezone      = &talkbot.Error{Code: talkbot.EINVALID, Message: "That schedule does not say its time zone; import it again with one, such as Europe/Brussels."}
	ErrUnknownTimezone = &talkbot.Error{Code: talkbot.EINVALID, Message: "I do not know that time zone; use an IANA name such as Europe/Brussels."}
	ErrBadURL          = &talkbot.Error{Code: talkbot.EINVALID, Message: "I can only fetch schedules from http:// or https:// links."}
	ErrPrivateAddress  = &talkbot.Error{Code: talkbot.EFORBIDDEN, Message: "That address is on a private network; I only fetch schedules from public addresses."}
	ErrTimeout         = &talkbot.Error{Code: talkbot.EINVALID, Message: "That server took too long to answer; nothing was imported."}
	ErrFetch           = &talkbot.Error{Code: talkbot.EINVALID, Message: "I could not fetch that link; nothing was imported."}
)

// scheduleError is a failure of one kind (a sentinel above) with a message
// for the user and, for the log, the cause.
type scheduleError struct {
	msg   *talkbot.Error
	kind  *talkbot.Error
	cause error
}

func (e *scheduleError) Error() string {
	if e.cause != nil {
		return "schedule: " + e.msg.Message + ": " + e.cause.Error()
	}
	return "schedule: " + e.msg.Message
}

// Unwrap lets errors.As find the user's message first, and errors.Is the
// kind and the cause (context.DeadlineExceeded, say).
func (e *scheduleError) Unwrap() []error {
	errs := []error{e.msg, e.kind}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// newError returns an error of kind with a message for the user; an empty
// format keeps the kind's own message.
func newError(kind *talkbot.Error, cause error, format string, args ...any) error {
	msg := kind
	if format != "" {
		msg = talkbot.Errorf(kind.Code, format, args...)
	}
	return &scheduleError{msg: msg, kind: kind, cause: cause}
}

// malformed reports a broken file, saying where in a few words.
func malformed(cause error, format string, args ...any) error {
	where := fmt.Sprintf(format, args...)
	return newError(ErrMalformed, cause, "That schedule file is broken or cut short (%s); nothing was imported.", where)
}
