// Command okienko is the Okienko server: booking site, kiosk, hall displays,
// clerk and admin pages, all from one binary.
//
//	okienko [serve]                 start the server (the default)
//	okienko migrate                 apply database migrations and exit
//	okienko backup [-force] FILE    copy the SQLite database while it runs
//	okienko restore FILE            put a backup in place (server stopped)
//	okienko user add NAME ROLE      create an admin or clerk
//	okienko version                 print the version
//	okienko healthcheck [URL]       ask the running server's /healthz (exit 0 when ok)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/auth"
	"github.com/okienko/okienko/auth/oidc"
	"github.com/okienko/okienko/auth/trusted"
	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/display"
	"github.com/okienko/okienko/jobs"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/office"
	"github.com/okienko/okienko/office/demo"
	"github.com/okienko/okienko/pickup"
	"github.com/okienko/okienko/queue"
	"github.com/okienko/okienko/ratelimit"
	"github.com/okienko/okienko/ratelimit/proof"
	"github.com/okienko/okienko/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	code := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Okienko — appointment booking and queue management for public offices.

Usage:
  okienko [serve]                       start the server (default)
  okienko migrate                       apply database migrations and exit
  okienko backup [-force] FILE          write a verified copy of the SQLite database to FILE
                                        while the server runs (-force replaces FILE)
  okienko restore FILE                  put the backup FILE in place of the SQLite database of
                                        a stopped server (the old one is kept beside it) and
                                        migrate it forward; PostgreSQL: pg_dump / pg_restore
  okienko user add [flags] NAME ROLE    create a user; ROLE is admin or clerk
      --password-file FILE              read the password from FILE ('-' for standard input);
                                        without it a password is generated and printed
      --display-name TEXT               the user's full name
  okienko version                       print the version
  okienko healthcheck [URL]             GET the running server's /healthz (OKIENKO_LISTEN,
                                        or URL); exit 0 when it answers ok, else 1
  okienko --help                        this text

`)
	printSettings(w)
}

// run is the program; it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "-h", "--help", "-help", "help":
		usage(stdout)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, "okienko", buildVersion())
		return 0
	}
	if code, ok := opsCommand(ctx, cmd, args, getenv, stdout, stderr); ok {
		return code
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "okienko: configuration:", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, log, stdout, nil)
	case "migrate":
		err = migrateOnly(ctx, cfg, log)
	case "user":
		err = userCommand(ctx, cfg, args, stdin, stdout)
	case "backup":
		err = backupCommand(ctx, cfg, args, stdout)
	case "restore":
		err = restoreCommand(ctx, cfg, args, log, stdout)
	default:
		fmt.Fprintf(stderr, "okienko: unknown command %q\n\n", cmd)
		usage(stderr)
		return 2
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "okienko:", err)
			return 2
		}
		if e := okienko.AsError(err); e.Code != okienko.EINTERNAL {
			fmt.Fprintln(stderr, "okienko:", e.Message)
			return 1
		}
		log.Error("okienko failed", "err", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDatabase opens and migrates the configured database.
func openDatabase(ctx context.Context, cfg *Config, log *slog.Logger) (*gorm.DB, error) {
	db, err := database.Open(cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	where := "SQLite in " + cfg.DataDir
	if database.IsPostgres(cfg.DatabaseURL) {
		where = "PostgreSQL at " + database.Redact(cfg.DatabaseURL)
	} else if cfg.DatabaseURL != "" {
		where = "SQLite at " + cfg.DatabaseURL
	}
	log.Info("database", "using", where)
	if err := database.Migrate(ctx, db); err != nil {
		_ = database.Close(db)
		return nil, err
	}
	return db, nil
}

func migrateOnly(ctx context.Context, cfg *Config, log *slog.Logger) error {
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close(db)
	v, err := database.Version(ctx, db)
	if err != nil {
		return err
	}
	log.Info("database is up to date", "version", v)
	return nil
}

// serve runs the server until SIGINT, SIGTERM or the end of ctx, then shuts
// down gracefully. ready, when set, is told the address once it listens.
func serve(ctx context.Context, cfg *Config, log *slog.Logger, stdout io.Writer, ready func(addr string)) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	generated, err := cfg.ensureSecret()
	if err != nil {
		return err
	}
	if generated {
		log.Info("generated a new server secret", "file", cfg.DataDir+"/secret")
		if database.IsPostgres(cfg.DatabaseURL) {
			log.Warn("OKIENKO_SECRET is not set: every instance sharing this database must use the same secret; set OKIENKO_SECRET or OKIENKO_SECRET_FILE")
		}
	}
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close(db)

	clock := okienko.SystemClock{}
	offices := office.NewStore(db, clock)
	users := auth.NewStore(db, clock, ratelimit.New(db, clock))
	if dir, err := cfg.directory(); err != nil {
		return err
	} else if dir != nil {
		users.UseDirectory(dir)
		log.Info("staff sign in through the directory", "url", cfg.LDAPURL, "starttls", cfg.LDAPStartTLS)
	}

	// Instances starting together on one PostgreSQL seed once: the second
	// waits for the lock, then finds the office and leaves it alone.
	var creds *demo.Credentials
	err = database.WithLock(ctx, db, "demo-seed", func() (err error) {
		creds, err = demo.Seed(ctx, offices, users, cfg.AdminPassword)
		return err
	})
	if err != nil {
		return fmt.Errorf("seed demo office: %w", err)
	}

	reg := prometheus.NewRegistry()
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewDBStatsCollector(sqlDB, "okienko"))
	ops := newOpsMetrics(reg, clock)
	bookings := booking.NewStore(db, clock, offices, cfg.Secret)
	bookings.SetMaxActivePerEmail(cfg.perEmail())
	tickets := queue.NewStore(db, clock, offices, bookings)
	pickups := pickup.NewStore(db, clock)
	off, err := offices.Office(ctx)
	if err != nil {
		return err
	}
	sched, err := jobs.NewScheduler(db, clock, off.Location(), log, jobs.WithRunHook(ops.jobRan))
	if err != nil {
		return err
	}
	kiosks := kiosk.NewStore(db, clock)
	// Jobs a stopped server or agent left being printed may have printed:
	// they become unknown, reprintable, never printed again by themselves.
	if n, err := kiosks.AbandonStale(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Warn("print jobs left sent by a stopped server or agent are now unknown", "jobs", n)
	}
	mailSender, smsSender, err := notify.Senders(cfg.SMTPURL, notify.TLSMode(cfg.SMTPTLS), cfg.MailFrom, cfg.SMSURL, cfg.SMSToken, cfg.SMSFrom, smsLimits(cfg), log)
	if err != nil {
		return err
	}
	w := &workers{bookings: bookings, queue: tickets, kiosks: kiosks, pickups: pickups, offices: offices, users: users, counters: ratelimit.New(db, clock), retention: cfg.retention(), log: log,
		db: db, clock: clock, loc: off.Location(), reminderHour: cfg.reminderHour()}
	if err := w.schedule(sched); err != nil {
		return err
	}
	if err := ops.follow(ctx, reg, db, bookings, kiosks, sched, log); err != nil {
		return err
	}
	outboxWorker := &notify.Worker{DB: db, Clock: clock, Email: mailSender, SMS: smsSender, Log: log,
		Compose: &notify.Messages{DB: db, Clock: clock, Offices: offices, BaseURL: cfg.BaseURL, Bookings: bookings, SMS: smsLimits(cfg), Log: log},
		Lease:   cfg.outboxLease(), Concurrency: cfg.outboxConcurrency(), Host: baseHost(cfg.BaseURL), Metrics: notify.NewMetrics(reg),
		WebhookTimeout: cfg.webhookTimeout(), AllowPrivate: cfg.webhookPrivate()}
	if database.IsPostgres(cfg.DatabaseURL) {
		outboxWorker.Listen = cfg.DatabaseURL
	}
	if d := cfg.outboxBusyDelay(); d > 0 {
		outboxWorker.Busy, outboxWorker.BusyDelay = bookings.Taking, d
	}
	var hub display.Hub = display.NewLocalHub()
	if database.IsPostgres(cfg.DatabaseURL) {
		hub = display.NewPGHub(cfg.DatabaseURL, db, log)
	}
	tickets.OnCommit(ops.countTickets(hub.Publish))
	kiosks.OnCommit(hub.Publish)
	offices.OnCommit(hub.Publish)
	webhooks := &notify.Webhooks{DB: db, Clock: clock, Publish: hub.Publish, AllowPrivate: cfg.webhookPrivate()}
	outboxWorker.Publish = hub.Publish
	board := display.NewBoard(hub, tickets, offices, buildVersion(), log)
	live, stopLive := context.WithCancel(context.Background())
	defer stopLive()
	go func() {
		if err := hub.Run(live); err != nil {
			log.Error("live events hub stopped", "err", err)
		}
	}()
	go func() { _ = board.Run(live) }()
	// Every instance forgets its cached catalog and webhook endpoints when
	// any instance changes them.
	go display.FollowCatalog(live, hub, offices, webhooks)
	var redirector auth.Redirector
	if p, err := cfg.oidcProvider(); err != nil {
		return err
	} else if p != nil {
		redirector = p
		log.Info("staff may sign in through the OpenID provider", "issuer", cfg.OIDCIssuer, "redirect_uri", cfg.BaseURL+oidc.CallbackPath)
	}
	var residents auth.ResidentSignIn
	if cfg.SAMLMetadata != "" {
		md, err := trusted.LoadMetadata(ctx, cfg.SAMLMetadata)
		if err != nil {
			return fmt.Errorf("OKIENKO_SAML_IDP_METADATA: %w", err)
		}
		p, err := trusted.New(db, clock, trusted.Config{IDPMetadata: md, KeyPEM: []byte(cfg.SAMLKey), CertPEM: []byte(cfg.SAMLCert),
			BaseURL: cfg.BaseURL, EntityID: cfg.SAMLEntityID})
		if err != nil {
			return fmt.Errorf("trusted profile: %w", err)
		}
		residents = p
		log.Info("trusted profile sign-in on", "entity_id", p.EntityID(), "metadata", cfg.BaseURL+trusted.MetadataPath)
	}
	srv := web.New(web.Deps{
		DB: db, Clock: clock, Log: log, Offices: offices, Auth: users, Bookings: bookings, Queue: tickets, Board: board, Kiosks: kiosks, Pickups: pickups, Webhooks: webhooks,
		Registry: reg, Gatherer: reg, BaseURL: cfg.BaseURL, Version: buildVersion(),
		TrustedProxies: cfg.proxies(), RateLimits: cfg.rateLimits(),
		Proofs:     proof.New(db, clock, proof.KeyOf(cfg.Secret), proof.Options{MaxNumber: cfg.proofMaxNumber()}),
		Redirector: redirector,
		Residents:  residents, ResidentSeal: auth.NewResidentSeal(cfg.Secret, clock),
	})
	stopPprof, err := startPprof(cfg, log, nil)
	if err != nil {
		return err
	}
	defer stopPprof()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	printSurfaces(stdout, cfg, creds)
	log.Info("listening", "addr", ln.Addr().String(), "version", buildVersion())

	sched.Start()
	outboxCtx, stopOutbox := context.WithCancel(context.Background())
	defer stopOutbox()
	outboxDone := make(chan struct{})
	go func() {
		defer close(outboxDone)
		if err := outboxWorker.Run(outboxCtx); err != nil {
			log.Error("outbox worker stopped", "err", err)
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	// Fiber's shutdown misses a listener it hasn't begun serving yet.
	_ = ln.Close()
	if err := sched.Shutdown(); err != nil {
		log.Warn("scheduler shutdown", "err", err)
	}
	// The outbox worker runs past the server's shutdown, so messages the
	// last requests queued go out; sends in flight get a grace period, and
	// what they don't finish goes back to the queue.
	stopOutbox()
	<-outboxDone
	log.Info("stopped")
	return nil
}

// baseHost is the host of the public URL, the domain of Message-IDs;
// okienko.invalid for an IPv6 address, which no Message-ID may hold.
func baseHost(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" || strings.Contains(u.Hostname(), ":") {
		return "okienko.invalid"
	}
	return u.Hostname()
}

// smsLimits are the SMS encoding and parts of the configuration, shared by
// the gateway and the composer.
func smsLimits(cfg *Config) notify.SMSLimits {
	n, _ := strconv.Atoi(cfg.SMSParts)
	return notify.SMSLimits{Unicode: cfg.SMSUnicode == "true", Parts: n}
}

// printSurfaces tells the person who started the server where everything is,
// and, on the first start, the demo credentials (once).
func printSurfaces(w io.Writer, cfg *Config, creds *demo.Credentials) {
	b := cfg.BaseURL
	fmt.Fprintf(w, `
Okienko is running at %s
  booking site       %s/                (residents: book, view, cancel)
  clerk page         %s/clerk
  admin page         %s/admin
  hall display       %s/display
  lobby kiosk        %s/kiosk?token=KIOSK_TOKEN   (once; the kiosk keeps it)
  public API         %s/api/v1/departments
  API description    %s/api/openapi.yaml
  admin API          %s/api/v1/admin/…  (POST %s/api/v1/auth/login first)
  open data          %s/api/v1/open-data/offices, …/open-data/queues?id=
  health             %s/healthz
  metrics            %s/metrics
`, b, b, b, b, b, b, b, b, b, b, b, b, b)
	if creds != nil {
		fmt.Fprintln(w, "\nA demo office was created.")
		switch {
		case creds.AdminUser != "" && creds.Generated:
			fmt.Fprintf(w, "Sign in as:\n  administrator  %s / %s\n  clerk          %s / %s\n", creds.AdminUser, creds.AdminPassword, creds.ClerkUser, creds.ClerkPassword)
		case creds.AdminUser != "":
			// The operator chose the password (OKIENKO_ADMIN_PASSWORD): it is
			// theirs, and never written to a log.
			fmt.Fprintf(w, "Sign in as:\n  administrator  %s\n  clerk          %s\n  with the password of OKIENKO_ADMIN_PASSWORD\n", creds.AdminUser, creds.ClerkUser)
		}
		fmt.Fprintf(w, "  kiosk token    %s\n  kiosk page     %s/kiosk?token=%s\n", creds.KioskToken, b, creds.KioskToken)
		if creds.Generated {
			fmt.Fprintln(w, "These passwords were generated and are shown only now; set OKIENKO_ADMIN_PASSWORD before the first start to choose them.")
		}
	}
	fmt.Fprintln(w)
}

// userCommand: okienko user add [--password-file F] [--display-name N] NAME ROLE
func userCommand(ctx context.Context, cfg *Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"usage: okienko user add [--password-file FILE] [--display-name TEXT] NAME ROLE"}
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	passwordFile := fs.String("password-file", "", "")
	displayName := fs.String("display-name", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return usageError{"usage: okienko user add [--password-file FILE] [--display-name TEXT] NAME ROLE"}
	}
	name, role := fs.Arg(0), fs.Arg(1)
	password, generated := "", false
	switch *passwordFile {
	case "":
		password, generated = auth.NewToken()[:20], true
	case "-":
		b, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			return err
		}
		password = strings.TrimRight(string(b), "\r\n")
	default:
		b, err := os.ReadFile(*passwordFile)
		if err != nil {
			return err
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	db, err := openDatabase(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer database.Close(db)
	clock := okienko.SystemClock{}
	users := auth.NewStore(db, clock, ratelimit.New(db, clock))
	u, err := users.CreateUser(ctx, auth.UserSpec{Username: name, Password: password, Role: role, DisplayName: *displayName})
	if err != nil {
		e := okienko.AsError(err)
		if e.Code != okienko.EINTERNAL {
			msg := e.Message
			for f, m := range e.Fields {
				msg += fmt.Sprintf("; %s: %s", f, m)
			}
			return usageError{"cannot add user: " + msg}
		}
		return err
	}
	fmt.Fprintf(stdout, "created %s %q (id %d)\n", u.Role, u.Username, u.ID)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}
