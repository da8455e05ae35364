package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/display"
)

// Websocket timings: the server pings every pingEvery; a connection that
// answers nothing (no pong, no message) for readTimeout is closed; a write
// that takes longer than writeTimeout closes the connection.
var (
	pingEvery    = 20 * time.Second
	readTimeout  = 60 * time.Second
	writeTimeout = 10 * time.Second
)

// socketBuffer is how many messages a screen may have unread before it is
// dropped (and resyncs).
const socketBuffer = 64

// socketReadBuffer is a websocket's read buffer: clients send little
// (pongs, a close, the kiosk agent's short reports); a longer message is
// read in several pieces, never refused for its size.
const socketReadBuffer = 256

// socketConfig is every websocket route's: a small read buffer, and a
// write buffer taken from the server's pool only while a message is being
// written, so an idle connection (a hall display between calls) holds
// none. 10,000 idle displays hold about 20 MB less this way.
func (s *Server) socketConfig() websocket.Config {
	return websocket.Config{ReadBufferSize: socketReadBuffer, WriteBufferPool: &s.socketWrites}
}

// sockets tracks open websockets, to close them with a reason on shutdown.
type sockets struct {
	mu    sync.Mutex
	conns map[*websocket.Conn]string // the kind (socketKinds)
	gauge *prometheus.GaugeVec       // okienko_websocket_connections{kind}
}

// socketKindLocal is the local holding a websocket route's kind.
const socketKindLocal = "socket_kind"

// socketKind marks the websockets of a route as kind (socketKinds), for
// okienko_websocket_connections; websocket.New keeps the locals.
func socketKind(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(socketKindLocal, kind)
		return c.Next()
	}
}

func (s *sockets) add(c *websocket.Conn) {
	kind, _ := c.Locals(socketKindLocal).(string)
	s.mu.Lock()
	if s.conns == nil {
		s.conns = map[*websocket.Conn]string{}
	}
	s.conns[c] = kind
	s.mu.Unlock()
	if s.gauge != nil && kind != "" {
		s.gauge.WithLabelValues(kind).Inc()
	}
}

func (s *sockets) remove(c *websocket.Conn) {
	s.mu.Lock()
	kind, ok := s.conns[c]
	delete(s.conns, c)
	s.mu.Unlock()
	if ok && s.gauge != nil && kind != "" {
		s.gauge.WithLabelValues(kind).Dec()
	}
}

// closeAll sends every socket a close frame (1001, going away) with reason.
func (s *sockets) closeAll(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, reason)
	for c := range s.conns {
		_ = c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = c.Close()
	}
}

// wsUpgrade admits websocket upgrades from the server's own origin (or
// clients that send none, like the kiosk agent), 426 for plain requests.
func (s *Server) wsUpgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return fiber.NewError(fiber.StatusUpgradeRequired, "this endpoint speaks websocket")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && !s.sameOrigin(origin, c.Hostname()) {
		return okienko.Errorf(okienko.EFORBIDDEN, "websocket connections are accepted from this server's own pages only")
	}
	return c.Next()
}

// sameOrigin reports whether origin is the server's base URL or the host the
// request was sent to.
func (s *Server) sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if base, err := url.Parse(s.BaseURL); err == nil && strings.EqualFold(base.Host, u.Host) {
		return true
	}
	return strings.EqualFold(u.Host, host)
}

// socket writes protocol messages to one connection, numbering them.
type socket struct {
	conn *websocket.Conn
	seq  uint64
}

func (w *socket) send(m display.Message) error {
	_ = w.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	wr, err := w.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	err = display.WriteSeq(wr, m, w.seq)
	w.seq++
	if cerr := wr.Close(); err == nil {
		err = cerr
	}
	return err
}

// serve runs a connection: it sends the snapshot, then every message from
// next until next says stop, pinging meanwhile; it returns when the client
// goes away. next returns the message to send, or ok=false to end.
func (s *Server) serveSocket(c *websocket.Conn, snapshot display.Message, next <-chan display.Message, update func() (display.Message, bool)) {
	s.sockets.add(c)
	defer s.sockets.remove(c)
	w := &socket{conn: c}
	gone := make(chan struct{})
	_ = c.SetReadDeadline(time.Now().Add(readTimeout))
	c.SetPongHandler(func(string) error { return c.SetReadDeadline(time.Now().Add(readTimeout)) })
	go func() {
		defer close(gone)
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
			_ = c.SetReadDeadline(time.Now().Add(readTimeout))
		}
	}()
	if err := w.send(snapshot); err != nil {
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	pingMsg := display.Message(`{"type":"ping"}`)
	for {
		select {
		case <-gone:
			return
		case <-ping.C:
			_ = c.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout))
			if err := w.send(pingMsg); err != nil {
				return
			}
		case m, ok := <-next:
			if !ok {
				// Dropped for falling behind, or the board resynced: the
				// client must start over with a new snapshot.
				_ = w.send(display.Message(`{"type":"resync"}`))
				_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseTryAgainLater, "resync"), time.Now().Add(time.Second))
				return
			}
			if update != nil {
				if m, ok = update(); !ok {
					continue
				}
			}
			if err := w.send(m); err != nil {
				return
			}
		}
	}
}

// wsDisplay: /ws/display?office=ID — the hall board, read-only.
func (s *Server) wsDisplay(c *websocket.Conn) {
	if id := c.Query("office"); id != "" {
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n != s.Board.OfficeID() {
			_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "unknown office"), time.Now().Add(time.Second))
			return
		}
	}
	snap, feed := s.Board.Subscribe(socketBuffer)
	defer feed.Close()
	s.serveSocket(c, snap, feed.C, nil)
}

// follow serves a connection whose snapshot and updates are views rendered
// by view, refreshed when a board message concerns it (relevant) and sent
// only when changed.
func (s *Server) follow(c *websocket.Conn, kind string, view func(ctx context.Context) (any, error), relevant func(boardMessage) bool) {
	_, feed := s.Board.Subscribe(socketBuffer)
	s.followFeed(c, feed, kind, view, relevant)
}

// followStaff is follow over the board's staff feed, which also carries
// the printers' changes.
func (s *Server) followStaff(c *websocket.Conn, kind string, view func(ctx context.Context) (any, error), relevant func(boardMessage) bool) {
	_, feed := s.Board.SubscribeStaff(socketBuffer)
	s.followFeed(c, feed, kind, view, relevant)
}

func (s *Server) followFeed(c *websocket.Conn, feed *display.Feed, kind string, view func(ctx context.Context) (any, error), relevant func(boardMessage) bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer feed.Close()
	var last []byte
	renderView := func(typ string) (display.Message, bool) {
		v, err := view(ctx)
		if err != nil {
			s.Log.Warn("websocket view", "err", err)
			return nil, false
		}
		b, _ := json.Marshal(v)
		if typ != "snapshot" && bytes.Equal(b, last) {
			return nil, false
		}
		last = b
		msg := map[string]any{"type": typ, kind: json.RawMessage(b)}
		if typ == "snapshot" {
			msg["version"] = s.Version
		}
		m, _ := json.Marshal(msg)
		return m, true
	}
	snap, ok := renderView("snapshot")
	if !ok {
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInternalServerErr, "unavailable"), time.Now().Add(time.Second))
		return
	}
	// Only messages that concern this view reach the writer.
	filtered := make(chan display.Message, socketBuffer)
	go func() {
		defer close(filtered)
		for m := range feed.C {
			var bm boardMessage
			if json.Unmarshal(m, &bm) == nil && relevant(bm) {
				select {
				case filtered <- m:
				default: // an update is already pending; it will render the latest
				}
			}
		}
	}()
	s.serveSocket(c, snap, filtered, func() (display.Message, bool) { return renderView(kind) })
}

// boardMessage is what follow reads of a board message.
type boardMessage struct {
	Type         string  `json:"type"`
	TicketID     int64   `json:"ticket_id"`
	ServiceID    int64   `json:"service_id"`
	DepartmentID int64   `json:"department_id"`
	CounterID    int64   `json:"counter_id"`
	ServiceIDs   []int64 `json:"service_ids"` // a counter's, in "counter" messages
}

// wsTicket: /ws/tickets/{public_id} — one ticket's status, live.
func (s *Server) wsTicket(c *websocket.Conn) {
	t, err := s.Queue.ByPublicID(context.Background(), c.Params("public_id"))
	if err != nil {
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "unknown ticket"), time.Now().Add(time.Second))
		return
	}
	var service atomic.Int64 // changes when the ticket is transferred
	service.Store(t.ServiceID)
	s.follow(c, "ticket", func(ctx context.Context) (any, error) {
		cur, err := s.Queue.Ticket(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		service.Store(cur.ServiceID)
		return s.publicTicket(ctx, cur)
	}, func(m boardMessage) bool {
		// Its own changes, anything that moves its matter's queue, and a
		// counter of its matter opening or closing.
		if m.Type == "counter" {
			return slices.Contains(m.ServiceIDs, service.Load())
		}
		return m.Type == "ticket" && (m.TicketID == t.ID || m.ServiceID == service.Load())
	})
}

// wsCounterQueue: /ws/counters/{id}/queue — the clerk's queue, live.
func (s *Server) wsCounterQueue(c *websocket.Conn) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	userID, _ := c.Locals(userIDLocal).(int64)
	if err != nil || userID == 0 {
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "unknown counter"), time.Now().Add(time.Second))
		return
	}
	s.follow(c, "queue", func(ctx context.Context) (any, error) {
		return s.queueView(ctx, id, userID)
	}, func(m boardMessage) bool { return m.Type == "ticket" })
}
