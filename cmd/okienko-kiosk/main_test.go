package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okienko/okienko/kiosk/escpos"
	"github.com/okienko/okienko/kiosk/printer/printertest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// runCmd runs the program and returns its exit code, stdout and stderr.
func runCmd(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, getenv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestParseArgs(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	full := map[string]string{
		"OKIENKO_SERVER_URL":       "https://env.example.pl",
		"OKIENKO_KIOSK_TOKEN":      "from-env",
		"OKIENKO_KIOSK_TOKEN_FILE": tokenFile,
		"OKIENKO_PRINTER":          "tcp://192.0.2.1:9100",
	}
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		cmd     string
		server  string
		token   string
		printer string
		timeout time.Duration
		every   time.Duration
	}{
		{name: "environment only", env: full, cmd: "run", server: "https://env.example.pl", token: "from-env", printer: "tcp://192.0.2.1:9100", timeout: 3 * time.Second, every: 30 * time.Second},
		{name: "flags win", args: []string{"--server", "http://flag.example.pl", "--token", "from-flag", "--printer", "file:///dev/usb/lp0", "--timeout", "1s", "--status-every", "5s"},
			env: full, cmd: "run", server: "http://flag.example.pl", token: "from-flag", printer: "file:///dev/usb/lp0", timeout: time.Second, every: 5 * time.Second},
		{name: "flags after the command", args: []string{"status", "--printer", "tcp://192.0.2.2:9100"}, env: full, cmd: "status",
			server: "https://env.example.pl", token: "from-env", printer: "tcp://192.0.2.2:9100", timeout: 3 * time.Second, every: 30 * time.Second},
		{name: "flags before the command", args: []string{"--token", "x", "run"}, cmd: "run", token: "x", timeout: 3 * time.Second, every: 30 * time.Second},
		{name: "token file flag beats the environment", args: []string{"--token-file", tokenFile}, env: map[string]string{"OKIENKO_KIOSK_TOKEN": "from-env"},
			cmd: "run", token: "from-file", timeout: 3 * time.Second, every: 30 * time.Second},
		{name: "token file from the environment", env: map[string]string{"OKIENKO_KIOSK_TOKEN_FILE": tokenFile}, cmd: "run", token: "from-file", timeout: 3 * time.Second, every: 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, cfg, err := parseArgs(tc.args, env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cmd != tc.cmd || cfg.Server != tc.server || cfg.Token != tc.token || cfg.Printer != tc.printer || cfg.Timeout != tc.timeout || cfg.StatusEvery != tc.every {
				t.Fatalf("got %q %+v", cmd, cfg)
			}
		})
	}
}

func TestParseArgsRejects(t *testing.T) {
	for _, args := range [][]string{
		{"--nope"},
		{"run", "extra"},
		{"--timeout", "0s"},
		{"--status-every", "-1s"},
		{"--paper", "76"},
		{"--code-table", "17"},
		{"--log-level", "loud"},
		{"--token-file", "/nonexistent/token"},
	} {
		if _, _, err := parseArgs(args, env(nil)); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

func TestAgentURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://okienko.example.pl", "wss://okienko.example.pl/ws/kiosk/agent"},
		{"https://okienko.example.pl/", "wss://okienko.example.pl/ws/kiosk/agent"},
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/ws/kiosk/agent"},
		{"https://urzad.example.pl/okienko/", "wss://urzad.example.pl/okienko/ws/kiosk/agent"},
		{"wss://okienko.example.pl", "wss://okienko.example.pl/ws/kiosk/agent"},
		{"ftp://okienko.example.pl", ""},
		{"okienko.example.pl", ""},
		{"", ""},
	} {
		got, err := agentURL(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("agentURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCommandLine(t *testing.T) {
	code, out, _ := runCmd(t, env(nil), "--help")
	if code != 0 || !strings.Contains(out, "OKIENKO_KIOSK_TOKEN_FILE") || !strings.Contains(out, "test-print") {
		t.Fatalf("--help: %d %q", code, out)
	}
	code, out, _ = runCmd(t, env(nil), "version")
	if code != 0 || !strings.HasPrefix(out, "okienko-kiosk ") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, _, errOut := runCmd(t, env(nil), "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	// run without configuration names everything that is missing.
	code, _, errOut = runCmd(t, env(nil), "run")
	if code != 2 || !strings.Contains(errOut, "no server") || !strings.Contains(errOut, "no kiosk token") || !strings.Contains(errOut, "no printer") {
		t.Fatalf("run unconfigured: %d %q", code, errOut)
	}
	code, _, errOut = runCmd(t, env(map[string]string{"OKIENKO_PRINTER": "agent"}), "status")
	if code != 2 || !strings.Contains(errOut, "local printer") {
		t.Fatalf("status on printer agent: %d %q", code, errOut)
	}
}

func TestStatusCommand(t *testing.T) {
	fake := printertest.Start(t)
	for _, tc := range []struct {
		name  string
		set   func()
		state string
		code  int
	}{
		{"ready", func() {}, "ok", 0},
		{"paper low still prints", func() { fake.SetPaperNearEnd(true) }, "paper_low", 0},
		{"paper out", func() { fake.SetPaperOut(true) }, "paper_out", 1},
		{"cover open", func() { fake.Refill(); fake.SetCoverOpen(true) }, "cover_open", 1},
		{"silent", func() { fake.SetCoverOpen(false); fake.SetSilent(true) }, "unreachable", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set()
			code, out, errOut := runCmd(t, env(map[string]string{"OKIENKO_PRINTER": fake.URI()}), "status", "--timeout", "300ms")
			if code != tc.code || strings.TrimSpace(out) != tc.state {
				t.Fatalf("status: %d %q %q; want %d %q", code, out, errOut, tc.code, tc.state)
			}
		})
	}
	// Nothing listens on a closed printer's port.
	fake.Close()
	code, out, _ := runCmd(t, env(nil), "status", "--printer", fake.URI(), "--timeout", "300ms")
	if code != 1 || strings.TrimSpace(out) != "unreachable" {
		t.Fatalf("status of a closed printer: %d %q", code, out)
	}
}

func TestTestPrint(t *testing.T) {
	for _, paper := range []string{"80", "58"} {
		t.Run(paper, func(t *testing.T) {
			fake := printertest.Start(t)
			code, out, errOut := runCmd(t, env(nil), "test-print", "--printer", fake.URI(), "--paper", paper)
			if code != 0 || !strings.Contains(out, "printed") {
				t.Fatalf("test-print: %d %q %q", code, out, errOut)
			}
			jobs := fake.Jobs()
			if len(jobs) != 1 {
				t.Fatalf("printer received %d jobs, want 1", len(jobs))
			}
			if text := escpos.Decode(jobs[0], escpos.CodeTablePC852); !strings.Contains(text, "Zażółć gęślą jaźń") {
				t.Fatalf("test page lacks the Polish sentence:\n%s", text)
			}
			// 80 mm cuts, so the fake counts a printed page; QR native there,
			// a raster image (GS v 0) on 58 mm.
			switch paper {
			case "80":
				if fake.Printed() != 1 || !bytes.Contains(jobs[0], []byte{0x1d, '(', 'k'}) {
					t.Fatalf("80 mm: printed %d, native QR %v", fake.Printed(), bytes.Contains(jobs[0], []byte{0x1d, '(', 'k'}))
				}
			case "58":
				if !bytes.Contains(jobs[0], []byte{0x1d, 'v', '0'}) {
					t.Fatal("58 mm: no raster QR")
				}
			}
		})
	}
	t.Run("paper out", func(t *testing.T) {
		fake := printertest.Start(t)
		fake.SetPaperOut(true)
		code, _, errOut := runCmd(t, env(nil), "test-print", "--printer", fake.URI())
		if code != 1 || !strings.Contains(errOut, "paper_out") || len(fake.Jobs()) != 0 {
			t.Fatalf("test-print without paper: %d %q (printer got %d jobs)", code, errOut, len(fake.Jobs()))
		}
	})
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jitter float64
		want   []time.Duration
	}{
		{"no jitter", 0.5, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}},
		{"shortest", 0, []time.Duration{400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}},
		{"longest", 0.999999, []time.Duration{599 * time.Millisecond, 1199 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := backoff{min: 500 * time.Millisecond, max: 30 * time.Second, jitter: func() float64 { return tc.jitter }}
			for i, want := range tc.want {
				if got := b.next().Truncate(time.Millisecond); got != want {
					t.Fatalf("wait %d = %v, want %v", i, got, want)
				}
			}
			b.reset()
			if got := b.next().Truncate(time.Millisecond); got != tc.want[0] {
				t.Fatalf("after reset: %v, want %v", got, tc.want[0])
			}
		})
	}
	// The cap holds with jitter too.
	b := backoff{min: 500 * time.Millisecond, max: 30 * time.Second, jitter: func() float64 { return 0.99 }}
	for range 20 {
		if d := b.next(); d > 30*time.Second {
			t.Fatalf("wait %v over the cap", d)
		}
	}
}

// A stopped context stops run at once even while the server is away.
func TestRunStopsWhileReconnecting(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--server", "http://127.0.0.1:1", "--token", "t", "--printer", "tcp://127.0.0.1:1"}, env(nil), &bytes.Buffer{}, &bytes.Buffer{})
	}()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}
