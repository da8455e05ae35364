package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okienko/okienko/database/databasetest"
)

// Requests of different methods on one keep-alive connection, whose bytes
// fasthttp keeps in one reused buffer, leave /metrics with exactly the
// methods sent: labels kept past a request once read "POS" or "GETT" out of
// the next request's bytes, and then /metrics answered 500. An invented
// method is refused before it is counted.
func TestMetricsAfterKeepAlive(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	base := e.listen()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	send := func(method, path, body string) int {
		t.Helper()
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", method, path, len(body), body)
		resp, err := http.ReadResponse(r, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 50; i++ {
		send("GET", "/api/v1/departments", "")
		send("POST", "/api/v1/bookings/cancel", `{}`)
		send("OPTIONS", "/api/v1/departments", "")
		send("DELETE", "/api/v1/admin/departments/1", "")
		send("PATCH", "/api/v1/departments", `{"a":1}`)
		send("HEAD", "/healthz", "")
		if status := send("FROBNICATE", "/api/v1/departments", ""); status < 400 {
			t.Fatalf("an invented method: %d, want it refused", status)
		}
		send("GET", "/api/v1/services/1", "")
	}
	fmt.Fprintf(conn, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	var methods []string
	for _, m := range regexp.MustCompile(`okienko_http_request_duration_seconds_count\{method="([^"]*)"`).FindAllStringSubmatch(string(body), -1) {
		if !slices.Contains(methods, m[1]) {
			methods = append(methods, m[1])
		}
	}
	slices.Sort(methods)
	if want := []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST"}; !slices.Equal(methods, want) {
		t.Fatalf("method labels %q, want %q", methods, want)
	}
	for _, want := range []string{
		`okienko_http_request_duration_seconds_count{method="GET",route="/api/v1/departments",status="200"} 50`,
		`okienko_http_request_duration_seconds_count{method="GET",route="/api/v1/services/:id",status="200"} 50`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// okienko_websocket_connections counts the open websockets by kind: one
// more while a hall display is connected, back when it goes.
func TestMetricsWebsockets(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	base := e.listen()
	gauge := func() string {
		t.Helper()
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`(?m)^okienko_websocket_connections\{kind="display"\} (\d+)$`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no display websockets in /metrics:\n%s", body)
		}
		return string(m[1])
	}
	if got := gauge(); got != "0" {
		t.Fatalf("before: %s", got)
	}
	c := e.dial(base, "/ws/display", nil)
	c.next()
	if got := gauge(); got != "1" {
		t.Fatalf("connected: %s, want 1", got)
	}
	c.conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for gauge() != "0" {
		if time.Now().After(deadline) {
			t.Fatal("the gauge stays up after the display left")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
