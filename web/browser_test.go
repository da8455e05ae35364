package web_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web/browsertest"
)

// TestMain runs the tests, ends the browser they share, and, when the whole
// package ran, checks that the tests made every operation of the OpenAPI
// document answer both a success and an error, each validated against the
// document (checkSpec).
func TestMain(m *testing.M) {
	code := browsertest.Main(m)
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" {
		missingOK, missingError := specSeen()
		if len(missingOK)+len(missingError) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: operations of openapi.yaml no test made answer a success:\n  %s\nand an error:\n  %s\n",
				strings.Join(missingOK, "\n  "), strings.Join(missingError, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

// listen serves e's app on a loopback port for a browser and returns its URL.
func (e *env) listen() string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go func() { _ = e.srv.Listen(ln) }()
	e.t.Cleanup(func() { _ = e.srv.App().Shutdown() })
	return "http://" + ln.Addr().String()
}

// overHTTP sends a request over a real connection to base. The body is
// announced with its Content-Length and written after the headers; the
// server may answer (and close) before taking it all, as it does for bodies
// over the limit, so write errors are ignored and the answer is read anyway.
func (e *env) overHTTP(base, method, path, body string, headers ...string) (*http.Response, []byte) {
	e.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n",
		method, path, strings.TrimPrefix(base, "http://"), len(body))
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&head, "%s: %s\r\n", headers[i], headers[i+1])
	}
	head.WriteString("\r\n")
	if _, err := io.WriteString(conn, head.String()); err != nil {
		e.t.Fatal(err)
	}
	go func() { _, _ = io.WriteString(conn, body) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

// A visitor opens the start page, skips to the content with the keyboard,
// sees the departments and follows the link to the API of departments.
func TestBrowserStartPage(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	base := e.listen()
	ctx := browsertest.New(t, 1280, 900)

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	title := run(t, ctx, chromedp.Title())
	heading := run(t, ctx, chromedp.Text(chromedp.CSS("h1")))
	departments := run(t, ctx, chromedp.Text(chromedp.CSS("#main")))
	if !strings.Contains(title, "Okienko") || !strings.Contains(heading, "Urząd") {
		t.Fatalf("title %q, heading %q", title, heading)
	}
	for _, want := range []string{"Biuro Obsługi Klienta", "Dowody osobiste", "Rejestracja pojazdów", "Prawa jazdy"} {
		if !strings.Contains(departments, want) {
			t.Errorf("start page does not show %q", want)
		}
	}
	// The first Tab reaches the skip link.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if focused := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent`)); strings.TrimSpace(focused) != "Przejdź do treści" {
		t.Fatalf("first Tab focused %q, want the skip link", focused)
	}
	// Following the link to the departments API shows its JSON.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/api/v1/departments"]`)),
		chromedp.WaitVisible(chromedp.CSS("body")),
	); err != nil {
		t.Fatal(err)
	}
	apiBody := run(t, ctx, chromedp.Poll[string](`document.body && document.body.innerText.includes('"ticket_prefix"') ? document.body.innerText : null`))
	if !strings.Contains(apiBody, `"ticket_prefix":"D"`) {
		t.Fatalf("after the click the page shows %.200q", apiBody)
	}
}

// run runs a browser action that answers a value, failing the test on error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
