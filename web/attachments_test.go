package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// samplePDF is a small PDF file.
func samplePDF(text string) []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + text + "\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

// multipartBody is a multipart/form-data body with the file part (skipped
// when filename is "") and the other fields; it answers the body and its
// Content-Type.
func multipartBody(t *testing.T, filename, partType string, data []byte, fields ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := w.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
		h.Set("Content-Type", partType)
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(data)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

type attachmentView struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	URL      string `json:"url"`
}

// An administrator adds a form template to a matter; residents see it on
// the matter's page and in the API and download it as a PDF named as it
// was, cached by its hash; once deleted it is gone.
func TestAttachmentUploadAndDownload(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		tok := e.adminToken()
		svcID, _ := adminService(t, e)
		path := fmt.Sprintf("/api/v1/admin/services/%d/attachments", svcID)
		pdf := samplePDF("Wniosek o wydanie dowodu osobistego")
		body, ctype := multipartBody(t, "Wniosek o dowód.pdf", "application/pdf", pdf, "title", "Wniosek o wydanie dowodu")
		resp, out := e.do("POST", path, body, append(bearer(tok), "Content-Type", ctype)...)
		var a attachmentView
		if resp.StatusCode != 201 || json.Unmarshal(out, &a) != nil {
			t.Fatalf("upload: %d %s", resp.StatusCode, out)
		}
		if a.Title != "Wniosek o wydanie dowodu" || a.Filename != "Wniosek_o_dowód.pdf" || a.Size != int64(len(pdf)) || len(a.SHA256) != 64 {
			t.Fatalf("uploaded %+v", a)
		}

		resp, out = e.do("GET", fmt.Sprintf("/api/v1/services/%d", svcID), nil)
		var svc struct {
			Name        string           `json:"name"`
			Attachments []attachmentView `json:"attachments"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(out, &svc) != nil || len(svc.Attachments) != 1 || !reflect.DeepEqual(svc.Attachments[0], a) {
			t.Fatalf("service: %d %s", resp.StatusCode, out)
		}
		resp, out = e.do("GET", fmt.Sprintf("/sprawy/%d", svcID), nil)
		if resp.StatusCode != 200 || !strings.Contains(string(out), `href="`+a.URL+`"`) || !strings.Contains(string(out), "Wniosek o wydanie dowodu") {
			t.Fatalf("the matter page lacks the form %s: %s", a.URL, out)
		}

		// Sizes as people read them, in their language.
		big := samplePDF(strings.Repeat("x", 1_400_000))
		body, ctype = multipartBody(t, "duzy.pdf", "application/pdf", big)
		if resp, out := e.do("POST", path, body, append(bearer(tok), "Content-Type", ctype)...); resp.StatusCode != 201 {
			t.Fatalf("upload of 1.4 MB: %d %s", resp.StatusCode, out)
		}
		for lang, want := range map[string]string{"pl": "(PDF, 1,4 MB)", "en": "(PDF, 1.4 MB)", "uk": "(PDF, 1,4 MB)"} {
			_, page := e.do("GET", fmt.Sprintf("/sprawy/%d?lang=%s", svcID, lang), nil)
			if !strings.Contains(string(page), want) {
				t.Errorf("the %s matter page lacks %q", lang, want)
			}
		}

		resp, out = e.do("GET", a.URL, nil)
		if resp.StatusCode != 200 || !bytes.Equal(out, pdf) || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), out)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="Wniosek_o_dowod.pdf"; filename*=UTF-8''Wniosek_o_dow%C3%B3d.pdf` {
			t.Errorf("Content-Disposition %q", cd)
		}
		etag := resp.Header.Get("ETag")
		if etag != `"`+a.SHA256+`"` || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("ETag %q, CSP %q", etag, resp.Header.Get("Content-Security-Policy"))
		}
		if resp, _ := e.do("GET", a.URL, nil, "If-None-Match", etag); resp.StatusCode != 304 {
			t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
		}
		if resp, _ := e.do("GET", fmt.Sprintf("/api/v1/attachments/%d/other.pdf", a.ID), nil); resp.StatusCode != 404 {
			t.Errorf("another name: %d, want 404", resp.StatusCode)
		}

		resp, out = e.do("GET", path, nil, bearer(tok)...)
		var list []attachmentView
		if resp.StatusCode != 200 || json.Unmarshal(out, &list) != nil || len(list) != 2 || list[0].ID != a.ID {
			t.Fatalf("admin list: %d %s", resp.StatusCode, out)
		}
		if resp, out := e.do("DELETE", fmt.Sprintf("/api/v1/admin/attachments/%d", a.ID), nil, bearer(tok)...); resp.StatusCode != 204 {
			t.Fatalf("delete: %d %s", resp.StatusCode, out)
		}
		if resp, _ := e.do("GET", a.URL, nil); resp.StatusCode != 404 {
			t.Errorf("deleted form: %d, want 404", resp.StatusCode)
		}
		var entries int64
		db.Table("audit_log").Where("object_type = ? AND object_id = ?", office.ObjectAttachment, a.ID).Count(&entries)
		if entries != 2 {
			t.Errorf("%d audit entries for the form, want 2 (added, deleted)", entries)
		}
	})
}

// Uploads that are not a PDF, too big, malformed, anonymous or by a clerk
// get a clear 4xx and store nothing.
func TestAttachmentBadUploads(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		tok := e.adminToken()
		clerk := e.login(e.creds.ClerkUser, e.creds.ClerkPassword)
		svcID, _ := adminService(t, e)
		path := fmt.Sprintf("/api/v1/admin/services/%d/attachments", svcID)
		exe := []byte("MZ\x90\x00\x03 a program renamed to .pdf")
		big := append(samplePDF(strings.Repeat("x", office.MaxAttachmentBytes)), '\n')
		type upload struct {
			name     string
			path     string
			body     []byte
			ctype    string
			auth     []string
			want     int
			field    string
			overHTTP bool
		}
		mp := func(name string, filename, partType string, data []byte, want int, field string, fields ...string) upload {
			b, ct := multipartBody(t, filename, partType, data, fields...)
			return upload{name: name, path: path, body: b, ctype: ct, auth: bearer(tok), want: want, field: field}
		}
		cases := []upload{
			mp("not a PDF", "wniosek.pdf", "application/pdf", exe, 422, "file"),
			mp("HTML as a PDF", "wniosek.pdf", "application/pdf", []byte("<html><script>alert(1)</script></html>"), 422, "file"),
			mp("empty file", "wniosek.pdf", "application/pdf", nil, 422, "file"),
			mp("no file part", "", "", nil, 400, "file", "title", "Wniosek"),
			mp("title too long", "wniosek.pdf", "application/pdf", samplePDF("x"), 422, "title", "title", strings.Repeat("t", 201)),
			{name: "JSON instead of a file", path: path, body: []byte(`{"file":"JVBERi0="}`), ctype: "application/json", auth: bearer(tok), want: 400},
			{name: "malformed multipart", path: path, body: []byte("--x\r\nnot a part"), ctype: "multipart/form-data; boundary=x", auth: bearer(tok), want: 400, overHTTP: true},
			{name: "unknown service", path: "/api/v1/admin/services/999999/attachments", auth: bearer(tok), want: 404},
			{name: "anonymous", path: path, auth: nil, want: 401},
			{name: "a clerk", path: path, auth: bearer(clerk), want: 403},
		}
		for i := range cases {
			if cases[i].body == nil && cases[i].ctype == "" {
				cases[i].body, cases[i].ctype = multipartBody(t, "w.pdf", "application/pdf", samplePDF("x"))
			}
		}
		b, ct := multipartBody(t, "duzy.pdf", "application/pdf", big)
		cases = append(cases, upload{name: "just over 10 MiB", path: path, body: b, ctype: ct, auth: bearer(tok), want: 422, field: "file", overHTTP: true})
		b, ct = multipartBody(t, "duzy.pdf", "application/pdf", samplePDF(strings.Repeat("x", 12<<20)))
		cases = append(cases, upload{name: "12 MiB", path: path, body: b, ctype: ct, auth: bearer(tok), want: 413, overHTTP: true})
		base := e.listen()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := e.withT(t)
				before := snapshot(t, db)
				headers := append(append([]string{}, tc.auth...), "Content-Type", tc.ctype)
				var resp *http.Response
				var out []byte
				if tc.overHTTP {
					resp, out = e.overHTTP(base, "POST", tc.path, string(tc.body), headers...)
				} else {
					resp, out = e.do("POST", tc.path, tc.body, headers...)
				}
				if resp.StatusCode != tc.want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, out)
				}
				p := problemOf(t, resp, out)
				if tc.field != "" {
					if _, ok := p.Errors[tc.field]; !ok {
						t.Fatalf("errors %v do not name %q (detail %q)", p.Errors, tc.field, p.Detail)
					}
				}
				if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
					t.Fatalf("the upload changed the database")
				}
			})
		}
	})
}

// The upload's larger body limit is the upload's alone: every other
// endpoint still refuses a body over 64 KiB.
func TestBodyLimitOutsideUploads(t *testing.T) {
	e := newEnv(t, databasetest.SQLite(t))
	base := e.listen()
	body := `{"name":"` + strings.Repeat("x", 200<<10) + `"}`
	for _, path := range []string{"/api/v1/bookings", "/api/v1/auth/login", "/api/v1/admin/services/1/attachments/x", "/rezerwacja"} {
		resp, out := e.overHTTP(base, "POST", path, body)
		if resp.StatusCode != 413 {
			t.Errorf("POST %s with 200 KiB: %d, want 413: %s", path, resp.StatusCode, out)
		}
	}
}
