//go:build !unix

package matrix

import "errors"

var errStoreInUse = errors.New("in use")

// lockStore is a no-op where flock is not available: run one bot on a
// crypto store at a time there.
func lockStore(string) (func(), error) { return func() {}, nil }
