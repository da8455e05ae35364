package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
)

// The agent is killed (SIGKILL) with jobs in hand — one being written to the
// printer, one received and waiting behind it — and jobs queued while it is
// dead but still counted as heard, two of them older than the kiosk's
// max_job_age_minutes (1) when it comes back, one young. Restarted, it
// prints the young ticket once; the old ones are expired and never printed;
// the jobs it had in hand are unknown (agent_lost) and never sent again, so
// the one the printer finished after the kill is printed once and the one
// never started not at all. No ticket number reaches the printer twice.
func TestAgentKilledWithJobsInHandAndQueued(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := newStack(t, db)
		if _, err := st.kiosks.Update(t.Context(), st.kioskID, func(s *kiosk.Spec) error {
			s.MaxJobAgeMinutes = 1
			return nil
		}); err != nil {
			t.Fatalf("set max_job_age_minutes: %v", err)
		}
		fake := printertest.Start(t)
		g := startGate(t, fake.Addr())
		agent := startAgentProcess(t, "--server", st.url(), "--token", st.creds.KioskToken, "--printer", g.URI(), "--timeout", "5s")
		st.waitAgentOnline()
		st.waitPrinterState("ok")

		// In hand: the printer holds the first job's cut, so the agent is
		// stuck writing it; the second is taken by the server and waits in
		// the agent behind it.
		arrived, release := g.Hold()
		defer release()
		writing := st.issue()
		waitFor(t, "the first job to reach the printer", arrived)
		waiting := st.issue()
		st.waitJob(writing.Ticket.ID, kiosk.JobSent, "")
		st.waitJob(waiting.Ticket.ID, kiosk.JobSent, "")

		agent.kill(t)
		st.waitAgentsConnected(0)
		// The printer finishes the job the dead agent had written.
		release()
		if n := fake.WaitPrinted(1, 10*time.Second); n != 1 {
			t.Fatalf("printed %d after the kill, want 1 (the job being written)", n)
		}

		// Queued while the agent is away but heard less than 90 s ago: two
		// tickets now, one 70 s later, when the first two are past the
		// 1-minute limit.
		old1, old2 := st.issue(), st.issue()
		st.clock.Advance(70 * time.Second)
		if k := st.kiosk(); !k.AgentOnline {
			t.Fatalf("70 s after the agent's last word the kiosk is offline: %+v", k)
		}
		young := st.issue()
		for _, tk := range []issued{old1, old2, young} {
			if j := st.job(tk.Ticket.ID); j.State != kiosk.JobQueued || j.Attempts != 0 {
				t.Fatalf("job of ticket %s before the restart: %+v, want queued, never sent", tk.Ticket.Number, j)
			}
		}

		// Restarted, straight to the printer.
		startAgentProcess(t, "--server", st.url(), "--token", st.creds.KioskToken, "--printer", fake.URI(), "--timeout", "5s")
		st.waitAgentOnline()
		if j := st.waitJob(young.Ticket.ID, kiosk.JobDone, ""); j.Attempts != 1 {
			t.Fatalf("young job: %+v, want done on its first attempt", j)
		}
		for _, tk := range []issued{old1, old2} {
			if j := st.job(tk.Ticket.ID); j.State != kiosk.JobExpired || j.Attempts != 0 {
				t.Fatalf("old job of ticket %s: %+v, want expired, never sent", tk.Ticket.Number, j)
			}
		}
		for _, tk := range []issued{writing, waiting} {
			if j := st.job(tk.Ticket.ID); j.State != kiosk.JobUnknown || j.Reason != kiosk.ReasonAgentLost || j.Attempts != 1 {
				t.Fatalf("job in hand of ticket %s: %+v, want unknown agent_lost, sent once", tk.Ticket.Number, j)
			}
		}

		// The print-retry job sends none of them again, and a later ticket,
		// printed after whatever was still on its way, shows nothing else
		// reached the printer.
		if r, err := st.kiosks.RetryFailed(t.Context()); err != nil || r.Retried != 0 {
			t.Fatalf("retry job: %+v %v, want nothing retried", r, err)
		}
		last := st.issue()
		st.waitJob(last.Ticket.ID, kiosk.JobDone, "")

		text := escpos.Decode(fake.Received(), escpos.CodeTablePC852)
		want := map[string]int{writing.Ticket.Number: 1, waiting.Ticket.Number: 0, old1.Ticket.Number: 0, old2.Ticket.Number: 0,
			young.Ticket.Number: 1, last.Ticket.Number: 1}
		var got []string
		for number, n := range want {
			if c := strings.Count(text, number); c != n {
				got = append(got, fmt.Sprintf("%s %d times (want %d)", number, c, n))
			}
		}
		if len(got) > 0 || fake.Printed() != 3 {
			t.Fatalf("the printer received %s; printed %d, want 3:\n%s", strings.Join(got, ", "), fake.Printed(), text)
		}
	})
}
