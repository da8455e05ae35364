package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/stats"
)

// A morning at the demo office through the real queue: three walk-ins at
// 10:00, 10:20 and 11:05 (Warsaw), the first served 11:10–11:20 after
// being called at 11:10, the second called at 11:20 and not coming.
func TestStatsAPI(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		admin := bearer(e.adminToken())
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		c1 := e.counterOf("Stanowisko 1")
		svc := c1.ServiceIDs[0]
		issue := func() {
			if _, err := e.queue.IssueWalkIn(ctx, svc, false); err != nil {
				t.Fatal(err)
			}
		}
		post := func(path string) map[string]any {
			t.Helper()
			resp, body := e.do("POST", path, nil, clerk...)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
			var out map[string]any
			_ = json.Unmarshal(body, &out)
			return out
		}
		issue() // 10:00
		e.clock.Advance(20 * time.Minute)
		issue() // 10:20
		e.clock.Advance(45 * time.Minute)
		issue() // 11:05
		e.clock.Advance(5 * time.Minute)
		post(fmt.Sprintf("/api/v1/counters/%d/open", c1.ID))
		first := post(fmt.Sprintf("/api/v1/counters/%d/next", c1.ID)) // 11:10, waited 70
		id := int64(first["id"].(float64))
		post(fmt.Sprintf("/api/v1/tickets/%d/start", id))
		e.clock.Advance(10 * time.Minute)
		post(fmt.Sprintf("/api/v1/tickets/%d/finish", id))             // served 10
		second := post(fmt.Sprintf("/api/v1/counters/%d/next", c1.ID)) // 11:20, waited 60
		post(fmt.Sprintf("/api/v1/tickets/%d/no-show", int64(second["id"].(float64))))

		q := "?from=" + e.week.Date(0) + "&to=" + e.week.Date(0)
		resp, body := e.do("GET", "/api/v1/admin/stats"+q, nil, admin...)
		if resp.StatusCode != 200 {
			t.Fatalf("stats: %d %s", resp.StatusCode, body)
		}
		var rep stats.Report
		if err := json.Unmarshal(body, &rep); err != nil {
			t.Fatal(err)
		}
		got := rep.Total
		var hours [24]int
		hours[10], hours[11] = 2, 1
		if got.TicketsIssued != 3 || got.WalkIns != 3 || got.BookingTickets != 0 || got.Served != 1 || got.NoShow != 1 || got.Expired != 0 ||
			got.BookingsMade != 0 || got.BookingsCancelled != 0 || got.BookingsCancelledLate != 0 ||
			*got.WaitP50 != 60 || *got.WaitP90 != 70 || *got.ServiceP50 != 10 || *got.ServiceP90 != 10 || got.Hours != hours {
			t.Fatalf("total: %s", body)
		}
		if len(rep.Rows) != 1 || rep.Rows[0].ServiceID != svc || rep.Rows[0].Figures.TicketsIssued != 3 || len(rep.Departments) != 1 {
			t.Fatalf("rows: %s", body)
		}

		t.Run("without a range, the last 7 office days", func(t *testing.T) {
			resp, body := e.do("GET", "/api/v1/admin/stats", nil, admin...)
			var r map[string]any
			if resp.StatusCode != 200 || json.Unmarshal(body, &r) != nil || r["from"] != e.week.Date(-6) || r["to"] != e.week.Date(0) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})

		t.Run("the CSV equals the page's figures", func(t *testing.T) {
			resp, data := e.do("GET", "/api/v1/admin/stats.csv"+q, nil, admin...)
			wantName := `attachment; filename="okienko-stats-` + e.week.Date(0) + "_" + e.week.Date(0) + `.csv"`
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
				resp.Header.Get("Content-Disposition") != wantName {
				t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, data)
			}
			// UTF-8 with a byte order mark, for Excel.
			data, ok := bytes.CutPrefix(data, []byte("\xEF\xBB\xBF"))
			if !ok {
				t.Fatalf("no byte order mark: %q", data[:min(len(data), 8)])
			}
			recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			// The JSON rows as generic objects, field by field.
			var page struct{ Rows []map[string]any }
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(page.Rows)+1 {
				t.Fatalf("%d records for %d rows", len(recs), len(page.Rows))
			}
			header := recs[0]
			for i, row := range page.Rows {
				rec := recs[i+1]
				if len(rec) != len(header) {
					t.Fatalf("record %d has %d fields", i, len(rec))
				}
				for j, col := range header {
					var want string
					if h, ok := strings.CutPrefix(col, "h"); ok && len(h) == 2 {
						n, _ := strconv.Atoi(h)
						want = fmt.Sprint(row["hours"].([]any)[n])
					} else {
						v, ok := row[col]
						if !ok {
							t.Fatalf("column %q is not in the JSON row", col)
						}
						if v != nil {
							want = fmt.Sprint(v)
						}
					}
					if rec[j] != want {
						t.Errorf("row %d %s: CSV %q, page %q", i, col, rec[j], want)
					}
				}
			}
		})

		t.Run("the SVG chart", func(t *testing.T) {
			resp, data := e.do("GET", "/api/v1/admin/stats/hours.svg"+q, nil, admin...)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/svg+xml") {
				t.Fatalf("%d %v", resp.StatusCode, resp.Header)
			}
			var doc struct {
				Title string `xml:"title"`
				Desc  string `xml:"desc"`
				Rects []struct {
					Hour   int     `xml:"data-hour,attr"`
					Count  int     `xml:"data-count,attr"`
					Height float64 `xml:"height,attr"`
				} `xml:"rect"`
			}
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Fatalf("not XML: %v", err)
			}
			if doc.Title == "" || !strings.Contains(doc.Desc, "3") || len(doc.Rects) != 24 {
				t.Fatalf("title %q desc %q, %d bars", doc.Title, doc.Desc, len(doc.Rects))
			}
			tallest := doc.Rects[10].Height
			for h, r := range doc.Rects {
				if r.Hour != h || r.Count != hours[h] || math.Abs(r.Height/tallest-float64(hours[h])/2) > 0.001 {
					t.Fatalf("bar %d: %+v (tallest %.2f)", h, r, tallest)
				}
			}
			if rest := strings.Replace(string(data), `xmlns="http://www.w3.org/2000/svg"`, "", 1); strings.Contains(rest, "//") {
				t.Fatalf("refers to another host: %s", data)
			}
		})

		t.Run("who may read them", func(t *testing.T) {
			for _, path := range []string{"/api/v1/admin/stats", "/api/v1/admin/stats.csv", "/api/v1/admin/stats/hours.svg"} {
				if resp, _ := e.do("GET", path, nil); resp.StatusCode != 401 {
					t.Errorf("%s without a session: %d, want 401", path, resp.StatusCode)
				}
				if resp, _ := e.do("GET", path, nil, clerk...); resp.StatusCode != 403 {
					t.Errorf("%s as a clerk: %d, want 403", path, resp.StatusCode)
				}
			}
		})

		t.Run("bad input is 422 naming the field", func(t *testing.T) {
			for _, tc := range []struct{ query, field string }{
				{"?from=2026-13-01&to=" + e.week.Date(0), "from"},
				{"?from=yesterday", "from"},
				{"?from=2026-11-01&to=2026-11-31", "to"},
				{"?from=" + e.week.Date(0) + "&to=" + e.week.Date(-1), "to"},
				{"?from=" + e.week.Date(-366) + "&to=" + e.week.Date(0), "to"}, // 367 days
				{"?target_minutes=0", "target_minutes"},
				{"?target_minutes=241", "target_minutes"},
				{"?target_minutes=15.5", "target_minutes"},
				{"?target_minutes=abc", "target_minutes"},
			} {
				for _, path := range []string{"/api/v1/admin/stats", "/api/v1/admin/stats.csv", "/api/v1/admin/stats/hours.svg"} {
					resp, body := e.do("GET", path+tc.query, nil, admin...)
					if resp.StatusCode != 422 {
						t.Fatalf("%s%s: %d %s", path, tc.query, resp.StatusCode, body)
					}
					if p := problemOf(t, resp, body); p.Errors[tc.field] == "" {
						t.Fatalf("%s%s: %s does not name %s", path, tc.query, body, tc.field)
					}
				}
			}
			if resp, body := e.do("GET", "/api/v1/admin/stats?from="+e.week.Date(-365)+"&to="+e.week.Date(0), nil, admin...); resp.StatusCode != 200 {
				t.Fatalf("366 days: %d %s", resp.StatusCode, body)
			}
			resp, body := e.do("GET", "/api/v1/admin/stats.csv?table=people", nil, admin...)
			if p := problemOf(t, resp, body); resp.StatusCode != 422 || p.Errors["table"] == "" {
				t.Fatalf("table=people: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("the target and the counter's table", func(t *testing.T) {
			// Waits were 70 and 60 minutes: one within 60, none within 15.
			for _, tc := range []struct {
				target string
				within int
			}{{"", 0}, {"&target_minutes=60", 1}, {"&target_minutes=240", 2}} {
				var r stats.Report
				e.okJSON("GET", "/api/v1/admin/stats"+q+tc.target, &r, admin...)
				if r.Total.Called != 2 || r.Total.WithinTarget != tc.within || len(r.Counters) != 1 || r.Counters[0].CounterID != c1.ID || r.Counters[0].WithinTarget != tc.within {
					t.Fatalf("target %q: total %+v counters %+v", tc.target, r.Total, r.Counters)
				}
			}
			resp, data := e.do("GET", "/api/v1/admin/stats.csv"+q+"&table=counters&target_minutes=60", nil, admin...)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != `attachment; filename="okienko-stats-counters-`+e.week.Date(0)+"_"+e.week.Date(0)+`.csv"` {
				t.Fatalf("%d %v", resp.StatusCode, resp.Header)
			}
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))).ReadAll()
			if err != nil || len(recs) != 2 || !reflect.DeepEqual(recs[0], stats.CSVHeaderOf("counters")) || recs[1][1] != c1.Name {
				t.Fatalf("%v %q", err, recs)
			}
		})
	})
}
