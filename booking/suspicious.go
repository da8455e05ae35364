package booking

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/office"
)

// Kinds of suspicious groups.
const (
	SuspectBurst     = "burst"            // many bookings in a short time from one address or IPv6 /64
	SuspectDomain    = "email_domain"     // many bookings with e-mail addresses of one domain
	SuspectBirthDate = "pesel_birth_date" // many PESELs with one birth date
)

// Bounds of the suspicious-bookings view.
const (
	SuspectMaxDays     = 92    // the longest range of visit days looked at
	SuspectMaxBookings = 20000 // the most bookings a range may hold
	CancelMaxCodes     = 200   // the most codes cancelled in one request
	CancelNoteMaxLen   = 500   // the longest note to residents, in characters
)

// SuspicionRules are the thresholds of the suspicious-bookings view. The
// field names in errors are those of the query parameters.
type SuspicionRules struct {
	BurstSize     int  `json:"burst_size"`     // bookings from one address or /64 …
	BurstMinutes  int  `json:"burst_minutes"`  // … made within this many minutes
	DomainSize    int  `json:"domain_size"`    // bookings with e-mails of one domain
	BirthSize     int  `json:"birth_size"`     // different PESELs with one birth date
	PublicDomains bool `json:"public_domains"` // list the big free mail providers too
}

// DefaultSuspicionRules are the thresholds used when none are given. Four
// residents born on one day among a few thousand bookings is already rare
// (the birthday problem over about 30,000 dates); five bookings in ten
// minutes from one address is more than a family books.
func DefaultSuspicionRules() SuspicionRules {
	return SuspicionRules{BurstSize: 5, BurstMinutes: 10, DomainSize: 5, BirthSize: 4}
}

func (r SuspicionRules) check(fe okienko.FieldErrors) {
	between := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			fe.Add(field, fmt.Sprintf("must be a whole number between %d and %d", lo, hi))
		}
	}
	between("burst_size", r.BurstSize, 2, 1000)
	between("burst_minutes", r.BurstMinutes, 1, 1440)
	between("domain_size", r.DomainSize, 2, SuspectMaxBookings)
	between("birth_size", r.BirthSize, 2, 1000)
}

// SuspectBooking is a booking of a suspicious group as the administrator
// sees it: personal data included.
type SuspectBooking struct {
	Code       string      `json:"code"`
	ServiceID  int64       `json:"service_id"`
	Service    string      `json:"service"`
	Date       office.Date `json:"date"`
	Start      time.Time   `json:"start"`
	Name       string      `json:"name"`
	Email      string      `json:"email"`
	ClientAddr string      `json:"client_addr,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
}

// SuspectGroup is a group of bookings with something in common that
// residents rarely share.
type SuspectGroup struct {
	Kind string `json:"kind"` // one of the Suspect… words
	// Key is what they share: the IPv4 address or IPv6 /64 (in full: the
	// administrator may need it to block it), the e-mail domain, or a
	// signature of the birth date (the date itself is not kept).
	Key            string           `json:"key"`
	PublicProvider bool             `json:"public_provider,omitempty"` // a big free mail provider
	Count          int              `json:"count"`
	FirstCreated   time.Time        `json:"first_created"`
	LastCreated    time.Time        `json:"last_created"`
	Bookings       []SuspectBooking `json:"bookings"`
}

// Suspicions is the answer of Suspicious.
type Suspicions struct {
	From   office.Date    `json:"from"`
	To     office.Date    `json:"to"`
	Rules  SuspicionRules `json:"rules"`
	Groups []SuspectGroup `json:"groups"`
}

// publicMailDomains are big free mail providers: many residents share them,
// so one of them alone says nothing.
var publicMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "wp.pl": true, "o2.pl": true, "tlen.pl": true,
	"onet.pl": true, "onet.eu": true, "op.pl": true, "poczta.onet.pl": true, "vp.pl": true, "spoko.pl": true,
	"interia.pl": true, "interia.eu": true, "poczta.fm": true, "gazeta.pl": true, "go2.pl": true,
	"outlook.com": true, "hotmail.com": true, "live.com": true, "msn.com": true, "yahoo.com": true,
	"icloud.com": true, "me.com": true, "proton.me": true, "protonmail.com": true, "gmx.com": true,
	"gmx.net": true, "aol.com": true, "ukr.net": true, "i.ua": true, "meta.ua": true,
}

// PublicMailDomain reports whether domain (lower-case) is a big free mail
// provider.
func PublicMailDomain(domain string) bool { return publicMailDomains[domain] }

// clientNet is the grouping key of a client address: an IPv4 address itself
// (IPv4-mapped IPv6 too), an IPv6 address's /64. ok is false for anything
// that isn't an address.
func clientNet(addr string) (string, bool) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "", false
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String(), true
	}
	p, _ := a.Prefix(64)
	return p.String(), true
}

// birthSignature is a keyed signature of the birth date in p: equal for
// equal dates, and without the key no way back to the date.
func birthSignature(key []byte, p PESEL) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("birth:"))
	m.Write([]byte(string(p)[:6]))
	return hex.EncodeToString(m.Sum(nil))[:16]
}

// recordSignals sets on b, before it is inserted, what the suspicious view
// groups by.
func (s *Store) recordSignals(b *Booking, v *validated) {
	sig := birthSignature(s.peselKey, v.pesel)
	b.PESELBirth = &sig
	if v.ClientAddr == "" {
		return
	}
	addr := v.ClientAddr
	if len(addr) > 64 {
		addr = addr[:64]
	}
	b.ClientAddr = &addr
	if n, ok := clientNet(addr); ok {
		b.ClientNet = &n
	}
}

// suspectRow is a live future booking with what the view groups by.
type suspectRow struct {
	SuspectBooking
	clientNet, birth, pesel string
}

// Suspicious finds, among the live bookings whose visit lies on office days
// from..to (inclusive, at most SuspectMaxDays) and hasn't begun, the groups
// the rules call suspicious: bursts from one IPv4 address or IPv6 /64, many
// of one e-mail domain (big free providers only with PublicDomains), many
// different PESELs of one birth date. A booking may be in several groups.
// Groups come by count, largest first; bookings by creation. It changes
// nothing. EINVALID naming "from", "to" or a rule's field.
func (s *Store) Suspicious(ctx context.Context, from, to office.Date, rules SuspicionRules) (*Suspicions, error) {
	fe := okienko.FieldErrors{}
	switch {
	case from.IsZero():
		fe.Add("from", "required: a date YYYY-MM-DD")
	case !from.InBounds():
		fe.Add("from", office.BoundsMessage)
	}
	switch {
	case to.IsZero():
		fe.Add("to", "required: a date YYYY-MM-DD")
	case !to.InBounds():
		fe.Add("to", office.BoundsMessage)
	case from.InBounds() && to.Before(from):
		fe.Add("to", "must not be before from")
	case from.InBounds() && dayCount(from, to) > SuspectMaxDays:
		fe.Add("to", fmt.Sprintf("at most %d days after from", SuspectMaxDays-1))
	}
	rules.check(fe)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	type row struct {
		Code       string
		ServiceID  int64
		Service    string
		Day        office.Date
		StartsAt   time.Time
		Name       *string
		Email      *string
		ClientAddr *string
		ClientNet  *string
		PESELBirth *string `gorm:"column:pesel_birth"`
		PESELHMAC  *string `gorm:"column:pesel_hmac"`
		CreatedAt  time.Time
	}
	var raw []row
	err := s.db.WithContext(ctx).Table("bookings b").
		Select("b.code, b.service_id, s.name AS service, b.day, b.starts_at, b.name, b.email, b.client_addr, b.client_net, b.pesel_birth, b.pesel_hmac, b.created_at").
		Joins("JOIN services s ON s.id = b.service_id").
		Where("b.status IN ? AND b.day >= ? AND b.day <= ? AND b.starts_at > ?", liveStatuses, from, to, s.now()).
		Order("b.created_at, b.id").Limit(SuspectMaxBookings + 1).Find(&raw).Error
	if err != nil {
		return nil, okienko.Internal(err)
	}
	if len(raw) > SuspectMaxBookings {
		return nil, okienko.Invalid("to", fmt.Sprintf("these days hold more than %d bookings; choose fewer days", SuspectMaxBookings))
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	rows := make([]suspectRow, len(raw))
	for i, r := range raw {
		rows[i] = suspectRow{
			SuspectBooking: SuspectBooking{
				Code: FormatCode(r.Code), ServiceID: r.ServiceID, Service: r.Service, Date: r.Day, Start: r.StartsAt,
				Name: deref(r.Name), Email: deref(r.Email), ClientAddr: deref(r.ClientAddr), CreatedAt: r.CreatedAt,
			},
			clientNet: deref(r.ClientNet), birth: deref(r.PESELBirth), pesel: deref(r.PESELHMAC),
		}
	}
	out := &Suspicions{From: from, To: to, Rules: rules, Groups: []SuspectGroup{}}
	out.Groups = append(out.Groups, bursts(rows, rules)...)
	out.Groups = append(out.Groups, domains(rows, rules)...)
	out.Groups = append(out.Groups, birthDates(rows, rules)...)
	slices.SortStableFunc(out.Groups, func(a, b SuspectGroup) int {
		if a.PublicProvider != b.PublicProvider {
			if a.PublicProvider {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

// groupOf makes a group of rows, which are in creation order.
func groupOf(kind, key string, rows []suspectRow) SuspectGroup {
	g := SuspectGroup{Kind: kind, Key: key, Count: len(rows), Bookings: make([]SuspectBooking, len(rows))}
	for i, r := range rows {
		g.Bookings[i] = r.SuspectBooking
	}
	if len(rows) > 0 {
		g.FirstCreated, g.LastCreated = rows[0].CreatedAt, rows[len(rows)-1].CreatedAt
	}
	return g
}

// byKey splits rows (in creation order) by key, dropping empty keys, each
// part in creation order; the keys come sorted.
func byKey(rows []suspectRow, key func(suspectRow) string) ([]string, map[string][]suspectRow) {
	parts := map[string][]suspectRow{}
	var keys []string
	for _, r := range rows {
		k := key(r)
		if k == "" {
			continue
		}
		if parts[k] == nil {
			keys = append(keys, k)
		}
		parts[k] = append(parts[k], r)
	}
	slices.Sort(keys)
	return keys, parts
}

// bursts finds, per address or /64, the runs of bookings where every one
// lies in some window of BurstMinutes holding at least BurstSize of them;
// windows that overlap make one group.
func bursts(rows []suspectRow, rules SuspicionRules) []SuspectGroup {
	window := time.Duration(rules.BurstMinutes) * time.Minute
	keys, parts := byKey(rows, func(r suspectRow) string { return r.clientNet })
	var out []SuspectGroup
	for _, k := range keys {
		p := parts[k]
		if len(p) < rules.BurstSize {
			continue
		}
		// start, end: the run being grown; -1 when none.
		start, end := -1, -1
		j := 0
		for i := range p {
			if j < i {
				j = i
			}
			for j+1 < len(p) && p[j+1].CreatedAt.Sub(p[i].CreatedAt) <= window {
				j++
			}
			if j-i+1 < rules.BurstSize {
				continue
			}
			if start >= 0 && i <= end {
				end = max(end, j)
				continue
			}
			if start >= 0 {
				out = append(out, groupOf(SuspectBurst, k, p[start:end+1]))
			}
			start, end = i, j
		}
		if start >= 0 {
			out = append(out, groupOf(SuspectBurst, k, p[start:end+1]))
		}
	}
	return out
}

// domains finds the e-mail domains of at least DomainSize bookings.
func domains(rows []suspectRow, rules SuspicionRules) []SuspectGroup {
	keys, parts := byKey(rows, func(r suspectRow) string {
		_, d, ok := strings.Cut(r.Email, "@")
		if !ok {
			return ""
		}
		return strings.ToLower(d)
	})
	var out []SuspectGroup
	for _, k := range keys {
		public := PublicMailDomain(k)
		if len(parts[k]) < rules.DomainSize || public && !rules.PublicDomains {
			continue
		}
		g := groupOf(SuspectDomain, k, parts[k])
		g.PublicProvider = public
		out = append(out, g)
	}
	return out
}

// birthDates finds the birth dates shared by at least BirthSize different
// PESELs (one resident's bookings of several matters count once).
func birthDates(rows []suspectRow, rules SuspicionRules) []SuspectGroup {
	keys, parts := byKey(rows, func(r suspectRow) string { return r.birth })
	var out []SuspectGroup
	for _, k := range keys {
		p := parts[k]
		if len(p) < rules.BirthSize {
			continue
		}
		people := map[string]bool{}
		for _, r := range p {
			people[r.pesel] = true
		}
		if len(people) >= rules.BirthSize {
			out = append(out, groupOf(SuspectBirthDate, k, p))
		}
	}
	return out
}

// Why CancelByAdmin did not cancel a booking.
const (
	NotCancelledAlready   = "already_cancelled"
	NotCancelledCheckedIn = "checked_in"
	NotCancelledBegun     = "begun"
)

// NotCancelled is a code CancelByAdmin left as it was, and why (one of the
// NotCancelled… words).
type NotCancelled struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// AuditCancel is the audit action of an administrator's cancellation of a
// booking (object type "booking").
const AuditCancel = "cancel"

// CancelByAdmin cancels, for the office, the bookings with codes (at most
// CancelMaxCodes, each once), each in its own transaction with the note,
// the office's words to the resident (may be empty), its cancellation
// message queued in the outbox and an audit entry for the actor in ctx. It
// answers the codes cancelled and those left as they were with why
// (cancelled already, checked in, begun), both formatted and in the order
// given. EINVALID naming "codes" (none, too many, malformed, repeated,
// unknown) or "note" (too long, control characters), with nothing changed.
func (s *Store) CancelByAdmin(ctx context.Context, codes []string, note string) (cancelled []string, left []NotCancelled, err error) {
	fe := okienko.FieldErrors{}
	note = strings.TrimSpace(strings.ReplaceAll(note, "\r\n", "\n"))
	if n := utf8.RuneCountInString(note); n > CancelNoteMaxLen {
		fe.Add("note", fmt.Sprintf("must be at most %d characters, got %d", CancelNoteMaxLen, n))
	} else if !utf8.ValidString(note) || strings.ContainsFunc(note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		fe.Add("note", "must be plain text")
	}
	parsed := make([]string, 0, len(codes))
	switch {
	case len(codes) == 0:
		fe.Add("codes", "required: the codes of the bookings to cancel")
	case len(codes) > CancelMaxCodes:
		fe.Add("codes", fmt.Sprintf("at most %d codes at once, got %d", CancelMaxCodes, len(codes)))
	default:
		seen := map[string]bool{}
		var bad []string
		for i, c := range codes {
			p, err := ParseCode(c)
			switch {
			case err != nil:
				bad = append(bad, fmt.Sprintf("#%d: %v", i+1, err))
			case seen[p]:
				bad = append(bad, fmt.Sprintf("%s is given twice", FormatCode(p)))
			}
			seen[p] = true
			parsed = append(parsed, p)
		}
		if len(bad) > 0 {
			fe.Add("codes", strings.Join(bad, "; "))
		}
	}
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	var known []string
	if err := s.db.WithContext(ctx).Model(&Booking{}).Where("code IN ?", parsed).Distinct("code").Pluck("code", &known).Error; err != nil {
		return nil, nil, okienko.Internal(err)
	}
	if len(known) < len(parsed) {
		var unknown []string
		for _, c := range parsed {
			if !slices.Contains(known, c) {
				unknown = append(unknown, FormatCode(c))
			}
		}
		return nil, nil, okienko.Invalid("codes", "no booking has the code "+strings.Join(unknown, ", "))
	}
	cancelled, left = []string{}, []NotCancelled{}
	for _, c := range parsed {
		var why string
		err := s.transaction(ctx, func(tx *gorm.DB) error {
			b, err := byCode(tx, c)
			if err != nil {
				return err
			}
			now := s.now()
			switch {
			case b.Status == StatusCheckedIn:
				why = NotCancelledCheckedIn
			case b.Status != StatusBooked:
				why = NotCancelledAlready
			case !now.Before(b.StartsAt):
				why = NotCancelledBegun
			}
			if why != "" {
				return nil
			}
			if _, err := s.cancel(ctx, tx, b, StatusCancelled, ReasonAdmin, note); err != nil {
				return err
			}
			return audit.Record(ctx, tx, now, AuditCancel, "booking", b.ID,
				map[string]any{"code": FormatCode(b.Code), "status": StatusBooked},
				map[string]any{"code": FormatCode(b.Code), "status": StatusCancelled, "reason": ReasonAdmin, "note": note})
		})
		switch {
		case okienko.ErrorCode(err) == okienko.ECONFLICT:
			left = append(left, NotCancelled{Code: FormatCode(c), Reason: NotCancelledAlready}) // changed meanwhile
		case err != nil:
			return cancelled, left, err
		case why != "":
			left = append(left, NotCancelled{Code: FormatCode(c), Reason: why})
		default:
			cancelled = append(cancelled, FormatCode(c))
		}
	}
	return cancelled, left, nil
}
