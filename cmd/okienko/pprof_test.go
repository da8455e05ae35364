package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// pprof is off by default, served on its own loopback listener when asked,
// refused on other addresses without a token, and, with a token, answers
// only requests bearing it.
func TestPprofListener(t *testing.T) {
	cfg, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PprofListen != "" {
		t.Fatalf("pprof listens on %q by default", cfg.PprofListen)
	}
	stop, err := startPprof(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func(string) { t.Error("a pprof listener started by default") })
	if err != nil {
		t.Fatal(err)
	}
	stop()

	for _, listen := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060", "[::]:6060"} {
		if _, err := loadConfig(env(map[string]string{"OKIENKO_PPROF_LISTEN": listen})); err == nil || !strings.Contains(err.Error(), "OKIENKO_PPROF_TOKEN") {
			t.Errorf("%s without a token: %v, want refused naming OKIENKO_PPROF_TOKEN", listen, err)
		}
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_PPROF_LISTEN": "0.0.0.0:6060", "OKIENKO_PPROF_TOKEN": "t0k3n"})); err != nil {
		t.Errorf("any address with a token: %v", err)
	}
	if _, err := loadConfig(env(map[string]string{"OKIENKO_PPROF_LISTEN": "6060"})); err == nil {
		t.Error("a listen address without a port is taken")
	}

	get := func(url, token string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	start := func(vars map[string]string) string {
		t.Helper()
		cfg, err := loadConfig(env(vars))
		if err != nil {
			t.Fatal(err)
		}
		var addr string
		stop, err := startPprof(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a string) { addr = a })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
		return "http://" + addr
	}
	open := start(map[string]string{"OKIENKO_PPROF_LISTEN": "127.0.0.1:0"})
	if got := get(open+"/debug/pprof/", ""); got != http.StatusOK {
		t.Errorf("loopback without a token: %d", got)
	}
	if got := get(open+"/debug/pprof/heap", ""); got != http.StatusOK {
		t.Errorf("heap profile: %d", got)
	}
	if got := get(open+"/metrics", ""); got != http.StatusNotFound {
		t.Errorf("the pprof listener serves more than profiles: /metrics %d", got)
	}
	locked := start(map[string]string{"OKIENKO_PPROF_LISTEN": "127.0.0.1:0", "OKIENKO_PPROF_TOKEN": "t0k3n"})
	for token, want := range map[string]int{"": http.StatusUnauthorized, "wrong": http.StatusUnauthorized, "t0k3n": http.StatusOK} {
		if got := get(locked+"/debug/pprof/", token); got != want {
			t.Errorf("token %q: %d, want %d", token, got, want)
		}
	}
}
