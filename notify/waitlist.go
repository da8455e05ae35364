package notify

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/notify/outbox"
)

// WaitPath is the resident's page of a waitlist entry, followed by its id
// and ?token=… (web serves it).
const WaitPath = "/lista/"

// composeWait builds a waitlist entry's message: joined (the day, the link
// to leave) or an offer (the held time, until when, the link to accept),
// by SMS or e-mail to the entry's address. The link carries the entry's
// token (booking.Store.WaitToken), which only this composing knows.
// Permanent errors: the entry is gone or erased, has no address on the
// channel, or moved on (an offer no longer standing, a "joined" message
// for an entry off the list: each came too late to matter); no Bookings
// to sign the link.
func (c *Messages) composeWait(ctx context.Context, m *outbox.Message) (*Outgoing, error) {
	var e booking.WaitEntry
	res := c.DB.WithContext(ctx).Where("id = ?", *m.WaitlistID).Take(&e)
	if database.IsNotFound(res.Error) {
		return nil, Permanent(errors.New("the waitlist entry does not exist"))
	}
	if res.Error != nil {
		return nil, res.Error
	}
	if e.ErasedAt != nil || e.Email == nil {
		return nil, Permanent(ErrErased)
	}
	if c.Bookings == nil {
		return nil, Permanent(errors.New("no booking store to sign the waitlist link"))
	}
	switch {
	case m.Kind == outbox.WaitlistJoined && e.Status != booking.WaitWaiting && e.Status != booking.WaitOffered,
		m.Kind == outbox.WaitlistOffer && e.Status != booking.WaitOffered:
		return nil, Permanent(errors.New("the waitlist entry is " + e.Status + " now"))
	case m.Kind != outbox.WaitlistJoined && m.Kind != outbox.WaitlistOffer:
		return nil, Permanent(errors.New("no waitlist message of kind " + m.Kind))
	}
	svc, err := c.service(ctx, e.ServiceID)
	if err != nil {
		return nil, err
	}
	off, err := c.office(ctx)
	if err != nil {
		return nil, err
	}
	loc := off.Location()
	v := view{Office: off.Name, Address: off.Address, Service: svc.NameIn(m.Lang), Date: e.Day.String(), BaseURL: c.BaseURL,
		ManageURL: c.BaseURL + WaitPath + strconv.FormatInt(e.ID, 10) + "?token=" + c.Bookings.WaitToken(&e)}
	if e.Name != nil {
		v.Name = *e.Name
	}
	if m.Kind == outbox.WaitlistOffer {
		if e.BookingID == nil {
			return nil, Permanent(errors.New("the offer holds no booking"))
		}
		var b booking.Booking
		if err := c.DB.WithContext(ctx).First(&b, *e.BookingID).Error; err != nil {
			return nil, err
		}
		if c.Clock != nil && !b.AwaitingConfirmation(c.Clock.Now()) {
			return nil, Permanent(errors.New("the offer lapsed"))
		}
		st, by := b.StartsAt.In(loc), b.ConfirmBy.In(loc)
		v.Date, v.Time = st.Format("2006-01-02"), st.Format("15:04")
		v.ConfirmDate, v.ConfirmTime = by.Format("2006-01-02"), by.Format("15:04")
	}
	t := texts[m.Lang]
	if t == nil {
		t = texts["pl"]
	}
	if m.Channel == outbox.SMS {
		if e.Phone == nil {
			return nil, Permanent(errors.New("the waitlist entry has no phone"))
		}
		text, err := c.smsText(t, m, v)
		if err != nil {
			return nil, err
		}
		return &Outgoing{To: *e.Phone, Text: text}, nil
	}
	out := &Outgoing{To: *e.Email}
	if out.Subject, err = execute(t, m.Kind+".subject", v); err != nil {
		return nil, Permanent(err)
	}
	if out.Text, err = execute(t, m.Kind+".text", v); err != nil {
		return nil, Permanent(err)
	}
	page := htmlView{Lang: m.Lang, Subject: out.Subject}
	for _, para := range strings.Split(out.Text, "\n\n") {
		page.Paragraphs = append(page.Paragraphs, strings.Split(para, "\n"))
	}
	label, _ := execute(t, "label."+m.Kind, v)
	page.Links = []link{{label, v.ManageURL}}
	var buf bytes.Buffer
	if err := mailHTML.Execute(&buf, page); err != nil {
		return nil, Permanent(err)
	}
	out.HTML = buf.String()
	return out, nil
}
