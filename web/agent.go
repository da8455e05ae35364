package web

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/contrib/websocket"

	"github.com/okienko/okienko/display"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/printer"
)

// agentPoll is how often an agent's queue is checked even without a nudge:
// jobs queued on another instance reach it this way.
var agentPoll = 3 * time.Second

// agentJob is a print job sent to a kiosk's agent.
type agentJob struct {
	ID      int64  `json:"id"`
	Payload []byte `json:"payload"` // ESC/POS bytes, base64 in JSON
}

// agentMessage is what an agent sends: the result of a job, or its
// printer's state.
type agentMessage struct {
	Type         string `json:"type"` // result or status
	JobID        int64  `json:"job_id"`
	Reason       string `json:"reason"` // "" when printed
	PrinterState string `json:"printer_state"`
}

var printerStates = map[string]bool{
	printer.StateOK: true, printer.StatePaperLow: true, printer.StatePaperOut: true, printer.StateCoverOpen: true,
	printer.StateOffline: true, printer.StateUnreachable: true, printer.StateCutterError: true, printer.StateUnknown: true,
}

// wsAgent: /ws/kiosk/agent (kiosk token) — the okienko-kiosk program on a
// kiosk PC: the server sends {"type":"jobs","jobs":[{id,payload}]} as jobs
// are queued; the agent answers each with {"type":"result","job_id",
// "reason","printer_state"} and reports {"type":"status","printer_state"}.
// Everything the agent says is its heartbeat (kiosk.Store.AgentHeard).
func (s *Server) wsAgent(c *websocket.Conn) {
	kioskID, _ := c.Locals(kioskIDLocal).(int64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.sockets.add(c)
	defer s.sockets.remove(c)
	s.metrics.agents.Inc()
	// Every word of the agent (connecting, a message, a pong) is its
	// heartbeat: the kiosk's agent_seen_at and last_seen_at move, and the
	// kiosk is offline once nothing has come for kiosk.AgentTimeout.
	heard := func(state string) {
		if err := s.Kiosks.AgentHeard(ctx, kioskID, state); err != nil {
			s.Log.Warn("agent: heartbeat", "kiosk", kioskID, "err", err)
		}
	}
	heard("")
	gone := make(chan struct{})
	_ = c.SetReadDeadline(time.Now().Add(readTimeout))
	c.SetPongHandler(func(string) error {
		heard("")
		return c.SetReadDeadline(time.Now().Add(readTimeout))
	})
	go func() {
		defer close(gone)
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(readTimeout))
			var m agentMessage
			if json.Unmarshal(b, &m) != nil || (m.PrinterState != "" && !printerStates[m.PrinterState]) {
				s.Log.Warn("agent: bad message", "kiosk", kioskID)
				heard("")
				continue
			}
			heard(m.PrinterState)
			if m.Type == "result" {
				if _, err := s.Kiosks.Finish(ctx, kioskID, m.JobID, m.Reason); err != nil {
					s.Log.Warn("agent: job result", "kiosk", kioskID, "job", m.JobID, "err", err)
				}
			}
		}
	}()
	// The agent counts as connected until the reader has handled its last
	// word: once the gauge is down, nothing it sent is still to be recorded.
	defer func() {
		_ = c.Close()
		<-gone
		s.metrics.agents.Dec()
	}()
	// Jobs sent over an earlier connection and never answered may or may not
	// have printed: their outcome is unknown, and a person who can see
	// reprints them; they are never printed again by themselves.
	if n, err := s.Kiosks.AbandonSent(ctx, kioskID, kiosk.ReasonAgentLost); err != nil || n > 0 {
		s.Log.Warn("agent: unanswered jobs marked unknown", "kiosk", kioskID, "jobs", n, "err", err)
	}
	w := &socket{conn: c}
	if err := w.send(display.Message(`{"type":"hello"}`)); err != nil {
		return
	}
	wake := s.Kiosks.Waiting(kioskID)
	poll := time.NewTicker(agentPoll)
	defer poll.Stop()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		jobs, err := s.Kiosks.Take(ctx, kioskID)
		if err != nil {
			s.Log.Warn("agent: take jobs", "kiosk", kioskID, "err", err)
		}
		if len(jobs) > 0 {
			out := make([]agentJob, len(jobs))
			for i, j := range jobs {
				out[i] = agentJob{ID: j.ID, Payload: j.Payload}
			}
			b, _ := json.Marshal(map[string]any{"type": "jobs", "jobs": out})
			if err := w.send(b); err != nil {
				return
			}
		}
		select {
		case <-gone:
			return
		case <-wake:
		case <-poll.C:
		case <-ping.C:
			_ = c.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout))
			if err := w.send(display.Message(`{"type":"ping"}`)); err != nil {
				return
			}
		}
	}
}
