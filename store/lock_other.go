//go:build !unix

package store

// lockFile is a no-op where flock is not available: start one bot at a time
// on a new database there.
func lockFile(string) (func(), error) { return func() {}, nil }
