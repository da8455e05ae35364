package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// wsClient reads protocol messages and checks their numbering.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
	seq  int
}

func (e *env) dial(base, path string, header http.Header) *wsClient {
	e.t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + path
	conn, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		e.t.Fatalf("dial %s: %v (HTTP %d)", path, err, status)
	}
	e.t.Cleanup(func() { conn.Close() })
	return &wsClient{t: e.t, conn: conn, seq: -1}
}

// next returns the next message that isn't a ping, failing on a gap in seq.
func (c *wsClient) next() map[string]any {
	c.t.Helper()
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("message %s: %v", b, err)
		}
		seq := int(m["seq"].(float64))
		if seq != c.seq+1 {
			c.t.Fatalf("seq %d after %d: a gap (%s)", seq, c.seq, b)
		}
		c.seq = seq
		if m["type"] != "ping" {
			return m
		}
	}
}

// until reads messages until one of type typ arrives.
func (c *wsClient) until(typ string) map[string]any {
	c.t.Helper()
	for i := 0; i < 50; i++ {
		if m := c.next(); m["type"] == typ {
			return m
		}
	}
	c.t.Fatalf("no %s message", typ)
	return nil
}

// The display protocol: a snapshot on connect, then events numbered by seq
// without gaps; a reconnect starts with a new snapshot that holds the calls.
func TestDisplayProtocol(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		base := e.listen()
		c := e.dial(base, "/ws/display", nil)
		snap := c.next()
		if snap["type"] != "snapshot" || snap["seq"].(float64) != 0 || snap["version"] != "test" {
			t.Fatalf("first message %v", snap)
		}
		if deps := snap["departments"].([]any); len(deps) != 4 {
			t.Fatalf("snapshot departments %v", deps)
		}
		other := e.dial(base, "/ws/display", nil)
		other.next()

		counter := e.counterOf("Stanowisko 1")
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", counter.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		_, number, _ := e.issueTicket(counter.ServiceIDs[0])
		w := c.until("waiting")
		if !strings.Contains(fmt.Sprint(w["departments"]), "waiting:1") {
			t.Fatalf("waiting counts %v", w)
		}
		if resp, _ := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", counter.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("next: %d", resp.StatusCode)
		}
		call := c.until("called")
		if call["number"] != number || call["counter"] != "Stanowisko 1" || call["recall"] != false || call["department"] != "Biuro Obsługi Klienta" {
			t.Fatalf("called message %v", call)
		}
		if m := other.until("called"); m["number"] != number {
			t.Fatalf("the second display got %v", m)
		}

		// Reconnecting gets a new snapshot with the call in it.
		again := e.dial(base, "/ws/display", nil)
		snap = again.next()
		calls := snap["calls"].([]any)
		if snap["type"] != "snapshot" || len(calls) != 1 || calls[0].(map[string]any)["number"] != number {
			t.Fatalf("snapshot after reconnect %v", snap)
		}

		// Another site's page may not connect.
		url := "ws" + strings.TrimPrefix(base, "http") + "/ws/display"
		_, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {"https://evil.example"}})
		if err == nil || resp == nil || resp.StatusCode != 403 {
			t.Fatalf("a foreign origin: %v %v", err, resp)
		}
		// A plain request is told to upgrade.
		if r, _ := http.Get(base + "/ws/display"); r.StatusCode != 426 {
			t.Fatalf("plain GET: %d", r.StatusCode)
		}
	})
}

// The resident's ticket: a snapshot, then updates when a counter of its
// matter opens, when people ahead are called and when it is called itself.
func TestTicketSocket(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		base := e.listen()
		counter := e.counterOf("Stanowisko 1")
		_, _, _ = e.issueTicket(counter.ServiceIDs[0])
		_, number, pid := e.issueTicket(counter.ServiceIDs[0])
		c := e.dial(base, "/ws/tickets/"+pid, nil)
		snap := c.next()
		tk := snap["ticket"].(map[string]any)
		if snap["type"] != "snapshot" || tk["number"] != number || tk["people_ahead"].(float64) != 1 || tk["counters_open"].(float64) != 0 {
			t.Fatalf("snapshot %v", snap)
		}
		// A counter of its matter opens: somebody serves it now.
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", counter.ID), nil, clerk...)
		if m := c.until("ticket"); m["ticket"].(map[string]any)["counters_open"].(float64) != 1 {
			t.Fatalf("after the counter opened: %v", m)
		}
		e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", counter.ID), nil, clerk...)
		m := c.until("ticket")
		if m["ticket"].(map[string]any)["people_ahead"].(float64) != 0 {
			t.Fatalf("after the first was called: %v", m)
		}
		var first int64
		db.Table("tickets").Select("id").Where("status = ?", "called").Scan(&first)
		e.do("POST", fmt.Sprintf("/api/v1/tickets/%d/start", first), nil, clerk...)
		e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", counter.ID), nil, clerk...)
		for {
			tk := c.until("ticket")["ticket"].(map[string]any)
			if tk["status"] == "called" {
				if tk["counter"] != "Stanowisko 1" {
					t.Fatalf("called without the counter: %v", tk)
				}
				break
			}
		}
	})
}

// The clerk's queue over a websocket needs a session.
func TestCounterQueueSocket(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	base := e.listen()
	counter := e.counterOf("Stanowisko 1")
	url := "ws" + strings.TrimPrefix(base, "http") + fmt.Sprintf("/ws/counters/%d/queue", counter.ID)
	if _, resp, err := websocket.DefaultDialer.Dial(url, nil); err == nil || resp.StatusCode != 401 {
		t.Fatalf("without a session: %v %v", err, resp)
	}
	token := e.login(e.creds.ClerkUser, e.creds.ClerkPassword)
	c := e.dial(base, fmt.Sprintf("/ws/counters/%d/queue", counter.ID), http.Header{"Cookie": {"okienko_session=" + token}})
	snap := c.next()
	if snap["type"] != "snapshot" || snap["queue"] == nil {
		t.Fatalf("snapshot %v", snap)
	}
	_, number, _ := e.issueTicket(counter.ServiceIDs[0])
	q := c.until("queue")["queue"].(map[string]any)
	if w := q["waiting"].([]any); len(w) != 1 || w[0].(map[string]any)["number"] != number {
		t.Fatalf("queue update %v", q)
	}
}
