package schedule

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ReadFile reads a schedule file from the bot's own disk, for `import
// <path>` typed in the console by whoever runs the bot: a regular file of
// at most MaxBytes (a device or a pipe is refused, so /dev/zero cannot fill
// the memory). Chat users never get here: a chat admin is not the operator.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, newError(ErrFetch, err, "There is no file %q; nothing was imported.", clip(path))
		}
		return nil, newError(ErrFetch, err, "I could not open %q; nothing was imported.", clip(path))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, newError(ErrFetch, err, "I could not read %q; nothing was imported.", clip(path))
	}
	if !info.Mode().IsRegular() {
		return nil, newError(ErrNotSchedule, fmt.Errorf("%s is not a regular file", path), "%q is not a file I can import.", clip(path))
	}
	if info.Size() > MaxBytes {
		return nil, newError(ErrTooLarge, nil, "That schedule is over %d MB; nothing was imported.", MaxBytes>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, newError(ErrFetch, err, "I could not read %q; nothing was imported.", clip(path))
	}
	if len(data) > MaxBytes { // it grew while we read it
		return nil, newError(ErrTooLarge, nil, "That schedule is over %d MB; nothing was imported.", MaxBytes>>20)
	}
	return data, nil
}
