// Package kiosk runs the lobby kiosks: the registered devices with their
// printers, the print jobs of the tickets they issue (stored, retried,
// reprinted: nothing is lost when a printer fails) and the printers' state.
package kiosk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
)

// PrinterSpec is how a kiosk's printer is reached and what it can do.
type PrinterSpec struct {
	URI       string `json:"uri"`        // tcp://HOST:PORT, file:///dev/usb/lp0, agent or none
	PaperMM   int    `json:"paper_mm"`   // 80 or 58
	CodeTable int    `json:"code_table"` // 18 (PC852) or 45 (WPC1250)
	QR        string `json:"qr"`         // native or raster
	Cutter    bool   `json:"cutter"`
}

// Spec is what an administrator sets on a kiosk.
type Spec struct {
	Name    string      `json:"name"`
	Printer PrinterSpec `json:"printer"`
	// MaxJobAgeMinutes is how long a ticket may wait to reach the printer
	// (agent away, printer unreachable): older jobs are expired, never
	// printed late.
	MaxJobAgeMinutes int `json:"max_job_age_minutes"`
}

// Bounds of Spec.MaxJobAgeMinutes.
const (
	DefaultMaxJobAge = 10
	MinMaxJobAge     = 1
	MaxMaxJobAge     = 120
)

// DefaultSpec is a kiosk with an 80 mm printer with a cutter and native QR,
// shown on screen only until a printer is set, whose tickets wait at most 10
// minutes for the printer.
func DefaultSpec() Spec {
	return Spec{Printer: PrinterSpec{URI: "none", PaperMM: 80, CodeTable: 18, QR: "native", Cutter: true}, MaxJobAgeMinutes: DefaultMaxJobAge}
}

// Kiosk is a registered lobby device.
type Kiosk struct {
	ID               int64       `json:"id"`
	OfficeID         int64       `json:"office_id"`
	Name             string      `json:"name"`
	Printer          PrinterSpec `json:"printer" gorm:"-"`
	MaxJobAgeMinutes int         `json:"max_job_age_minutes"`
	PrinterState     string      `json:"printer_state"`
	PrinterCheckedAt *time.Time  `json:"printer_checked_at"`
	LastSeenAt       *time.Time  `json:"last_seen_at"`
	Token            string      `json:"token,omitempty" gorm:"-"` // only in the answer to create
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        time.Time   `json:"updated_at"`
}

// row is a kiosk as stored.
type row struct {
	ID               int64
	OfficeID         int64
	Name             string
	TokenHash        string
	PrinterURI       string `gorm:"column:printer_uri"`
	PaperMM          int    `gorm:"column:paper_mm"`
	CodeTable        int
	QR               string `gorm:"column:qr"`
	Cutter           bool
	MaxJobAgeMinutes int
	PrinterState     string
	PrinterCheckedAt *time.Time
	LastSeenAt       *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (row) TableName() string { return "kiosks" }

func (r *row) kiosk() *Kiosk {
	return &Kiosk{ID: r.ID, OfficeID: r.OfficeID, Name: r.Name,
		Printer:          PrinterSpec{URI: r.PrinterURI, PaperMM: r.PaperMM, CodeTable: r.CodeTable, QR: r.QR, Cutter: r.Cutter},
		MaxJobAgeMinutes: r.MaxJobAgeMinutes,
		PrinterState:     r.PrinterState, PrinterCheckedAt: r.PrinterCheckedAt, LastSeenAt: r.LastSeenAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Validate checks a spec: EINVALID naming fields (name, printer.uri,
// printer.paper_mm, printer.code_table, printer.qr, max_job_age_minutes).
func (s *Spec) Validate() error {
	fe := okienko.FieldErrors{}
	s.Name = strings.TrimSpace(s.Name)
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		fe.Add("name", "required")
	case n > 120:
		fe.Add("name", "at most 120 characters")
	}
	if err := ValidateURI(s.Printer.URI); err != nil {
		fe.Add("printer.uri", err.Error())
	}
	if s.Printer.PaperMM != 80 && s.Printer.PaperMM != 58 {
		fe.Add("printer.paper_mm", "must be 80 or 58")
	}
	if s.Printer.CodeTable != 18 && s.Printer.CodeTable != 45 {
		fe.Add("printer.code_table", "must be 18 (PC852) or 45 (WPC1250)")
	}
	if s.Printer.QR != "native" && s.Printer.QR != "raster" {
		fe.Add("printer.qr", "must be native or raster")
	}
	if s.MaxJobAgeMinutes < MinMaxJobAge || s.MaxJobAgeMinutes > MaxMaxJobAge {
		fe.Add("max_job_age_minutes", fmt.Sprintf("must be between %d and %d minutes", MinMaxJobAge, MaxMaxJobAge))
	}
	return fe.Err()
}

// ValidateURI checks a printer address: tcp://HOST:PORT, file:///path,
// agent or none.
func ValidateURI(uri string) error {
	switch uri {
	case "none", "agent":
		return nil
	}
	u, err := url.Parse(uri)
	if err != nil {
		return errors.New("not a printer address: tcp://HOST:9100, file:///dev/usb/lp0, agent or none")
	}
	switch u.Scheme {
	case "tcp":
		if _, port, err := net.SplitHostPort(u.Host); err != nil || port == "" || u.Path != "" {
			return errors.New("a network printer is tcp://HOST:PORT, e.g. tcp://192.0.2.10:9100")
		}
	case "file":
		if u.Host != "" || !strings.HasPrefix(u.Path, "/dev/") {
			return errors.New("a local printer is file:///dev/…, e.g. file:///dev/usb/lp0")
		}
	default:
		return errors.New("not a printer address: tcp://HOST:9100, file:///dev/usb/lp0, agent or none")
	}
	return nil
}

// Store keeps kiosks and their print jobs.
type Store struct {
	db      *gorm.DB
	clock   okienko.Clock
	wake    wake
	printer printerLocks
	publish func([]event.Event)
}

// NewStore returns a Store.
func NewStore(db *gorm.DB, clock okienko.Clock) *Store {
	return &Store{db: database.OnClock(db, clock), clock: clock}
}

func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

const auditKiosk = "kiosk"

// List returns every kiosk.
func (s *Store) List(ctx context.Context) ([]Kiosk, error) {
	var rows []row
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, okienko.Internal(err)
	}
	out := make([]Kiosk, len(rows))
	for i := range rows {
		out[i] = *rows[i].kiosk()
	}
	return out, nil
}

// Get returns one kiosk. ENOTFOUND.
func (s *Store) Get(ctx context.Context, id int64) (*Kiosk, error) {
	r, err := load(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, err
	}
	return r.kiosk(), nil
}

func load(db *gorm.DB, id int64) (*row, error) {
	var r row
	err := db.First(&r, id).Error
	if database.IsNotFound(err) {
		return nil, okienko.Errorf(okienko.ENOTFOUND, "kiosk %d not found", id)
	}
	if err != nil {
		return nil, okienko.Internal(err)
	}
	return &r, nil
}

// Create registers a kiosk in officeID; the answer carries its device token,
// shown only this once. EINVALID.
func (s *Store) Create(ctx context.Context, officeID int64, spec Spec) (*Kiosk, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	token := auth.NewToken()
	now := s.now()
	r := &row{OfficeID: officeID, Name: spec.Name, TokenHash: auth.HashToken(token), PrinterURI: spec.Printer.URI,
		PaperMM: spec.Printer.PaperMM, CodeTable: spec.Printer.CodeTable, QR: spec.Printer.QR, Cutter: spec.Printer.Cutter,
		MaxJobAgeMinutes: spec.MaxJobAgeMinutes, PrinterState: "unknown", CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Create, auditKiosk, r.ID, nil, r.kiosk())
	})
	if err != nil {
		return nil, okienko.AsError(err)
	}
	k := r.kiosk()
	k.Token = token
	return k, nil
}

// Update applies patch to a kiosk's spec, validates and saves. ENOTFOUND,
// EINVALID.
func (s *Store) Update(ctx context.Context, id int64, patch func(*Spec) error) (*Kiosk, error) {
	var out *Kiosk
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := load(tx, id)
		if err != nil {
			return err
		}
		before := r.kiosk()
		spec := Spec{Name: r.Name, Printer: before.Printer, MaxJobAgeMinutes: r.MaxJobAgeMinutes}
		if err := patch(&spec); err != nil {
			return err
		}
		if err := spec.Validate(); err != nil {
			return err
		}
		now := s.now()
		set := map[string]any{"name": spec.Name, "printer_uri": spec.Printer.URI, "paper_mm": spec.Printer.PaperMM,
			"code_table": spec.Printer.CodeTable, "qr": spec.Printer.QR, "cutter": spec.Printer.Cutter,
			"max_job_age_minutes": spec.MaxJobAgeMinutes, "updated_at": now}
		if spec.Printer.URI != r.PrinterURI {
			set["printer_state"] = "unknown"
		}
		if err := tx.Model(&row{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return err
		}
		r2, err := load(tx, id)
		if err != nil {
			return err
		}
		out = r2.kiosk()
		return audit.Record(ctx, tx, now, audit.Update, auditKiosk, id, before, out)
	})
	if err != nil {
		return nil, okienko.AsError(err)
	}
	return out, nil
}

// Delete removes a kiosk; its token stops working. ENOTFOUND.
func (s *Store) Delete(ctx context.Context, id int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := load(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Delete(&row{}, id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), audit.Delete, auditKiosk, id, r.kiosk(), nil)
	})
	if err != nil {
		return okienko.AsError(err)
	}
	return nil
}
