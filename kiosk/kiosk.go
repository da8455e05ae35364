// Package kiosk runs the lobby kiosks: the registered devices with their
// printers, the print jobs of the tickets they issue (stored, retried,
// reprinted: nothing is lost when a printer fails) and the printers' state.
package kiosk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer"
)

// PrinterSpec is how a kiosk's printer is reached and what it can do: its
// profile (DESIGN 12) and whether it is asked its status.
type PrinterSpec struct {
	URI        string `json:"uri"`         // tcp://HOST:PORT, file:///dev/usb/lp0, agent or none
	PaperMM    int    `json:"paper_mm"`    // 80 or 58
	Columns    int    `json:"columns"`     // characters a line, 24–64 (48 on 80 mm, 32 on 58 mm)
	Dots       int    `json:"dots"`        // dots a line, 256–832 in steps of 8 (576 on 80 mm, 384 on 58 mm)
	CodeTable  int    `json:"code_table"`  // the n of ESC t n, 0–255
	Charset    string `json:"charset"`     // what table n holds: pc852 or wpc1250
	QR         string `json:"qr"`          // native or raster
	Cut        string `json:"cut"`         // partial, full or feed (no cutter)
	Cutter     bool   `json:"cutter"`      // for older clients: cut is not feed
	ChineseOff bool   `json:"chinese_off"` // send FS . at the start of every job
	Status     bool   `json:"status"`      // ask DLE EOT before and after a job; false prints blindly
}

// Spec is what an administrator sets on a kiosk.
type Spec struct {
	Name    string      `json:"name"`
	Printer PrinterSpec `json:"printer"`
	// MaxJobAgeMinutes is how long a ticket may wait to reach the printer
	// (agent away, printer unreachable): older jobs are expired, never
	// printed late.
	MaxJobAgeMinutes int `json:"max_job_age_minutes"`
	// The kiosk's screen (see Screen), flat in the JSON body.
	IdleSeconds      int    `json:"idle_seconds"`
	InputIdleSeconds int    `json:"input_idle_seconds"`
	WarnSeconds      int    `json:"warn_seconds"`
	Layout           string `json:"layout"`
}

// Screen returns the spec's screen settings.
func (s Spec) Screen() Screen {
	return Screen{IdleSeconds: s.IdleSeconds, InputIdleSeconds: s.InputIdleSeconds, WarnSeconds: s.WarnSeconds, Layout: s.Layout}
}

// SetScreen sets the spec's screen settings to sc.
func (s *Spec) SetScreen(sc Screen) {
	s.IdleSeconds, s.InputIdleSeconds, s.WarnSeconds, s.Layout = sc.IdleSeconds, sc.InputIdleSeconds, sc.WarnSeconds, sc.Layout
}

// Screen is how a kiosk's touch screen treats its visitors: how long a
// screen waits for a touch before it returns to the start, how long before
// that it offers more time (WCAG 2.2.1), and where its controls are.
type Screen struct {
	// IdleSeconds is the wait on a screen of choices (departments,
	// matters, the ticket shown).
	IdleSeconds int `json:"idle_seconds"`
	// InputIdleSeconds is the wait on a screen where the visitor types:
	// the booking code, the phone number for an SMS.
	InputIdleSeconds int `json:"input_idle_seconds"`
	// WarnSeconds is how long before the return the kiosk asks "Need more
	// time?" with one button to stay: at least 20 s, less than both waits.
	WarnSeconds int `json:"warn_seconds"`
	// Layout is standard, or low: on a portrait screen every control a
	// visitor needs lies in the lower 60 % of its height (EN 301 549 §8.3).
	Layout string `json:"layout"`
}

// Bounds and defaults of Screen.
const (
	DefaultIdleSeconds      = 45
	DefaultInputIdleSeconds = 90
	DefaultWarnSeconds      = 20
	MinIdleSeconds          = 30
	MaxIdleSeconds          = 600
	MinWarnSeconds          = 20
	MaxWarnSeconds          = 120
	LayoutStandard          = "standard"
	LayoutLow               = "low"
)

// DefaultScreen is 45 s on choices, 90 s when typing, the warning 20 s
// before, the standard layout.
func DefaultScreen() Screen {
	return Screen{IdleSeconds: DefaultIdleSeconds, InputIdleSeconds: DefaultInputIdleSeconds, WarnSeconds: DefaultWarnSeconds, Layout: LayoutStandard}
}

// validate adds to fe what is wrong with the screen's settings, naming
// idle_seconds, input_idle_seconds, warn_seconds or layout.
func (sc Screen) validate(fe okienko.FieldErrors) {
	waits := true
	for _, f := range []struct {
		name string
		v    int
	}{{"idle_seconds", sc.IdleSeconds}, {"input_idle_seconds", sc.InputIdleSeconds}} {
		if f.v < MinIdleSeconds || f.v > MaxIdleSeconds {
			fe.Add(f.name, fmt.Sprintf("must be between %d and %d seconds", MinIdleSeconds, MaxIdleSeconds))
			waits = false
		}
	}
	switch {
	case sc.WarnSeconds < MinWarnSeconds || sc.WarnSeconds > MaxWarnSeconds:
		fe.Add("warn_seconds", fmt.Sprintf("must be between %d and %d seconds", MinWarnSeconds, MaxWarnSeconds))
	case waits && (sc.WarnSeconds >= sc.IdleSeconds || sc.WarnSeconds >= sc.InputIdleSeconds):
		fe.Add("warn_seconds", "must be less than idle_seconds and input_idle_seconds")
	}
	if sc.Layout != LayoutStandard && sc.Layout != LayoutLow {
		fe.Add("layout", "must be standard or low")
	}
}

// Bounds of Spec.MaxJobAgeMinutes.
const (
	DefaultMaxJobAge = 10
	MinMaxJobAge     = 1
	MaxMaxJobAge     = 120
)

// DefaultSpec is a kiosk with an 80 mm printer with a cutter and native QR,
// asked its status, shown on screen only until a printer is set, whose
// tickets wait at most 10 minutes for the printer. Columns, dots, charset
// and cut are left to follow the paper, the code table and the cutter (see
// Spec.Validate).
func DefaultSpec() Spec {
	return Spec{Printer: PrinterSpec{URI: "none", PaperMM: 80, CodeTable: escpos.CodeTablePC852, QR: escpos.QRNative, Cutter: true, Status: true},
		MaxJobAgeMinutes: DefaultMaxJobAge, IdleSeconds: DefaultIdleSeconds, InputIdleSeconds: DefaultInputIdleSeconds,
		WarnSeconds: DefaultWarnSeconds, Layout: LayoutStandard}
}

// Presets are the printer models offices buy, as printer settings without
// an address.
func Presets() []Preset {
	out := make([]Preset, len(escpos.Presets))
	for i, pr := range escpos.Presets {
		p := pr.Profile
		out[i] = Preset{ID: pr.ID, Name: pr.Name, Printer: PrinterSpec{PaperMM: p.PaperMM, Columns: p.Columns, Dots: p.Dots,
			CodeTable: p.CodeTable, Charset: p.Charset, QR: p.QR, Cut: p.Cut, Cutter: p.Cut != escpos.CutFeed,
			ChineseOff: p.ChineseOff, Status: pr.Status}}
	}
	return out
}

// Preset is a printer model with its settings; uri is never set.
type Preset struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Printer PrinterSpec `json:"printer"`
}

// Profile returns the ESC/POS profile of the printer: EINVALID naming the
// profile's fields (paper_mm, columns, dots, code_table, charset, qr, cut).
// Zero columns and dots, an empty charset and cut take their defaults as
// in Spec.Validate.
func (p PrinterSpec) Profile() (escpos.Profile, error) {
	p.fill()
	out := escpos.Profile{PaperMM: p.PaperMM, Columns: p.Columns, Dots: p.Dots, CodeTable: p.CodeTable, Charset: p.Charset,
		QR: p.QR, Cut: p.Cut, ChineseOff: p.ChineseOff,
		Name: fmt.Sprintf("%dmm-%s-%s", p.PaperMM, p.Charset, p.QR)}
	return out, out.Validate()
}

// fill sets what was left empty: columns and dots from the paper, the
// charset from Epson's meaning of the code table number, the cut from the
// cutter; then the cutter from the cut.
func (p *PrinterSpec) fill() {
	columns, dots, _ := escpos.PaperDefaults(p.PaperMM)
	if p.Columns == 0 {
		p.Columns = columns
	}
	if p.Dots == 0 {
		p.Dots = dots
	}
	if p.Charset == "" {
		p.Charset = escpos.EpsonCharset(p.CodeTable)
	}
	if p.Cut == "" {
		p.Cut = escpos.CutFeed
		if p.Cutter {
			p.Cut = escpos.CutPartial
		}
	}
	p.Cutter = p.Cut != escpos.CutFeed
}

// settle makes p, the settings as a request left them over was (the stored
// ones, or DefaultSpec's when creating), whole: a field the request left as
// it was follows the field it depends on when that one changed. Columns
// and dots that were the old paper's defaults take the new paper's; a
// charset left alone takes what a new Epson code table number (18, 45)
// holds; a cutter changed alone sets the cut (true partial, false feed) and
// a changed cut sets the cutter; a cut and cutter that contradict each
// other are EINVALID naming printer.cutter.
func (p *PrinterSpec) settle(was PrinterSpec) error {
	if p.PaperMM != was.PaperMM {
		oldColumns, oldDots, _ := escpos.PaperDefaults(was.PaperMM)
		newColumns, newDots, _ := escpos.PaperDefaults(p.PaperMM)
		if p.Columns == was.Columns && (was.Columns == 0 || was.Columns == oldColumns) {
			p.Columns = newColumns
		}
		if p.Dots == was.Dots && (was.Dots == 0 || was.Dots == oldDots) {
			p.Dots = newDots
		}
	}
	if p.CodeTable != was.CodeTable && p.Charset == was.Charset {
		if cs := escpos.EpsonCharset(p.CodeTable); cs != "" {
			p.Charset = cs
		}
	}
	cutChanged, cutterChanged := p.Cut != was.Cut, p.Cutter != was.Cutter
	switch {
	case cutterChanged && !cutChanged:
		p.Cut = ""
	case cutterChanged && p.Cut != "" && p.Cutter != (p.Cut != escpos.CutFeed):
		return okienko.Invalid("printer.cutter", fmt.Sprintf("contradicts cut %q: give cut alone", p.Cut))
	}
	p.fill()
	return nil
}

// AgentTimeout is how long a kiosk's agent may stay silent: an agent
// kiosk whose agent has not been heard for this long (or never) is offline.
// The agent reports every 30 s and answers the server's pings every 20 s.
const AgentTimeout = 90 * time.Second

// Printer states of a kiosk besides those its printer reports (printer.State…).
const (
	// StateNone: the kiosk has no printer (printer uri none).
	StateNone = "none"
	// StateOffline is also the state of an agent kiosk whose agent has not
	// been heard for AgentTimeout.
	StateOffline = printer.StateOffline
)

// ReasonAgentOffline is why a job of an agent kiosk whose agent has not been
// heard for AgentTimeout was not printed.
const ReasonAgentOffline = "agent_offline"

// Kiosk is a registered lobby device.
type Kiosk struct {
	ID               int64       `json:"id"`
	OfficeID         int64       `json:"office_id"`
	Name             string      `json:"name"`
	Printer          PrinterSpec `json:"printer" gorm:"-"`
	MaxJobAgeMinutes int         `json:"max_job_age_minutes"`
	Screen           `gorm:"-"`
	// PrinterState is what the printer said last (printer.State…), none
	// without a printer, offline for an agent kiosk whose agent is silent.
	PrinterState     string     `json:"printer_state"`
	PrinterCheckedAt *time.Time `json:"printer_checked_at"`
	// LastSeenAt is the kiosk's last contact: its page's requests (noted at
	// most once a minute) and every word of its agent.
	LastSeenAt *time.Time `json:"last_seen_at"`
	// AgentSeenAt is when the kiosk's agent was last heard; AgentOnline
	// that it was within AgentTimeout (always false unless the printer is
	// agent).
	AgentSeenAt *time.Time `json:"agent_seen_at"`
	AgentOnline bool       `json:"agent_online"`
	Token       string     `json:"token,omitempty" gorm:"-"` // only in the answer to create
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
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
	Columns          int
	Dots             int
	Charset          string
	Cut              string
	ChineseOff       bool
	AskStatus        bool
	MaxJobAgeMinutes int
	IdleSeconds      int
	InputIdleSeconds int
	WarnSeconds      int
	Layout           string
	PrinterState     string
	PrinterCheckedAt *time.Time
	LastSeenAt       *time.Time
	AgentSeenAt      *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (row) TableName() string { return "kiosks" }

// kiosk is the kiosk of r as it is at now: its printer's state is none
// without a printer, and offline for an agent kiosk whose agent has not been
// heard for AgentTimeout, whatever the printer said last. Computed from the
// stored time, it holds on every instance and after restarts.
func (r *row) kiosk(now time.Time) *Kiosk {
	k := &Kiosk{ID: r.ID, OfficeID: r.OfficeID, Name: r.Name,
		Printer:          r.printer(),
		MaxJobAgeMinutes: r.MaxJobAgeMinutes,
		Screen:           Screen{IdleSeconds: r.IdleSeconds, InputIdleSeconds: r.InputIdleSeconds, WarnSeconds: r.WarnSeconds, Layout: r.Layout},
		PrinterState:     r.PrinterState, PrinterCheckedAt: r.PrinterCheckedAt, LastSeenAt: r.LastSeenAt, AgentSeenAt: r.AgentSeenAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	switch r.PrinterURI {
	case "none":
		k.PrinterState = StateNone
	case "agent":
		k.AgentOnline = r.AgentSeenAt != nil && now.Sub(*r.AgentSeenAt) < AgentTimeout
		if !k.AgentOnline {
			k.PrinterState = StateOffline
		}
	}
	return k
}

// badStates are the printer states in which nothing prints.
var badStates = map[string]bool{
	printer.StatePaperOut: true, printer.StateCoverOpen: true, printer.StateOffline: true,
	printer.StateUnreachable: true, printer.StateCutterError: true,
}

// unprintable says why a job for agent kiosk k would not print now: its
// agent is silent (agent_offline) or has reported its printer unable to
// print (paper_out, cover_open, offline, unreachable, cutter_error); "" when
// it may print. Direct printers are asked when a job is sent instead.
func unprintable(k *Kiosk) string {
	switch {
	case k.Printer.URI != "agent":
		return ""
	case !k.AgentOnline:
		return ReasonAgentOffline
	case badStates[k.PrinterState]:
		return k.PrinterState
	}
	return ""
}

func (r *row) printer() PrinterSpec {
	return PrinterSpec{URI: r.PrinterURI, PaperMM: r.PaperMM, Columns: r.Columns, Dots: r.Dots, CodeTable: r.CodeTable,
		Charset: r.Charset, QR: r.QR, Cut: r.Cut, Cutter: r.Cut != escpos.CutFeed, ChineseOff: r.ChineseOff, Status: r.AskStatus}
}

// columns are the stored columns of a spec.
func (s Spec) columns() map[string]any {
	p := s.Printer
	return map[string]any{"name": s.Name, "printer_uri": p.URI, "paper_mm": p.PaperMM, "columns": p.Columns, "dots": p.Dots,
		"code_table": p.CodeTable, "charset": p.Charset, "qr": p.QR, "cut": p.Cut, "cutter": p.Cutter,
		"chinese_off": p.ChineseOff, "ask_status": p.Status, "max_job_age_minutes": s.MaxJobAgeMinutes,
		"idle_seconds": s.IdleSeconds, "input_idle_seconds": s.InputIdleSeconds, "warn_seconds": s.WarnSeconds, "layout": s.Layout}
}

// Validate checks a spec whose printer settings are whole (see settle):
// EINVALID naming fields (name, printer.uri, printer.paper_mm,
// printer.columns, printer.dots, printer.code_table, printer.charset,
// printer.qr, printer.cut, max_job_age_minutes, idle_seconds,
// input_idle_seconds, warn_seconds, layout). The printer address is put in its canonical
// form (tcp://HOST:PORT with port 9100 when none was given).
func (s *Spec) Validate() error {
	fe := okienko.FieldErrors{}
	s.Name = strings.TrimSpace(s.Name)
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		fe.Add("name", "required")
	case n > 120:
		fe.Add("name", "at most 120 characters")
	}
	if uri, err := canonicalURI(s.Printer.URI); err != nil {
		fe.Add("printer.uri", err.Error())
	} else {
		s.Printer.URI = uri
	}
	if _, err := s.Printer.Profile(); err != nil {
		for f, msg := range okienko.AsError(err).Fields {
			fe.Add("printer."+f, msg)
		}
	}
	if s.MaxJobAgeMinutes < MinMaxJobAge || s.MaxJobAgeMinutes > MaxMaxJobAge {
		fe.Add("max_job_age_minutes", fmt.Sprintf("must be between %d and %d minutes", MinMaxJobAge, MaxMaxJobAge))
	}
	s.Screen().validate(fe)
	return fe.Err()
}

// ValidateURI checks a printer address: tcp://HOST:PORT (port 1–65535;
// 9100 when omitted), file:///dev/…, agent or none.
func ValidateURI(uri string) error {
	_, err := canonicalURI(uri)
	return err
}

// canonicalURI checks a printer address and returns it in canonical form.
func canonicalURI(uri string) (string, error) {
	u, err := printer.ParseURI(uri)
	if err != nil {
		if e := okienko.AsError(err); e.Fields["uri"] != "" {
			return "", errors.New(e.Fields["uri"])
		}
		return "", err
	}
	if u.Kind == printer.KindFile && !strings.HasPrefix(u.Path, "/dev/") {
		return "", errors.New("a local printer is file:///dev/…, e.g. file:///dev/usb/lp0")
	}
	return u.String(), nil
}

// open opens the kiosk's printer for a job. A printer with status false is
// never asked DLE EOT: it is written to blindly, as one without a back
// channel is.
func (p PrinterSpec) open(timeout time.Duration) (printer.Transport, error) {
	t, err := openTransport(p.URI, timeout)
	if err != nil || p.Status {
		return t, err
	}
	return printer.WithoutStatus(t), nil
}

// Store keeps kiosks and their print jobs.
type Store struct {
	db      *gorm.DB
	clock   okienko.Clock
	wake    wake
	printer printerLocks
	publish func([]event.Event)
	// finished, when set, hears of every print job's outcome (OnFinished).
	finished func(kioskID int64, state string)
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
		out[i] = *rows[i].kiosk(s.now())
	}
	return out, nil
}

// Get returns one kiosk. ENOTFOUND.
func (s *Store) Get(ctx context.Context, id int64) (*Kiosk, error) {
	r, err := load(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, err
	}
	return r.kiosk(s.now()), nil
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
	if err := spec.Printer.settle(DefaultSpec().Printer); err != nil {
		return nil, err
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	token := auth.NewToken()
	now := s.now()
	p := spec.Printer
	r := &row{OfficeID: officeID, Name: spec.Name, TokenHash: auth.HashToken(token), PrinterURI: p.URI,
		PaperMM: p.PaperMM, Columns: p.Columns, Dots: p.Dots, CodeTable: p.CodeTable, Charset: p.Charset, QR: p.QR,
		Cut: p.Cut, Cutter: p.Cutter, ChineseOff: p.ChineseOff, AskStatus: p.Status,
		MaxJobAgeMinutes: spec.MaxJobAgeMinutes,
		IdleSeconds:      spec.IdleSeconds, InputIdleSeconds: spec.InputIdleSeconds, WarnSeconds: spec.WarnSeconds, Layout: spec.Layout,
		PrinterState: "unknown", CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.Create, auditKiosk, r.ID, nil, r.kiosk(s.now()))
	})
	if err != nil {
		return nil, okienko.AsError(err)
	}
	k := r.kiosk(s.now())
	k.Token = token
	return k, nil
}

// Update applies patch to a kiosk's spec, settles what it left to follow
// (see PrinterSpec.settle), validates and saves. ENOTFOUND, EINVALID.
func (s *Store) Update(ctx context.Context, id int64, patch func(*Spec) error) (*Kiosk, error) {
	var out *Kiosk
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := load(tx, id)
		if err != nil {
			return err
		}
		before := r.kiosk(s.now())
		spec := Spec{Name: r.Name, Printer: before.Printer, MaxJobAgeMinutes: r.MaxJobAgeMinutes}
		spec.SetScreen(before.Screen)
		if err := patch(&spec); err != nil {
			return err
		}
		if err := spec.Printer.settle(before.Printer); err != nil {
			return err
		}
		if err := spec.Validate(); err != nil {
			return err
		}
		now := s.now()
		set := spec.columns()
		set["updated_at"] = now
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
		out = r2.kiosk(now)
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
		return audit.Record(ctx, tx, s.now(), audit.Delete, auditKiosk, id, r.kiosk(s.now()), nil)
	})
	if err != nil {
		return okienko.AsError(err)
	}
	return nil
}
