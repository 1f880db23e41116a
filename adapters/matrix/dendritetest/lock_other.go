//go:build !unix

package dendritetest

// lockFile does nothing where flock is missing: concurrent builds then each
// build into their own temporary directory and the first rename wins.
func lockFile(string) (func(), error) { return func() {}, nil }
