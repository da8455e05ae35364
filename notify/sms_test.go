package notify

import (
	"context"
	"log/slog"
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

// Encode only changes letters and punctuation, never the length of what
// is said: Polish letters become ASCII with Unicode off, typographic
// punctuation whenever that leaves the text in GSM.
func TestSMSEncode(t *testing.T) {
	cases := []struct {
		name        string
		l           SMSLimits
		in, want    string
		wantUnicode bool
	}{
		{"Polish to ASCII", SMSLimits{}, "Zażółć gęślą jaźń…", "Zazolc gesla jazn...", false},
		{"Unicode keeps Polish", SMSLimits{Unicode: true}, "Zażółć gęślą jaźń…", "Zażółć gęślą jaźń…", true},
		{"Unicode on, a GSM text stays GSM", SMSLimits{Unicode: true}, "Visit – Office…", "Visit - Office...", false},
		{"Cyrillic goes as Unicode", SMSLimits{}, "Візит скасовано…", "Візит скасовано…", true},
		{"Polish letters go even in a Unicode text", SMSLimits{}, "Łódź: візит", "Lodz: візит", true},
		{"GSM's own accents stay GSM", SMSLimits{}, "Café Müller {€}", "Café Müller {€}", false},
		{"a backtick is not GSM", SMSLimits{}, "a`b", "a`b", true},
	}
	for _, c := range cases {
		out, unicode := c.l.Encode(c.in)
		if out != c.want || unicode != c.wantUnicode {
			t.Errorf("%s: %q unicode=%v, want %q unicode=%v", c.name, out, unicode, c.want, c.wantUnicode)
		}
	}
}

// SMSParts counts septets (the extension table two), UCS-2 units (beyond
// the BMP two) and never splits a character between parts.
func TestSMSParts(t *testing.T) {
	a, zh := strings.Repeat, "ж"
	cases := []struct {
		name    string
		text    string
		unicode bool
		want    int
	}{
		{"empty", "", false, 1},
		{"160 septets", a("a", 160), false, 1},
		{"161 septets", a("a", 161), false, 2},
		{"an extended character takes two", a("a", 159) + "€", false, 2},
		{"306 septets", a("a", 306), false, 2},
		{"307 septets", a("a", 307), false, 3},
		{"an escape sequence is not split", a("a", 152) + "€" + a("a", 152), false, 3},
		{"70 units", a(zh, 70), true, 1},
		{"71 units", a(zh, 71), true, 2},
		{"134 units", a(zh, 134), true, 2},
		{"135 units", a(zh, 135), true, 3},
		{"beyond the BMP takes two", a(zh, 69) + "😀", true, 2},
		{"a surrogate pair is not split", a(zh, 66) + "😀" + a(zh, 66), true, 3},
	}
	for _, c := range cases {
		if got := SMSParts(c.text, c.unicode); got != c.want {
			t.Errorf("%s: %d parts, want %d", c.name, got, c.want)
		}
	}
	if !(SMSLimits{}).Fits(a("ą", 160)) || (SMSLimits{Unicode: true}).Fits(a("ą", 71)) || !(SMSLimits{Unicode: true, Parts: 2}).Fits(a("ą", 134)) {
		t.Error("Fits does not encode as Send does")
	}
}

// The bug report's cases end to end, as the gateway gets them with one
// part allowed: the Polish confirmation ends with the whole link carrying
// the right code; the Ukrainian one (UCS-2) has the code and the link, in
// two parts, and a warning says so.
func TestSMSComposedToFit(t *testing.T) {
	for _, lang := range []string{"pl", "uk"} {
		t.Run(lang, func(t *testing.T) {
			databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
				f := newFixture(t, db)
				b := f.book(t, lang, "600 123 456")
				g := &gateway{status: 200, body: `{"count":1}`}
				srv := httptest.NewServer(g)
				defer srv.Close()
				limits := SMSLimits{Parts: 1}
				var logged strings.Builder
				log := slog.New(slog.NewTextHandler(&logged, nil))
				w := &Worker{DB: f.db, Clock: f.clock, Email: &recorder{}, SMS: &SMSSender{BaseURL: srv.URL, Token: "t", Limits: limits},
					Compose: &Messages{DB: f.db, Clock: f.clock, Offices: f.offices, BaseURL: "https://urzad.example", SMS: limits, Log: log}}
				if n, err := w.RunOnce(context.Background()); err != nil || n != 2 {
					t.Fatalf("sent %d, %v", n, err)
				}
				_, forms := g.seen()
				msg := forms[0].Get("message")
				code := b.Code[:4] + "-" + b.Code[4:]
				link := "https://urzad.example/rezerwacja/" + code + "/odwolaj"
				if !strings.HasSuffix(msg, " "+link) || (!strings.Contains(msg, " "+code+".") && !strings.Contains(msg, " "+code+":")) {
					t.Fatalf("message %q lacks the code %s or the link whole", msg, code)
				}
				enc, unicode := limits.Encode(msg)
				parts := SMSParts(enc, unicode)
				warned := strings.Contains(logged.String(), "needs more parts")
				switch lang {
				case "pl":
					if unicode || parts != 1 || warned || forms[0].Get("encoding") != "" {
						t.Errorf("%q: unicode=%v, %d parts, warned=%v", msg, unicode, parts, warned)
					}
				case "uk":
					if !unicode || parts != 2 || !warned || forms[0].Get("encoding") != "utf-8" {
						t.Errorf("%q: unicode=%v, %d parts, warned=%v", msg, unicode, parts, warned)
					}
				}
			})
		})
	}
}
