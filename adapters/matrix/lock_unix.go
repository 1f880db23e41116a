//go:build unix

package matrix

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// errStoreInUse: another bot holds the crypto store.
var errStoreInUse = errors.New("in use")

// lockStore takes the crypto store's lock for as long as the bot runs
// (unlock releases it), or says another bot holds it. Two bots on one
// device log each other out: each login re-issues the device's token.
func lockStore(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errStoreInUse
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
