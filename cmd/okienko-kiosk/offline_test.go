package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
)

// agentProcess is the agent program running in a process of its own (this
// test binary running main), so that it can be killed.
type agentProcess struct {
	cmd  *exec.Cmd
	logs *logBuffer
	done chan struct{} // closed once the process has exited
}

// startAgentProcess runs okienko-kiosk run with args until the test ends or
// it is killed.
func startAgentProcess(t *testing.T, args ...string) *agentProcess {
	t.Helper()
	p := &agentProcess{logs: &logBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], append([]string{"run", "--log-level", "debug"}, args...)...)
	p.cmd.Env = []string{agentProcessEnv + "=1"}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if testing.Verbose() {
		p.cmd.Stderr = io.MultiWriter(p.logs, os.Stderr)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start the agent: %v", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill(t)
		if t.Failed() {
			t.Logf("agent process log:\n%s", p.logs)
		}
	})
	return p
}

// kill ends the process with SIGKILL, as a crash or a pulled plug would:
// it says nothing more, finishes nothing. It returns once the process is
// gone.
func (p *agentProcess) kill(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill the agent: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the killed agent did not exit")
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the agent ended with %v, not by SIGKILL", p.cmd.ProcessState)
	}
}

// adminKiosk is the kiosk as the admin API shows it.
type adminKiosk struct {
	PrinterState string     `json:"printer_state"`
	LastSeenAt   *time.Time `json:"last_seen_at"`
	AgentSeenAt  *time.Time `json:"agent_seen_at"`
	AgentOnline  bool       `json:"agent_online"`
}

func (st *stack) adminKiosk(token string) adminKiosk {
	st.t.Helper()
	code, body := st.get(fmt.Sprintf("/api/v1/admin/kiosks/%d", st.kioskID), token)
	var k adminKiosk
	if code != 200 || json.Unmarshal(body, &k) != nil {
		st.t.Fatalf("admin kiosk: %d %s", code, body)
	}
	return k
}

// kioskMeState is the printer state the kiosk page is told.
func (st *stack) kioskMeState() string {
	st.t.Helper()
	code, body := st.get("/api/v1/kiosk/me", st.creds.KioskToken)
	var me struct {
		Kiosk struct {
			PrinterState string `json:"printer_state"`
		} `json:"kiosk"`
	}
	if code != 200 || json.Unmarshal(body, &me) != nil {
		st.t.Fatalf("kiosk/me: %d %s", code, body)
	}
	return me.Kiosk.PrinterState
}

// The agent is killed (SIGKILL) and restarted. While it is dead the kiosk
// still shows its printer's state for 89 s by the server's clock, and is
// offline at 90 s; a ticket issued then answers failed/agent_offline at once
// and its job is never printed by itself. Restarted, the agent is heard
// again: the state is what the printer says now (paper low), last_seen_at
// moves, tickets print, and the unprinted job is printed once when a person
// reprints it.
func TestAgentKilledIsOffline(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		st := newStack(t, db)
		admin := st.adminToken()
		fake := printertest.Start(t)
		args := []string{"--server", st.url(), "--token", st.creds.KioskToken, "--printer", fake.URI(), "--timeout", "2s"}
		agent := startAgentProcess(t, args...)
		st.waitAgentOnline()
		st.waitPrinterState("ok")
		first := st.issue()
		st.waitJob(first.Ticket.ID, kiosk.JobDone, "")

		before := st.adminKiosk(admin)
		if before.PrinterState != "ok" || !before.AgentOnline || before.LastSeenAt == nil || before.AgentSeenAt == nil ||
			!before.AgentSeenAt.Equal(st.clock.Now()) {
			t.Fatalf("with the agent running: %+v, want ok, online, heard at %s", before, st.clock.Now())
		}

		agent.kill(t)
		// The server has handled everything the agent sent before it died.
		st.waitAgentsConnected(0)
		lastWord := *before.AgentSeenAt

		st.clock.Advance(kiosk.AgentTimeout - time.Second)
		if k := st.adminKiosk(admin); k.PrinterState != "ok" || !k.AgentOnline {
			t.Fatalf("89 s after the agent's last word: %+v, want still ok and online", k)
		}
		st.clock.Advance(time.Second)
		k := st.adminKiosk(admin)
		if k.PrinterState != "offline" || k.AgentOnline || k.AgentSeenAt == nil || !k.AgentSeenAt.Equal(lastWord) {
			t.Fatalf("90 s after the agent's last word: %+v, want offline, last heard at %s", k, lastWord)
		}
		if got := st.kioskMeState(); got != "offline" {
			t.Fatalf("kiosk/me printer_state %q, want offline", got)
		}
		unprinted := st.issueUnprinted(kiosk.ReasonAgentOffline)
		if j := st.job(unprinted.Ticket.ID); j.State != kiosk.JobFailed || j.Reason != kiosk.ReasonAgentOffline || j.Attempts != 0 {
			t.Fatalf("job issued while the agent is offline: %+v, want failed agent_offline, never sent", j)
		}

		// Meanwhile the paper runs low: the restarted agent says so.
		fake.SetPaperNearEnd(true)
		startAgentProcess(t, args...)
		st.waitAgentOnline()
		st.waitPrinterState("paper_low")
		after := st.adminKiosk(admin)
		if after.PrinterState != "paper_low" || !after.AgentOnline || after.LastSeenAt == nil || !after.LastSeenAt.After(*before.LastSeenAt) ||
			!after.AgentSeenAt.Equal(st.clock.Now()) {
			t.Fatalf("after the restart: %+v, want paper_low, online, with last_seen_at past %s and the agent heard at %s", after, before.LastSeenAt, st.clock.Now())
		}
		third := st.issue()
		st.waitJob(third.Ticket.ID, kiosk.JobDone, "")
		jobs := fake.Jobs()
		if len(jobs) != 2 || fake.Printed() != 2 {
			t.Fatalf("printer received %d jobs and printed %d, want 2 and 2: the job of the offline time must not print by itself", len(jobs), fake.Printed())
		}
		if text := escpos.Decode(jobs[1], escpos.CodeTablePC852); !strings.Contains(text, third.Ticket.Number) {
			t.Fatalf("the second print is not ticket %s:\n%s", third.Ticket.Number, text)
		}

		// A person reprints the ticket of the offline time: printed once.
		jobID := st.job(unprinted.Ticket.ID).ID
		code, body := st.post(fmt.Sprintf("/api/v1/admin/print-jobs/%d/reprint", jobID), admin, nil)
		if code != 200 || !strings.Contains(string(body), `"state":"queued"`) {
			t.Fatalf("reprint: %d %s", code, body)
		}
		st.waitJob(unprinted.Ticket.ID, kiosk.JobDone, "")
		if fake.Printed() != 3 {
			t.Fatalf("printed %d, want 3", fake.Printed())
		}
		if text := escpos.Decode(fake.Jobs()[2], escpos.CodeTablePC852); !strings.Contains(text, unprinted.Ticket.Number) {
			t.Fatalf("the reprint is not ticket %s:\n%s", unprinted.Ticket.Number, text)
		}
	})
}
