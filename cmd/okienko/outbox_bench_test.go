package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okienko/okienko/booking"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
)

// Sizes of BenchmarkCommitToProvider's bursts.
const (
	burstBookings = 500
	burstClients  = 20
)

// BenchmarkCommitToProvider: how long a booking's confirmation takes from
// the booking's commit to its provider (DESIGN section 12: within 2 s).
// The real server (serve, in process, its outbox worker as configured in
// production but for the providers' addresses) takes a burst of 500
// bookings over HTTP from 20 residents at a time (each with their own
// address through the trusted proxy, the booking limiter on, and their own
// PESEL and e-mail; every other one also gives a phone), and sends the
// confirmations to an SMTP server and an SMS gateway on sockets
// (providerSink). A message's latency is the moment its provider answers
// it (250 to DATA, 200 to the POST) minus the moment the booking's HTTP
// answer arrived, which follows the commit: a message may even beat its
// booking's answer, and such a latency is negative. "-req" figures count
// from the request's start instead, an upper bound. Each iteration is a
// fresh burst on the same server (a round); tools/bench/run runs three.
// The worker sends 4 messages of a channel at once, or as many as
// OKIENKO_OUTBOX_CONCURRENCY in the environment says.
func BenchmarkCommitToProvider(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchCommitToProvider(b, database.SQLiteURL(filepath.Join(b.TempDir(), "bench.db")))
	})
	b.Run("postgres", func(b *testing.B) { benchCommitToProvider(b, databasetest.PostgresURL(b)) })
}

func benchCommitToProvider(b *testing.B, url string) {
	sink := newProviderSink(b)
	vars := map[string]string{
		"OKIENKO_DATABASE_URL": url, "OKIENKO_DATA_DIR": b.TempDir(), "OKIENKO_LISTEN": "127.0.0.1:0",
		"OKIENKO_BASE_URL": "http://okienko.test", "OKIENKO_SECRET": "bench-secret-0123456789abcdef0123456789",
		"OKIENKO_ADMIN_PASSWORD": "bench-password", "OKIENKO_TRUSTED_PROXIES": "127.0.0.1",
		"OKIENKO_SMTP_URL": "smtp://" + sink.smtpAddr, "OKIENKO_SMTP_TLS": "off", "OKIENKO_MAIL_FROM": "Urząd <urzad@okienko.test>",
		"OKIENKO_SMS_URL": sink.smsURL, "OKIENKO_SMS_TOKEN": "bench-token",
	}
	if n := os.Getenv("OKIENKO_OUTBOX_CONCURRENCY"); n != "" {
		vars["OKIENKO_OUTBOX_CONCURRENCY"] = n
	}
	cfg, err := loadConfig(env(vars))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, func(a string) { addrc <- a })
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a
	case err := <-done:
		b.Fatalf("serve: %v", err)
	}
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("serve: %v", err)
		}
	})
	db := databasetest.Open(b, url)
	ids := newProviderIDs(b, db, "okienko.test")
	client := residentClient(burstClients)

	type made struct {
		code       string
		start, end time.Time // the request's start, its answer's arrival
		phone      bool
	}
	f := newFigures()
	iter := -1
	for b.Loop() {
		iter++
		var email, emailReq, sms []time.Duration
		b.StopTimer()
		seats, err := freeSeats(client, base, burstBookings)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		bookings := make([]made, burstBookings)
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, burstBookings)
		for range burstClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < burstBookings; i = int(next.Add(1) - 1) {
					r := resident(iter*burstBookings + i)
					phone := i%2 == 0
					start := time.Now()
					code, err := r.book(client, base, seats[i], phone)
					bookings[i] = made{code: code, start: start, end: time.Now(), phone: phone}
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		first, last := bookings[0].start, bookings[0].end
		for _, m := range bookings {
			if m.start.Before(first) {
				first = m.start
			}
			if m.end.After(last) {
				last = m.end
			}
		}
		f.add("bookings/s", float64(len(bookings))/last.Sub(first).Seconds(), "bookings per second of the burst, 20 clients, 500 residents")

		// Each booking's messages, named as their providers see them.
		codes := make([]string, len(bookings))
		for i, m := range bookings {
			codes[i], _ = booking.ParseCode(m.code)
		}
		var rows []struct {
			ID   int64
			Code string
		}
		if err := db.Table("bookings").Select("id, code").Where("code IN ?", codes).Find(&rows).Error; err != nil || len(rows) != len(codes) {
			b.Fatalf("%d of %d bookings found: %v", len(rows), len(codes), err)
		}
		idOf := map[string]int64{}
		for _, r := range rows {
			idOf[r.Code] = r.ID
		}
		type expect struct {
			id, channel string
			m           made
		}
		var want []expect
		for i, m := range bookings {
			bid := idOf[codes[i]]
			want = append(want, expect{ids.of(outbox.BookingKey(bid, outbox.Confirmation, outbox.Email), outbox.Email), outbox.Email, m})
			if m.phone {
				want = append(want, expect{ids.of(outbox.BookingKey(bid, outbox.Confirmation, outbox.SMS), outbox.SMS), outbox.SMS, m})
			}
		}
		// A bounded wait for the providers to have them all.
		deadline := time.NewTimer(3 * time.Minute)
		for {
			st, changed := sink.state()
			missing := 0
			for _, w := range want {
				if len(st.Answered[w.id]) == 0 {
					missing++
				}
			}
			if missing == 0 {
				var emailFirst, emailLast time.Time
				for _, w := range want {
					at := st.Answered[w.id][0]
					if n := len(st.Answered[w.id]); n != 1 {
						b.Errorf("%s delivered %d times", w.id, n)
					}
					if w.channel == outbox.Email {
						if emailFirst.IsZero() || at.Before(emailFirst) {
							emailFirst = at
						}
						if at.After(emailLast) {
							emailLast = at
						}
						email, emailReq = append(email, at.Sub(w.m.end)), append(emailReq, at.Sub(w.m.start))
					} else {
						sms = append(sms, at.Sub(w.m.end))
					}
				}
				emails := len(bookings)
				b.Logf("burst %d: %d bookings in %v (%.0f/s); %d e-mails answered from %v to %v after the burst began (%.0f/s)",
					iter, len(bookings), last.Sub(first).Round(time.Millisecond), float64(len(bookings))/last.Sub(first).Seconds(),
					emails, emailFirst.Sub(first).Round(time.Millisecond), emailLast.Sub(first).Round(time.Millisecond),
					float64(emails)/emailLast.Sub(emailFirst).Seconds())
				break
			}
			select {
			case <-changed:
			case <-deadline.C:
				b.Fatalf("%d of %d messages not delivered within 3 minutes of the burst", missing, len(want))
			}
		}
		deadline.Stop()
		f.add("email-p50-ms", ms(email, 0.50), "a confirmation e-mail from the booking's answer to the SMTP server's 250, median")
		f.add("email-p99-ms", ms(email, 0.99), "the same, 99th percentile (target < 2000)")
		f.add("email-req-p99-ms", ms(emailReq, 0.99), "the same from the booking request's start, 99th percentile")
		f.add("sms-p50-ms", ms(sms, 0.50), "a confirmation SMS from the booking's answer to the gateway's 200, median")
		f.add("sms-p99-ms", ms(sms, 0.99), "the same, 99th percentile")
	}
	f.report(b)
}
