package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	// The zone database inside the binary: the office's zone
	// (Europe/Warsaw) loads on a base image or host without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// opsCommand runs the commands of the operator's tools that need no
// configuration beyond the environment: healthcheck. It reports whether
// cmd was one of them, and the exit code.
func opsCommand(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, bool) {
	switch cmd {
	case "healthcheck":
		return healthcheck(ctx, args, getenv, stdout, stderr), true
	}
	return 0, false
}

// healthcheckTimeout bounds one healthcheck.
const healthcheckTimeout = 5 * time.Second

// healthcheck: okienko healthcheck [URL] — GETs /healthz of the server this
// environment configures (OKIENKO_LISTEN; a wildcard host is asked on
// 127.0.0.1) or URL, and exits 0 when it answers 200 with status ok, else
// 1. It is the container's HEALTHCHECK, where no curl exists.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 1 {
		fmt.Fprintln(stderr, "usage: okienko healthcheck [URL]")
		return 2
	}
	url := ""
	if len(args) == 1 {
		url = args[0]
	} else {
		listen := getenv("OKIENKO_LISTEN")
		if listen == "" {
			listen = ":8080"
		}
		addr, err := localAddr(listen)
		if err != nil {
			fmt.Fprintln(stderr, "okienko healthcheck: OKIENKO_LISTEN:", err)
			return 2
		}
		url = "http://" + addr + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "okienko healthcheck:", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "okienko healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
	if resp.StatusCode != http.StatusOK || body.Status != "ok" {
		fmt.Fprintf(stderr, "okienko healthcheck: %s answered %d, status %q\n", url, resp.StatusCode, body.Status)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// localAddr is the address on this machine to reach a server listening on
// listen: a wildcard or empty host becomes 127.0.0.1.
func localAddr(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", err
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// checkPprof checks OKIENKO_PPROF_LISTEN against OKIENKO_PPROF_TOKEN: a
// listener on any address but loopback needs a token.
func checkPprof(listen, token string) error {
	if listen == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("OKIENKO_PPROF_LISTEN must be host:port (e.g. 127.0.0.1:6060), not %q", listen)
	}
	if token == "" && !loopback(host) {
		return fmt.Errorf("OKIENKO_PPROF_LISTEN %q is not a loopback address (127.0.0.1, ::1, localhost): set OKIENKO_PPROF_TOKEN (or _FILE) to serve profiles there", listen)
	}
	return nil
}

// loopback reports whether host names only this machine; an empty host
// (every address) does not.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// pprofHandler serves net/http/pprof under /debug/pprof/ (nothing else);
// with a token, only to requests carrying "Authorization: Bearer TOKEN"
// (401 otherwise).
func pprofHandler(token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	if token == "" {
		return mux
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="okienko-pprof"`)
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// startPprof starts the profiling listener of cfg (OKIENKO_PPROF_LISTEN; off
// when empty), apart from the public one. ready, when set, is told its
// address. The returned function stops it.
func startPprof(cfg *Config, log *slog.Logger, ready func(addr string)) (stop func(), err error) {
	if cfg.PprofListen == "" {
		return func() {}, nil
	}
	if err := checkPprof(cfg.PprofListen, cfg.PprofToken); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.PprofListen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (OKIENKO_PPROF_LISTEN): %w", cfg.PprofListen, err)
	}
	// No write timeout: a CPU profile or a trace takes as long as asked.
	srv := &http.Server{Handler: pprofHandler(cfg.PprofToken), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof listener stopped", "err", err)
		}
	}()
	log.Info("pprof listening", "addr", ln.Addr().String(), "token", cfg.PprofToken != "")
	if ready != nil {
		ready(ln.Addr().String())
	}
	return func() { _ = srv.Close() }, nil
}
