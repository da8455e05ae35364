package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/notify/outbox"
)

// gateway is an httptest SMSAPI answering status (and body) and recording
// requests.
type gateway struct {
	mu     sync.Mutex
	reqs   []*http.Request
	forms  []url.Values
	status int
	body   string
	hang   bool
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	g.mu.Lock()
	g.reqs, g.forms = append(g.reqs, r), append(g.forms, r.PostForm)
	status, body, hang := g.status, g.body, g.hang
	g.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// seen returns copies of the requests and forms received so far.
func (g *gateway) seen() ([]*http.Request, []url.Values) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*http.Request(nil), g.reqs...), append([]url.Values(nil), g.forms...)
}

func TestSMSRequest(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		b := f.book(t, "pl", "600 123 456")
		g := &gateway{status: 200, body: `{"count":1,"list":[{"id":"1","points":0.16}]}`}
		srv := httptest.NewServer(g)
		defer srv.Close()
		sms := &SMSSender{BaseURL: srv.URL + "/api/", Token: "tok-123", From: "Urzad"}
		w := f.worker(&recorder{}, sms)
		n, err := w.RunOnce(context.Background())
		if err != nil || n != 2 {
			t.Fatalf("sent %d, %v", n, err)
		}
		reqs, forms := g.seen()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		r, form := reqs[0], forms[0]
		if r.Method != "POST" || r.URL.Path != "/api/sms.do" || r.Header.Get("Authorization") != "Bearer tok-123" {
			t.Errorf("%s %s, Authorization %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		code := b.Code[:4] + "-" + b.Code[4:]
		want := map[string]string{"to": "48600123456", "from": "Urzad", "format": "json", "check_idx": "1",
			"idx": w.Installation + "-" + outbox.BookingKey(b.ID, outbox.Confirmation, outbox.SMS), "encoding": ""}
		for k, v := range want {
			if form.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, form.Get(k), v)
			}
		}
		msg := form.Get("message")
		if !strings.Contains(msg, code) || !strings.Contains(msg, "Urzad Testowy") || len(msg) > 160 || !isGSM(msg) {
			t.Errorf("message %q (%d chars) lacks the code, keeps Polish letters or is too long", msg, len(msg))
		}
		var row outbox.Message
		db.Where("channel = ?", outbox.SMS).First(&row)
		if row.State != outbox.Sent || row.Recipient != "+48******456" {
			t.Errorf("sms row: %s, recipient %q", row.State, row.Recipient)
		}
	})
}

func TestSMSFailures(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		body     string
		hang     bool
		attempts int // attempts until failed
	}{
		{"400 is final", 400, `{"error":13,"message":"bad number"}`, false, 1},
		{"401 is final", 401, `{"error":101}`, false, 1},
		{"200 with error is final", 200, `{"error":13,"message":"bad number"}`, false, 1},
		{"429 is retried", 429, ``, false, DefaultMaxAttempts},
		{"500 is retried", 500, `oops`, false, DefaultMaxAttempts},
		{"timeout is retried", 0, ``, true, DefaultMaxAttempts},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				f := newFixture(t, db)
				f.book(t, "uk", "600 123 456")
				g := &gateway{status: c.status, body: c.body, hang: c.hang}
				srv := httptest.NewServer(g)
				defer srv.Close()
				// A hanging gateway needs a short timeout; the others a
				// generous one, so a loaded machine doesn't turn a final
				// 400 into a retried timeout.
				timeout := 30 * time.Second
				if c.hang {
					timeout = 200 * time.Millisecond
				}
				sms := &SMSSender{BaseURL: srv.URL, Token: "t", Client: &http.Client{Timeout: timeout}}
				w := f.worker(&recorder{}, sms)
				for i := 0; i < 10; i++ {
					if _, err := w.RunOnce(context.Background()); err != nil {
						t.Fatal(err)
					}
					f.clock.Advance(time.Hour)
				}
				var row outbox.Message
				db.Where("channel = ?", outbox.SMS).First(&row)
				reqs, forms := g.seen()
				if row.State != outbox.Failed || row.Attempts != c.attempts || len(reqs) != c.attempts || row.LastError == "" {
					t.Fatalf("state %s, attempts %d, requests %d, error %q; want failed after %d", row.State, row.Attempts, len(reqs), row.LastError, c.attempts)
				}
				if forms[0].Get("encoding") != "utf-8" {
					t.Errorf("a Ukrainian SMS went without encoding=utf-8")
				}
			})
		})
	}
}

func TestSMSFit(t *testing.T) {
	long := strings.Repeat("żółw ", 50)
	cases := []struct {
		name        string
		s           SMSSender
		in          string
		wantUnicode bool
		maxLen      int
	}{
		{"Polish to ASCII", SMSSender{}, "Zażółć gęślą jaźń", false, 160},
		{"Unicode kept", SMSSender{Unicode: true}, "Zażółć gęślą jaźń", true, 70},
		{"Cyrillic goes as Unicode", SMSSender{}, "Візит скасовано", true, 70},
		{"long cut to one part", SMSSender{}, long, false, 160},
		{"long cut to two parts", SMSSender{Parts: 2}, long, false, 306},
		{"long Unicode cut", SMSSender{Unicode: true}, long, true, 70},
	}
	for _, c := range cases {
		out, unicode := c.s.Fit(c.in)
		if unicode != c.wantUnicode || smsLength(out, unicode) > c.maxLen {
			t.Errorf("%s: %q unicode=%v length %d", c.name, out, unicode, smsLength(out, unicode))
		}
		if !unicode && !isGSM(out) {
			t.Errorf("%s: %q is not GSM", c.name, out)
		}
	}
	if out, _ := (&SMSSender{}).Fit("Zażółć gęślą jaźń"); out != "Zazolc gesla jazn" {
		t.Errorf("normalised %q", out)
	}
}
