package auth

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// SourceLocal is the source of users whose password is kept here.
const SourceLocal = "local"

// Identity is a person a sign-in provider of the office vouches for: the
// directory after checking a password, the OpenID provider after its
// redirect. Role is what the provider's groups or claims grant: an
// okienko role, or "" when they grant none (the sign-in is refused).
type Identity struct {
	Source      string // the provider: "ldap", "oidc"
	Subject     string // the person's stable id at the provider
	Username    string // the sign-in name, normalized by SignInWith
	DisplayName string
	Role        string
}

// Directory checks a user name and password against the office's
// directory (LDAP/Active Directory) instead of a password kept here.
//
// Authenticate returns the person when the directory accepts the
// password and the account is enabled there. Errors: ENOTFOUND when the
// directory has no such user; EUNAUTHORIZED for a wrong password or an
// account disabled in the directory; EUNAVAILABLE when the directory
// can't be reached. It must not take longer than ctx allows.
type Directory interface {
	Source() string
	Authenticate(ctx context.Context, username, password string) (*Identity, error)
}

// UseDirectory makes Login ask d for the passwords of its users and of
// user names not known here (nil: local users only). Call before serving.
func (s *Store) UseDirectory(d Directory) { s.directory = d }

// noRole is the refusal of a person the provider knows but whose groups
// or claims grant no role here.
func noRole() error {
	return okienko.Errorf(okienko.EFORBIDDEN, "your account has no role in Okienko; ask an administrator to add you to a group")
}

// SignInWith opens a session for a person a provider vouched for (an
// OpenID Connect sign-in; Login calls it for the directory). The user is
// found by (source, subject) and updated to what the provider says now
// (name, display name, role), or created on the first sign-in. Errors:
// EFORBIDDEN when id grants no role or the user was disabled here by an
// administrator; EUNAUTHORIZED when the sign-in name belongs to another
// user (a local one, or one of another provider); EINVALID for an identity
// without source, subject or a valid name. Each sign-in and each refusal
// is written to the audit log.
func (s *Store) SignInWith(ctx context.Context, id Identity, ip, userAgent string) (*Session, string, error) {
	id.Username = NormalizeUsername(id.Username)
	id.DisplayName = cleanText(id.DisplayName, 100)
	if id.Source == "" || id.Source == SourceLocal || id.Subject == "" || usernameProblem(id.Username) != "" {
		return nil, "", okienko.Errorf(okienko.EINVALID, "the sign-in provider gave no usable identity")
	}
	now := s.now()
	refuse := func(u *User, reason string, err error) (*Session, string, error) {
		var uid int64
		if u != nil {
			uid = u.ID
		}
		f := signInFailure{Username: cleanText(id.Username, maxKeyPart), IP: cleanText(ip, maxKeyPart), Reason: reason}
		if aerr := audit.Record(ctx, s.db, now, AuditSignInFailed, auditUser, uid, nil, map[string]any{"failure": f, "source": id.Source}); aerr != nil {
			return nil, "", okienko.Internal(aerr)
		}
		return nil, "", err
	}
	if id.Role != okienko.RoleAdmin && id.Role != okienko.RoleClerk {
		return refuse(nil, "no_role", noRole())
	}

	var u User
	var sess *Session
	var token string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := forUpdate(tx).Where("source = ? AND external_id = ?", id.Source, id.Subject).Take(&u).Error
		switch {
		case database.IsNotFound(err):
			u = User{Username: id.Username, DisplayName: id.DisplayName, Role: id.Role, Source: id.Source,
				ExternalID: &id.Subject, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&u).Error; err != nil {
				if database.IsUniqueViolation(err) {
					return errNameTaken
				}
				return err
			}
			if err := audit.Record(ctx, tx, now, audit.Create, auditUser, u.ID, nil, u); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if u.Disabled {
				return errDisabledHere
			}
			before := u
			u.Username, u.DisplayName, u.Role, u.UpdatedAt = id.Username, id.DisplayName, id.Role, now
			if before.Username != u.Username || before.DisplayName != u.DisplayName || before.Role != u.Role {
				err := tx.Model(&User{}).Where("id = ?", u.ID).UpdateColumns(map[string]any{
					"username": u.Username, "display_name": u.DisplayName, "role": u.Role, "updated_at": now}).Error
				if err != nil {
					if database.IsUniqueViolation(err) {
						return errNameTaken
					}
					return err
				}
				if err := audit.Record(ctx, tx, now, audit.Update, auditUser, u.ID, before, u); err != nil {
					return err
				}
			}
		}
		sess, token, err = s.openSession(ctx, tx, &u, ip, userAgent, now)
		return err
	})
	switch {
	case errors.Is(err, errNameTaken):
		return refuse(nil, "username_taken", badCredentials())
	case errors.Is(err, errDisabledHere):
		return refuse(&u, "disabled", okienko.Errorf(okienko.EFORBIDDEN, "your account is disabled in Okienko"))
	case err != nil:
		return nil, "", storeError(err)
	}
	return sess, token, nil
}

var (
	errNameTaken    = errors.New("the user name belongs to another user")
	errDisabledHere = errors.New("the user is disabled here")
)

// openSession creates a session of u in tx and records the sign-in; it
// returns the session (with its user) and its token.
func (s *Store) openSession(ctx context.Context, tx *gorm.DB, u *User, ip, userAgent string, now time.Time) (*Session, string, error) {
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
	if err := tx.Omit(clause.Associations).Create(sess).Error; err != nil {
		return nil, "", err
	}
	actx := okienko.WithActor(ctx, okienko.Actor{UserID: u.ID, Name: u.Username, Role: u.Role, RequestID: okienko.ActorFrom(ctx).RequestID})
	details := map[string]string{"ip": sess.IP}
	if u.Source != SourceLocal {
		details["source"] = u.Source
	}
	if err := audit.Record(actx, tx, now, AuditSignIn, auditUser, u.ID, nil, details); err != nil {
		return nil, "", err
	}
	sess.User = *u
	return sess, token, nil
}
