package notify

import (
	"log/slog"
)

// Senders returns the e-mail and SMS senders for the configuration: SMTP
// when smtpURL is set (STARTTLS as smtpTLS says), the SMSAPI gateway when
// smsURL is set, LogSender for each one unset; the gateway encodes SMS by
// smsLimits, which the composer (Messages.SMS) must share. An error, from
// NewSMTPSender, for a malformed URL or sender address or a TLS mode that
// does not fit the URL.
func Senders(smtpURL string, smtpTLS TLSMode, mailFrom, smsURL, smsToken, smsFrom string, smsLimits SMSLimits, log *slog.Logger) (email, sms Sender, err error) {
	email, sms = LogSender{Log: log}, LogSender{Log: log}
	if smtpURL != "" {
		if email, err = NewSMTPSender(smtpURL, mailFrom, smtpTLS); err != nil {
			return nil, nil, err
		}
	}
	if smsURL != "" {
		sms = &SMSSender{BaseURL: smsURL, Token: smsToken, From: smsFrom, Limits: smsLimits}
	}
	return email, sms, nil
}
