package kiosk_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
	"github.com/okienko/okienko/office"
)

// clocked is setup with the stores' clock in hand.
func clocked(t *testing.T, db *gorm.DB) (*kiosk.Store, *okienko.ManualClock, int64) {
	t.Helper()
	clock := okienko.NewManualClock(start(t))
	offices := office.NewStore(db, clock)
	off := &office.Office{Name: "Urząd", TimeZone: "Europe/Warsaw"}
	if err := offices.CreateOffice(context.Background(), off); err != nil {
		t.Fatal(err)
	}
	return kiosk.NewStore(db, clock), clock, off.ID
}

// numbered is the ESC/POS of ticket number for kiosk k.
func numbered(t *testing.T, k *kiosk.Kiosk, number string) []byte {
	t.Helper()
	b, err := kiosk.Render(k, escpos.Ticket{Office: "Urząd Miasta", Department: "Dowody osobiste", Service: "Wniosek",
		Number: number, Issued: start(t), PeopleAhead: 2, WaitMinutes: 9, StatusURL: "http://okienko.test/t/" + number, Lang: "pl"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// received counts how many times each number reached the printer, from the
// bytes it received decoded as ESC/POS.
func received(f *printertest.Fake, table int, numbers ...string) map[string]int {
	text := escpos.Decode(f.Received(), table)
	out := map[string]int{}
	for _, n := range numbers {
		out[n] = strings.Count(text, n)
	}
	return out
}

func shortPrintTimeout(t *testing.T) {
	old := kiosk.PrintTimeout
	kiosk.PrintTimeout = 200 * time.Millisecond
	t.Cleanup(func() { kiosk.PrintTimeout = old })
}

func newKiosk(t *testing.T, s *kiosk.Store, officeID int64, uri string, edit ...func(*kiosk.Spec)) *kiosk.Kiosk {
	t.Helper()
	spec := kiosk.DefaultSpec()
	spec.Name, spec.Printer.URI = "Biletomat", uri
	for _, e := range edit {
		e(&spec)
	}
	k, err := s.Create(context.Background(), officeID, spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func job(t *testing.T, s *kiosk.Store, id int64) *kiosk.Job {
	t.Helper()
	j, err := s.Job(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// A printer that takes the whole ticket and then goes silent, and one that
// closes the connection midway through it: the job went out, so it is
// unknown and never sent again. After the retry job has run three times
// (a minute apart), each ticket reached the printer exactly once (its
// number decodes once from all the printer received); the silent printer
// printed each once, the one that hung up none.
func TestNoTicketTwiceAfterSend(t *testing.T) {
	shortPrintTimeout(t)
	for _, tc := range []struct {
		name    string
		fake    func(f *printertest.Fake, payload []byte)
		reasons []string
		printed int
	}{
		{"silent after the job", func(f *printertest.Fake, _ []byte) { f.SetSilentAfterJob(true) }, []string{"no_status"}, 3},
		// Hung up after the number, before the cut. Where the socket
		// buffers hide the close from the writer, the write succeeds and
		// the status question after it fails: no_status.
		{"closed mid-job", func(f *printertest.Fake, payload []byte) {
			at := bytes.Index(payload, []byte("A001")) + 16
			if at < 16 || at >= len(payload)-16 {
				t.Fatalf("the number is at %d of %d bytes", at-16, len(payload))
			}
			f.SetCloseMidJob(at)
		}, []string{"interrupted", "no_status"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				s, clock, officeID := clocked(t, db)
				ctx := context.Background()
				fake := printertest.Start(t)
				k := newKiosk(t, s, officeID, fake.URI())
				numbers := []string{"A001", "A002", "A003"}
				tc.fake(fake, numbered(t, k, numbers[0]))
				var ids []int64
				for _, n := range numbers {
					r, err := s.PrintTicket(ctx, k.ID, 0, "", numbered(t, k, n))
					if err != nil || r.State != kiosk.Uncertain || !slices.Contains(tc.reasons, r.Reason) {
						t.Fatalf("%s: %+v %v; want unknown, %v", n, r, err, tc.reasons)
					}
					ids = append(ids, r.JobID)
				}
				for range 3 {
					clock.Advance(time.Minute)
					if r, err := s.RetryFailed(ctx); err != nil || r.Retried != 0 {
						t.Fatalf("retry job: %+v %v; want nothing retried", r, err)
					}
				}
				for n, got := range received(fake, k.Printer.CodeTable, numbers...) {
					if got != 1 {
						t.Errorf("ticket %s reached the printer %d times, want once", n, got)
					}
				}
				if len(fake.Jobs()) != 3 || fake.Printed() != tc.printed {
					t.Errorf("%d connections with job bytes, %d printed; want 3 and %d", len(fake.Jobs()), fake.Printed(), tc.printed)
				}
				for _, id := range ids {
					if j := job(t, s, id); j.State != kiosk.JobUnknown || !slices.Contains(tc.reasons, j.Reason) || j.Attempts != 1 || j.Via != kiosk.ViaDirect {
						t.Errorf("job %d: %s/%s, %d attempts, via %q; want unknown, %v, 1, direct", id, j.State, j.Reason, j.Attempts, j.Via, tc.reasons)
					}
				}
			})
		})
	}
}

// deadURI is a tcp:// address nothing listens on.
func deadURI(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "tcp://" + ln.Addr().String()
}

// Printing directly, a job that never reached the printer is retried while
// younger than the kiosk's max_job_age_minutes and printed once; an older
// one is expired and never printed, whenever the printer comes back.
func TestRetryOnlyYoungJobs(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clock, officeID := clocked(t, db)
		ctx := context.Background()
		k := newKiosk(t, s, officeID, deadURI(t), func(sp *kiosk.Spec) { sp.MaxJobAgeMinutes = 5 })
		old, err := s.PrintTicket(ctx, k.ID, 0, "", numbered(t, k, "A001"))
		if err != nil || old.State != kiosk.Failed || old.Reason != "unreachable" {
			t.Fatalf("unreachable printer: %+v %v", old, err)
		}
		clock.Advance(3 * time.Minute)
		young, _ := s.PrintTicket(ctx, k.ID, 0, "", numbered(t, k, "A002"))
		if r, err := s.RetryFailed(ctx); err != nil || r.Retried != 2 || r.Expired != 0 {
			t.Fatalf("retry with the printer still away: %+v %v", r, err)
		}
		// The printer comes back when the first job is 5 minutes old.
		fake := printertest.Start(t)
		if _, err := s.Update(ctx, k.ID, func(sp *kiosk.Spec) error { sp.Printer.URI = fake.URI(); return nil }); err != nil {
			t.Fatal(err)
		}
		clock.Advance(2 * time.Minute)
		for i := range 3 {
			r, err := s.RetryFailed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := (kiosk.Retried{Retried: 1, Expired: 1}); i == 0 && r != want {
				t.Fatalf("first retry with the printer back: %+v, want %+v", r, want)
			}
			if want := (kiosk.Retried{}); i > 0 && r != want {
				t.Fatalf("retry %d: %+v, want nothing done", i+1, r)
			}
			clock.Advance(time.Minute)
		}
		if got := received(fake, k.Printer.CodeTable, "A001", "A002"); got["A001"] != 0 || got["A002"] != 1 || fake.Printed() != 1 {
			t.Fatalf("the printer got %v and printed %d; want A002 once only", got, fake.Printed())
		}
		if j := job(t, s, old.JobID); j.State != kiosk.JobExpired || j.Attempts != 2 {
			t.Fatalf("old job %s/%s after %d attempts; want expired after 2", j.State, j.Reason, j.Attempts)
		}
		if j := job(t, s, young.JobID); j.State != kiosk.JobDone || j.Attempts != 3 {
			t.Fatalf("young job %s/%s after %d attempts; want done after 3", j.State, j.Reason, j.Attempts)
		}
		// An expired job is reprinted only by hand.
		if r, err := s.Reprint(ctx, old.JobID, nil); err != nil || r.State != kiosk.Printed || fake.Printed() != 2 {
			t.Fatalf("reprint of the expired job: %+v %v", r, err)
		}
	})
}

// The agent is never handed a job older than its kiosk's
// max_job_age_minutes: it is expired (by Take, or by the retry job while
// the agent is away); younger ones are handed out once. A job the agent
// took is never retried, whatever it answers.
func TestAgentTakesOnlyYoungJobs(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clock, officeID := clocked(t, db)
		ctx := context.Background()
		k := newKiosk(t, s, officeID, "agent")
		queue := func(number string) int64 {
			// The agent is heard just before each ticket (else it fails at
			// once as agent_offline).
			if err := s.AgentHeard(ctx, k.ID, "ok"); err != nil {
				t.Fatal(err)
			}
			r, err := s.PrintTicket(ctx, k.ID, 0, "", []byte(number))
			if err != nil || r.State != kiosk.Queued {
				t.Fatalf("%s: %+v %v", number, r, err)
			}
			return r.JobID
		}
		a := queue("A001")
		clock.Advance(6 * time.Minute)
		b := queue("A002")
		clock.Advance(4 * time.Minute) // A001 is 10 minutes old: too old
		jobs, err := s.Take(ctx, k.ID)
		if err != nil || len(jobs) != 1 || jobs[0].ID != b || jobs[0].State != kiosk.JobSent || jobs[0].Via != kiosk.ViaAgent {
			t.Fatalf("take: %+v %v; want A002 only", jobs, err)
		}
		if j := job(t, s, a); j.State != kiosk.JobExpired || j.Attempts != 0 {
			t.Fatalf("A001: %s after %d attempts; want expired, never sent", j.State, j.Attempts)
		}
		// While the agent is away, the retry job expires what it won't take.
		c := queue("A003")
		clock.Advance(9 * time.Minute)
		if r, err := s.RetryFailed(ctx); err != nil || r.Expired != 0 || r.Retried != 0 {
			t.Fatalf("retry at 9 minutes: %+v %v", r, err)
		}
		clock.Advance(time.Minute)
		if r, err := s.RetryFailed(ctx); err != nil || r.Expired != 1 || r.Retried != 0 {
			t.Fatalf("retry at 10 minutes: %+v %v", r, err)
		}
		if j := job(t, s, c); j.State != kiosk.JobExpired {
			t.Fatalf("A003: %s; want expired", j.State)
		}
		if jobs, _ := s.Take(ctx, k.ID); len(jobs) != 0 {
			t.Fatalf("an expired job handed out: %+v", jobs)
		}
		// The agent's answer for A002: unreachable. Taken, so never retried.
		var heard []string
		s.OnFinished(func(id int64, state string) { heard = append(heard, fmt.Sprint(id, state)) })
		if r, err := s.Finish(ctx, k.ID, b, "unreachable"); err != nil || r.State != kiosk.Failed {
			t.Fatalf("finish: %+v %v", r, err)
		}
		if _, err := s.Finish(ctx, k.ID, b, ""); err == nil {
			t.Fatal("a failed job finished again")
		}
		if want := fmt.Sprint(k.ID, kiosk.Failed); len(heard) != 1 || heard[0] != want {
			t.Fatalf("OnFinished heard %v, want [%s] (the refused second answer unheard)", heard, want)
		}
		for range 3 {
			if r, err := s.RetryFailed(ctx); err != nil || r.Retried != 0 {
				t.Fatalf("retry: %+v %v", r, err)
			}
			clock.Advance(time.Minute)
		}
		if jobs, _ := s.Take(ctx, k.ID); len(jobs) != 0 {
			t.Fatalf("a job the agent took handed out again: %+v", jobs)
		}
		if j := job(t, s, b); j.State != kiosk.JobFailed || j.Attempts != 1 {
			t.Fatalf("A002: %s/%s after %d attempts", j.State, j.Reason, j.Attempts)
		}
	})
}

// The agent's answers: no_status and interrupted make a job unknown; an
// answer for another kiosk's job is refused; a job the agent took and never
// answered is unknown (agent_lost) when it reconnects.
func TestAgentAnswers(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, _, officeID := clocked(t, db)
		ctx := context.Background()
		k := newKiosk(t, s, officeID, "agent")
		other := newKiosk(t, s, officeID, "agent")
		if err := s.AgentHeard(ctx, k.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for range 3 {
			r, _ := s.PrintTicket(ctx, k.ID, 0, "", []byte("x"))
			ids = append(ids, r.JobID)
		}
		if jobs, err := s.Take(ctx, k.ID); err != nil || len(jobs) != 3 {
			t.Fatalf("take: %v %v", jobs, err)
		}
		if _, err := s.Finish(ctx, other.ID, ids[0], ""); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("another kiosk finished the job: %v", err)
		}
		for i, reason := range []string{"no_status", "interrupted"} {
			if r, err := s.Finish(ctx, k.ID, ids[i], reason); err != nil || r.State != kiosk.Uncertain || r.Reason != reason {
				t.Fatalf("%s: %+v %v", reason, r, err)
			}
		}
		if n, err := s.AbandonSent(ctx, k.ID, kiosk.ReasonAgentLost); err != nil || n != 1 {
			t.Fatalf("abandon: %d %v", n, err)
		}
		if j := job(t, s, ids[2]); j.State != kiosk.JobUnknown || j.Reason != kiosk.ReasonAgentLost {
			t.Fatalf("unanswered job: %s/%s", j.State, j.Reason)
		}
		// A late answer still says what became of it.
		if r, err := s.Finish(ctx, k.ID, ids[2], ""); err != nil || r.State != kiosk.Printed {
			t.Fatalf("late answer: %+v %v", r, err)
		}
	})
}

// A job left sent when the server (direct printing, network or local) or
// the agent died midway becomes unknown once StaleSent has passed (on the
// next start, or by the retry job), is never printed by itself, and can be
// reprinted; until then it is being printed and a reprint is refused.
func TestSentJobsAfterCrash(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, clock, officeID := clocked(t, db)
		ctx := context.Background()
		fake := printertest.Start(t)
		tcp := newKiosk(t, s, officeID, fake.URI())
		file := newKiosk(t, s, officeID, "file:///dev/usb/lp0")
		agent := newKiosk(t, s, officeID, "agent")

		// The server died writing to the network and local printers: the
		// jobs are stored as sent and nothing recorded the outcome.
		var sent []int64
		for _, k := range []*kiosk.Kiosk{tcp, file} {
			j := &kiosk.Job{KioskID: k.ID, Kind: "test", State: kiosk.JobSent, Via: kiosk.ViaDirect, Attempts: 1,
				Payload: numbered(t, k, "A001"), CreatedAt: clock.Now(), UpdatedAt: clock.Now(), SentAt: ptr(clock.Now())}
			if err := db.Create(j).Error; err != nil {
				t.Fatal(err)
			}
			sent = append(sent, j.ID)
		}
		// The agent took a job and was killed.
		if err := s.AgentHeard(ctx, agent.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		r, _ := s.PrintTicket(ctx, agent.ID, 0, "", []byte("A002"))
		if jobs, err := s.Take(ctx, agent.ID); err != nil || len(jobs) != 1 {
			t.Fatalf("take: %v %v", jobs, err)
		}
		sent = append(sent, r.JobID)

		if _, err := s.Reprint(ctx, sent[0], nil); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("reprint of a job being printed: %v", err)
		}
		// The server restarts: 90 s on, the jobs may still be printing
		// elsewhere; after StaleSent (2 minutes) they are unknown.
		restarted := kiosk.NewStore(db, clock)
		clock.Advance(90 * time.Second)
		if n, err := restarted.AbandonStale(ctx); err != nil || n != 0 {
			t.Fatalf("at 90 s: %d %v", n, err)
		}
		for i := range 3 {
			clock.Advance(time.Minute)
			r, err := restarted.RetryFailed(ctx)
			if err != nil || r.Retried != 0 || (i == 0) != (r.Abandoned == 3) {
				t.Fatalf("retry job run %d: %+v %v", i+1, r, err)
			}
		}
		for _, id := range sent {
			if j := job(t, restarted, id); j.State != kiosk.JobUnknown || j.Reason != kiosk.ReasonAbandoned {
				t.Errorf("job %d: %s/%s; want unknown/abandoned", id, j.State, j.Reason)
			}
		}
		if len(fake.Received()) != 0 {
			t.Fatalf("a job left sent was printed again by itself")
		}
		// A person reprints the network printer's ticket.
		dup, err := kiosk.Render(tcp, escpos.Ticket{Office: "Urząd Miasta", Number: "A001", Issued: start(t),
			Reprinted: clock.Now(), PeopleAhead: 1, Lang: "pl"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := restarted.Reprint(ctx, sent[0], dup)
		if err != nil || res.State != kiosk.Printed || res.JobID == sent[0] || fake.Printed() != 1 {
			t.Fatalf("reprint: %+v %v, printed %d", res, err, fake.Printed())
		}
		text := escpos.Decode(fake.Received(), tcp.Printer.CodeTable)
		for _, want := range []string{"DUPLIKAT", "A001", "Przed Tobą: 1 osoba"} {
			if !strings.Contains(text, want) {
				t.Errorf("the reprint lacks %q:\n%s", want, text)
			}
		}
		if j := job(t, restarted, res.JobID); j.ReprintOf == nil || *j.ReprintOf != sent[0] || j.State != kiosk.JobDone {
			t.Fatalf("the reprint's job: %+v", j)
		}
		if j := job(t, restarted, sent[0]); j.State != kiosk.JobUnknown {
			t.Fatalf("the original became %s", j.State)
		}
		// The agent, killed, has been silent for over 90 s: a reprint of its
		// job says so and stores nothing that would print later by surprise.
		before, err := restarted.Jobs(ctx, agent.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := restarted.Reprint(ctx, sent[2], nil); err != nil || res.State != kiosk.Failed || res.Reason != kiosk.ReasonAgentOffline {
			t.Fatalf("agent reprint with the agent offline: %+v %v", res, err)
		}
		if after, _ := restarted.Jobs(ctx, agent.ID, 100); len(after) != len(before) {
			t.Fatalf("a refused reprint stored a job: %d jobs, were %d", len(after), len(before))
		}
		// Restarted, the agent is heard: the job is reprinted through it, once.
		if err := restarted.AgentHeard(ctx, agent.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		if res, err := restarted.Reprint(ctx, sent[2], nil); err != nil || res.State != kiosk.Queued {
			t.Fatalf("agent reprint: %+v %v", res, err)
		}
		if _, err := restarted.Reprint(ctx, sent[2], nil); okienko.ErrorCode(err) != okienko.ECONFLICT {
			t.Fatalf("a second reprint while the first waits: %v", err)
		}
		if jobs, _ := restarted.Take(ctx, agent.ID); len(jobs) != 1 || string(jobs[0].Payload) != "A002" {
			t.Fatalf("take the reprint: %+v", jobs)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// max_job_age_minutes is 1 to 120, refused naming the field.
func TestMaxJobAgeValidation(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s, officeID := setup(t, db)
		ctx := context.Background()
		for _, m := range []int{0, -1, 121} {
			spec := kiosk.DefaultSpec()
			spec.Name, spec.MaxJobAgeMinutes = "Biletomat", m
			_, err := s.Create(ctx, officeID, spec)
			if e := okienko.AsError(err); e.Code != okienko.EINVALID || e.Fields["max_job_age_minutes"] == "" {
				t.Errorf("%d minutes: %v", m, err)
			}
		}
		k := newKiosk(t, s, officeID, "none")
		if k.MaxJobAgeMinutes != 10 {
			t.Fatalf("default %d minutes, want 10", k.MaxJobAgeMinutes)
		}
		k, err := s.Update(ctx, k.ID, func(sp *kiosk.Spec) error { sp.MaxJobAgeMinutes = 120; return nil })
		if err != nil || k.MaxJobAgeMinutes != 120 {
			t.Fatalf("update: %+v %v", k, err)
		}
		if got, _ := s.Get(ctx, k.ID); got.MaxJobAgeMinutes != 120 {
			t.Fatalf("read back %d", got.MaxJobAgeMinutes)
		}
	})
}
