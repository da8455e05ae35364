//go:build unix

package database

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an advisory lock (flock) on the file at path, creating it
// if missing: shared or exclusive, never waiting. It returns errLocked when
// another holder's lock conflicts. The lock lasts until the file is closed
// or the process ends, whichever comes first: a killed server leaves none.
func lockFile(path string, exclusive bool) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, err
	}
	return f, nil
}
