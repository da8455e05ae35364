// Package migrations holds the versioned SQL schema, one folder per dialect
// with matching version numbers, embedded in the binary.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// FS returns the migrations of dialect ("postgres" or "sqlite").
func FS(dialect string) fs.FS {
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		panic(err)
	}
	return sub
}
