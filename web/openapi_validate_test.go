package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/okienko/okienko/office"
)

// The OpenAPI document, loaded once, validated, with a router over its
// paths. Every answer of the API that a test gets through env.do is
// checked against it (checkSpec), strictly: its status must be documented
// for the operation, and its body must match the schema of that status and
// content type.
var spec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error

	mu   sync.Mutex
	seen map[string]map[int]bool // "METHOD /path" → statuses answered
}

func init() {
	openapi3.DefineStringFormatValidator("date", openapi3.NewCallbackValidator(func(s string) error {
		_, err := office.ParseDate(s)
		return err
	}))
	openapi3.DefineStringFormatValidator("date-time", openapi3.NewCallbackValidator(func(s string) error {
		_, err := time.Parse(time.RFC3339, s)
		return err
	}))
	for _, ct := range []string{"image/svg+xml", "text/calendar", "application/pdf", "text/html"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

func loadSpec() (*openapi3.T, routers.Router, error) {
	spec.once.Do(func() {
		data, err := os.ReadFile("openapi.yaml")
		if err != nil {
			spec.err = err
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(data)
		if err != nil {
			spec.err = fmt.Errorf("openapi.yaml does not load: %w", err)
			return
		}
		if err := doc.Validate(context.Background(), openapi3.EnableSchemaFormatValidation()); err != nil {
			spec.err = fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
			return
		}
		strict(doc)
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			spec.err = err
			return
		}
		spec.doc, spec.router, spec.seen = doc, r, map[string]map[int]bool{}
	})
	return spec.doc, spec.router, spec.err
}

// strict makes every object schema of doc that lists its properties refuse
// others (additionalProperties: false where the document says nothing), so
// an answer with a field the document doesn't describe fails.
func strict(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		sc := ref.Value
		seen[sc] = true
		if len(sc.Properties) > 0 && sc.AdditionalProperties.Has == nil && sc.AdditionalProperties.Schema == nil {
			no := false
			sc.AdditionalProperties.Has = &no
		}
		for _, p := range sc.Properties {
			walk(p)
		}
		walk(sc.Items)
		walk(sc.AdditionalProperties.Schema)
		for _, list := range []openapi3.SchemaRefs{sc.AllOf, sc.AnyOf, sc.OneOf} {
			for _, r := range list {
				walk(r)
			}
		}
	}
	for _, sc := range doc.Components.Schemas {
		walk(sc)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				for _, mt := range r.Value.Content {
					walk(mt.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// specOperation names an operation as the document does: "GET /api/v1/x/{id}".
func specOperation(route *routers.Route) string {
	return route.Method + " " + route.Path
}

// checkSpec validates one answer of the API against the document; it
// returns what is wrong, or "" (also for paths the document doesn't cover:
// pages, assets, unknown paths).
func checkSpec(method, target string, reqHeader http.Header, reqBody []byte, resp *http.Response, body []byte) string {
	_, router, err := loadSpec()
	if err != nil {
		return err.Error()
	}
	req := httptest.NewRequest(method, target, nil)
	req.Header = reqHeader.Clone()
	route, params, err := router.FindRoute(req)
	if err != nil {
		return "" // not an operation of the document
	}
	spec.mu.Lock()
	op := specOperation(route)
	if spec.seen[op] == nil {
		spec.seen[op] = map[int]bool{}
	}
	spec.seen[op][resp.StatusCode] = true
	spec.mu.Unlock()
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                opts,
	}
	in.SetBodyBytes(body)
	// A request the server took must be one the document allows.
	if resp.StatusCode < 400 {
		vreq := httptest.NewRequest(method, target, bytes.NewReader(bytes.TrimSpace(reqBody)))
		vreq.Header = reqHeader.Clone()
		rin := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
		if err := openapi3filter.ValidateRequest(context.Background(), rin); err != nil {
			return fmt.Sprintf("%s %s was answered %d, but openapi.yaml (%s) does not allow the request: %s", method, target, resp.StatusCode, op, shorten(err))
		}
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Sprintf("%s %s answered %d, against openapi.yaml (%s): %s\nbody: %.400s", method, target, resp.StatusCode, op, shorten(err), bytes.TrimSpace(body))
	}
	return ""
}

// shorten writes a validation error, each of a MultiError, at most 1500
// characters.
func shorten(err error) string {
	var me openapi3.MultiError
	msg := err.Error()
	if errors.As(err, &me) {
		var parts []string
		for _, e := range me {
			parts = append(parts, e.Error())
		}
		msg = strings.Join(parts, "; ")
	}
	if len(msg) > 1500 {
		msg = msg[:1500] + "…"
	}
	return msg
}

// specSeen lists the operations of the document that the tests so far
// have not made answer a success, and those (of the ones that document a
// refusal) not an error.
func specSeen() (missingOK, missingError []string) {
	doc, _, err := loadSpec()
	if err != nil {
		return nil, nil
	}
	spec.mu.Lock()
	defer spec.mu.Unlock()
	for path, item := range doc.Paths.Map() {
		if strings.HasPrefix(path, "/ws/") {
			continue // websockets answer with the socket's messages, tested by their own tests
		}
		for method, o := range item.Operations() {
			op := method + " " + path
			ok, bad := false, false
			for status := range spec.seen[op] {
				ok = ok || status < 400
				bad = bad || status >= 400
			}
			refuses := false // the operation documents a refusal of its own (4xx but 431, which any may answer)
			for code := range o.Responses.Map() {
				refuses = refuses || strings.HasPrefix(code, "4") && code != "431"
			}
			if !ok {
				missingOK = append(missingOK, op)
			}
			if !bad && refuses {
				missingError = append(missingError, op)
			}
		}
	}
	sort.Strings(missingOK)
	sort.Strings(missingError)
	return missingOK, missingError
}
