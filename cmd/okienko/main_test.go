package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/auth/oidc"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/office/demo"
	"github.com/okienko/okienko/ratelimit"
	"github.com/okienko/okienko/ratelimit/proof"
	"github.com/okienko/okienko/web"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestHelpListsEveryVariable(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, env(nil), nil, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.Name) {
			t.Errorf("--help does not list %s", s.Name)
		}
	}
	for _, cmd := range []string{"serve", "migrate", "user add", "backup [-force] FILE", "restore FILE", "version"} {
		if !strings.Contains(out.String(), cmd) {
			t.Errorf("--help does not mention %q", cmd)
		}
	}
	if !strings.Contains(out.String(), "default ./data") || !strings.Contains(out.String(), "default :8080") {
		t.Errorf("--help does not show defaults:\n%s", out.String())
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, env(nil), nil, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "okienko ") {
		t.Fatalf("version: exit %d, %q", code, out.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, env(nil), nil, &out, &errOut); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"migrate"}, env(map[string]string{"OKIENKO_LOG_FORMAT": "xml"}), nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "OKIENKO_LOG_FORMAT") {
		t.Fatalf("bad configuration: exit %d, %q", code, errOut.String())
	}
}

func TestLoadConfig(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.Listen != ":8080" || c.BaseURL != "http://localhost:8080" || c.DatabaseURL != "" || c.outboxConcurrency() != notify.DefaultConcurrency {
		t.Fatalf("defaults: %+v", c)
	}
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = loadConfig(env(map[string]string{"OKIENKO_SECRET_FILE": file, "OKIENKO_BASE_URL": "https://wizyty.example.pl/"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Secret != "from-a-file" || c.BaseURL != "https://wizyty.example.pl" {
		t.Fatalf("secret %q, base URL %q", c.Secret, c.BaseURL)
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_SECRET_FILE": file, "OKIENKO_SECRET": "x"})); err == nil {
		t.Fatal("both OKIENKO_SECRET and OKIENKO_SECRET_FILE accepted")
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_SECRET_FILE": file + ".missing"})); err == nil {
		t.Fatal("a missing secret file accepted")
	}
	for listen, want := range map[string]string{":9090": "http://localhost:9090", "0.0.0.0:80": "http://localhost:80", "10.0.0.5:8081": "http://10.0.0.5:8081", "[::]:8443": "http://localhost:8443"} {
		c, err := loadConfig(env(map[string]string{"OKIENKO_LISTEN": listen}))
		if err != nil {
			t.Fatalf("OKIENKO_LISTEN=%s: %v", listen, err)
		}
		if c.BaseURL != want {
			t.Errorf("OKIENKO_LISTEN=%s: base URL %q, want %q", listen, c.BaseURL, want)
		}
	}
	if c, err := loadConfig(env(map[string]string{"OKIENKO_OUTBOX_CONCURRENCY": "12"})); err != nil || c.outboxConcurrency() != 12 {
		t.Fatalf("OKIENKO_OUTBOX_CONCURRENCY=12: %v", err)
	}
	for _, bad := range []string{"0", "65", "four"} {
		if _, err := loadConfig(env(map[string]string{"OKIENKO_OUTBOX_CONCURRENCY": bad})); err == nil || !strings.Contains(err.Error(), "OKIENKO_OUTBOX_CONCURRENCY") {
			t.Errorf("OKIENKO_OUTBOX_CONCURRENCY=%s: %v, want an error naming it", bad, err)
		}
	}
	if c.outboxBusyDelay() != time.Second {
		t.Errorf("the outbox waits %v while residents book, by default; want 1s", c.outboxBusyDelay())
	}
	for v, want := range map[string]time.Duration{"0s": 0, "250ms": 250 * time.Millisecond, "10s": 10 * time.Second} {
		c, err := loadConfig(env(map[string]string{"OKIENKO_OUTBOX_BUSY_DELAY": v}))
		if err != nil {
			t.Errorf("OKIENKO_OUTBOX_BUSY_DELAY=%s: %v", v, err)
		} else if c.outboxBusyDelay() != want {
			t.Errorf("OKIENKO_OUTBOX_BUSY_DELAY=%s: %v, want %v", v, c.outboxBusyDelay(), want)
		}
	}
	for _, bad := range []string{"-1s", "11s", "1", "soon"} {
		if _, err := loadConfig(env(map[string]string{"OKIENKO_OUTBOX_BUSY_DELAY": bad})); err == nil || !strings.Contains(err.Error(), "OKIENKO_OUTBOX_BUSY_DELAY") {
			t.Errorf("OKIENKO_OUTBOX_BUSY_DELAY=%s: %v, want an error naming it", bad, err)
		}
	}
	if c.proofMaxNumber() != proof.DefaultMaxNumber {
		t.Errorf("proof difficulty %d by default, want %d", c.proofMaxNumber(), proof.DefaultMaxNumber)
	}
	if c, err := loadConfig(env(map[string]string{"OKIENKO_PROOF_MAXNUMBER": "250000"})); err != nil || c.proofMaxNumber() != 250000 {
		t.Fatalf("OKIENKO_PROOF_MAXNUMBER=250000: %v", err)
	}
	for _, bad := range []string{"0", "-5", "10000001", "1e6"} {
		if _, err := loadConfig(env(map[string]string{"OKIENKO_PROOF_MAXNUMBER": bad})); err == nil || !strings.Contains(err.Error(), "OKIENKO_PROOF_MAXNUMBER") {
			t.Errorf("OKIENKO_PROOF_MAXNUMBER=%s: %v, want an error naming it", bad, err)
		}
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_BASE_URL": "localhost:8080"})); err == nil {
		t.Fatal("a base URL without scheme accepted")
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_TRUSTED_PROXIES": "10.0.0.10, 10.1.0.0/16 ,2001:db8::/32"})); err != nil {
		t.Fatalf("trusted proxies: %v", err)
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_TRUSTED_PROXIES": "10.0.0.10,proxy.internal"})); err == nil || !strings.Contains(err.Error(), "proxy.internal") {
		t.Fatalf("a host name among the trusted proxies: %v, want an error naming it", err)
	}
	if c, err := loadConfig(env(map[string]string{"OKIENKO_WEBHOOK_TIMEOUT": "3s"})); err != nil || c.webhookTimeout() != 3*time.Second {
		t.Fatalf("OKIENKO_WEBHOOK_TIMEOUT=3s: %v", err)
	}
	for _, bad := range []string{"0s", "2m", "soon"} {
		if _, err := loadConfig(env(map[string]string{"OKIENKO_WEBHOOK_TIMEOUT": bad})); err == nil || !strings.Contains(err.Error(), "OKIENKO_WEBHOOK_TIMEOUT") {
			t.Errorf("OKIENKO_WEBHOOK_TIMEOUT=%s: %v, want an error naming it", bad, err)
		}
	}
	if c, err := loadConfig(env(nil)); err != nil || c.webhookPrivate() {
		t.Fatalf("internal webhook addresses allowed by default: %v", err)
	}
	if c, err := loadConfig(env(map[string]string{"OKIENKO_WEBHOOK_ALLOW_PRIVATE": "true"})); err != nil || !c.webhookPrivate() {
		t.Fatalf("OKIENKO_WEBHOOK_ALLOW_PRIVATE=true: %v", err)
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_WEBHOOK_ALLOW_PRIVATE": "yes"})); err == nil || !strings.Contains(err.Error(), "OKIENKO_WEBHOOK_ALLOW_PRIVATE") {
		t.Errorf("OKIENKO_WEBHOOK_ALLOW_PRIVATE=yes: %v, want an error naming it", err)
	}
	if c, err := loadConfig(env(map[string]string{"OKIENKO_OUTBOX_LEASE": "90s"})); err != nil || c.outboxLease() != 90*time.Second {
		t.Fatalf("OKIENKO_OUTBOX_LEASE=90s: %v", err)
	}
	for _, bad := range []string{"1s", "11m", "60", "soon", "-1m"} {
		if _, err := loadConfig(env(map[string]string{"OKIENKO_OUTBOX_LEASE": bad})); err == nil || !strings.Contains(err.Error(), "OKIENKO_OUTBOX_LEASE") {
			t.Errorf("OKIENKO_OUTBOX_LEASE=%s: %v, want an error naming it", bad, err)
		}
	}
	if baseHost("https://wizyty.urzad.example.pl:8443/x") != "wizyty.urzad.example.pl" || baseHost("http://[::1]:8080") != "okienko.invalid" {
		t.Errorf("baseHost: %q, %q", baseHost("https://wizyty.urzad.example.pl:8443/x"), baseHost("http://[::1]:8080"))
	}
}

// OKIENKO_SMTP_TLS defaults to required, takes the three modes, and a bad
// value or off with smtps:// stops the start with a message naming it.
func TestLoadConfigSMTPTLS(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil || c.SMTPTLS != "required" {
		t.Fatalf("default OKIENKO_SMTP_TLS %q, %v", c.SMTPTLS, err)
	}
	for _, mode := range []string{"required", "opportunistic", "off"} {
		if _, err := loadConfig(env(map[string]string{"OKIENKO_SMTP_URL": "smtp://relay.internal:25", "OKIENKO_SMTP_TLS": mode})); err != nil {
			t.Errorf("OKIENKO_SMTP_TLS=%s: %v", mode, err)
		}
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_SMTP_URL": "smtps://relay.internal", "OKIENKO_SMTP_TLS": "opportunistic"})); err != nil {
		t.Errorf("smtps:// with opportunistic: %v", err)
	}
	for _, bad := range []map[string]string{
		{"OKIENKO_SMTP_TLS": "yes"},
		{"OKIENKO_SMTP_TLS": "starttls", "OKIENKO_SMTP_URL": "smtp://relay.internal"},
		{"OKIENKO_SMTP_TLS": "off", "OKIENKO_SMTP_URL": "smtps://relay.internal"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"migrate"}, env(bad), nil, &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), "OKIENKO_SMTP_TLS") {
			t.Errorf("%v: exit %d, %q; want 2 and a message naming OKIENKO_SMTP_TLS", bad, code, errOut.String())
		}
	}
	// A malformed URL is refused without echoing it (it may hold the password).
	_, err = loadConfig(env(map[string]string{"OKIENKO_SMTP_URL": "smtp://user:s3cret@host:x"}))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a malformed OKIENKO_SMTP_URL: %v", err)
	}
}

// The secret is generated once, mode 0600, and the same for every process
// that starts on the data directory, even at once.
func TestEnsureSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	secrets := make([]string, 8)
	generatedCount := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range secrets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &Config{DataDir: dir}
			gen, err := c.ensureSecret()
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			secrets[i] = c.Secret
			if gen {
				generatedCount++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if generatedCount != 1 {
		t.Fatalf("the secret was generated %d times, want once", generatedCount)
	}
	for _, s := range secrets {
		if s != secrets[0] || len(s) < 40 {
			t.Fatalf("secrets differ or are short: %q", secrets)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", st.Mode().Perm())
	}
	c := &Config{DataDir: dir, Secret: "given"}
	if gen, _ := c.ensureSecret(); gen || c.Secret != "given" {
		t.Fatal("a given secret was replaced")
	}
}

func TestMigrateAndUserAdd(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"OKIENKO_DATA_DIR": dir}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, env(vars), nil, &out, &errOut); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "okienko.db")); err != nil {
		t.Fatalf("no database file after migrate: %v", err)
	}
	code := run(context.Background(), []string{"user", "add", "--password-file", "-", "--display-name", "Jan Nowak", "Nowak", "clerk"}, env(vars), strings.NewReader("haslo-dla-nowaka\n"), &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), `created clerk "nowak"`) {
		t.Fatalf("user add: exit %d: %s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	code = run(context.Background(), []string{"user", "add", "kierownik", "admin"}, env(vars), nil, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "password: ") {
		t.Fatalf("user add with a generated password: exit %d: %s", code, out.String())
	}
	generated := strings.TrimSpace(out.String()[strings.Index(out.String(), "password: ")+len("password: "):])
	errOut.Reset()
	if code := run(context.Background(), []string{"user", "add", "--password-file", "-", "x", "boss"}, env(vars), strings.NewReader("haslo-dla-nowaka"), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "role") {
		t.Fatalf("user add with a bad role: exit %d: %s", code, errOut.String())
	}

	db, err := database.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	users := auth.NewStore(db, okienko.SystemClock{}, ratelimit.New(db, okienko.SystemClock{}))
	if _, _, err := users.Login(context.Background(), "nowak", "haslo-dla-nowaka", "127.0.0.1", "test"); err != nil {
		t.Fatalf("the added clerk cannot sign in: %v", err)
	}
	if _, _, err := users.Login(context.Background(), "kierownik", generated, "127.0.0.1", "test"); err != nil {
		t.Fatalf("the added admin cannot sign in with the printed password: %v", err)
	}
}

// serve starts on an empty data directory, seeds the demo office, answers,
// prints the surfaces and the credentials, and stops when told to.
func TestServeSeedsAndStops(t *testing.T) {
	dir := t.TempDir()
	cfg, err := loadConfig(env(map[string]string{"OKIENKO_DATA_DIR": dir, "OKIENKO_LISTEN": "127.0.0.1:0", "OKIENKO_ADMIN_PASSWORD": "demo-password-1"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- serve(ctx, cfg, log, &out, func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve ended before listening: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/api/v1/departments")
	if err != nil {
		t.Fatal(err)
	}
	var deps []struct{ Name string }
	err = json.NewDecoder(resp.Body).Decode(&deps)
	resp.Body.Close()
	if err != nil || len(deps) != 4 {
		t.Fatalf("departments: %v %v", deps, err)
	}
	printed := out.String()
	for _, want := range []string{"/api/v1/departments", "/healthz", "/metrics", "/api/openapi.yaml", "administrator  admin\n", "kiosk token"} {
		if !strings.Contains(printed, want) {
			t.Errorf("startup output lacks %q:\n%s", want, printed)
		}
	}
	if strings.Contains(printed, "demo-password-1") {
		t.Errorf("the start-up output shows OKIENKO_ADMIN_PASSWORD:\n%s", printed)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dir, "secret")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", st, err)
	}
}

// The start-up banner shows generated demo passwords once, and never a
// password the operator chose with OKIENKO_ADMIN_PASSWORD.
func TestBannerPasswords(t *testing.T) {
	cfg := &Config{BaseURL: "http://localhost:8080"}
	var b strings.Builder
	printSurfaces(&b, cfg, &demo.Credentials{AdminUser: "admin", AdminPassword: "wygenerowane-1", ClerkUser: "urzednik", ClerkPassword: "wygenerowane-2", KioskToken: "k", Generated: true})
	if !strings.Contains(b.String(), "admin / wygenerowane-1") || !strings.Contains(b.String(), "urzednik / wygenerowane-2") {
		t.Fatalf("generated passwords not shown:\n%s", b.String())
	}
	b.Reset()
	printSurfaces(&b, cfg, &demo.Credentials{AdminUser: "admin", AdminPassword: "sekret-operatora", ClerkUser: "urzednik", ClerkPassword: "sekret-operatora", KioskToken: "k"})
	if strings.Contains(b.String(), "sekret-operatora") || !strings.Contains(b.String(), "OKIENKO_ADMIN_PASSWORD") {
		t.Fatalf("the operator's password is printed:\n%s", b.String())
	}
}

// The resident's limits: the defaults, values taken, bad ones refused
// naming the variable.
func TestConfigResidentLimits(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil || c.rateLimits() != web.DefaultRateLimits || c.perEmail() != booking.DefaultMaxActivePerEmail {
		t.Fatalf("defaults: %+v %d %v", c.rateLimits(), c.perEmail(), err)
	}
	c, err = loadConfig(env(map[string]string{"OKIENKO_BOOKINGS_PER_ADDRESS": "200", "OKIENKO_BOOKINGS_PER_EMAIL": "2"}))
	if err != nil || c.rateLimits().Book.Max != 200 || c.rateLimits().Book.Window != web.DefaultRateLimits.Book.Window || c.perEmail() != 2 {
		t.Fatalf("set: %+v %d %v", c.rateLimits(), c.perEmail(), err)
	}
	for name, bad := range map[string]string{"OKIENKO_BOOKINGS_PER_ADDRESS": "0", "OKIENKO_BOOKINGS_PER_EMAIL": "many"} {
		if _, err := loadConfig(env(map[string]string{name: bad})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v, want an error naming it", name, bad, err)
		}
	}
}

// The OpenID provider is off without an issuer; with one it needs a client
// id, and its redirect URI is under the base URL.
func TestConfigOIDC(t *testing.T) {
	c, err := loadConfig(env(nil))
	if p, perr := c.oidcProvider(); err != nil || perr != nil || p != nil {
		t.Fatalf("default: %v %v %v", p, err, perr)
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_OIDC_ISSUER": "https://sso.urzad.test/realms/urzad"})); err == nil || !strings.Contains(err.Error(), "client_id") {
		t.Fatalf("issuer without a client id: %v", err)
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_OIDC_ISSUER": "sso.urzad.test", "OKIENKO_OIDC_CLIENT_ID": "okienko"})); err == nil || !strings.Contains(err.Error(), "issuer") {
		t.Fatalf("an issuer that is no URL: %v", err)
	}
	c, err = loadConfig(env(map[string]string{"OKIENKO_OIDC_ISSUER": "https://sso.urzad.test/realms/urzad", "OKIENKO_OIDC_CLIENT_ID": "okienko",
		"OKIENKO_BASE_URL": "https://kolejka.urzad.test/", "OKIENKO_OIDC_NAME": "Konto urzędu"}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.oidcProvider()
	if err != nil || p == nil || p.Label() != "Konto urzędu" || c.BaseURL+oidc.CallbackPath != "https://kolejka.urzad.test/auth/oidc/callback" {
		t.Fatalf("configured: %v %v %s", p, err, c.BaseURL)
	}
}

func TestLoadConfigSAML(t *testing.T) {
	if _, err := loadConfig(env(map[string]string{"OKIENKO_SAML_IDP_METADATA": "/etc/okienko/idp.xml"})); err == nil || !strings.Contains(err.Error(), "OKIENKO_SAML_KEY") {
		t.Errorf("metadata without a key: %v", err)
	}
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "sp.key"), filepath.Join(dir, "sp.crt")
	_ = os.WriteFile(key, []byte("KEY PEM\n"), 0o600)
	_ = os.WriteFile(cert, []byte("CERT PEM\n"), 0o600)
	c, err := loadConfig(env(map[string]string{"OKIENKO_SAML_IDP_METADATA": "/etc/okienko/idp.xml", "OKIENKO_SAML_KEY_FILE": key, "OKIENKO_SAML_CERT_FILE": cert}))
	if err != nil || c.SAMLKey != "KEY PEM" || c.SAMLCert != "CERT PEM" {
		t.Fatalf("from files: %+v, %v", c, err)
	}
}
