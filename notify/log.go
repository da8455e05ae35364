package notify

import (
	"context"
	"log/slog"
)

// LogSender writes messages to the log instead of sending them: the
// development default when no SMTP server or SMS gateway is configured. It
// logs the masked recipient and the text; messages never carry a PESEL.
type LogSender struct {
	Log *slog.Logger
}

// Send logs m at info level and never fails.
func (s LogSender) Send(ctx context.Context, m *Outgoing) error {
	l := s.Log
	if l == nil {
		l = slog.Default()
	}
	l.InfoContext(ctx, "message (log provider)", "channel", m.Channel, "key", m.Key, "to", Mask(m.Channel, m.To),
		"subject", m.Subject, "text", m.Text, "attachments", len(m.Attachments))
	return nil
}
