package talkbot

import (
	"context"
	"errors"
	"sync"
)

// ErrHandled answers a change made for an event that was handled before: a
// redelivery, which must be neither carried out nor answered again.
var ErrHandled = &Error{Code: ECONFLICT, Message: "This message was answered already."}

// EventMark is a platform event being answered exactly once. The record that
// it was handled is written in the same transaction as the first change its
// command makes, so the two commit together or not at all, at the cost of one
// commit; a command that changes nothing writes it on its own (Seal) before
// its first reply leaves.
type EventMark struct {
	Platform, EventID string

	mu    sync.Mutex // held by a write carrying the mark until it is committed
	state markState
}

type markState int

const (
	markOpen      markState = iota // not written yet: the next change carries it
	markWritten                    // written, with a change or by Seal
	markDuplicate                  // found written: the event was handled before
)

type eventMarkKey struct{}

// WithEventMark returns ctx carrying m, for the store to write with the first change.
func WithEventMark(ctx context.Context, m *EventMark) context.Context {
	return context.WithValue(ctx, eventMarkKey{}, m)
}

// EventMarkFrom returns the mark ctx carries, nil when none.
func EventMarkFrom(ctx context.Context) *EventMark {
	m, _ := ctx.Value(eventMarkKey{}).(*EventMark)
	return m
}

// Write runs one write of the event's command: with carry true for the
// first, which writes the mark in its transaction and returns ErrHandled
// when the mark was there already. Once the event is known to be a
// duplicate, every write of it fails with ErrHandled, so a command that goes
// on after an error changes nothing either.
func (m *EventMark) Write(write func(carry bool) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch m.state {
	case markDuplicate:
		return ErrHandled
	case markWritten:
		return write(false)
	}
	err := write(true)
	switch {
	case err == nil:
		m.state = markWritten
	case errors.Is(err, ErrHandled):
		m.state = markDuplicate
	}
	return err
}

// Seal makes sure the mark is written before a reply leaves: when no change
// has written it, mark writes it alone and reports whether this is the
// first time. It waits for a change carrying the mark that is still being
// committed (a command that timed out). Seal reports whether to answer:
// false for a duplicate, and, with the error, when the mark could not be
// written.
func (m *EventMark) Seal(mark func() (first bool, err error)) (answer bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch m.state {
	case markWritten:
		return true, nil
	case markDuplicate:
		return false, nil
	}
	first, err := mark()
	if err != nil {
		return false, err
	}
	m.state = markWritten
	if !first {
		m.state = markDuplicate
	}
	return first, nil
}
