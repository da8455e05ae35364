package notify

import (
	"log/slog"
)

// Senders returns the e-mail and SMS senders for the configuration: SMTP
// when smtpURL is set (STARTTLS as smtpTLS says), the SMSAPI gateway when
// smsURL is set, LogSender for each one unset. An error, from
// NewSMTPSender, for a malformed URL or sender address or a TLS mode that
// does not fit the URL.
func Senders(smtpURL string, smtpTLS TLSMode, mailFrom, smsURL, smsToken, smsFrom string, smsUnicode bool, smsParts int, log *slog.Logger) (email, sms Sender, err error) {
	email, sms = LogSender{Log: log}, LogSender{Log: log}
	if smtpURL != "" {
		if email, err = NewSMTPSender(smtpURL, mailFrom, smtpTLS); err != nil {
			return nil, nil, err
		}
	}
	if smsURL != "" {
		sms = &SMSSender{BaseURL: smsURL, Token: smsToken, From: smsFrom, Unicode: smsUnicode, Parts: smsParts}
	}
	return email, sms, nil
}
