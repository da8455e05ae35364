package notify

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	htmltemplate "html/template"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"text/template"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/office"
)

//go:embed templates/*.tmpl templates/mail.html
var templateFiles embed.FS

var (
	texts    = map[string]*template.Template{}
	mailHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/mail.html"))
)

func init() {
	for _, lang := range []string{"pl", "en", "uk"} {
		texts[lang] = template.Must(template.New(lang).Option("missingkey=error").ParseFS(templateFiles, "templates/"+lang+".tmpl"))
	}
}

// rescheduled names the texts of a confirmation of a move (a Confirmation
// whose data says where the visit was moved from).
const rescheduled = "rescheduled"

// ErrErased fails a message whose booking's personal data was erased.
var ErrErased = errors.New("erased: the booking's personal data was erased")

// Messages composes the outbox's booking messages from the booking, its
// service, department and office, in the booking's language.
type Messages struct {
	DB      *gorm.DB
	Clock   okienko.Clock
	Offices *office.Store
	BaseURL string // public URL of the server, without the trailing slash
	// Bookings signs the confirmation links of pending bookings
	// (booking.Store.ConfirmToken); without it a confirm_request fails.
	Bookings *booking.Store
	SMS      SMSLimits    // the SMS sender's limits: SMS are composed to fit them
	Log      *slog.Logger // default slog.Default()

	once   sync.Once
	looked *lookups
}

// view is what the templates see.
type view struct {
	Name, Office, Address, Service, Department string
	Code, Date, Time, Number                   string
	BaseURL, ManageURL, CancelURL              string
	PrevDate, PrevTime                         string // a moved visit's time before the move
	ByOffice                                   bool   // the office cancelled the visit
	Reason                                     string // the office's words on why, if any
	// A pending booking's request to confirm: the link of the page that
	// confirms it, and when the hold lapses (office time).
	ConfirmURL, ConfirmDate, ConfirmTime string
	ConfirmMinutes                       int
	// Printer alerts: the kiosk's name, its printer's problem and, when it
	// changed since, its state now.
	Kiosk, Problem, Current string
	// Pickups: the document, the room to collect it from, its status page
	// (a ticket's: its live page).
	What, Room, StatusURL string
	// Counter is where a called ticket is called to.
	Counter string
}

// Compose builds m: for e-mail a subject, text and HTML parts (a printer
// alert: see composePrinterAlert), for a
// confirmation the QR image of the code, and for a confirmation or a
// cancellation the booking's .ics file (booking.Calendar, as the
// booking stands: a cancelled one's cancels the event, a moved one's has the
// next SEQUENCE); a confirmation whose data carries "from" (a move) uses the
// "rescheduled" texts, sent as text/calendar with
// charset and method; for SMS the text. Permanent errors: ErrErased, no
// phone, an unknown kind.
func (c *Messages) Compose(ctx context.Context, m *outbox.Message) (*Outgoing, error) {
	if m.Kind == outbox.PrinterAlert {
		return c.composePrinterAlert(ctx, m)
	}
	if m.PickupID != nil {
		return c.composePickup(ctx, m)
	}
	if m.WaitlistID != nil {
		return c.composeWait(ctx, m)
	}
	if m.TicketID != nil {
		return c.composeTicket(ctx, m)
	}
	if m.BookingID == nil {
		return nil, Permanent(errors.New("a message is about a booking or a ticket"))
	}
	var b booking.Booking
	err := c.DB.WithContext(ctx).First(&b, *m.BookingID).Error
	if database.IsNotFound(err) {
		return nil, Permanent(errors.New("the booking does not exist"))
	}
	if err != nil {
		return nil, err
	}
	if b.ErasedAt != nil || b.Email == nil && b.Phone == nil {
		return nil, Permanent(ErrErased)
	}
	svc, err := c.service(ctx, b.ServiceID)
	if err != nil {
		return nil, err
	}
	if err := booking.LoadItems(ctx, c.DB, &b); err != nil {
		return nil, err
	}
	var matters []*office.Service // a visit of several matters: each one's
	for _, it := range b.Items {
		matter, err := c.service(ctx, it.ServiceID)
		if err != nil {
			return nil, err
		}
		matters = append(matters, matter)
	}
	dep, err := c.department(ctx, svc.DepartmentID)
	if err != nil {
		return nil, err
	}
	off, err := c.office(ctx)
	if err != nil {
		return nil, err
	}
	var data struct {
		Reason string `json:"reason"`
		Note   string `json:"note"`
		From   string `json:"from"` // a move's old start, RFC 3339
	}
	_ = json.Unmarshal([]byte(m.Data), &data)
	start := b.StartsAt.In(off.Location())
	manage := c.BaseURL + "/rezerwacja/" + booking.FormatCode(b.Code)
	v := view{
		Name: deref(b.Name), Office: off.Name, Address: off.Address, Service: svc.NameIn(m.Lang), Department: dep.NameIn(m.Lang),
		Code: booking.FormatCode(b.Code), Date: start.Format("2006-01-02"), Time: start.Format("15:04"),
		BaseURL: c.BaseURL, ManageURL: manage, CancelURL: manage + "/odwolaj",
		ByOffice: m.Kind == outbox.Cancellation && data.Reason != "" && data.Reason != booking.ReasonResident,
	}
	if v.ByOffice {
		v.Reason = strings.TrimSpace(data.Note)
	}
	if len(matters) > 1 { // every matter with its time, where one is named
		lines := make([]string, len(matters))
		for i, it := range b.Items {
			lines[i] = matters[i].NameIn(m.Lang) + " (" + booking.ItemTime(it, off.Location()) + ")"
		}
		v.Service = strings.Join(lines, " + ")
	}
	if m.Kind == outbox.ConfirmRequest {
		if err := c.confirmView(&v, &b, svc, off); err != nil {
			return nil, err
		}
	} else if from, err := time.Parse(time.RFC3339, data.From); err == nil && m.Kind == outbox.Confirmation {
		// The confirmation of a move (outbox.EnqueueBookingMoved) says so
		// in the "rescheduled" texts.
		from = from.In(off.Location())
		v.PrevDate, v.PrevTime = from.Format("2006-01-02"), from.Format("15:04")
		moved := *m
		moved.Kind = rescheduled
		m = &moved
	}
	t := texts[m.Lang]
	if t == nil {
		t = texts["pl"]
	}
	if t.Lookup(m.Kind+".text") == nil {
		return nil, Permanent(errors.New("no template for kind " + m.Kind))
	}
	if m.Channel == outbox.SMS {
		if b.Phone == nil {
			return nil, Permanent(errors.New("the booking has no phone"))
		}
		text, err := c.smsText(t, m, v)
		if err != nil {
			return nil, err
		}
		return &Outgoing{To: *b.Phone, Text: text}, nil
	}
	if b.Email == nil {
		return nil, Permanent(errors.New("the booking has no e-mail address"))
	}
	out := &Outgoing{To: *b.Email, Name: v.Name}
	if out.Subject, err = execute(t, m.Kind+".subject", v); err != nil {
		return nil, Permanent(err)
	}
	if out.Text, err = execute(t, m.Kind+".text", v); err != nil {
		return nil, Permanent(err)
	}
	page := htmlView{Lang: m.Lang, Subject: out.Subject, Code: v.Code}
	for _, p := range strings.Split(out.Text, "\n\n") {
		page.Paragraphs = append(page.Paragraphs, strings.Split(p, "\n"))
	}
	if m.Kind == outbox.ConfirmRequest {
		label, _ := execute(t, "label.confirm", v)
		page.Links = []link{{label, v.ConfirmURL}}
	}
	if m.Kind == outbox.Confirmation || m.Kind == outbox.Reminder || m.Kind == rescheduled {
		manageLabel, _ := execute(t, "label.manage", v)
		cancelLabel, _ := execute(t, "label.cancel", v)
		page.Links = []link{{manageLabel, v.ManageURL}, {cancelLabel, v.CancelURL}}
	}
	if m.Kind == outbox.Confirmation || m.Kind == rescheduled {
		img, err := qrPNG(b.Code)
		if err != nil {
			return nil, Permanent(err)
		}
		page.QR = "qr-" + b.Code + "@okienko"
		page.QRLabel, _ = execute(t, "label.qr", v)
		out.Inline = append(out.Inline, File{Name: "kod-" + b.Code + ".png", ContentType: "image/png", ContentID: page.QR, Data: img})
	}
	switch m.Kind {
	case outbox.Confirmation, outbox.Cancellation, outbox.CancellationLate, rescheduled:
		if b.Moves, err = booking.CountMoves(ctx, c.DB, b.ID); err != nil {
			return nil, err
		}
		ics := booking.Calendar(&b, svc, dep, off, c.BaseURL, manage, c.Clock.Now(), matters...)
		out.Attachments = append(out.Attachments, File{Name: "wizyta-" + b.Code + ".ics", ContentType: booking.CalendarContentType(&b), Data: ics})
	}
	var buf bytes.Buffer
	if err := mailHTML.Execute(&buf, page); err != nil {
		return nil, Permanent(err)
	}
	out.HTML = buf.String()
	return out, nil
}

// confirmView fills in v what the request to confirm pending booking b
// says: its link and deadline. Permanent errors: b no longer awaits
// confirmation (confirmed, expired, cancelled: the message came too late to
// matter), or no Bookings to sign the link.
func (c *Messages) confirmView(v *view, b *booking.Booking, svc *office.Service, off *office.Office) error {
	if b.Status != booking.StatusPending || b.ConfirmBy == nil {
		return Permanent(errors.New("the booking no longer awaits confirmation"))
	}
	if c.Bookings == nil {
		return Permanent(errors.New("no booking store to sign the confirmation link"))
	}
	by := b.ConfirmBy.In(off.Location())
	v.ConfirmURL = v.ManageURL + "/potwierdz?token=" + url.QueryEscape(c.Bookings.ConfirmToken(b))
	v.ConfirmDate, v.ConfirmTime = by.Format("2006-01-02"), by.Format("15:04")
	v.ConfirmMinutes = int(b.ConfirmBy.Sub(b.CreatedAt).Round(time.Minute) / time.Minute)
	if v.ConfirmMinutes <= 0 {
		v.ConfirmMinutes = svc.ConfirmMinutes
	}
	return nil
}

type htmlView struct {
	Lang, Subject, Code string
	Paragraphs          [][]string
	Links               []link
	QR, QRLabel         string
}

type link struct{ Label, URL string }

func execute(t *template.Template, name string, v view) (string, error) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TicketPath is the live page of a ticket, followed by its public id.
const TicketPath = "/t/"

// composeTicket builds a queue ticket's message: "your turn is near" by SMS
// (a remote ticket's in its own words, and by e-mail when it has only an
// e-mail), a remote ticket's "you are called" with the counter, or a done
// ticket's invitation to give feedback on its page, in the ticket's
// language. Permanent errors: the ticket is gone, has no address on the
// channel, or moved on (a turn-near for a ticket no longer waiting, a
// called message for one no longer called: each came too late to matter;
// an invitation for a ticket whose feedback was given).
func (c *Messages) composeTicket(ctx context.Context, m *outbox.Message) (*Outgoing, error) {
	var t struct {
		Number    string
		PublicID  string
		Kind      string
		Phone     *string
		Email     *string
		Status    string
		ServiceID int64
		CounterID *int64
	}
	res := c.DB.WithContext(ctx).Table("tickets").Select("number, public_id, kind, phone, email, status, service_id, counter_id").Where("id = ?", *m.TicketID).Take(&t)
	if database.IsNotFound(res.Error) {
		return nil, Permanent(errors.New("the ticket does not exist"))
	}
	if res.Error != nil {
		return nil, res.Error
	}
	to := t.Phone
	if m.Channel == outbox.Email {
		to = t.Email
	}
	if to == nil {
		return nil, Permanent(errors.New("the ticket has no address for a message by " + m.Channel))
	}
	kind := m.Kind
	switch {
	case m.Kind == outbox.TurnNear && t.Status != "waiting":
		return nil, Permanent(errors.New("the ticket is no longer waiting"))
	case m.Kind == outbox.TicketCalled && t.Status != "called":
		return nil, Permanent(errors.New("the ticket is no longer called"))
	case m.Kind == outbox.FeedbackInvite && t.Status != "done":
		return nil, Permanent(errors.New("the ticket is not done"))
	case m.Kind != outbox.TurnNear && m.Kind != outbox.TicketCalled && m.Kind != outbox.FeedbackInvite:
		return nil, Permanent(errors.New("no ticket message of kind " + m.Kind))
	case m.Kind == outbox.TurnNear && t.Kind == "remote":
		kind = "turn_near_remote"
	}
	if m.Channel == outbox.Email && kind == outbox.TurnNear {
		return nil, Permanent(errors.New("a walk-in's turn-near goes by SMS"))
	}
	if m.Kind == outbox.FeedbackInvite {
		var answered int64
		if err := c.DB.WithContext(ctx).Table("feedback").Where("ticket_id = ?", *m.TicketID).Count(&answered).Error; err != nil {
			return nil, err
		}
		if answered > 0 {
			return nil, Permanent(errors.New("the ticket's feedback was already given"))
		}
	}
	svc, err := c.service(ctx, t.ServiceID)
	if err != nil {
		return nil, err
	}
	off, err := c.office(ctx)
	if err != nil {
		return nil, err
	}
	v := view{Office: off.Name, Address: off.Address, Service: svc.NameIn(m.Lang), Number: t.Number, BaseURL: c.BaseURL,
		StatusURL: c.BaseURL + TicketPath + t.PublicID}
	if t.CounterID != nil && m.Kind == outbox.TicketCalled {
		var name string
		if err := c.DB.WithContext(ctx).Table("counters").Select("name").Where("id = ?", *t.CounterID).Scan(&name).Error; err != nil {
			return nil, err
		}
		v.Counter = name
	}
	tpl := texts[m.Lang]
	if tpl == nil {
		tpl = texts["pl"]
	}
	if m.Channel == outbox.SMS {
		mk := *m
		mk.Kind = kind
		text, err := c.smsText(tpl, &mk, v)
		if err != nil {
			return nil, err
		}
		return &Outgoing{To: *to, Text: text}, nil
	}
	out := &Outgoing{To: *to}
	if out.Subject, err = execute(tpl, kind+".subject", v); err != nil {
		return nil, Permanent(err)
	}
	if out.Text, err = execute(tpl, kind+".text", v); err != nil {
		return nil, Permanent(err)
	}
	page := htmlView{Lang: m.Lang, Subject: out.Subject, Code: t.Number}
	for _, para := range strings.Split(out.Text, "\n\n") {
		page.Paragraphs = append(page.Paragraphs, strings.Split(para, "\n"))
	}
	labelOf := "label.ticket"
	if kind == outbox.FeedbackInvite {
		labelOf = "label.feedback_invite"
	}
	label, _ := execute(tpl, labelOf, v)
	page.Links = []link{{label, v.StatusURL}}
	var buf bytes.Buffer
	if err := mailHTML.Execute(&buf, page); err != nil {
		return nil, Permanent(err)
	}
	out.HTML = buf.String()
	return out, nil
}

// composePrinterAlert builds the e-mail telling the office that a kiosk's
// printer needs a person: the kiosk's name, the problem and its time in the
// office's zone (from the event of the change the message names), and the
// printer's state now when it changed since. It goes to the office's
// alerts_email as it is at sending. Permanent errors: the kiosk or the event
// is gone, the office has no alerts_email any more.
func (c *Messages) composePrinterAlert(ctx context.Context, m *outbox.Message) (*Outgoing, error) {
	var data struct {
		EventID int64 `json:"event_id"`
	}
	if m.KioskID == nil || m.Channel != outbox.Email || json.Unmarshal([]byte(m.Data), &data) != nil || data.EventID == 0 {
		return nil, Permanent(errors.New("a printer alert is an e-mail naming a kiosk and an event"))
	}
	db := c.DB.WithContext(ctx)
	var k struct {
		Name         string
		OfficeID     int64
		PrinterState string
	}
	res := db.Table("kiosks").Select("name, office_id, printer_state").Where("id = ?", *m.KioskID).Take(&k)
	if database.IsNotFound(res.Error) {
		return nil, Permanent(errors.New("the kiosk does not exist"))
	}
	if res.Error != nil {
		return nil, res.Error
	}
	var ev event.Event
	res = db.Where("id = ? AND object_type = ? AND object_id = ?", data.EventID, "kiosk", *m.KioskID).Take(&ev)
	if database.IsNotFound(res.Error) {
		return nil, Permanent(errors.New("the printer's event does not exist"))
	}
	if res.Error != nil {
		return nil, res.Error
	}
	var change struct {
		State string `json:"state"`
	}
	_ = json.Unmarshal([]byte(ev.Data), &change)
	var off office.Office
	res = db.Where("id = ?", k.OfficeID).Take(&off)
	if res.Error != nil {
		return nil, res.Error
	}
	if strings.TrimSpace(off.AlertsEmail) == "" {
		return nil, Permanent(errors.New("the office has no alerts_email"))
	}
	t := texts[m.Lang]
	if t == nil {
		t = texts["pl"]
	}
	at := ev.At.In(off.Location())
	v := view{Office: off.Name, Address: off.Address, Kiosk: k.Name, Date: at.Format("2006-01-02"), Time: at.Format("15:04"), BaseURL: c.BaseURL}
	var err error
	if v.Problem, err = execute(t, "printer."+change.State, v); err != nil {
		v.Problem = change.State
	}
	if k.PrinterState != change.State {
		if v.Current, err = execute(t, "printer."+k.PrinterState, v); err != nil {
			v.Current = k.PrinterState
		}
	}
	out := &Outgoing{To: strings.TrimSpace(off.AlertsEmail), Name: off.Name}
	if out.Subject, err = execute(t, m.Kind+".subject", v); err != nil {
		return nil, Permanent(err)
	}
	if out.Text, err = execute(t, m.Kind+".text", v); err != nil {
		return nil, Permanent(err)
	}
	page := htmlView{Lang: m.Lang, Subject: out.Subject}
	for _, p := range strings.Split(out.Text, "\n\n") {
		page.Paragraphs = append(page.Paragraphs, strings.Split(p, "\n"))
	}
	var buf bytes.Buffer
	if err := mailHTML.Execute(&buf, page); err != nil {
		return nil, Permanent(err)
	}
	out.HTML = buf.String()
	return out, nil
}
