package auth

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
)

// Rate counter key prefixes of failed sign-ins.
const (
	loginUserKey = "login:user:"
	loginIPKey   = "login:ip:"
	maxKeyPart   = 64
)

func badCredentials() error {
	return okienko.Errorf(okienko.EUNAUTHORIZED, "invalid username or password")
}

func badSession() error {
	return okienko.Errorf(okienko.EUNAUTHORIZED, "not signed in or the session has expired")
}

// loginKeys are the failure counters a sign-in attempt counts against: its
// user name and, when known, its address.
func loginKeys(name, ip string) (userKey string, keys []string) {
	userKey = loginUserKey + cleanText(name, maxKeyPart)
	keys = []string{userKey}
	if ip != "" {
		keys = append(keys, loginIPKey+cleanText(ip, maxKeyPart))
	}
	return userKey, keys
}

// Login checks a user name and password and opens a session. The token is
// returned once; the session carries its user.
//
// While the user name or the address ip has LoginMaxFailures failures within
// LoginWindow, every attempt, right or wrong, fails with ETOOMANY and
// RetryAfter set to when the later window ends. A wrong password, unknown
// user or disabled user is EUNAUTHORIZED, all alike and all taking the time
// of one password check, and counts a failure for both the name and the
// address. Success clears the name's failures, not the address's.
func (s *Store) Login(ctx context.Context, username, password, ip, userAgent string) (*Session, string, error) {
	name := NormalizeUsername(username)
	userKey, keys := loginKeys(name, ip)
	now := s.now()

	var wait time.Duration
	for _, k := range keys {
		hits, end, err := s.limiter.Peek(ctx, k)
		if err != nil {
			return nil, "", storeError(err)
		}
		if d := end.Sub(now); hits >= LoginMaxFailures && d > wait {
			wait = d
		}
	}
	if wait > 0 {
		return nil, "", &okienko.Error{Code: okienko.ETOOMANY,
			Message: "too many failed sign-in attempts; try again later", RetryAfter: wait}
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
	hash := dummyHash()
	if found {
		hash = u.PasswordHash
	}
	if ok := CheckPassword(hash, password); !ok || !found || u.Disabled {
		for _, k := range keys {
			if _, _, err := s.limiter.Hit(ctx, k, LoginWindow); err != nil {
				return nil, "", storeError(err)
			}
		}
		return nil, "", badCredentials()
	}
	if err := s.limiter.Reset(ctx, userKey); err != nil {
		return nil, "", storeError(err)
	}

	token := NewToken()
	sess := &Session{
		UserID:     u.ID,
		TokenHash:  HashToken(token),
		CSRFToken:  NewToken(),
		UserAgent:  cleanText(userAgent, maxUserAgent),
		IP:         cleanText(ip, maxUserAgent),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(SessionTTL),
	}
	if err := s.db.WithContext(ctx).Omit(clause.Associations).Create(sess).Error; err != nil {
		return nil, "", okienko.Internal(err)
	}
	sess.User = u
	return sess, token, nil
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
