package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/okienko/okienko/auth/ldap"
	"github.com/okienko/okienko/auth/oidc"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/ratelimit/proof"
	"github.com/okienko/okienko/web"
)

// setting is one environment variable of the configuration.
type setting struct {
	Name    string
	Default string
	Help    string
	Secret  bool // may also be given as NAME_FILE, is never printed
	target  func(*Config) *string
}

// Config is the server's configuration, read from the environment.
type Config struct {
	DatabaseURL    string
	DataDir        string
	Listen         string
	BaseURL        string
	Secret         string
	AdminPassword  string
	SMTPURL        string
	SMTPTLS        string
	MailFrom       string
	SMSURL         string
	SMSToken       string
	SMSFrom        string
	LogFormat      string
	LogLevel       string
	TrustedProxies string
	RetentionDays  string
	ReminderHour   string
	SMSUnicode     string
	SMSParts       string
	OutboxLease    string
	OutboxParallel string
	OutboxBusy     string
	WebhookTimeout string
	WebhookPrivate string
	PerAddress     string
	PerEmail       string
	ProofMaxNumber string
	OIDCIssuer     string
	OIDCClientID   string
	OIDCSecret     string
	OIDCRoleClaim  string
	OIDCAdminValue string
	OIDCClerkValue string
	OIDCName       string
	SAMLMetadata   string
	SAMLKey        string
	SAMLCert       string
	SAMLEntityID   string
	LDAPURL        string
	LDAPStartTLS   string
	LDAPCAFile     string
	LDAPBindDN     string
	LDAPBindPass   string
	LDAPBaseDN     string
	LDAPUserFilter string
	LDAPAdminGroup string
	LDAPClerkGroup string
	LDAPTimeout    string
	PprofListen    string
	PprofToken     string
}

// settings is the configuration table; --help prints it.
var settings = []setting{
	{"OKIENKO_DATABASE_URL", "", "postgres://user:pass@host:5432/db selects PostgreSQL; empty: the SQLite file okienko.db in the data directory", true, func(c *Config) *string { return &c.DatabaseURL }},
	{"OKIENKO_DATA_DIR", "./data", "directory for the SQLite file and the generated secret", false, func(c *Config) *string { return &c.DataDir }},
	{"OKIENKO_LISTEN", ":8080", "address to listen on", false, func(c *Config) *string { return &c.Listen }},
	{"OKIENKO_BASE_URL", "", "public URL of the server, used in links, QR codes and e-mails; empty: http://localhost and the port of OKIENKO_LISTEN", false, func(c *Config) *string { return &c.BaseURL }},
	{"OKIENKO_SECRET", "", "server secret (PESEL HMAC keys, tokens); empty: generated once into DATA_DIR/secret (set it for several instances)", true, func(c *Config) *string { return &c.Secret }},
	{"OKIENKO_ADMIN_PASSWORD", "", "password of the demo admin and clerk on the first start; empty: generated and printed once", true, func(c *Config) *string { return &c.AdminPassword }},
	{"OKIENKO_SMTP_URL", "", "smtp://user:password@host:587 (STARTTLS) or smtps://…:465; empty: e-mails go to the log", true, func(c *Config) *string { return &c.SMTPURL }},
	{"OKIENKO_SMTP_TLS", "required", "STARTTLS on smtp://: required (a server without it is refused), opportunistic (when offered), off (never: an internal relay on port 25, a local postfix); smtps:// is always TLS", false, func(c *Config) *string { return &c.SMTPTLS }},
	{"OKIENKO_MAIL_FROM", "Okienko <okienko@localhost>", "sender of e-mails", false, func(c *Config) *string { return &c.MailFrom }},
	{"OKIENKO_SMS_URL", "", "base URL of an SMSAPI-compatible gateway; empty: SMS go to the log", false, func(c *Config) *string { return &c.SMSURL }},
	{"OKIENKO_SMS_TOKEN", "", "bearer token of the SMS gateway", true, func(c *Config) *string { return &c.SMSToken }},
	{"OKIENKO_SMS_FROM", "", "sender name of SMS", false, func(c *Config) *string { return &c.SMSFrom }},
	{"OKIENKO_SMS_UNICODE", "false", "true: send Polish letters as Unicode (70 characters a part); false: as plain letters (160)", false, func(c *Config) *string { return &c.SMSUnicode }},
	{"OKIENKO_SMS_PARTS", "1", "most SMS parts one message may take (1–6)", false, func(c *Config) *string { return &c.SMSParts }},
	{"OKIENKO_OUTBOX_LEASE", "1m", "how long a message being sent stays claimed unless its instance renews the claim (5s–10m): messages of an instance that died go out this long after", false, func(c *Config) *string { return &c.OutboxLease }},
	{"OKIENKO_OUTBOX_BUSY_DELAY", "1s", "how long a new message may wait while residents are booking on the instance, so that their answers come before the e-mails and SMS of the bookings just made (0s–10s; 0s: never)", false, func(c *Config) *string { return &c.OutboxBusy }},
	{"OKIENKO_OUTBOX_CONCURRENCY", strconv.Itoa(notify.DefaultConcurrency), "how many messages of one channel (e-mail, SMS) an instance sends at once (1–64)", false, func(c *Config) *string { return &c.OutboxParallel }},
	{"OKIENKO_WEBHOOK_TIMEOUT", "10s", "how long one webhook request may take, the receiver's answer included (1s–60s); a slower receiver's delivery is retried", false, func(c *Config) *string { return &c.WebhookTimeout }},
	{"OKIENKO_WEBHOOK_ALLOW_PRIVATE", "false", "true: webhooks may reach internal addresses (loopback, private, link-local, CGNAT, IPv6 unique-local), e.g. a document system in the office's network; false: such endpoints are refused when written and when sent to", false, func(c *Config) *string { return &c.WebhookPrivate }},
	{"OKIENKO_LOG_FORMAT", "text", "text or json", false, func(c *Config) *string { return &c.LogFormat }},
	{"OKIENKO_LOG_LEVEL", "info", "debug, info, warn or error", false, func(c *Config) *string { return &c.LogLevel }},
	{"OKIENKO_RETENTION_DAYS", "30", "days after a visit when the resident's personal data (name, e-mail, phone, PESEL HMAC) is erased", false, func(c *Config) *string { return &c.RetentionDays }},
	{"OKIENKO_REMINDER_HOUR", "18", "hour (0–23, office time) when the day-before reminders are sent", false, func(c *Config) *string { return &c.ReminderHour }},
	{"OKIENKO_TRUSTED_PROXIES", "", "comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For is believed", false, func(c *Config) *string { return &c.TrustedProxies }},
	{"OKIENKO_BOOKINGS_PER_ADDRESS", strconv.Itoa(web.DefaultRateLimits.Book.Max), "bookings made per 10 minutes from one client address, an IPv4 address or an IPv6 /64 (1–100000); refused attempts don't count", false, func(c *Config) *string { return &c.PerAddress }},
	{"OKIENKO_BOOKINGS_PER_EMAIL", strconv.Itoa(booking.DefaultMaxActivePerEmail), "upcoming bookings one e-mail address may hold, lower-cased and without a +tag (1–100)", false, func(c *Config) *string { return &c.PerEmail }},
	{"OKIENKO_OIDC_ISSUER", "", "issuer URL of the office's OpenID Connect provider for staff sign-in (e.g. https://sso.urzad.pl/realms/urzad); empty: off. Register OKIENKO_BASE_URL" + oidc.CallbackPath + " as its redirect URI", false, func(c *Config) *string { return &c.OIDCIssuer }},
	{"OKIENKO_OIDC_CLIENT_ID", "", "client id of Okienko at the OpenID provider (the ID token's audience)", false, func(c *Config) *string { return &c.OIDCClientID }},
	{"OKIENKO_OIDC_CLIENT_SECRET", "", "client secret at the OpenID provider; empty: a public client (PKCE alone)", true, func(c *Config) *string { return &c.OIDCSecret }},
	{"OKIENKO_OIDC_ROLE_CLAIM", oidc.DefaultRoleClaim, "claim of the ID token (or userinfo) with the person's roles or groups: a string or a list; a dotted path reaches into objects (realm_access.roles)", false, func(c *Config) *string { return &c.OIDCRoleClaim }},
	{"OKIENKO_OIDC_ADMIN_VALUE", oidc.DefaultAdminValue, "value of the role claim that makes an administrator (it wins over the clerk's)", false, func(c *Config) *string { return &c.OIDCAdminValue }},
	{"OKIENKO_OIDC_CLERK_VALUE", oidc.DefaultClerkValue, "value of the role claim that makes a clerk; a person with neither value is refused", false, func(c *Config) *string { return &c.OIDCClerkValue }},
	{"OKIENKO_OIDC_NAME", "", "text of the sign-in button; empty: \"Zaloguj przez konto urzędu\" in the page's language", false, func(c *Config) *string { return &c.OIDCName }},
	{"OKIENKO_LDAP_URL", "", "staff sign-in through the office's directory (OpenLDAP, Active Directory): ldap://host:389 or ldaps://host:636; empty: local users only", false, func(c *Config) *string { return &c.LDAPURL }},
	{"OKIENKO_LDAP_STARTTLS", "false", "true: upgrade ldap:// with StartTLS (the certificate is verified as on ldaps://)", false, func(c *Config) *string { return &c.LDAPStartTLS }},
	{"OKIENKO_LDAP_CA_FILE", "", "PEM file of the CA(s) that signed the directory's certificate; empty: the system's CAs (verification is never skipped)", false, func(c *Config) *string { return &c.LDAPCAFile }},
	{"OKIENKO_LDAP_BIND_DN", "", "DN of the service account that searches for people, e.g. cn=okienko,ou=services,dc=urzad,dc=pl; empty: search anonymously", false, func(c *Config) *string { return &c.LDAPBindDN }},
	{"OKIENKO_LDAP_BIND_PASSWORD", "", "password of the service account", true, func(c *Config) *string { return &c.LDAPBindPass }},
	{"OKIENKO_LDAP_BASE_DN", "", "where people are searched for (the whole subtree), e.g. ou=people,dc=urzad,dc=pl", false, func(c *Config) *string { return &c.LDAPBaseDN }},
	{"OKIENKO_LDAP_USER_FILTER", ldap.DefaultUserFilter, "search filter of one person; {username} is the sign-in name, escaped", false, func(c *Config) *string { return &c.LDAPUserFilter }},
	{"OKIENKO_LDAP_ADMIN_GROUP", "", "DN of the group whose members are administrators (memberOf, member or uniqueMember)", false, func(c *Config) *string { return &c.LDAPAdminGroup }},
	{"OKIENKO_LDAP_CLERK_GROUP", "", "DN of the group whose members are clerks; a person in neither group can't sign in", false, func(c *Config) *string { return &c.LDAPClerkGroup }},
	{"OKIENKO_LDAP_TIMEOUT", ldap.DefaultTimeout.String(), "how long one sign-in may wait for the directory (100ms–2m)", false, func(c *Config) *string { return &c.LDAPTimeout }},
	{"OKIENKO_PROOF_MAXNUMBER", strconv.Itoa(proof.DefaultMaxNumber), "difficulty of the proof of work of matters that ask for it (1–10000000): a challenge's secret number lies below it, and a browser tries half of them on average; the default takes one about half a second", false, func(c *Config) *string { return &c.ProofMaxNumber }},
	{"OKIENKO_SAML_IDP_METADATA", "", "residents' sign-in with the trusted profile (login.gov.pl, SAML 2.0): URL or file path of the identity provider's metadata; empty: off, residents type their details", false, func(c *Config) *string { return &c.SAMLMetadata }},
	{"OKIENKO_SAML_KEY", "", "the SAML service provider's RSA private key, PEM (required with OKIENKO_SAML_IDP_METADATA; usually as OKIENKO_SAML_KEY_FILE)", true, func(c *Config) *string { return &c.SAMLKey }},
	{"OKIENKO_SAML_CERT", "", "the service provider's certificate of that key, PEM (usually as OKIENKO_SAML_CERT_FILE)", true, func(c *Config) *string { return &c.SAMLCert }},
	{"OKIENKO_SAML_ENTITY_ID", "", "the service provider's entity ID as registered at the identity provider; empty: OKIENKO_BASE_URL/saml/metadata", false, func(c *Config) *string { return &c.SAMLEntityID }},
	{"OKIENKO_PPROF_LISTEN", "", "address of a separate listener serving Go's profiles at /debug/pprof/ (e.g. 127.0.0.1:6060); empty: off. Any address but loopback needs OKIENKO_PPROF_TOKEN", false, func(c *Config) *string { return &c.PprofListen }},
	{"OKIENKO_PPROF_TOKEN", "", "bearer token the pprof listener asks of every request (Authorization: Bearer TOKEN); empty: none, loopback only", true, func(c *Config) *string { return &c.PprofToken }},
}

// loadConfig reads the configuration with getenv (os.Getenv in the program).
// A secret may come from NAME_FILE instead of NAME (not both).
func loadConfig(getenv func(string) string) (*Config, error) {
	c := &Config{}
	for _, s := range settings {
		v := getenv(s.Name)
		if s.Secret {
			if file := getenv(s.Name + "_FILE"); file != "" {
				if v != "" {
					return nil, fmt.Errorf("set %s or %s_FILE, not both", s.Name, s.Name)
				}
				b, err := os.ReadFile(file)
				if err != nil {
					return nil, fmt.Errorf("%s_FILE: %w", s.Name, err)
				}
				v = strings.TrimRight(string(b), "\r\n")
			}
		}
		if v == "" {
			v = s.Default
		}
		*s.target(c) = v
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return nil, fmt.Errorf("OKIENKO_LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return nil, fmt.Errorf("OKIENKO_LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if n, err := strconv.Atoi(c.RetentionDays); err != nil || n < 1 || n > 3650 {
		return nil, fmt.Errorf("OKIENKO_RETENTION_DAYS must be a whole number of days from 1 to 3650, not %q", c.RetentionDays)
	}
	if c.SMSUnicode != "true" && c.SMSUnicode != "false" {
		return nil, fmt.Errorf("OKIENKO_SMS_UNICODE must be true or false, not %q", c.SMSUnicode)
	}
	if n, err := strconv.Atoi(c.SMSParts); err != nil || n < 1 || n > 6 {
		return nil, fmt.Errorf("OKIENKO_SMS_PARTS must be a number from 1 to 6, not %q", c.SMSParts)
	}
	if d, err := time.ParseDuration(c.OutboxLease); err != nil || d < 5*time.Second || d > 10*time.Minute {
		return nil, fmt.Errorf("OKIENKO_OUTBOX_LEASE must be a duration from 5s to 10m (e.g. 1m), not %q", c.OutboxLease)
	}
	if d, err := time.ParseDuration(c.WebhookTimeout); err != nil || d < time.Second || d > time.Minute {
		return nil, fmt.Errorf("OKIENKO_WEBHOOK_TIMEOUT must be a duration from 1s to 60s (e.g. 10s), not %q", c.WebhookTimeout)
	}
	if c.WebhookPrivate != "true" && c.WebhookPrivate != "false" {
		return nil, fmt.Errorf("OKIENKO_WEBHOOK_ALLOW_PRIVATE must be true or false, not %q", c.WebhookPrivate)
	}
	if d, err := time.ParseDuration(c.OutboxBusy); err != nil || d < 0 || d > 10*time.Second {
		return nil, fmt.Errorf("OKIENKO_OUTBOX_BUSY_DELAY must be a duration from 0s to 10s (e.g. 1s), not %q", c.OutboxBusy)
	}
	if n, err := strconv.Atoi(c.OutboxParallel); err != nil || n < 1 || n > 64 {
		return nil, fmt.Errorf("OKIENKO_OUTBOX_CONCURRENCY must be a number from 1 to 64, not %q", c.OutboxParallel)
	}
	if n, err := strconv.ParseInt(c.ProofMaxNumber, 10, 64); err != nil || n < 1 || n > proof.MaxMaxNumber {
		return nil, fmt.Errorf("OKIENKO_PROOF_MAXNUMBER must be a number from 1 to %d, not %q", proof.MaxMaxNumber, c.ProofMaxNumber)
	}
	// The SMTP settings are checked together (the URL, the TLS mode, the
	// sender) so that a bad one stops the start; nothing connects yet.
	mode, err := notify.ParseTLSMode(c.SMTPTLS)
	if err != nil {
		return nil, err
	}
	if c.SMTPURL != "" {
		if _, err := notify.NewSMTPSender(c.SMTPURL, c.MailFrom, mode); err != nil {
			return nil, err
		}
	}
	if n, err := strconv.Atoi(c.PerAddress); err != nil || n < 1 || n > 100000 {
		return nil, fmt.Errorf("OKIENKO_BOOKINGS_PER_ADDRESS must be a number from 1 to 100000, not %q", c.PerAddress)
	}
	if n, err := strconv.Atoi(c.PerEmail); err != nil || n < 1 || n > 100 {
		return nil, fmt.Errorf("OKIENKO_BOOKINGS_PER_EMAIL must be a number from 1 to 100, not %q", c.PerEmail)
	}
	if n, err := strconv.Atoi(c.ReminderHour); err != nil || n < 0 || n > 23 {
		return nil, fmt.Errorf("OKIENKO_REMINDER_HOUR must be an hour from 0 to 23, not %q", c.ReminderHour)
	}
	if err := checkPprof(c.PprofListen, c.PprofToken); err != nil {
		return nil, err
	}
	if c.BaseURL == "" {
		c.BaseURL = localURL(c.Listen)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return nil, fmt.Errorf("OKIENKO_BASE_URL must start with http:// or https://, not %q", c.BaseURL)
	}
	if c.SAMLMetadata != "" && (c.SAMLKey == "" || c.SAMLCert == "") {
		return nil, errors.New("OKIENKO_SAML_IDP_METADATA needs OKIENKO_SAML_KEY and OKIENKO_SAML_CERT (or their _FILE variants)")
	}
	if _, err := web.ParseProxies(c.proxies()); err != nil {
		return nil, fmt.Errorf("OKIENKO_TRUSTED_PROXIES: %w", err)
	}
	if _, err := c.oidcProvider(); err != nil {
		return nil, fmt.Errorf("OKIENKO_OIDC_*: %w", err)
	}
	if c.LDAPStartTLS != "true" && c.LDAPStartTLS != "false" {
		return nil, fmt.Errorf("OKIENKO_LDAP_STARTTLS must be true or false, not %q", c.LDAPStartTLS)
	}
	if _, err := c.directory(); err != nil {
		return nil, err
	}
	return c, nil
}

// oidcProvider is the staff's OpenID Connect sign-in, nil when
// OKIENKO_OIDC_ISSUER is empty. Its pending sign-ins are signed with a key
// of the server secret, so instances sharing it finish each other's.
func (c *Config) oidcProvider() (*oidc.Provider, error) {
	if c.OIDCIssuer == "" {
		return nil, nil
	}
	return oidc.New(oidc.Config{
		Issuer: c.OIDCIssuer, ClientID: c.OIDCClientID, ClientSecret: c.OIDCSecret,
		RedirectURL: c.BaseURL + oidc.CallbackPath, RoleClaim: c.OIDCRoleClaim,
		AdminValue: c.OIDCAdminValue, ClerkValue: c.OIDCClerkValue, Label: c.OIDCName,
		Key: oidc.KeyOf(c.Secret),
	})
}

// directory is the office's directory of OKIENKO_LDAP_*, nil when
// OKIENKO_LDAP_URL is empty; nothing connects yet.
func (c *Config) directory() (*ldap.Directory, error) {
	if c.LDAPURL == "" {
		return nil, nil
	}
	timeout, err := time.ParseDuration(c.LDAPTimeout)
	if err != nil {
		return nil, fmt.Errorf("OKIENKO_LDAP_TIMEOUT must be a duration such as 5s, not %q", c.LDAPTimeout)
	}
	d, err := ldap.New(ldap.Config{URL: c.LDAPURL, StartTLS: c.LDAPStartTLS == "true", CAFile: c.LDAPCAFile,
		BindDN: c.LDAPBindDN, BindPassword: c.LDAPBindPass, BaseDN: c.LDAPBaseDN, UserFilter: c.LDAPUserFilter,
		AdminGroup: c.LDAPAdminGroup, ClerkGroup: c.LDAPClerkGroup, Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("OKIENKO_LDAP_*: %w", err)
	}
	return d, nil
}

// localURL is the address a browser on this machine reaches the listen
// address at: http://localhost:PORT for every local or wildcard host.
func localURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://localhost:8080"
	}
	switch host {
	case "", "0.0.0.0", "::", "127.0.0.1", "::1", "localhost":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// retention is how long personal data is kept after a visit.
func (c *Config) retention() time.Duration {
	n, _ := strconv.Atoi(c.RetentionDays)
	return time.Duration(n) * 24 * time.Hour
}

// reminderHour is the office hour when reminders go out.
// webhookPrivate is OKIENKO_WEBHOOK_ALLOW_PRIVATE, validated by loadConfig.
func (c *Config) webhookPrivate() bool { return c.WebhookPrivate == "true" }

// webhookTimeout is OKIENKO_WEBHOOK_TIMEOUT, validated by loadConfig.
func (c *Config) webhookTimeout() time.Duration {
	d, _ := time.ParseDuration(c.WebhookTimeout)
	return d
}

// outboxLease is OKIENKO_OUTBOX_LEASE, validated by loadConfig.
func (c *Config) outboxLease() time.Duration {
	d, _ := time.ParseDuration(c.OutboxLease)
	return d
}

// outboxBusyDelay is OKIENKO_OUTBOX_BUSY_DELAY, validated by loadConfig.
func (c *Config) outboxBusyDelay() time.Duration {
	d, _ := time.ParseDuration(c.OutboxBusy)
	return d
}

// outboxConcurrency is OKIENKO_OUTBOX_CONCURRENCY, validated by loadConfig.
func (c *Config) outboxConcurrency() int {
	n, _ := strconv.Atoi(c.OutboxParallel)
	return n
}

// proofMaxNumber is OKIENKO_PROOF_MAXNUMBER, validated by loadConfig.
func (c *Config) proofMaxNumber() int64 {
	n, _ := strconv.ParseInt(c.ProofMaxNumber, 10, 64)
	return n
}

func (c *Config) reminderHour() int {
	n, _ := strconv.Atoi(c.ReminderHour)
	return n
}

// rateLimits are the resident's limits per address: the defaults with
// OKIENKO_BOOKINGS_PER_ADDRESS, validated by loadConfig.
func (c *Config) rateLimits() web.RateLimits {
	l := web.DefaultRateLimits
	l.Book.Max, _ = strconv.Atoi(c.PerAddress)
	return l
}

// perEmail is OKIENKO_BOOKINGS_PER_EMAIL, validated by loadConfig.
func (c *Config) perEmail() int {
	n, _ := strconv.Atoi(c.PerEmail)
	return n
}

// proxies returns the trusted proxy list.
func (c *Config) proxies() []string {
	var out []string
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ensureSecret makes sure c.Secret is set: when empty it reads DATA_DIR/secret,
// creating it (mode 0600, 32 random bytes) on the first start. It reports
// whether the secret was generated now. The secret itself is never logged.
func (c *Config) ensureSecret() (generated bool, err error) {
	if c.Secret != "" {
		return false, nil
	}
	path := filepath.Join(c.DataDir, "secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		c.Secret = strings.TrimSpace(string(b))
		return false, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read secret: %w", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return false, fmt.Errorf("create data directory: %w", err)
	}
	var raw [32]byte
	if _, err := io.ReadFull(rand.Reader, raw[:]); err != nil {
		return false, err
	}
	secret := base64.RawURLEncoding.EncodeToString(raw[:])
	// Written whole to a temporary file, then linked into place: link fails
	// when the file exists, so processes starting at once on one data
	// directory all end up with the first secret written, never a partial one.
	tmp, err := os.CreateTemp(c.DataDir, ".secret-*")
	if err != nil {
		return false, fmt.Errorf("write secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, err
	}
	if _, err := tmp.WriteString(secret + "\n"); err != nil {
		tmp.Close()
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return c.ensureSecret()
		}
		return false, fmt.Errorf("write secret: %w", err)
	}
	c.Secret = secret
	return true, nil
}

// printSettings writes the configuration table for --help.
func printSettings(w io.Writer) {
	fmt.Fprintln(w, "Configuration (environment variables; secrets also as NAME_FILE):")
	for _, s := range settings {
		def := s.Default
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  %-24s default %s\n      %s\n", s.Name, def, s.Help)
	}
}
