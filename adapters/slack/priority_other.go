//go:build !linux

package slack

// backgroundPriority does nothing where thread priorities are not set
// (see priority_linux.go).
func backgroundPriority() {}
