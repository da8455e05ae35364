package office_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/audit"
	"github.com/okienko/okienko/database/databasetest"
	"github.com/okienko/okienko/office"
)

// rowCounts counts the rows of tables.
func (f *fixture) rowCounts(t *testing.T, tables ...string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := f.db.Table(table).Count(&n).Error; err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

func TestDisplayLifecycle(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		a, b := f.department(t, "A", "A"), f.department(t, "B", "B")
		d, err := f.store.CreateDisplay(f.ctx, office.DisplaySpec{Name: " Hol główny ", DepartmentIDs: []int64{b.ID, a.ID, b.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{a.ID, b.ID}; d.Name != "Hol główny" || d.Lang != "pl" || !reflect.DeepEqual(d.DepartmentIDs, want) ||
			d.Path != fmt.Sprintf("/display?display=%d", d.ID) || d.OfficeID != f.o.ID {
			t.Fatalf("created %+v", d)
		}
		checkAudit(t, f.auditOf(t, office.ObjectDisplay, d.ID), audit.Create, nil, d)

		all, err := f.store.CreateDisplay(f.ctx, office.DisplaySpec{Name: "Parter", Lang: "uk"})
		if err != nil {
			t.Fatal(err)
		}
		if all.DepartmentIDs == nil || len(all.DepartmentIDs) != 0 || all.Lang != "uk" {
			t.Fatalf("display of every department: %+v", all)
		}

		got, _ := f.store.Display(f.ctx, d.ID)
		upd, err := f.store.UpdateDisplay(f.ctx, d.ID, func(s *office.DisplaySpec) error {
			s.DepartmentIDs, s.Lang = []int64{b.ID}, "en"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		checkAudit(t, f.auditOf(t, office.ObjectDisplay, d.ID), audit.Update, got, upd)
		list, err := f.store.Displays(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || !reflect.DeepEqual(list[0].DepartmentIDs, []int64{b.ID}) || list[0].Lang != "en" || list[0].Path == "" ||
			len(list[1].DepartmentIDs) != 0 {
			t.Fatalf("Displays = %+v", list)
		}

		// Bad specs are refused and write nothing.
		tables := []string{"displays", "display_departments", "audit_log"}
		before := f.rowCounts(t, tables...)
		for _, c := range []struct {
			spec  office.DisplaySpec
			field string
		}{
			{office.DisplaySpec{Name: ""}, "name"},
			{office.DisplaySpec{Name: strings.Repeat("x", 101)}, "name"},
			{office.DisplaySpec{Name: "x", Lang: "de"}, "lang"},
			{office.DisplaySpec{Name: "x", DepartmentIDs: []int64{-1}}, "department_ids"},
			{office.DisplaySpec{Name: "x", DepartmentIDs: []int64{9999}}, "department_ids"},
		} {
			_, err := f.store.CreateDisplay(f.ctx, c.spec)
			wantField(t, err, okienko.EINVALID, c.field)
		}
		if _, err := f.store.CreateDisplay(f.ctx, office.DisplaySpec{Name: "Parter"}); code(err) != okienko.ECONFLICT {
			t.Fatalf("a taken name: %v, want ECONFLICT", err)
		}
		_, err = f.store.UpdateDisplay(f.ctx, d.ID, func(s *office.DisplaySpec) error { s.DepartmentIDs = []int64{a.ID, 9999}; return nil })
		wantField(t, err, okienko.EINVALID, "department_ids")
		if after := f.rowCounts(t, tables...); !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}

		// Deleting a department drops it from the displays showing it.
		if err := f.store.DeleteDepartment(f.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		reread, _ := f.store.Display(f.ctx, d.ID)
		if len(reread.DepartmentIDs) != 0 {
			t.Fatalf("department ids after deleting department %d = %v", b.ID, reread.DepartmentIDs)
		}
		if err := f.store.DeleteDisplay(f.ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		checkAudit(t, f.auditOf(t, office.ObjectDisplay, d.ID), audit.Delete, reread, nil)
		if _, err := f.store.Display(f.ctx, d.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("deleted display: %v", err)
		}
		if err := f.store.DeleteDisplay(f.ctx, d.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}

// A display's sound is off until the administrator turns it on; it is kept
// across reads and changes of other settings, turned off again, and
// recorded in the audit log.
func TestDisplaySound(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		d, err := f.store.CreateDisplay(f.ctx, office.DisplaySpec{Name: "Hol"})
		if err != nil {
			t.Fatal(err)
		}
		if d.Sound {
			t.Fatalf("a new display has its sound on: %+v", d)
		}
		loud, err := f.store.CreateDisplay(f.ctx, office.DisplaySpec{Name: "Piętro", Sound: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.store.Display(f.ctx, loud.ID); got == nil || !got.Sound {
			t.Fatalf("created with sound, read back %+v", got)
		}
		before, _ := f.store.Display(f.ctx, d.ID)
		on, err := f.store.UpdateDisplay(f.ctx, d.ID, func(s *office.DisplaySpec) error { s.Sound = true; return nil })
		if err != nil {
			t.Fatal(err)
		}
		checkAudit(t, f.auditOf(t, office.ObjectDisplay, d.ID), audit.Update, before, on)
		if _, err := f.store.UpdateDisplay(f.ctx, d.ID, func(s *office.DisplaySpec) error { s.Lang = "en"; return nil }); err != nil {
			t.Fatal(err)
		}
		list, err := f.store.Displays(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || !list[0].Sound || list[0].Lang != "en" || !list[1].Sound {
			t.Fatalf("Displays = %+v, want both with sound", list)
		}
		if _, err := f.store.UpdateDisplay(f.ctx, d.ID, func(s *office.DisplaySpec) error { s.Sound = false; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.store.Display(f.ctx, d.ID); got.Sound {
			t.Fatalf("sound turned off, read back %+v", got)
		}
	})
}

// pdf is a small valid PDF with body text.
func pdf(text string) []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + text + "\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

func TestAttachments(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		d := f.department(t, "D", "D")
		svc := f.service(t, d.ID, "Dowód osobisty")
		body := pdf("wniosek")
		a, err := f.store.AddAttachment(f.ctx, svc.ID, "", `C:\Users\jan\Wniosek o dowód (2026).pdf`, body)
		if err != nil {
			t.Fatal(err)
		}
		if a.Filename != "Wniosek_o_dowód__2026.pdf" || a.Title != "Wniosek_o_dowód__2026" || a.Size != int64(len(body)) ||
			a.ContentType != "application/pdf" || len(a.SHA256) != 64 || a.URL != fmt.Sprintf("/api/v1/attachments/%d/Wniosek_o_dow%%C3%%B3d__2026.pdf", a.ID) {
			t.Fatalf("added %+v", a)
		}
		es := f.auditOf(t, office.ObjectAttachment, a.ID)
		if len(es) != 1 || es[0].Action != audit.Create || es[0].AfterJSON == nil || strings.Contains(*es[0].AfterJSON, "wniosek") {
			t.Fatalf("audit of the upload: %+v (the bytes must not be in it)", es)
		}
		got, err := f.store.Attachment(f.ctx, a.ID)
		if err != nil || !bytes.Equal(got.Data, body) {
			t.Fatalf("read back %v: %q", err, got.Data)
		}
		b, err := f.store.AddAttachment(f.ctx, svc.ID, "  Pełnomocnictwo ", "pelnomocnictwo.PDF", pdf("p"))
		if err != nil || b.Title != "Pełnomocnictwo" || b.Filename != "pelnomocnictwo.pdf" {
			t.Fatalf("second: %+v, %v", b, err)
		}
		list, err := f.store.Attachments(f.ctx, svc.ID)
		if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID || list[0].Data != nil || list[0].URL == "" {
			t.Fatalf("Attachments = %+v, %v", list, err)
		}

		tables := []string{"attachments", "audit_log"}
		before := f.rowCounts(t, tables...)
		for _, c := range []struct {
			name, title string
			data        []byte
			field       string
		}{
			{"empty", "", nil, "file"},
			{"not a PDF", "", []byte("MZ\x90\x00 this is an .exe renamed to .pdf"), "file"},
			{"a PDF cut short", "", []byte("%PDF-1.7\n1 0 obj"), "file"},
			{"too big", "", append(pdf(strings.Repeat("x", office.MaxAttachmentBytes)), 'x'), "file"},
			{"long title", strings.Repeat("t", 201), pdf("x"), "title"},
		} {
			_, err := f.store.AddAttachment(f.ctx, svc.ID, c.title, "x.pdf", c.data)
			wantField(t, err, okienko.EINVALID, c.field)
		}
		if _, err := f.store.AddAttachment(f.ctx, 9999, "", "x.pdf", pdf("x")); code(err) != okienko.ENOTFOUND {
			t.Fatalf("unknown service: %v", err)
		}
		if after := f.rowCounts(t, tables...); !reflect.DeepEqual(before, after) {
			t.Fatalf("rows %v, want %v", after, before)
		}

		if err := f.store.DeleteAttachment(f.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Attachment(f.ctx, b.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("deleted: %v", err)
		}
		// Deleting the service deletes its form templates.
		if err := f.store.DeleteService(f.ctx, svc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Attachment(f.ctx, a.ID); code(err) != okienko.ENOTFOUND {
			t.Fatalf("attachment of a deleted service: %v", err)
		}
	})
}

// Many administrators adding form templates at once never pass the limit.
func TestAttachmentLimitUnderConcurrency(t *testing.T) {
	databasetest.Each(t, func(t *testing.T, db *gorm.DB) {
		f := newFixture(t, db)
		svc := f.service(t, f.department(t, "D", "D").ID, "S")
		const tries = office.MaxAttachmentsPerService + 10
		var wg sync.WaitGroup
		errs := make(chan error, tries)
		for i := 0; i < tries; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := f.store.AddAttachment(f.ctx, svc.ID, "", fmt.Sprintf("f%d.pdf", i), pdf(fmt.Sprint(i)))
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		won, refused := 0, 0
		for err := range errs {
			switch {
			case err == nil:
				won++
			case code(err) == okienko.EINVALID:
				refused++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		var n int64
		db.Table("attachments").Where("service_id = ?", svc.ID).Count(&n)
		if won != office.MaxAttachmentsPerService || refused != tries-won || n != int64(won) {
			t.Fatalf("%d added, %d refused, %d stored; want %d added", won, refused, n, office.MaxAttachmentsPerService)
		}
	})
}

func TestSafeFilename(t *testing.T) {
	for in, want := range map[string]string{
		"wniosek.pdf":              "wniosek.pdf",
		"../../etc/passwd":         "passwd.pdf",
		`..\..\boot.ini`:           "boot.ini.pdf",
		"":                         "formularz.pdf",
		"...":                      "formularz.pdf",
		"zgłoszenie \"x\";.pdf":    "zgłoszenie__x.pdf",
		"a\r\nContent-Type: x.pdf": "a__Content-Type__x.pdf",
		strings.Repeat("ż", 300):   strings.Repeat("ż", 116) + ".pdf",
	} {
		if got := office.SafeFilename(in); got != want {
			t.Errorf("SafeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}
