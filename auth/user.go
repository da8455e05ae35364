package auth

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database"
)

// User name and display name limits.
const (
	MinUsernameLength    = 3
	MaxUsernameLength    = 64
	MaxDisplayNameLength = 120
)

// auditUser is the audit object type of users.
const auditUser = "user"

// userChange is a user as audited on update: the password hash is never
// recorded, only whether it changed.
type userChange struct {
	User
	PasswordChanged bool `json:"password_changed,omitempty"`
}

// NormalizeUsername returns name as stored: trimmed and lower-case.
func NormalizeUsername(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}

// usernameProblem returns what is wrong with a normalised user name, or "".
func usernameProblem(name string) string {
	if name == "" {
		return "is required"
	}
	if len(name) < MinUsernameLength || len(name) > MaxUsernameLength {
		return fmt.Sprintf("must be %d to %d characters", MinUsernameLength, MaxUsernameLength)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "may contain only letters a-z, digits and . _ -"
		}
	}
	return ""
}

// validateUser normalises spec in place and checks it. The password is
// checked when required or given. EINVALID naming the fields.
func validateUser(spec *UserSpec, passwordRequired bool) error {
	spec.Username = NormalizeUsername(spec.Username)
	spec.DisplayName = strings.TrimSpace(spec.DisplayName)
	fe := okienko.FieldErrors{}
	if msg := usernameProblem(spec.Username); msg != "" {
		fe.Add("username", msg)
	}
	switch {
	case spec.Password == "" && passwordRequired:
		fe.Add("password", "is required")
	case spec.Password != "":
		if msg := ValidatePassword(spec.Password); msg != "" {
			fe.Add("password", msg)
		}
	}
	if spec.Role != okienko.RoleAdmin && spec.Role != okienko.RoleClerk {
		fe.Add("role", "must be admin or clerk")
	}
	if !utf8.ValidString(spec.DisplayName) || strings.ContainsRune(spec.DisplayName, 0) {
		fe.Add("display_name", "contains invalid characters")
	} else if utf8.RuneCountInString(spec.DisplayName) > MaxDisplayNameLength {
		fe.Add("display_name", fmt.Sprintf("must be at most %d characters", MaxDisplayNameLength))
	}
	return fe.Err()
}

func usernameTaken() error {
	return &okienko.Error{Code: okienko.ECONFLICT, Message: "user name is already taken",
		Fields: map[string]string{"username": "is already taken"}}
}

// CreateUser validates spec and creates the user with its password hashed.
// EINVALID naming fields; ECONFLICT (field username) for a taken name.
func (s *Store) CreateUser(ctx context.Context, spec UserSpec) (*User, error) {
	if err := validateUser(&spec, true); err != nil {
		return nil, err
	}
	hash, err := HashPassword(spec.Password)
	if err != nil {
		return nil, okienko.Internal(err)
	}
	now := s.now()
	u := &User{
		Username:     spec.Username,
		DisplayName:  spec.DisplayName,
		Role:         spec.Role,
		Disabled:     spec.Disabled,
		Source:       SourceLocal,
		PasswordHash: hash,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(u).Error; err != nil {
			if database.IsUniqueViolation(err) {
				return usernameTaken()
			}
			return err
		}
		return audit.Record(ctx, tx, now, audit.Create, auditUser, u.ID, nil, u)
	})
	if err != nil {
		return nil, storeError(err)
	}
	return u, nil
}

// Users lists every user by user name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	users := []User{}
	if err := s.db.WithContext(ctx).Order("username").Find(&users).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	return users, nil
}

// User returns one user. ENOTFOUND.
func (s *Store) User(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := s.db.WithContext(ctx).Take(&u, id).Error; err != nil {
		if database.IsNotFound(err) {
			return nil, userNotFound()
		}
		return nil, okienko.Internal(err)
	}
	return &u, nil
}

func userNotFound() error { return okienko.Errorf(okienko.ENOTFOUND, "user not found") }

// enabledAdmins returns the ids of the enabled administrators, locking their
// rows on PostgreSQL, so two transactions can't each remove a different
// "other" administrator and leave none. Called before loading the target
// user, so every such transaction takes its locks in the same order.
func enabledAdmins(tx *gorm.DB) ([]int64, error) {
	var ids []int64
	err := forUpdate(tx.Model(&User{})).
		Where("role = ? AND disabled = ?", okienko.RoleAdmin, false).
		Order("id").Pluck("id", &ids).Error
	return ids, err
}

// lockUser loads user id for change. ENOTFOUND.
func lockUser(tx *gorm.DB, id int64) (*User, error) {
	var u User
	if err := forUpdate(tx).Take(&u, id).Error; err != nil {
		if database.IsNotFound(err) {
			return nil, userNotFound()
		}
		return nil, err
	}
	return &u, nil
}

// UpdateUser loads the user, hands patch its spec (with Password "" and the
// other fields as they are), validates and saves, in one transaction. A
// password set by patch is checked and hashed, and signs the user out
// everywhere; so does disabling. Errors from patch are returned as they
// are. ENOTFOUND; EINVALID; ECONFLICT for a taken user name or for demoting
// or disabling the last enabled administrator.
func (s *Store) UpdateUser(ctx context.Context, id int64, patch func(*UserSpec) error) (*User, error) {
	var out *User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		admins, err := enabledAdmins(tx)
		if err != nil {
			return err
		}
		u, err := lockUser(tx, id)
		if err != nil {
			return err
		}
		before := *u
		spec := UserSpec{Username: u.Username, Role: u.Role, DisplayName: u.DisplayName, Disabled: u.Disabled}
		if err := patch(&spec); err != nil {
			return err
		}
		if err := validateUser(&spec, false); err != nil {
			return err
		}
		if u.Source != SourceLocal && spec.Password != "" {
			msg := "the password of this user is kept by the sign-in provider (" + u.Source + ")"
			return &okienko.Error{Code: okienko.EINVALID, Message: msg, Fields: map[string]string{"password": msg}}
		}
		wasAdmin := u.Role == okienko.RoleAdmin && !u.Disabled
		staysAdmin := spec.Role == okienko.RoleAdmin && !spec.Disabled
		if wasAdmin && !staysAdmin && len(admins) <= 1 {
			field, msg := "role", "the last enabled administrator can't be demoted"
			if spec.Disabled {
				field, msg = "disabled", "the last enabled administrator can't be disabled"
			}
			return &okienko.Error{Code: okienko.ECONFLICT, Message: msg, Fields: map[string]string{field: msg}}
		}

		now := s.now()
		u.Username, u.DisplayName, u.Role, u.Disabled, u.UpdatedAt = spec.Username, spec.DisplayName, spec.Role, spec.Disabled, now
		cols := map[string]any{
			"username":     u.Username,
			"display_name": u.DisplayName,
			"role":         u.Role,
			"disabled":     u.Disabled,
			"updated_at":   now,
		}
		passwordChanged := spec.Password != ""
		if passwordChanged {
			hash, err := HashPassword(spec.Password)
			if err != nil {
				return err
			}
			u.PasswordHash = hash
			cols["password_hash"] = hash
		}
		if err := tx.Model(&User{}).Where("id = ?", id).UpdateColumns(cols).Error; err != nil {
			if database.IsUniqueViolation(err) {
				return usernameTaken()
			}
			return err
		}
		if passwordChanged || u.Disabled {
			if err := tx.Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
				return err
			}
		}
		out = u
		return audit.Record(ctx, tx, now, audit.Update, auditUser, id, before, userChange{User: *u, PasswordChanged: passwordChanged})
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// DeleteUser deletes a user and signs them out. ENOTFOUND; ECONFLICT for
// the acting user's own account and for the last enabled administrator.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		admins, err := enabledAdmins(tx)
		if err != nil {
			return err
		}
		u, err := lockUser(tx, id)
		if err != nil {
			return err
		}
		if okienko.ActorFrom(ctx).UserID == id {
			return okienko.Errorf(okienko.ECONFLICT, "you can't delete your own account")
		}
		if u.Role == okienko.RoleAdmin && !u.Disabled && len(admins) <= 1 {
			return okienko.Errorf(okienko.ECONFLICT, "the last enabled administrator can't be deleted")
		}
		if err := tx.Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&User{}, id).Error; err != nil {
			if database.IsForeignKeyViolation(err) {
				return okienko.Errorf(okienko.ECONFLICT, "the user is still referenced; disable it instead")
			}
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Delete, auditUser, id, u, nil)
	})
	return storeError(err)
}
