package web_test

import (
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/okienko/okienko/auth/oidc"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/web"
)

// TestOpenAPIMatchesRoutes fails when a route is missing from the OpenAPI
// document or the document names a route that doesn't exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	rp, err := oidc.New(oidc.Config{Issuer: "http://127.0.0.1:1", ClientID: "okienko", RedirectURL: "http://okienko.test" + oidc.CallbackPath, Key: oidc.KeyOf("s")})
	if err != nil {
		t.Fatal(err)
	}
	// With every optional route: the OpenID provider's sign-in and the
	// trusted profile.
	e, _ := newTrustedEnv(t, databasetest.SQLite(t), "http://okienko.test", func(d *web.Deps) { d.Redirector = rp })
	resp, body := e.do("GET", "/api/openapi.yaml", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("openapi.yaml: %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range e.srv.App().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" || r.Path == "/" && r.Method != "GET" {
			continue
		}
		// Pages and assets are not API; the document covers /api, the
		// websockets, the sign-in redirects (/auth/), /healthz, /metrics and
		// the SAML endpoints the identity provider uses (the sign-in and
		// sign-out forms are pages).
		saml := r.Path == "/saml/metadata" || r.Path == "/saml/acs"
		if !strings.HasPrefix(r.Path, "/api") && !strings.HasPrefix(r.Path, "/ws/") && !strings.HasPrefix(r.Path, "/auth/") && r.Path != "/healthz" && r.Path != "/metrics" && !saml {
			continue
		}
		served[r.Method+" "+fiberToOpenAPI(r.Path)] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("openapi.yaml names routes that don't exist:\n  %s", strings.Join(extra, "\n  "))
	}
	if len(served) < 20 {
		t.Fatalf("only %d API routes found; the route walk is broken", len(served))
	}
}

// fiberToOpenAPI turns /a/:id/b into /a/{id}/b.
func fiberToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + strings.TrimSuffix(strings.TrimPrefix(s, ":"), "?") + "}"
		}
	}
	return strings.Join(parts, "/")
}
