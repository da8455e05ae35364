// Package auth knows who is calling: staff users with roles and argon2id
// passwords, their sessions (one session row serves both the bearer token and
// the page cookie), sign-in throttling, and the device tokens of kiosks.
// Only SHA-256 hashes of tokens are stored.
package auth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/ratelimit"
)

// Session and sign-in limits.
const (
	// SessionTTL is how long a session lives after it was last used.
	SessionTTL = 12 * time.Hour
	// LoginFreeFailures failed sign-ins of one user name from one address
	// cost nothing; from the next on, each makes that name wait at that
	// address LoginFirstWait, twice as long after each further failure, at
	// most LoginMaxWait. Failures are forgotten LoginWindow after the first
	// of them, or at a success. Nobody elsewhere waits: an attacker can't
	// lock anybody out.
	LoginFreeFailures = 3
	LoginFirstWait    = 30 * time.Second
	LoginMaxWait      = 15 * time.Minute
	LoginWindow       = time.Hour
	// LoginMaxAddressFailures failures from one address within
	// LoginAddressWindow, whatever the names, make every sign-in from that
	// address wait until the window ends (guessing many names at once).
	LoginMaxAddressFailures = 20
	LoginAddressWindow      = 15 * time.Minute

	// touchEvery is how stale last_seen_at may get before Authenticate
	// writes it (and slides the expiry), so most requests only read.
	touchEvery = time.Minute
	// maxUserAgent is how many characters of a User-Agent a session keeps.
	maxUserAgent = 256
)

// User is a member of staff who signs in.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Disabled    bool   `json:"disabled"`
	// Source is where the user comes from: SourceLocal (a password kept
	// here) or a sign-in provider's name ("ldap", "oidc"), whose word
	// on each sign-in decides; ExternalID is the person's id there.
	Source       string    `json:"source"`
	ExternalID   *string   `json:"-"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// TableName is the table of users.
func (User) TableName() string { return "users" }

// UserSpec is what an administrator sets on a user. Password is the new
// password in clear text: required on create, "" on update keeps the old one.
type UserSpec struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name"`
	Disabled    bool   `json:"disabled"`
}

// Session is a signed-in user's session. The token itself is only ever
// returned by Login; the row keeps its hash.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	TokenHash  string    `json:"-" gorm:"column:token_hash"`
	CSRFToken  string    `json:"csrf_token" gorm:"column:csrf_token"`
	UserAgent  string    `json:"user_agent" gorm:"column:user_agent"`
	IP         string    `json:"ip" gorm:"column:ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at" gorm:"column:last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at" gorm:"column:expires_at"`
	User       User      `json:"user"`
	// Renewed tells that Authenticate slid the expiry just now, so a
	// cookie carrying the session should be sent again.
	Renewed bool `json:"-" gorm:"-"`
}

// TableName is the table of sessions.
func (Session) TableName() string { return "sessions" }

// Kiosk is a lobby kiosk device, as far as signing it in is concerned: the
// kiosks table has printer settings too, which other packages manage.
type Kiosk struct {
	ID           int64      `json:"id"`
	OfficeID     int64      `json:"office_id"`
	Name         string     `json:"name"`
	PrinterURI   string     `json:"printer_uri" gorm:"column:printer_uri"`
	PrinterState string     `json:"printer_state"`
	TokenHash    string     `json:"-" gorm:"column:token_hash"`
	LastSeenAt   *time.Time `json:"last_seen_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// TableName is the table of kiosks.
func (Kiosk) TableName() string { return "kiosks" }

// Store keeps users, sessions and kiosk tokens. Every changing method owns
// its transaction; administrative changes write an audit record in it.
type Store struct {
	db        *gorm.DB
	clock     okienko.Clock
	limiter   *ratelimit.Counter
	directory Directory // nil: local users only
}

// NewStore returns a Store over db; limiter counts failed sign-ins and must
// share db's database so every instance sees the same counts.
func NewStore(db *gorm.DB, clock okienko.Clock, limiter *ratelimit.Counter) *Store {
	return &Store{db: database.OnClock(db, clock), clock: clock, limiter: limiter}
}

// WithTx returns the store working in transaction tx.
func (s *Store) WithTx(tx *gorm.DB) *Store {
	return &Store{db: tx, clock: s.clock, limiter: s.limiter, directory: s.directory}
}

// HasUsers reports whether any user exists (for first-start set-up).
func (s *Store) HasUsers(ctx context.Context) (bool, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&User{}).Limit(1).Pluck("id", &ids).Error; err != nil {
		return false, okienko.Internal(err)
	}
	return len(ids) > 0, nil
}

// now is the clock's time in UTC at the precision both dialects store.
func (s *Store) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Microsecond)
}

// forUpdate locks the selected rows until the transaction ends on
// PostgreSQL; on SQLite the transaction already holds the write lock.
func forUpdate(tx *gorm.DB) *gorm.DB {
	if database.Dialect(tx) == database.Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// storeError passes *okienko.Error through and wraps anything else as
// EINTERNAL.
func storeError(err error) error { return okienko.ErrorOrInternal(err) }

// cleanText makes s storable as text on both dialects (valid UTF-8, no NUL)
// and cuts it to at most max characters.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}
