package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
)

// kioskView is a kiosk as the admin API answers it.
type kioskView struct {
	ID           int64      `json:"id"`
	PrinterState string     `json:"printer_state"`
	LastSeenAt   *time.Time `json:"last_seen_at"`
	AgentSeenAt  *time.Time `json:"agent_seen_at"`
	AgentOnline  bool       `json:"agent_online"`
}

// within waits, polling every 10 ms for up to 10 s, until cond holds: the
// server handles an agent's messages at its own pace.
func within(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The printer states of the kiosks over the API. A kiosk without printer is
// none and prints nothing. An agent kiosk is offline until its agent is
// heard: its tickets answer failed/agent_offline at once. Once the agent
// connects and reports, the kiosk shows what the printer said, its agent's
// time and last_seen_at; a printer with no paper fails tickets at once with
// paper_out (nothing is sent to the agent); a ready one queues them for the
// agent. 90 s of silence by the server's clock make the kiosk offline again,
// the agent's next word brings it back.
func TestKioskAgentStates(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		admin := bearer(e.adminToken())
		kioskTok := bearer(e.creds.KioskToken)
		svc := e.counterOf("Stanowisko 1").ServiceIDs[0]

		list := func() []kioskView {
			t.Helper()
			resp, body := e.do("GET", "/api/v1/admin/kiosks", nil, admin...)
			var ks []kioskView
			if resp.StatusCode != 200 || json.Unmarshal(body, &ks) != nil || len(ks) != 1 {
				t.Fatalf("kiosks: %d %s", resp.StatusCode, body)
			}
			return ks
		}
		kid := list()[0].ID
		one := func() kioskView {
			t.Helper()
			resp, body := e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d", kid), nil, admin...)
			var k kioskView
			if resp.StatusCode != 200 || json.Unmarshal(body, &k) != nil {
				t.Fatalf("kiosk: %d %s", resp.StatusCode, body)
			}
			return k
		}
		me := func() string {
			t.Helper()
			resp, body := e.do("GET", "/api/v1/kiosk/me", nil, kioskTok...)
			var m struct {
				Kiosk struct {
					PrinterState string `json:"printer_state"`
				} `json:"kiosk"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &m) != nil {
				t.Fatalf("kiosk/me: %d %s", resp.StatusCode, body)
			}
			return m.Kiosk.PrinterState
		}
		type printed struct {
			Ticket struct {
				ID int64 `json:"id"`
			} `json:"ticket"`
			Print struct {
				State  string `json:"state"`
				Reason string `json:"reason"`
			} `json:"print"`
		}
		issue := func(state, reason string) printed {
			t.Helper()
			resp, body := e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, kioskTok...)
			var out printed
			if resp.StatusCode != 201 || json.Unmarshal(body, &out) != nil || out.Print.State != state || out.Print.Reason != reason {
				t.Fatalf("ticket: %d %s, want print %s %q", resp.StatusCode, body, state, reason)
			}
			return out
		}
		jobState := func(ticketID int64) string {
			t.Helper()
			resp, body := e.do("GET", fmt.Sprintf("/api/v1/admin/kiosks/%d/jobs", kid), nil, admin...)
			var jobs []struct {
				TicketID *int64 `json:"ticket_id"`
				State    string `json:"state"`
				Reason   string `json:"reason"`
				Attempts int    `json:"attempts"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &jobs) != nil {
				t.Fatalf("jobs: %d %s", resp.StatusCode, body)
			}
			for _, j := range jobs {
				if j.TicketID != nil && *j.TicketID == ticketID {
					return fmt.Sprintf("%s %s %d", j.State, j.Reason, j.Attempts)
				}
			}
			return "no job"
		}

		// The demo kiosk has no printer.
		if k := list()[0]; k.PrinterState != "none" || k.AgentOnline || k.AgentSeenAt != nil {
			t.Fatalf("a kiosk without printer: %+v, want none", k)
		}
		if got := me(); got != "none" {
			t.Fatalf("kiosk/me of a kiosk without printer: %q", got)
		}
		issue("none", "")

		// Printing through an agent that has never been heard.
		resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", kid), map[string]any{"printer": map[string]any{"uri": "agent"}}, admin...)
		var patched kioskView
		if resp.StatusCode != 200 || json.Unmarshal(body, &patched) != nil || patched.PrinterState != "offline" || patched.AgentOnline || patched.AgentSeenAt != nil {
			t.Fatalf("set the printer to agent: %d %s, want offline", resp.StatusCode, body)
		}
		if got := me(); got != "offline" {
			t.Fatalf("kiosk/me with no agent: %q", got)
		}
		never := issue("failed", "agent_offline")
		if got := jobState(never.Ticket.ID); got != "failed agent_offline 0" {
			t.Fatalf("job with no agent: %s", got)
		}

		// The agent connects (the okienko-kiosk protocol) and reports.
		agent := e.dial(e.listen(), "/ws/kiosk/agent", http.Header{"Authorization": {"Bearer " + e.creds.KioskToken}})
		if m := agent.next(); m["type"] != "hello" {
			t.Fatalf("first message %v, want hello", m)
		}
		say := func(m map[string]any) {
			t.Helper()
			if err := agent.conn.WriteJSON(m); err != nil {
				t.Fatal(err)
			}
		}
		say(map[string]any{"type": "status", "printer_state": "paper_out"})
		within(t, "paper_out reported", func() bool { return one().PrinterState == "paper_out" })
		k := one()
		if !k.AgentOnline || !k.AgentSeenAt.Equal(e.clock.Now()) || !k.LastSeenAt.Equal(e.clock.Now()) {
			t.Fatalf("the agent heard: %+v, want online, heard and seen at %s", k, e.clock.Now())
		}
		noPaper := issue("failed", "paper_out")
		if got := jobState(noPaper.Ticket.ID); got != "failed paper_out 0" {
			t.Fatalf("job with no paper: %s", got)
		}

		say(map[string]any{"type": "status", "printer_state": "ok"})
		within(t, "ok reported", func() bool { return one().PrinterState == "ok" })
		queued := issue("queued", "")
		m := agent.next()
		jobs, _ := m["jobs"].([]any)
		if m["type"] != "jobs" || len(jobs) != 1 {
			t.Fatalf("the agent got %v, want the one queued job (not the failed ones)", m)
		}
		jobID := jobs[0].(map[string]any)["id"]
		say(map[string]any{"type": "result", "job_id": jobID, "reason": "", "printer_state": "ok"})
		within(t, "the job printed", func() bool { return jobState(queued.Ticket.ID) == "done  1" })

		// 90 s without a word by the server's clock: offline.
		heard := e.clock.Now()
		e.clock.Advance(kiosk.AgentTimeout)
		k = one()
		if k.PrinterState != "offline" || k.AgentOnline || !k.AgentSeenAt.Equal(heard) {
			t.Fatalf("90 s after the agent's last word: %+v, want offline, heard at %s", k, heard)
		}
		if got := me(); got != "offline" {
			t.Fatalf("kiosk/me with the agent silent: %q", got)
		}
		silent := issue("failed", "agent_offline")
		if got := jobState(silent.Ticket.ID); got != "failed agent_offline 0" {
			t.Fatalf("job with the agent silent: %s", got)
		}
		// A person's reprint says why, and leaves the job as it was.
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		resp, body = e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/reprint", queued.Ticket.ID), nil, clerk...)
		var r struct {
			State  string `json:"state"`
			Reason string `json:"reason"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &r) != nil || r.State != "failed" || r.Reason != "agent_offline" {
			t.Fatalf("reprint with the agent silent: %d %s", resp.StatusCode, body)
		}
		if got := jobState(queued.Ticket.ID); got != "done  1" {
			t.Fatalf("the job after a refused reprint: %s", got)
		}

		// The agent's next word brings the kiosk back.
		say(map[string]any{"type": "status", "printer_state": "ok"})
		within(t, "the agent back", func() bool { return one().AgentOnline })
		if k := one(); k.PrinterState != "ok" || !k.AgentSeenAt.Equal(e.clock.Now()) || !k.LastSeenAt.Equal(e.clock.Now()) {
			t.Fatalf("the agent back: %+v, want ok, heard and seen at %s", k, e.clock.Now())
		}
		issue("queued", "")
	})
}
