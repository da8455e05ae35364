package notify

import (
	"log/slog"
)

// Senders returns the e-mail and SMS senders for the configuration: SMTP
// when smtpURL is set, the SMSAPI gateway when smsURL is set, LogSender for
// each one unset; the gateway encodes SMS by smsLimits, which the composer
// (Messages.SMS) must share. An error for a malformed URL or sender address.
func Senders(smtpURL, mailFrom, smsURL, smsToken, smsFrom string, smsLimits SMSLimits, log *slog.Logger) (email, sms Sender, err error) {
	email, sms = LogSender{Log: log}, LogSender{Log: log}
	if smtpURL != "" {
		if email, err = NewSMTPSender(smtpURL, mailFrom); err != nil {
			return nil, nil, err
		}
	}
	if smsURL != "" {
		sms = &SMSSender{BaseURL: smsURL, Token: smsToken, From: smsFrom, Limits: smsLimits}
	}
	return email, sms, nil
}
