package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/database"
	"github.com/okienko/okienko/kiosk"
	"github.com/okienko/okienko/kiosk/printer"
	"github.com/okienko/okienko/office"
)

// repoRoot is the module's root, two folders up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// needTool returns the path of an operator's tool the test runs: skipped
// without it, failed without it under CI=true (.ci/run installs it).
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (Debian package %s; .ci/run installs it)", name, pkg)
		}
		t.Skipf("%s is missing (Debian package %s)", name, pkg)
	}
	return path
}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// containerfile is the Containerfile's instructions, continuation lines
// joined, comments left out.
func containerfile(t *testing.T) []string {
	t.Helper()
	var out []string
	cur := ""
	for _, line := range strings.Split(readRepoFile(t, "Containerfile"), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		out = append(out, cur+trimmed)
		cur = ""
	}
	return out
}

// finalStage is the instructions of the Containerfile's last stage.
func finalStage(t *testing.T) []string {
	ins := containerfile(t)
	last := 0
	for i, in := range ins {
		if strings.HasPrefix(in, "FROM ") {
			last = i
		}
	}
	return ins[last:]
}

// The image runs as the unprivileged 65532, keeps its data on one volume
// (the data directory its environment names), checks itself with the
// binary's healthcheck (there is no shell nor curl) and starts the server.
func TestContainerfile(t *testing.T) {
	final := finalStage(t)
	has := func(prefix string) string {
		for _, in := range final {
			if strings.HasPrefix(in, prefix) {
				return in
			}
		}
		t.Errorf("the final stage has no %s", prefix)
		return ""
	}
	if user := has("USER "); user != "USER 65532:65532" {
		t.Errorf("%q, want USER 65532:65532", user)
	}
	if v := has("VOLUME "); v != `VOLUME ["/var/lib/okienko"]` {
		t.Errorf("%q, want the one volume /var/lib/okienko", v)
	}
	if env := has("ENV "); !strings.Contains(env, "OKIENKO_DATA_DIR=/var/lib/okienko") || !strings.Contains(env, "OKIENKO_LISTEN=:8080") {
		t.Errorf("%q: the data directory must be the volume, the port the exposed one", env)
	}
	if hc := has("HEALTHCHECK "); !strings.Contains(hc, `CMD ["/usr/local/bin/okienko", "healthcheck"]`) {
		t.Errorf("%q: the healthcheck must be the binary's own (no shell in the image)", hc)
	}
	if ep := has("ENTRYPOINT "); ep != `ENTRYPOINT ["/usr/local/bin/okienko"]` {
		t.Errorf("%q", ep)
	}
	has("EXPOSE 8080")
	if from := final[0]; !strings.Contains(from, "BASE_IMAGE") {
		t.Errorf("%q: the final stage starts from the minimal base", from)
	}
	for _, in := range containerfile(t) {
		if strings.HasPrefix(in, "ARG BASE_IMAGE=") && !strings.HasSuffix(in, ":nonroot") && !strings.Contains(in, "scratch") {
			t.Errorf("%q: a minimal base (distroless static nonroot or scratch)", in)
		}
	}
	for _, in := range final {
		if strings.HasPrefix(in, "USER root") || strings.HasPrefix(in, "USER 0") {
			t.Errorf("the final stage runs as root: %q", in)
		}
	}
	if b := buildLine(t); !strings.Contains(b, "CGO_ENABLED=0") || !strings.Contains(b, "-trimpath") {
		t.Errorf("the build %q must be static (CGO_ENABLED=0) and -trimpath", b)
	}
	ignore := readRepoFile(t, ".containerignore")
	if !strings.Contains(ignore, ".git") || !strings.Contains(ignore, "data") {
		t.Errorf(".containerignore must keep .git and local data out of the build context:\n%s", ignore)
	}
}

// buildLine is the command of the Containerfile's RUN line that builds the
// binary.
func buildLine(t *testing.T) string {
	t.Helper()
	for _, in := range containerfile(t) {
		if strings.HasPrefix(in, "RUN ") && strings.Contains(in, "go build") {
			return strings.TrimPrefix(in, "RUN ")
		}
	}
	t.Fatal("the Containerfile has no RUN line with go build")
	return ""
}

// freeAddr is a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The container's binary, built by the Containerfile's own command (no
// image can be pulled here to build the image itself): static (no
// interpreter, no dynamic section), carrying the zone database, and, run
// with the image's environment, healthy by its own healthcheck.
func TestContainerBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go is not on PATH")
	}
	out := filepath.Join(t.TempDir(), "okienko")
	line := buildLine(t)
	line = strings.ReplaceAll(line, "${VERSION}", "test-image")
	line = strings.ReplaceAll(line, "/out/okienko", out)
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(goBin)+":"+os.Getenv("PATH"))
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, b)
	}
	t.Logf("built in %v", time.Since(start).Round(time.Second))

	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %v program header: not static", p.Type)
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Error("the binary has a .dynamic section: not static")
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v", libs)
	}
	f.Close()
	if st, err := os.Stat(out); err == nil {
		t.Logf("binary: %.1f MiB", float64(st.Size())/(1<<20))
	}
	deps, err := exec.Command(goBin, "list", "-deps", "github.com/okienko/okienko/cmd/okienko").Output()
	if err != nil || !slices.Contains(strings.Fields(string(deps)), "time/tzdata") {
		t.Errorf("the binary does not embed time/tzdata (%v): the office zone would need the base image's", err)
	}

	t.Run("final stage", func(t *testing.T) { buildFinalStage(t, out) })

	// Run it as the image does: its ENV, with the volume and port here.
	addr := freeAddr(t)
	envs := map[string]string{}
	for _, in := range finalStage(t) {
		if !strings.HasPrefix(in, "ENV ") {
			continue
		}
		for _, kv := range strings.Fields(strings.TrimPrefix(in, "ENV ")) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				envs[k] = v
			}
		}
	}
	if envs["OKIENKO_DATA_DIR"] == "" {
		t.Fatal("the image sets no OKIENKO_DATA_DIR")
	}
	envs["OKIENKO_DATA_DIR"] = filepath.Join(t.TempDir(), "volume")
	if err := os.Mkdir(envs["OKIENKO_DATA_DIR"], 0o700); err != nil {
		t.Fatal(err)
	}
	envs["OKIENKO_LISTEN"] = addr
	env := []string{"PATH=/nonexistent", "TZ=Europe/Warsaw"}
	for k, v := range envs {
		env = append(env, k+"="+v)
	}
	logs := &lockedBuffer{}
	srv := exec.Command(out, "serve")
	srv.Env, srv.Stdout, srv.Stderr = env, io.Discard, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	stopped := make(chan struct{})
	go func() { exited <- srv.Wait(); close(stopped) }()
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			_ = srv.Process.Kill()
		}
	}()
	healthy := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		hc := exec.Command(out, "healthcheck")
		hc.Env = env
		if hc.Run() == nil {
			healthy = true
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the server ended: %v\n%s", err, logs.String())
		default:
		}
	}
	if !healthy {
		t.Fatalf("okienko healthcheck never succeeded\n%s", logs.String())
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Status, Version string }
	_ = json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if resp.StatusCode != 200 || h.Status != "ok" || h.Version != "test-image" {
		t.Fatalf("/healthz: %d %+v, want ok and the version given at build", resp.StatusCode, h)
	}
	if !strings.Contains(logs.String(), `"msg":"listening"`) {
		t.Errorf("the image's OKIENKO_LOG_FORMAT=json is not what the log shows:\n%.2000s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(envs["OKIENKO_DATA_DIR"], "okienko.db")); err != nil {
		t.Errorf("the database is not in the volume: %v", err)
	}
	_ = srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Error("the server did not stop within 30 s of SIGTERM")
	}
	// A server that is gone fails the healthcheck.
	hc := exec.Command(out, "healthcheck")
	hc.Env = env
	if err := hc.Run(); err == nil {
		t.Error("the healthcheck passes with the server stopped")
	}
}

// okienko healthcheck: 0 on {"status":"ok"}, 1 on anything else or nothing.
func TestHealthcheckCommand(t *testing.T) {
	answer := `{"status":"ok"}`
	code := http.StatusOK
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, answer)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	check := func(listen string, args ...string) int {
		return run(context.Background(), append([]string{"healthcheck"}, args...), env(map[string]string{"OKIENKO_LISTEN": listen}), nil, io.Discard, io.Discard)
	}
	if got := check(":" + port); got != 0 {
		t.Errorf("a healthy server on the wildcard address: exit %d", got)
	}
	if got := check("", "http://"+ln.Addr().String()+"/healthz"); got != 0 {
		t.Errorf("a healthy server at a URL: exit %d", got)
	}
	code, answer = http.StatusServiceUnavailable, `{"status":"unavailable"}`
	if got := check("127.0.0.1:" + port); got != 1 {
		t.Errorf("an unhealthy server: exit %d, want 1", got)
	}
	srv.Close()
	if got := check("127.0.0.1:" + port); got != 1 {
		t.Errorf("no server: exit %d, want 1", got)
	}
	if got := check("nonsense"); got != 2 {
		t.Errorf("a bad OKIENKO_LISTEN: exit %d, want 2", got)
	}
}

// compose.yaml runs the image with PostgreSQL: the data directory on a
// volume, the secrets as files through the *_FILE variables, PostgreSQL
// healthy before the server starts.
func TestComposeFile(t *testing.T) {
	var c struct {
		Services map[string]struct {
			Build       any               `yaml:"build"`
			Image       string            `yaml:"image"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Secrets     []string          `yaml:"secrets"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
			Healthcheck map[string]any `yaml:"healthcheck"`
		} `yaml:"services"`
		Secrets map[string]struct {
			File string `yaml:"file"`
		} `yaml:"secrets"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "compose.yaml")), &c); err != nil {
		t.Fatal(err)
	}
	app, db := c.Services["okienko"], c.Services["db"]
	if !strings.HasPrefix(db.Image, "docker.io/library/postgres:") || db.Healthcheck == nil {
		t.Errorf("db: %+v, want PostgreSQL with a healthcheck", db)
	}
	if app.DependsOn["db"].Condition != "service_healthy" {
		t.Errorf("okienko starts before PostgreSQL is healthy: %+v", app.DependsOn)
	}
	if !slices.Contains(app.Volumes, "okienko-data:/var/lib/okienko") {
		t.Errorf("okienko's volumes %v, want the data directory on a volume", app.Volumes)
	}
	for name, v := range app.Environment {
		if strings.HasSuffix(name, "_FILE") {
			secret := strings.TrimPrefix(v, "/run/secrets/")
			if !slices.Contains(app.Secrets, secret) || c.Secrets[secret].File == "" {
				t.Errorf("%s=%s is not a secret given to the service", name, v)
			}
			var known bool
			for _, s := range settings {
				known = known || (s.Secret && s.Name+"_FILE" == name)
			}
			if !known {
				t.Errorf("%s is no secret's _FILE variable", name)
			}
		} else if strings.Contains(strings.ToLower(name), "password") || strings.Contains(name, "SECRET") || name == "OKIENKO_DATABASE_URL" {
			t.Errorf("%s is given in plain text", name)
		}
	}
	if app.Environment["OKIENKO_DATABASE_URL_FILE"] == "" {
		t.Error("okienko is not given PostgreSQL's URL")
	}
}

// The systemd unit passes systemd-analyze verify without a warning (its
// ExecStart pointed at an existing binary), keeps its hardening, and
// systemd-analyze security rates it at most 2.0.
func TestSystemdUnit(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "systemd")
	unit := readRepoFile(t, "deploy/okienko.service")
	for _, want := range []string{
		"DynamicUser=yes", "StateDirectory=okienko", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
		"NoNewPrivileges=yes", "CapabilityBoundingSet=\n", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
		"SystemCallFilter=@system-service", "EnvironmentFile=/etc/okienko/okienko.env",
		"LoadCredential=secret:", "Environment=OKIENKO_SECRET_FILE=%d/secret",
		"Environment=OKIENKO_DATA_DIR=/var/lib/okienko", "ExecStart=/usr/local/bin/okienko serve",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	// Every credential loaded is read through a secret's _FILE variable.
	for _, m := range regexp.MustCompile(`(?m)^Environment=(OKIENKO_\w+)_FILE=%d/(\w+)$`).FindAllStringSubmatch(unit, -1) {
		if !strings.Contains(unit, "\nLoadCredential="+m[2]+":") {
			t.Errorf("%s_FILE reads credential %s, which the unit does not load", m[1], m[2])
		}
		if !slices.ContainsFunc(settings, func(s setting) bool { return s.Secret && s.Name == m[1] }) {
			t.Errorf("%s is not a secret setting", m[1])
		}
	}
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "okienko.service")
	if err := os.WriteFile(path, []byte(strings.Replace(unit, "ExecStart=/usr/local/bin/okienko", "ExecStart="+self, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", "--man=no", path)
	b, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(b)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, b)
	}
	b, err = exec.Command(analyze, "security", "--offline=yes", "--no-pager", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for okienko\.service: ([0-9.]+)`).FindSubmatch(b)
	if err != nil || m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, b)
	}
	t.Logf("systemd-analyze security: exposure %s", m[1])
	if string(m[1]) > "2.0" && len(m[1]) == 3 {
		t.Errorf("exposure %s, want at most 2.0", m[1])
	}
	// A typo is caught: the check can fail.
	bad := filepath.Join(dir, "bad.service")
	_ = os.WriteFile(bad, []byte(strings.Replace(unit, "ProtectSystem=strict", "ProtectSystem=strcit", 1)), 0o644)
	if b, _ := exec.Command(analyze, "verify", "--man=no", bad).CombinedOutput(); len(bytes.TrimSpace(b)) == 0 {
		t.Error("systemd-analyze verify says nothing of a bad value")
	}
}

// The alerting rules are valid and fire on made-up series as their unit
// tests say (promtool).
func TestPrometheusRules(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	dir := filepath.Join(repoRoot(t), "deploy", "prometheus")
	for _, args := range [][]string{{"check", "rules", "okienko-alerts.yml"}, {"test", "rules", "okienko-alerts.test.yml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
}

// metricNames are the metric names in PromQL expressions.
var metricName = regexp.MustCompile(`\b((?:okienko|go|process|promhttp)_[a-z0-9_]+)\b`)

// Every metric the alerting rules and the dashboard name is one a running
// server exposes, and the database-read gauges show a printer that needs a
// person.
func TestMonitoringNamesExist(t *testing.T) {
	dir := t.TempDir()
	cfg, err := loadConfig(env(map[string]string{"OKIENKO_DATA_DIR": dir, "OKIENKO_LISTEN": "127.0.0.1:0"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve ended before listening: %v", err)
	}
	defer func() {
		cancel()
		<-done
	}()
	// A kiosk whose printer (behind an agent) is out of paper, before the
	// first scrape reads the printers.
	db, err := database.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close(db)
	clock := okienko.SystemClock{}
	off, err := office.NewStore(db, clock).Office(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kiosks := kiosk.NewStore(db, clock)
	spec := kiosk.DefaultSpec()
	spec.Name, spec.Printer.URI = "Hol główny", "agent"
	k, err := kiosks.Create(ctx, off.ID, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := kiosks.AgentHeard(ctx, k.ID, printer.StatePaperOut); err != nil {
		t.Fatal(err)
	}
	// One request before the scrape: the HTTP histogram has its series
	// once a request was served, as on any server Prometheus scrapes.
	if resp, err := http.Get("http://" + addr + "/healthz"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	exposed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) (\S+)$`).FindAllStringSubmatch(string(body), -1) {
		exposed[m[1]] = true
		switch m[2] {
		case "histogram":
			exposed[m[1]+"_bucket"], exposed[m[1]+"_sum"], exposed[m[1]+"_count"] = true, true, true
		case "summary":
			exposed[m[1]+"_sum"], exposed[m[1]+"_count"] = true, true
		}
	}
	for name, src := range map[string]string{
		"deploy/prometheus/okienko-alerts.yml": readRepoFile(t, "deploy/prometheus/okienko-alerts.yml"),
		"deploy/grafana/okienko.json":          dashboardExprs(t),
	} {
		used := metricName.FindAllString(src, -1)
		if len(used) < 5 {
			t.Errorf("%s names only %v", name, used)
		}
		for _, m := range used {
			if !exposed[m] {
				t.Errorf("%s uses %s, which /metrics does not show", name, m)
			}
		}
	}
	want := fmt.Sprintf(`okienko_printer_alert{kiosk="Hol główny",kiosk_id="%d",state="paper_out"} 1`, k.ID)
	for _, line := range []string{want, "okienko_printers_alerting 1", `okienko_outbox_backlog{channel="sms"} 0`, "okienko_state_metrics_up 1",
		`okienko_websocket_connections{kind="display"} 0`, `okienko_bookings_created_total{via="resident"} 0`} {
		if !strings.Contains(string(body), line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// dashboardExprs is every query of the Grafana dashboard, one a line.
func dashboardExprs(t *testing.T) string {
	t.Helper()
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal([]byte(readRepoFile(t, "deploy/grafana/okienko.json")), &d); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			b.WriteString(q.Expr + "\n")
		}
	}
	return b.String()
}

// buildFinalStage builds the Containerfile's final stage with buildah, from
// scratch instead of the base image (which cannot be pulled here) and with
// the binary at hand instead of the build stage's, and checks the image's
// configuration: user, volume, health check, entry point, environment.
func buildFinalStage(t *testing.T, binary string) {
	buildah := needTool(t, "buildah", "buildah")
	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "context")
	if err := os.MkdirAll(filepath.Join(ctxDir, "out", "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "out", "okienko"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	var stage []string
	for _, in := range finalStage(t) {
		switch {
		case strings.HasPrefix(in, "FROM "):
			in = "FROM scratch"
		case strings.HasPrefix(in, "COPY --from=build "):
			in = "COPY " + strings.TrimPrefix(in, "COPY --from=build ")
		}
		stage = append(stage, in)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "Containerfile"), []byte(strings.Join(stage, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	store := []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "runroot"), "--storage-driver", "vfs"}
	buildahRun := func(args ...string) []byte {
		t.Helper()
		out, err := exec.Command(buildah, append(slices.Clone(store), args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	t.Cleanup(func() { _ = exec.Command(buildah, append(slices.Clone(store), "rmi", "--all", "--force")...).Run() })
	buildahRun("bud", "--format", "docker", "--file", filepath.Join(ctxDir, "Containerfile"), "-t", "okienko-final-stage", ctxDir)
	var img struct {
		Docker struct {
			Config struct {
				User         string
				Env          []string
				Entrypoint   []string
				Cmd          []string
				Volumes      map[string]any
				ExposedPorts map[string]any
				Healthcheck  struct {
					Test    []string
					Retries int
				}
			} `json:"config"`
		}
	}
	if err := json.Unmarshal(buildahRun("inspect", "okienko-final-stage"), &img); err != nil {
		t.Fatal(err)
	}
	c := img.Docker.Config
	if c.User != "65532:65532" {
		t.Errorf("user %q", c.User)
	}
	if _, ok := c.Volumes["/var/lib/okienko"]; !ok || len(c.Volumes) != 1 {
		t.Errorf("volumes %v, want /var/lib/okienko alone", c.Volumes)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("ports %v", c.ExposedPorts)
	}
	if got := strings.Join(c.Healthcheck.Test, " "); got != "CMD /usr/local/bin/okienko healthcheck" || c.Healthcheck.Retries != 3 {
		t.Errorf("health check %+v", c.Healthcheck)
	}
	if got := strings.Join(append(c.Entrypoint, c.Cmd...), " "); got != "/usr/local/bin/okienko serve" {
		t.Errorf("starts %q", got)
	}
	if !slices.Contains(c.Env, "OKIENKO_DATA_DIR=/var/lib/okienko") {
		t.Errorf("environment %v", c.Env)
	}
	// The binary and the data directory the volume starts from, owned by the user.
	ctr := strings.TrimSpace(string(buildahRun("from", "okienko-final-stage")))
	t.Cleanup(func() { _ = exec.Command(buildah, append(slices.Clone(store), "rm", ctr)...).Run() })
	mnt := strings.TrimSpace(string(buildahRun("mount", ctr)))
	defer buildahRun("umount", ctr)
	for path, uid := range map[string]uint32{"usr/local/bin/okienko": 0, "var/lib/okienko": 65532} {
		st, err := os.Stat(filepath.Join(mnt, path))
		if err != nil {
			t.Errorf("the image has no /%s: %v", path, err)
			continue
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid != uid {
			t.Errorf("/%s is owned by %d, want %d", path, sys.Uid, uid)
		}
	}
}

// lockedBuffer is a buffer a child process writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
