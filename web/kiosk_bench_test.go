package web_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/okienko/okienko/kiosk/printer/printertest"
)

// BenchmarkKioskTicketToPrinter: a ticket request at the kiosk API until the
// answer, which comes after the last ESC/POS byte reached the TCP printer
// and the printer was asked for its status again (target p99 under 50 ms).
func BenchmarkKioskTicketToPrinter(b *testing.B) {
	e := newEnvB(b)
	admin := bearer(e.adminToken())
	fake := printertest.Start(b)
	ks, _ := e.srv.Kiosks.List(b.Context())
	resp, body := e.do("PATCH", fmt.Sprintf("/api/v1/admin/kiosks/%d", ks[0].ID), map[string]any{"printer": map[string]any{"uri": fake.URI()}}, admin...)
	if resp.StatusCode != 200 {
		b.Fatalf("set printer: %d %s", resp.StatusCode, body)
	}
	svc := e.counterOf("Stanowisko 1").ServiceIDs[0]
	kiosk := bearer(e.creds.KioskToken)
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		resp, body := e.do("POST", "/api/v1/kiosk/tickets", map[string]any{"service_id": svc}, kiosk...)
		ds = append(ds, time.Since(t0))
		if resp.StatusCode != 201 {
			b.Fatalf("ticket: %d %s", resp.StatusCode, body)
		}
	}
	b.StopTimer()
	if fake.Printed() != b.N {
		b.Fatalf("the printer printed %d of %d tickets", fake.Printed(), b.N)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
}
