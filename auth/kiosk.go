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

// MaxKioskNameLength is the longest kiosk name, in characters.
const MaxKioskNameLength = 120

// auditKiosk is the audit object type of kiosks.
const auditKiosk = "kiosk"

// kioskTokenChange is a kiosk as audited when its token is rotated.
type kioskTokenChange struct {
	Kiosk
	TokenRotated bool `json:"token_rotated"`
}

func badKioskToken() error {
	return okienko.Errorf(okienko.EUNAUTHORIZED, "unknown kiosk token")
}

// CreateKiosk registers a kiosk of office officeID with its printer settings
// at their defaults and returns it with its device token, which is shown
// only this once. EINVALID for a missing or too long name (field name) or
// an unknown office (field office_id).
func (s *Store) CreateKiosk(ctx context.Context, officeID int64, name string) (*Kiosk, string, error) {
	name = strings.TrimSpace(name)
	fe := okienko.FieldErrors{}
	switch {
	case name == "":
		fe.Add("name", "is required")
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		fe.Add("name", "contains invalid characters")
	case utf8.RuneCountInString(name) > MaxKioskNameLength:
		fe.Add("name", fmt.Sprintf("must be at most %d characters", MaxKioskNameLength))
	}
	if officeID <= 0 {
		fe.Add("office_id", "is required")
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	token := NewToken()
	now := s.now()
	k := &Kiosk{OfficeID: officeID, Name: name, TokenHash: HashToken(token), CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Only these columns: the printer settings take the table's defaults.
		err := tx.Select("office_id", "name", "token_hash", "created_at", "updated_at").Create(k).Error
		if err != nil {
			if database.IsForeignKeyViolation(err) {
				return okienko.Invalid("office_id", "no such office")
			}
			return err
		}
		if err := tx.Take(k, k.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Create, auditKiosk, k.ID, nil, k)
	})
	if err != nil {
		return nil, "", storeError(err)
	}
	return k, token, nil
}

// RotateKioskToken gives kiosk kioskID a new device token, returned only
// this once; the old token stops working. ENOTFOUND.
func (s *Store) RotateKioskToken(ctx context.Context, kioskID int64) (string, error) {
	token := NewToken()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var k Kiosk
		if err := forUpdate(tx).Take(&k, kioskID).Error; err != nil {
			if database.IsNotFound(err) {
				return okienko.Errorf(okienko.ENOTFOUND, "kiosk not found")
			}
			return err
		}
		before := k
		now := s.now()
		k.TokenHash, k.UpdatedAt = HashToken(token), now
		err := tx.Model(&Kiosk{}).Where("id = ?", kioskID).
			UpdateColumns(map[string]any{"token_hash": k.TokenHash, "updated_at": now}).Error
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Update, auditKiosk, kioskID, before, kioskTokenChange{Kiosk: k, TokenRotated: true})
	})
	if err != nil {
		return "", storeError(err)
	}
	return token, nil
}

// AuthenticateKiosk returns the kiosk whose device token is token and notes
// that it was seen (written at most once a minute). EUNAUTHORIZED for an
// empty or unknown token.
func (s *Store) AuthenticateKiosk(ctx context.Context, token string) (*Kiosk, error) {
	if token == "" {
		return nil, badKioskToken()
	}
	var k Kiosk
	if err := s.db.WithContext(ctx).Where("token_hash = ?", HashToken(token)).Take(&k).Error; err != nil {
		if database.IsNotFound(err) {
			return nil, badKioskToken()
		}
		return nil, okienko.Internal(err)
	}
	now := s.now()
	if k.LastSeenAt == nil || now.Sub(*k.LastSeenAt) > touchEvery {
		k.LastSeenAt = &now
		err := s.db.WithContext(ctx).Model(&Kiosk{}).Where("id = ?", k.ID).UpdateColumn("last_seen_at", now).Error
		if err != nil {
			return nil, okienko.Internal(err)
		}
	}
	return &k, nil
}
