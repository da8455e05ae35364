package notify

import (
	"log/slog"
)

// Senders returns the e-mail and SMS senders for the configuration: SMTP
// when smtpURL is set, the SMSAPI gateway when smsURL is set, LogSender for
// each one unset. An error for a malformed URL or sender address.
func Senders(smtpURL, mailFrom, smsURL, smsToken, smsFrom string, smsUnicode bool, smsParts int, log *slog.Logger) (email, sms Sender, err error) {
	email, sms = LogSender{Log: log}, LogSender{Log: log}
	if smtpURL != "" {
		if email, err = NewSMTPSender(smtpURL, mailFrom); err != nil {
			return nil, nil, err
		}
	}
	if smsURL != "" {
		sms = &SMSSender{BaseURL: smsURL, Token: smsToken, From: smsFrom, Unicode: smsUnicode, Parts: smsParts}
	}
	return email, sms, nil
}
