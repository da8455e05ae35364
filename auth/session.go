package auth

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// Rate counter key prefixes of failed sign-ins.
const (
	loginPairKey = "login:pair:" // failures of a user name from an address
	loginWaitKey = "login:wait:" // the wait a user name has at an address
	loginIPKey   = "login:ip:"   // failures from an address, any name
	maxKeyPart   = 64
)

// Audit actions of sign-ins, on the object "user" (id 0 for a name that
// belongs to nobody).
const (
	AuditSignIn       = "sign_in"
	AuditSignInFailed = "sign_in_failed"
)

func badCredentials() error {
	return okienko.Errorf(okienko.EUNAUTHORIZED, "invalid username or password")
}

func badSession() error {
	return okienko.Errorf(okienko.EUNAUTHORIZED, "not signed in or the session has expired")
}

func tooManyFailures(wait time.Duration) error {
	return &okienko.Error{Code: okienko.ETOOMANY,
		Message: "too many failed sign-in attempts; try again later", RetryAfter: wait}
}

// loginWait is how long a user name waits at an address after its n-th
// failure there in a row: nothing for the first LoginFreeFailures, then
// LoginFirstWait doubling up to LoginMaxWait.
func loginWait(n int) time.Duration {
	if n <= LoginFreeFailures {
		return 0
	}
	wait := LoginFirstWait
	for i := LoginFreeFailures + 1; i < n && wait < LoginMaxWait; i++ {
		wait *= 2
	}
	return min(wait, LoginMaxWait)
}

// signInFailure is what the audit log keeps of a failed sign-in.
type signInFailure struct {
	Username string `json:"username"`
	IP       string `json:"ip,omitempty"`
	Reason   string `json:"reason"`              // wrong_password, unknown_user, disabled
	Failures int    `json:"failures"`            // of this name from this address in a row
	WaitSecs int    `json:"wait_secs,omitempty"` // the wait it starts
}

// Login checks a user name and password and opens a session. The token is
// returned once; the session carries its user.
//
// Failures slow down that user name from that address only (see
// LoginFreeFailures), and many failures slow down the address
// (LoginMaxAddressFailures): while either waits, every attempt from there,
// right or wrong, fails with ETOOMANY and RetryAfter, without a password
// check and without counting. A wrong password, unknown user or disabled
// user is EUNAUTHORIZED, all alike and all taking the time of one password
// check. Every checked attempt is written to the audit log: AuditSignIn
// with the session's user, AuditSignInFailed with the name, the address,
// why and the wait it starts. Success forgets the name's failures at that
// address.
func (s *Store) Login(ctx context.Context, username, password, ip, userAgent string) (*Session, string, error) {
	name := NormalizeUsername(username)
	addr := cleanText(ip, maxKeyPart)
	pair := cleanText(name, maxKeyPart) + "|" + addr
	now := s.now()

	if wait, err := s.loginWaits(ctx, pair, addr, now); err != nil || wait > 0 {
		if err == nil {
			err = tooManyFailures(wait)
		}
		return nil, "", err
	}

	var u User
	found := false
	if usernameProblem(name) == "" { // other names can't exist; don't query for them
		err := s.db.WithContext(ctx).Where("username = ?", name).Take(&u).Error
		switch {
		case err == nil:
			found = true
		case !database.IsNotFound(err):
			return nil, "", okienko.Internal(err)
		}
	}
	if s.directory != nil && (!found || u.Source == s.directory.Source()) {
		return s.loginDirectory(ctx, name, password, ip, userAgent, pair, addr, now)
	}
	hash := dummyHash()
	if found && u.Source == SourceLocal {
		hash = u.PasswordHash
	}
	if ok := CheckPassword(hash, password); !ok || !found || u.Disabled || u.Source != SourceLocal {
		f := signInFailure{Username: cleanText(name, maxKeyPart), IP: addr, Reason: "wrong_password"}
		switch {
		case !found:
			f.Reason = "unknown_user"
		case u.Source != SourceLocal:
			f.Reason = "provider_not_configured"
		case u.Disabled:
			f.Reason = "disabled"
		}
		return nil, "", s.failSignIn(ctx, pair, addr, u.ID, f, now)
	}
	if err := s.limiter.Reset(ctx, loginPairKey+pair); err != nil {
		return nil, "", storeError(err)
	}
	var sess *Session
	var token string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) (err error) {
		sess, token, err = s.openSession(ctx, tx, &u, ip, userAgent, now)
		return err
	})
	if err != nil {
		return nil, "", okienko.Internal(err)
	}
	return sess, token, nil
}

// failSignIn counts a failed sign-in of pair, writes it to the audit log
// (on user uid, 0 for none) and returns the error the caller answers:
// EUNAUTHORIZED, all failures alike.
func (s *Store) failSignIn(ctx context.Context, pair, addr string, uid int64, f signInFailure, now time.Time) error {
	if err := s.countFailure(ctx, pair, addr, &f); err != nil {
		return err
	}
	if err := audit.Record(ctx, s.db, now, AuditSignInFailed, auditUser, uid, nil, f); err != nil {
		return okienko.Internal(err)
	}
	return badCredentials()
}

// loginDirectory is Login through the directory: its answer counts as the
// password check (failures slow down alike), and the person it vouches
// for signs in through SignInWith. A directory out of reach is
// EUNAVAILABLE and counts as no failure.
func (s *Store) loginDirectory(ctx context.Context, name, password, ip, userAgent, pair, addr string, now time.Time) (*Session, string, error) {
	f := signInFailure{Username: cleanText(name, maxKeyPart), IP: addr}
	if password == "" {
		f.Reason = "wrong_password"
		return nil, "", s.failSignIn(ctx, pair, addr, 0, f, now)
	}
	id, err := s.directory.Authenticate(ctx, name, password)
	switch okienko.ErrorCode(err) {
	case "":
	case okienko.ENOTFOUND:
		f.Reason = "unknown_user"
		return nil, "", s.failSignIn(ctx, pair, addr, 0, f, now)
	case okienko.EUNAUTHORIZED:
		f.Reason = "wrong_password"
		return nil, "", s.failSignIn(ctx, pair, addr, 0, f, now)
	case okienko.EUNAVAILABLE:
		return nil, "", err
	default:
		return nil, "", storeError(err)
	}
	if err := s.limiter.Reset(ctx, loginPairKey+pair); err != nil {
		return nil, "", storeError(err)
	}
	id.Source = s.directory.Source()
	return s.SignInWith(ctx, *id, ip, userAgent)
}

// loginWaits returns how long sign-ins of pair (name|address) must still
// wait, from the name's wait at that address or the address's failures.
func (s *Store) loginWaits(ctx context.Context, pair, addr string, now time.Time) (time.Duration, error) {
	var wait time.Duration
	if _, end, err := s.limiter.Peek(ctx, loginWaitKey+pair); err != nil {
		return 0, storeError(err)
	} else if !end.IsZero() {
		wait = end.Sub(now)
	}
	if addr != "" {
		hits, end, err := s.limiter.Peek(ctx, loginIPKey+addr)
		if err != nil {
			return 0, storeError(err)
		}
		if d := end.Sub(now); hits >= LoginMaxAddressFailures && d > wait {
			wait = d
		}
	}
	return wait, nil
}

// countFailure counts a failed sign-in of pair and of its address, and
// starts the wait the pair's count calls for, noting both in f.
func (s *Store) countFailure(ctx context.Context, pair, addr string, f *signInFailure) error {
	n, _, err := s.limiter.Hit(ctx, loginPairKey+pair, LoginWindow)
	if err != nil {
		return storeError(err)
	}
	f.Failures = n
	if wait := loginWait(n); wait > 0 {
		f.WaitSecs = int(wait / time.Second)
		if _, _, err := s.limiter.Hit(ctx, loginWaitKey+pair, wait); err != nil {
			return storeError(err)
		}
	}
	if addr != "" {
		if _, _, err := s.limiter.Hit(ctx, loginIPKey+addr, LoginAddressWindow); err != nil {
			return storeError(err)
		}
	}
	return nil
}

// Authenticate returns the session of token with its user. Using a session
// slides its expiry to SessionTTL from now (written at most once a minute,
// and then the session says Renewed).
// EUNAUTHORIZED for an empty, unknown or expired token and for a disabled
// user.
func (s *Store) Authenticate(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, badSession()
	}
	var sess Session
	err := s.db.WithContext(ctx).Joins("User").
		Where("sessions.token_hash = ?", HashToken(token)).Take(&sess).Error
	if err != nil {
		if database.IsNotFound(err) {
			return nil, badSession()
		}
		return nil, okienko.Internal(err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || sess.User.Disabled || sess.User.ID == 0 {
		return nil, badSession()
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		sess.LastSeenAt, sess.ExpiresAt, sess.Renewed = now, now.Add(SessionTTL), true
		err := s.db.WithContext(ctx).Model(&Session{}).Where("id = ?", sess.ID).
			UpdateColumns(map[string]any{"last_seen_at": sess.LastSeenAt, "expires_at": sess.ExpiresAt}).Error
		if err != nil {
			return nil, okienko.Internal(err)
		}
	}
	return &sess, nil
}

// Logout ends the session of token. Ending an unknown or ended session is
// not an error.
func (s *Store) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := s.db.WithContext(ctx).Where("token_hash = ?", HashToken(token)).Delete(&Session{}).Error; err != nil {
		return okienko.Internal(err)
	}
	return nil
}

// SweepSessions deletes expired sessions and returns how many it deleted.
func (s *Store) SweepSessions(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", s.now()).Delete(&Session{})
	if res.Error != nil {
		return 0, okienko.Internal(res.Error)
	}
	return res.RowsAffected, nil
}
