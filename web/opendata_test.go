package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
)

// The open-data feed over HTTP: public, cacheable, readable from any origin,
// and shaped as the City of Warsaw's queue API, with its string and number
// types, for the demo office before and after closing time.
func TestOpenDataQueues(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db) // the test Monday, 10:00 in Warsaw; demo departments open 08:00–16:00
		c1 := e.counterOf("Stanowisko 1")
		served := c1.ServiceIDs[0]
		_, first, _ := e.issueTicket(served)
		e.issueTicket(served)
		clerk := bearer(e.login(e.creds.ClerkUser, e.creds.ClerkPassword))
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/open", c1.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("open: %d %s", resp.StatusCode, body)
		}
		if resp, body := e.do("POST", fmt.Sprintf("/api/v1/counters/%d/next", c1.ID), nil, clerk...); resp.StatusCode != 200 {
			t.Fatalf("next: %d %s", resp.StatusCode, body)
		}
		deps, err := e.offices.Departments(t.Context(), true)
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name, time string
			at         time.Time
			open       bool // departments open
		}{
			{"while open", "10:00", e.week.At(0, 10, 0), true},
			{"after closing", "17:30", e.week.At(0, 17, 30), false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := e.withT(t)
				e.clock.Set(tc.at)
				resp, body := e.do("GET", "/api/v1/open-data/queues", nil)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, body)
				}
				for h, want := range map[string]string{
					"Content-Type":                "application/json",
					"Cache-Control":               "public, max-age=15",
					"Access-Control-Allow-Origin": "*",
				} {
					if got := resp.Header.Get(h); got != want {
						t.Errorf("%s = %q, want %q", h, got, want)
					}
				}

				var doc map[string]any
				if err := json.Unmarshal(body, &doc); err != nil {
					t.Fatalf("body %s: %v", body, err)
				}
				if keys := keysOf(doc); !slices.Equal(keys, []string{"result"}) {
					t.Fatalf("top-level keys %v, want [result]", keys)
				}
				result, ok := doc["result"].(map[string]any)
				if !ok {
					t.Fatalf("result is %T", doc["result"])
				}
				if keys := keysOf(result); !slices.Equal(keys, []string{"date", "grupy", "time"}) {
					t.Fatalf("result keys %v", keys)
				}
				if result["date"] != e.week.Date(0) || result["time"] != tc.time {
					t.Errorf("date, time = %#v, %#v; want %s, %s", result["date"], result["time"], e.week.Date(0), tc.time)
				}
				groups, ok := result["grupy"].([]any)
				if !ok {
					t.Fatalf("grupy is %T", result["grupy"])
				}

				// What each group must say, from the catalog in its order.
				var want []map[string]any
				for _, d := range deps {
					for _, s := range d.Services {
						g := map[string]any{
							"idGrupy": strconv.FormatInt(s.ID, 10), "nazwaGrupy": s.Name, "literaGrupy": d.TicketPrefix,
							"liczbaKlwKolejce": 0.0, "liczbaKlwZdalnych": 0.0, "liczbaCzynnychStan": 0.0, "aktualnyNumer": "",
							"czasObslugi": strconv.Itoa(s.SlotMinutes), "status": "0", "lp": strconv.Itoa(len(want) + 1),
						}
						if slices.Contains(c1.ServiceIDs, s.ID) {
							g["liczbaCzynnychStan"], g["status"] = 1.0, "1"
						}
						if tc.open {
							g["status"] = "1"
						}
						if s.ID == served {
							g["liczbaKlwKolejce"], g["aktualnyNumer"] = 1.0, first
						}
						want = append(want, g)
					}
				}
				if len(want) < 4 {
					t.Fatalf("the demo catalog has only %d services", len(want))
				}
				if len(groups) != len(want) {
					t.Fatalf("%d groups, want %d: %s", len(groups), len(want), body)
				}
				for i, w := range want {
					g, ok := groups[i].(map[string]any)
					if !ok {
						t.Fatalf("group %d is %T", i, groups[i])
					}
					if keys, wkeys := keysOf(g), keysOf(w); !slices.Equal(keys, wkeys) {
						t.Errorf("group %d keys %v, want %v", i+1, keys, wkeys)
					}
					for k, wv := range w {
						// %T tells "12" (string) from 12 (float64).
						if gv := g[k]; fmt.Sprintf("%T %v", gv, gv) != fmt.Sprintf("%T %v", wv, wv) {
							t.Errorf("group %d %s = %#v, want %#v", i+1, k, gv, wv)
						}
					}
				}
			})
		}

		// The cache and origin headers belong to this endpoint only.
		resp, _ := e.do("GET", "/api/v1/departments", nil)
		if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Cache-Control") == "public, max-age=15" {
			t.Errorf("departments answer with the open-data headers: %v", resp.Header)
		}
	})
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Remote tickets are counted apart in the open data: of the tickets
// waiting for a matter, liczbaKlwZdalnych are the ones taken from the phone.
func TestOpenDataCountsRemoteTickets(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		counter := e.counterOf("Stanowisko 1")
		svc := counter.ServiceIDs[0]
		e.allowRemote(svc, 5, false)
		e.issueTicket(svc)
		for _, phone := range []string{"600100200", "600100201"} {
			if resp, body := e.do("POST", "/api/v1/remote-tickets", map[string]any{"service_id": svc, "phone": phone}); resp.StatusCode != 201 {
				t.Fatalf("remote ticket: %d %s", resp.StatusCode, body)
			}
		}
		resp, body := e.do("GET", "/api/v1/open-data/queues", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("open data: %d %s", resp.StatusCode, body)
		}
		var doc struct {
			Result struct {
				Grupy []struct {
					IDGrupy           string `json:"idGrupy"`
					LiczbaKlwKolejce  int    `json:"liczbaKlwKolejce"`
					LiczbaKlwZdalnych int    `json:"liczbaKlwZdalnych"`
				} `json:"grupy"`
			} `json:"result"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, g := range doc.Result.Grupy {
			if g.IDGrupy == strconv.FormatInt(svc, 10) {
				found = true
				if g.LiczbaKlwKolejce != 3 || g.LiczbaKlwZdalnych != 2 {
					t.Fatalf("waiting %d, of them remote %d; want 3 and 2", g.LiczbaKlwKolejce, g.LiczbaKlwZdalnych)
				}
			} else if g.LiczbaKlwZdalnych != 0 {
				t.Fatalf("matter %s counts %d remote tickets", g.IDGrupy, g.LiczbaKlwZdalnych)
			}
		}
		if !found {
			t.Fatalf("no group for matter %d: %s", svc, body)
		}
	})
}
