package notify

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/notify/outbox"
	"github.com/okienko/okienko/pickup"
)

// PickupPath is the resident's status page of a pickup, followed by its
// number as shown (XXXX-XXXX).
const PickupPath = "/odbior/"

// composePickup builds a pickup's message: registered (its number and status
// page) or ready (the room), by SMS or e-mail to the pickup's address as it
// is at sending. Permanent errors: the pickup is gone or erased, has no
// address on the channel, or moved on (a "registered" message for a pickup
// already closed, a "ready" one for a pickup no longer ready: each came too
// late to matter).
func (c *Messages) composePickup(ctx context.Context, m *outbox.Message) (*Outgoing, error) {
	var p pickup.Pickup
	res := c.DB.WithContext(ctx).Where("id = ?", *m.PickupID).Take(&p)
	if database.IsNotFound(res.Error) {
		return nil, Permanent(errors.New("the pickup does not exist"))
	}
	if res.Error != nil {
		return nil, res.Error
	}
	if p.ErasedAt != nil {
		return nil, Permanent(ErrErased)
	}
	switch {
	case m.Kind == outbox.PickupRegistered && p.Status != pickup.StatusInProgress && p.Status != pickup.StatusReady,
		m.Kind == outbox.PickupReady && p.Status != pickup.StatusReady:
		return nil, Permanent(errors.New("the pickup is " + p.Status + " now"))
	case m.Kind != outbox.PickupRegistered && m.Kind != outbox.PickupReady:
		return nil, Permanent(errors.New("no pickup message of kind " + m.Kind))
	}
	off, err := c.office(ctx)
	if err != nil {
		return nil, err
	}
	number := booking.FormatCode(p.Number)
	v := view{Office: off.Name, Address: off.Address, What: p.What, Room: p.Room, Number: number,
		BaseURL: c.BaseURL, StatusURL: c.BaseURL + PickupPath + number}
	t := texts[m.Lang]
	if t == nil {
		t = texts["pl"]
	}
	if m.Channel == outbox.SMS {
		if p.Phone == nil {
			return nil, Permanent(errors.New("the pickup has no phone"))
		}
		text, err := c.smsText(t, m, v)
		if err != nil {
			return nil, err
		}
		return &Outgoing{To: *p.Phone, Text: text}, nil
	}
	if p.Email == nil {
		return nil, Permanent(errors.New("the pickup has no e-mail"))
	}
	out := &Outgoing{To: *p.Email}
	if out.Subject, err = execute(t, m.Kind+".subject", v); err != nil {
		return nil, Permanent(err)
	}
	if out.Text, err = execute(t, m.Kind+".text", v); err != nil {
		return nil, Permanent(err)
	}
	page := htmlView{Lang: m.Lang, Subject: out.Subject, Code: number}
	for _, para := range strings.Split(out.Text, "\n\n") {
		page.Paragraphs = append(page.Paragraphs, strings.Split(para, "\n"))
	}
	label, _ := execute(t, "label.pickup", v)
	page.Links = []link{{label, v.StatusURL}}
	var buf bytes.Buffer
	if err := mailHTML.Execute(&buf, page); err != nil {
		return nil, Permanent(err)
	}
	out.HTML = buf.String()
	return out, nil
}
