//go:build !unix

package database

import "os"

// lockFile opens the file at path without a lock: on systems without flock
// a running server is not detected, and restore relies on the operator
// having stopped it.
func lockFile(path string, exclusive bool) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}
