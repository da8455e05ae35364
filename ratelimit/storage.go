package ratelimit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
)

// Storage is a fiber.Storage over the kv_store table, so Fiber middleware
// (the limiter above all) keeps its state in the database and every
// instance of the application sees the same state. Keys are namespaced by a
// prefix; expiry follows the injected clock.
//
// Storage makes each call atomic, not a read followed by a write: Fiber's
// limiter reads an entry and writes it back, so two instances counting the
// same key at the same moment may lose a hit. Use Counter where an exact
// count matters.
type Storage struct {
	db     *gorm.DB
	clock  okienko.Clock
	prefix string
}

var _ fiber.Storage = (*Storage)(nil)

// NewStorage returns a Storage over db whose keys are stored with prefix
// in front (e.g. "limiter:"); Reset and Sweep touch only those keys.
func NewStorage(db *gorm.DB, clock okienko.Clock, prefix string) *Storage {
	return &Storage{db: db, clock: clock, prefix: prefix}
}

// now is the clock's time in UTC at the precision both dialects store (see
// Counter.now).
func (s *Storage) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Microsecond)
}

// ownKeys is the condition selecting this Storage's keys; its parameters
// are ownKeysArgs. substr counts characters on both dialects, and unlike
// LIKE it needs no escaping and is case-sensitive on SQLite too.
const ownKeys = `substr("key", 1, ?) = ?`

func (s *Storage) ownKeysArgs() []any {
	return []any{utf8.RuneCountInString(s.prefix), s.prefix}
}

// Get returns the value stored under key, or nil and no error when there
// is none or it has expired. Errors are EINTERNAL.
func (s *Storage) Get(key string) ([]byte, error) {
	if key == "" {
		return nil, nil
	}
	var val []byte
	err := s.db.WithContext(context.Background()).
		Raw(`SELECT value FROM kv_store WHERE "key" = ? AND (expires_at IS NULL OR expires_at > ?)`, s.prefix+key, s.now()).
		Row().Scan(&val)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, okienko.Internal(fmt.Errorf("kv get %q: %w", s.prefix+key, err))
	}
	return val, nil
}

// setSQL inserts or replaces a key in one atomic statement on PostgreSQL
// and SQLite. Parameters: key, value, expiry (NULL for none).
const setSQL = `INSERT INTO kv_store ("key", value, expires_at) VALUES (?, ?, ?)
ON CONFLICT ("key") DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`

// Set stores val under key, replacing any value there, to expire exp from
// now; exp 0 means never. An empty key or value stores nothing and is not
// an error, as with Fiber's own storages. Errors are EINTERNAL.
func (s *Storage) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	var expiresAt *time.Time
	if exp != 0 {
		t := s.now().Add(exp).Truncate(time.Microsecond)
		expiresAt = &t
	}
	if err := s.db.WithContext(context.Background()).Exec(setSQL, s.prefix+key, val, expiresAt).Error; err != nil {
		return okienko.Internal(fmt.Errorf("kv set %q: %w", s.prefix+key, err))
	}
	return nil
}

// Delete removes key; deleting a missing key is not an error. Errors are
// EINTERNAL.
func (s *Storage) Delete(key string) error {
	if key == "" {
		return nil
	}
	if err := s.db.WithContext(context.Background()).Exec(`DELETE FROM kv_store WHERE "key" = ?`, s.prefix+key).Error; err != nil {
		return okienko.Internal(fmt.Errorf("kv delete %q: %w", s.prefix+key, err))
	}
	return nil
}

// Reset deletes every key with this Storage's prefix, expired or not, and
// no other. Errors are EINTERNAL.
func (s *Storage) Reset() error {
	if err := s.db.WithContext(context.Background()).Exec(`DELETE FROM kv_store WHERE `+ownKeys, s.ownKeysArgs()...).Error; err != nil {
		return okienko.Internal(fmt.Errorf("kv reset %q: %w", s.prefix, err))
	}
	return nil
}

// Close does nothing: the database belongs to the caller.
func (s *Storage) Close() error { return nil }

// Sweep deletes this Storage's expired keys and returns how many it
// deleted. Get is correct without it; it only keeps the table small.
// Errors are EINTERNAL.
func (s *Storage) Sweep(ctx context.Context) (int64, error) {
	args := append([]any{s.now()}, s.ownKeysArgs()...)
	res := s.db.WithContext(ctx).Exec(`DELETE FROM kv_store WHERE expires_at <= ? AND `+ownKeys, args...)
	if res.Error != nil {
		return 0, okienko.Internal(fmt.Errorf("kv sweep %q: %w", s.prefix, res.Error))
	}
	return res.RowsAffected, nil
}
