package kiosk

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/event"
	"github.com/okienko/okienko/kiosk/printer"
	"github.com/okienko/okienko/notify/outbox"
)

// EventPrinter is the event of a kiosk's printer changing state (object
// "kiosk"); its data is PrinterChange.
const EventPrinter = "printer_state"

// PrinterChange is the data of an EventPrinter event.
type PrinterChange struct {
	State    string `json:"state"`
	Previous string `json:"previous"`
}

// alertStates are the printer states that need a person: the paper, the
// cover, a fault, or a printer that can't be reached.
var alertStates = map[string]bool{
	printer.StatePaperLow: true, printer.StatePaperOut: true, printer.StateCoverOpen: true,
	printer.StateOffline: true, printer.StateUnreachable: true, printer.StateCutterError: true,
}

// Alert reports whether a printer in state needs a person (paper low or
// out, cover open, offline, unreachable, cutter error): the clerk page and
// the admin panel show it, and the office is e-mailed when it goes into it.
func Alert(state string) bool { return alertStates[state] }

// OnCommit sets fn to receive the events of every committed change
// (EventPrinter), in order.
func (s *Store) OnCommit(fn func([]event.Event)) { s.publish = fn }

// SetPrinterState records what the kiosk's printer said last, and the time
// of the check (printer_checked_at). A change of the kiosk's printer state
// (as read: Kiosk.PrinterState) is an EventPrinter event, published after
// commit for the clerk page and the admin panel; a change into a state that
// needs a person (Alert) also queues, in the same transaction, one
// printer_alert e-mail to the office's alerts_email when it has one. Asking
// again and hearing the same queues nothing, so a printer out of paper all
// morning is one e-mail; going back to ok is an event and no e-mail. An
// unknown kiosk is ignored.
func (s *Store) SetPrinterState(ctx context.Context, id int64, state string) error {
	_, err := s.recordPrinterState(ctx, id, state, byPrint)
	return err
}

// AgentHeard records that kiosk id's agent said something (it connected,
// sent a message, answered a ping), and its printer's state when state is
// not "": the kiosk was seen now and its agent is online for AgentTimeout.
// A state goes the way of SetPrinterState (event, e-mail); so does an agent
// heard again after AgentTimeout of silence, its kiosk no longer offline.
func (s *Store) AgentHeard(ctx context.Context, id int64, state string) error {
	if state == "" {
		// The common case, a ping answered by an agent heard lately: only
		// the times move, and the state as read stays what it was.
		now := s.now()
		res := s.db.WithContext(ctx).Model(&row{}).Where("id = ? AND agent_seen_at > ?", id, now.Add(-AgentTimeout)).
			Updates(map[string]any{"agent_seen_at": now, "last_seen_at": now})
		if res.Error != nil {
			return okienko.Internal(fmt.Errorf("agent of kiosk %d heard: %w", id, res.Error))
		}
		if res.RowsAffected == 1 {
			return nil
		}
	}
	_, err := s.recordPrinterState(ctx, id, state, byAgent)
	return err
}

// How recordPrinterState learnt a printer's state.
const (
	byPrint       = iota // a print or the watch asked the printer
	byAgent              // the kiosk's agent said it (AgentHeard)
	byAgentSilent        // the watch found the agent silent (CheckPrinters)
)

// recordPrinterState records state (by: byPrint, byAgent, byAgentSilent)
// and returns the change of the kiosk's printer state, nil if none. The change is
// between the state as read (Kiosk.PrinterState) before and after, so an
// agent heard again after its silence is a change from offline. byAgent also
// moves agent_seen_at and last_seen_at, and takes state "" as no news of the
// printer. byAgentSilent records offline for an agent kiosk whose agent,
// once heard, has been silent for AgentTimeout, and only once: it does
// nothing unless the agent is still silent and the stored state is not
// offline yet, and compares with the stored state, as the kiosk has read
// offline since the silence began without anyone being told.
func (s *Store) recordPrinterState(ctx context.Context, id int64, state string, by int) (*PrinterChange, error) {
	now := s.now()
	var (
		ev     *event.Event
		change *PrinterChange
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r row
		err := forUpdate(tx).Where("id = ?", id).Take(&r).Error
		if database.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		before := r.kiosk(now).PrinterState
		set := map[string]any{}
		switch by {
		case byAgent:
			set["agent_seen_at"], set["last_seen_at"] = now, now
			heard := now
			r.AgentSeenAt = &heard
		case byAgentSilent:
			if r.PrinterURI != printer.KindAgent || r.AgentSeenAt == nil || now.Sub(*r.AgentSeenAt) < AgentTimeout ||
				r.PrinterState == StateOffline {
				return nil
			}
			before = r.PrinterState
		}
		if state != "" {
			set["printer_state"], set["printer_checked_at"] = state, now
			r.PrinterState = state
		}
		after := r.kiosk(now).PrinterState
		if before != after {
			set["updated_at"] = now
		}
		if len(set) > 0 {
			if err := tx.Model(&row{}).Where("id = ?", id).Updates(set).Error; err != nil {
				return err
			}
		}
		if before == after {
			return nil
		}
		change = &PrinterChange{State: after, Previous: before}
		if ev, err = event.Add(ctx, tx, now, EventPrinter, auditKiosk, id, *change); err != nil {
			return err
		}
		if !Alert(after) {
			return nil
		}
		var to string
		if err := tx.Table("offices").Select("alerts_email").Where("id = ?", r.OfficeID).Scan(&to).Error; err != nil {
			return err
		}
		if strings.TrimSpace(to) == "" {
			return nil
		}
		kioskID := id
		_, err = outbox.Enqueue(ctx, tx, now, outbox.Message{Key: fmt.Sprintf("kiosk:%d:printer:%d:email", id, ev.ID),
			Channel: outbox.Email, Kind: outbox.PrinterAlert, Lang: "pl", KioskID: &kioskID}, map[string]int64{"event_id": ev.ID})
		return err
	})
	if err != nil {
		return nil, okienko.Internal(fmt.Errorf("printer state of kiosk %d: %w", id, err))
	}
	if ev != nil && s.publish != nil {
		s.publish([]event.Event{*ev})
	}
	return change, nil
}

// printerLocks keep the printer watch off a printer this process is
// printing on: prints share a kiosk's lock, the watch takes it alone and
// only when free, so a status question never interleaves with a job on the
// same device.
type printerLocks struct {
	mu sync.Mutex
	m  map[int64]*sync.RWMutex
}

func (p *printerLocks) of(id int64) *sync.RWMutex {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[int64]*sync.RWMutex{}
	}
	l, ok := p.m[id]
	if !ok {
		l = &sync.RWMutex{}
		p.m[id] = l
	}
	return l
}

// WatchTimeout bounds the printer watch's question to one printer,
// connecting included.
var WatchTimeout = 2 * time.Second

// WatchConcurrency is how many printers the watch asks at once.
const WatchConcurrency = 8

// Watched is what one CheckPrinters run did.
type Watched struct {
	Asked   int             // printers asked
	Busy    int             // printers left alone because this process was printing on them
	Changes []PrinterReport // printers whose state changed
}

// PrinterReport is a kiosk's printer's state as the watch found it.
type PrinterReport struct {
	KioskID  int64
	Kiosk    string // the kiosk's name
	State    string
	Previous string
}

// CheckPrinters is the printer watch's run: it asks every directly attached
// printer (tcp://, file://) whose profile asks its status for it, at most
// WatchConcurrency at once, each within WatchTimeout, and records what each
// said with SetPrinterState (a printer that doesn't answer in time is
// unreachable). Printers whose profile says status false (no back channel)
// are never asked: they would read unreachable. Printers this process is
// printing on are left alone: the print records their state. Agent printers
// report their own state, but an agent kiosk whose agent, once heard, has
// been silent for AgentTimeout is recorded offline, once (event and
// e-mail); kiosks without a printer have none.
func (s *Store) CheckPrinters(ctx context.Context) (Watched, error) {
	kiosks, err := s.List(ctx)
	if err != nil {
		return Watched{}, err
	}
	var (
		mu   sync.Mutex
		out  Watched
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, WatchConcurrency)
	)
	for i := range kiosks {
		k := &kiosks[i]
		if k.Printer.URI == printer.KindAgent && k.AgentSeenAt != nil && !k.AgentOnline {
			// Read as offline since its agent fell silent; recorded once.
			c, err := s.recordPrinterState(ctx, k.ID, StateOffline, byAgentSilent)
			mu.Lock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case c != nil:
				out.Changes = append(out.Changes, PrinterReport{KioskID: k.ID, Kiosk: k.Name, State: c.State, Previous: c.Previous})
			}
			mu.Unlock()
			continue
		}
		if !direct(k.Printer.URI) || !k.Printer.Status {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		lock := s.printer.of(k.ID)
		if !lock.TryLock() {
			out.Busy++
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			state := s.ask(ctx, k.Printer.URI)
			lock.Unlock()
			<-sem
			c, err := s.recordPrinterState(ctx, k.ID, state, byPrint)
			mu.Lock()
			defer mu.Unlock()
			out.Asked++
			switch {
			case err != nil:
				errs = append(errs, err)
			case c != nil:
				out.Changes = append(out.Changes, PrinterReport{KioskID: k.ID, Kiosk: k.Name, State: c.State, Previous: c.Previous})
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return out, errs[0]
	}
	return out, ctx.Err()
}

// ask asks the printer at uri for its status within WatchTimeout and names
// it: the printer's state, unreachable when it could not be reached or did
// not answer, unknown when it has no back channel.
func (s *Store) ask(ctx context.Context, uri string) string {
	t, err := openTransport(uri, WatchTimeout)
	if err != nil {
		return printer.StateUnreachable
	}
	defer t.Close()
	qctx, cancel := context.WithTimeout(ctx, WatchTimeout)
	defer cancel()
	st, err := t.Status(qctx)
	if err != nil {
		return printer.StateUnreachable
	}
	return st.State()
}

// direct reports whether a printer address is one the server talks to
// itself (a network or local printer).
func direct(uri string) bool {
	return strings.HasPrefix(uri, "tcp://") || strings.HasPrefix(uri, "file://")
}

// PrinterStatus is a kiosk's printer as the staff's pages show it.
type PrinterStatus struct {
	KioskID   int64      `json:"kiosk_id"`
	Kiosk     string     `json:"kiosk"` // the kiosk's name
	State     string     `json:"state"`
	Alert     bool       `json:"alert"` // the state needs a person (Alert)
	CheckedAt *time.Time `json:"checked_at"`
}

// Printers lists the printers of the kiosks that have one, by kiosk id.
func (s *Store) Printers(ctx context.Context) ([]PrinterStatus, error) {
	kiosks, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	out := []PrinterStatus{}
	for _, k := range kiosks {
		if k.Printer.URI == printer.KindNone {
			continue
		}
		out = append(out, PrinterStatus{KioskID: k.ID, Kiosk: k.Name, State: k.PrinterState, Alert: Alert(k.PrinterState), CheckedAt: k.PrinterCheckedAt})
	}
	return out, nil
}
