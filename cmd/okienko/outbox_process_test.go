package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify"
	"github.com/okienko/okienko/notify/outbox"
)

// outboxRow is what the process test reads of an outbox row.
type outboxRow struct {
	ID         int64
	Key        string
	Channel    string
	State      string
	Attempts   int
	LeaseOwner *string
	LeaseUntil *time.Time
}

// providerIDs names each outbox row by what its provider sees: the
// Message-ID of an e-mail, the idx of an SMS.
type providerIDs struct {
	installation, host string
}

func newProviderIDs(t testing.TB, db *gorm.DB, host string) providerIDs {
	t.Helper()
	inst, err := outbox.Installation(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return providerIDs{installation: inst, host: host}
}

func (p providerIDs) of(key, channel string) string {
	if channel == outbox.SMS {
		return p.installation + "-" + key
	}
	w := notify.Worker{Installation: p.installation, Host: p.host}
	return w.MessageID(key)
}

func outboxRows(t *testing.T, db *gorm.DB) []outboxRow {
	t.Helper()
	var rows []outboxRow
	if err := db.Table("outbox").Select("id, key, channel, state, attempts, lease_owner, lease_until").Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// waitFor waits, up to limit, until cond holds, looking again whenever the
// sink sees something and at least every 25 ms (the database has no bell
// for the test); it fails the test with what and cond's last reason.
func waitFor(t *testing.T, sink *providerSink, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		_, changed := sink.state()
		ok, why := cond()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("waited %v for %s: %s", limit, what, why)
		}
	}
}

// The outbox loses nothing and sends nothing twice when the process that
// sends it is killed (SIGKILL) in the middle of a batch: the real server
// runs in child processes (two on one PostgreSQL, one on SQLite) with a
// 5 s lease; residents book over HTTP; the providers hold the later
// messages unanswered so that the instance killed has sends in flight;
// the killed instance is started again. Every message reaches its
// provider exactly once (per Message-ID and idx), those of the killed
// instance only after their lease expired, and all within a minute of the
// restart.
func TestOutboxSurvivesKill(t *testing.T) {
	databasetest.EachURL(t, func(t *testing.T, url string) {
		db := databasetest.Open(t, url)
		pg := database.IsPostgres(url)
		sink := newProviderSink(t)
		const residents = 100 // each with e-mail and phone: 200 messages
		sink.HoldAfter(80)
		vars := map[string]string{
			"OKIENKO_DATABASE_URL": url, "OKIENKO_DATA_DIR": t.TempDir(), "OKIENKO_LISTEN": "127.0.0.1:0",
			"OKIENKO_BASE_URL": "http://okienko.test", "OKIENKO_SECRET": "process-test-secret-0123456789abcdef",
			"OKIENKO_ADMIN_PASSWORD": "process-test-password", "OKIENKO_TRUSTED_PROXIES": "127.0.0.1",
			"OKIENKO_SMTP_URL": "smtp://" + sink.smtpAddr, "OKIENKO_SMTP_TLS": "off", "OKIENKO_MAIL_FROM": "Urząd <urzad@okienko.test>",
			"OKIENKO_SMS_URL": sink.smsURL, "OKIENKO_SMS_TOKEN": "test-token", "OKIENKO_OUTBOX_LEASE": "5s",
		}
		victim := startInstance(t, "a", vars)
		instances := []*instance{victim}
		if pg {
			instances = append(instances, startInstance(t, "b", vars))
		}
		ids := newProviderIDs(t, db, "okienko.test")

		client := residentClient(8)
		seats, err := freeSeats(client, victim.base(), residents)
		if err != nil {
			t.Fatal(err)
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, residents)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < residents; i = int(next.Add(1) - 1) {
					if _, err := resident(1000+i).book(client, instances[i%len(instances)].base(), seats[i], true); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}

		// What every provider should get once: a message per row.
		rows := outboxRows(t, db)
		if len(rows) != 2*residents {
			t.Fatalf("%d outbox rows, want %d (an e-mail and an SMS per booking)", len(rows), 2*residents)
		}
		want := map[string]outboxRow{}
		for _, r := range rows {
			want[ids.of(r.Key, r.Channel)] = r
		}
		byID := func(rows []outboxRow) map[string]outboxRow {
			m := map[string]outboxRow{}
			for _, r := range rows {
				m[ids.of(r.Key, r.Channel)] = r
			}
			return m
		}
		victimRows := func(rows []outboxRow) []outboxRow {
			var out []outboxRow
			for _, r := range rows {
				if r.State == outbox.Sending && r.LeaseOwner != nil && strings.HasPrefix(*r.LeaseOwner, victim.owner) {
					out = append(out, r)
				}
			}
			return out
		}

		// The moment to kill: the victim has claimed e-mails and SMS whose
		// sends are in flight (held by the providers), and no message is
		// between its provider's answer and its row's sent (which would be
		// sent again: at least once is all a crash there allows).
		waitFor(t, sink, time.Minute, "the victim's sends held in flight", func() (bool, string) {
			st, _ := sink.state()
			now := byID(outboxRows(t, db))
			for id := range st.Answered {
				if now[id].State != outbox.Sent {
					return false, fmt.Sprintf("%s answered by its provider, not yet recorded sent", now[id].Key)
				}
			}
			channels := map[string]int{}
			for _, r := range victimRows(slices.Collect(maps.Values(now))) {
				if st.Held[ids.of(r.Key, r.Channel)] == 0 {
					return false, fmt.Sprintf("%s claimed by the victim, not yet at its provider", r.Key)
				}
				channels[r.Channel]++
			}
			if channels[outbox.Email] == 0 || channels[outbox.SMS] == 0 {
				return false, fmt.Sprintf("the victim has %v in flight, want both channels", channels)
			}
			return true, ""
		})
		before, _ := sink.state()
		victim.kill()
		killedAt := time.Now()
		inFlight := victimRows(outboxRows(t, db))
		perChannel := map[string]int{}
		for _, r := range inFlight {
			perChannel[r.Channel]++
		}
		t.Logf("killed instance a (SIGKILL) with %v in flight; %d messages delivered and %d held by the providers then, %v after they began holding",
			perChannel, len(before.Answered), len(before.Held), killedAt.Sub(before.HeldAt).Round(time.Millisecond))
		// The providers see the killed sends' connections end before they
		// answer anything again, so none of those counts as delivered. A
		// row the victim claimed after the last look above (its send not
		// begun, or waiting for a free sender) never reached a provider:
		// it has no connection to end, and its lease brings it back.
		waitFor(t, sink, 30*time.Second, "the killed instance's connections to end", func() (bool, string) {
			st, _ := sink.state()
			for _, r := range inFlight {
				if st.Held[ids.of(r.Key, r.Channel)] > 0 {
					return false, r.Key + "'s send still open at its provider"
				}
			}
			return true, ""
		})
		afterKill, _ := sink.state()
		dropped := 0
		for _, r := range inFlight {
			if afterKill.Dropped[ids.of(r.Key, r.Channel)] > 0 {
				dropped++
			}
		}
		if dropped == 0 {
			t.Fatalf("none of the %d sends in flight at the kill was dropped by its provider: the kill came before any reached it", len(inFlight))
		}
		t.Logf("%d of the %d sends in flight were open at their providers and dropped; the rest never left the victim", dropped, len(inFlight))
		sink.Release()

		restartAt := time.Now()
		restarted := startInstance(t, "a-restarted", vars)
		readyAt := time.Now()
		instances[0] = restarted
		waitFor(t, sink, 90*time.Second, "every message delivered", func() (bool, string) {
			st, _ := sink.state()
			for id, r := range want {
				if len(st.Answered[id]) == 0 {
					return false, fmt.Sprintf("%d of %d delivered; %s (%s) not", len(st.Answered), len(want), r.Key, r.State)
				}
			}
			return true, ""
		})
		waitFor(t, sink, 30*time.Second, "every message recorded sent", func() (bool, string) {
			for _, r := range outboxRows(t, db) {
				if r.State != outbox.Sent {
					return false, fmt.Sprintf("%s is %s", r.Key, r.State)
				}
			}
			return true, ""
		})

		st, _ := sink.state()
		var last time.Time
		for id, r := range want {
			if n := len(st.Answered[id]); n != 1 {
				t.Errorf("%s (%s) delivered %d times, want once", r.Key, id, n)
			}
			if at := st.Answered[id]; len(at) > 0 && at[0].After(last) {
				last = at[0]
			}
		}
		for id := range st.Answered {
			if _, ok := want[id]; !ok {
				t.Errorf("the providers got %q, no message of the outbox", id)
			}
		}
		final := byID(outboxRows(t, db))
		var leaseEnd time.Time
		for _, r := range inFlight {
			id := ids.of(r.Key, r.Channel)
			if r.LeaseUntil == nil {
				t.Fatalf("%s in sending without a lease", r.Key)
			}
			if r.LeaseUntil.After(leaseEnd) {
				leaseEnd = *r.LeaseUntil
			}
			if at := st.Answered[id]; len(at) > 0 && at[0].Before(*r.LeaseUntil) {
				t.Errorf("%s, claimed by the killed instance until %v, was sent again at %v, before its lease expired", r.Key, r.LeaseUntil, at[0])
			}
			if final[id].Attempts < 2 {
				t.Errorf("%s: %d attempts, want the killed one and the one that took it over", r.Key, final[id].Attempts)
			}
		}
		for id, r := range final {
			if r.State != outbox.Sent || r.LeaseOwner != nil {
				t.Errorf("%s (%s) is %s, owner %v; want sent with no owner", r.Key, id, r.State, r.LeaseOwner)
			}
		}
		sinceRestart := last.Sub(restartAt)
		t.Logf("restart → listening %v; restart → last delivery %v (killed leases ran out %v after the restart); kill → last delivery %v",
			readyAt.Sub(restartAt).Round(time.Millisecond), sinceRestart.Round(time.Millisecond),
			leaseEnd.Sub(restartAt).Round(time.Millisecond), last.Sub(killedAt).Round(time.Millisecond))
		if sinceRestart >= time.Minute {
			t.Errorf("the last message went out %v after the restart, want within a minute", sinceRestart)
		}
		for _, in := range instances {
			if n := len(in.lines("message taken over")); n > 0 {
				t.Logf("instance %s took over %d messages", in.name, n)
			}
		}
		if t.Failed() {
			for _, in := range append(instances, victim) {
				t.Logf("log of %s:\n%s", in.name, in.tail())
			}
		}
	})
}
