package escpos

import (
	"testing"

	"github.com/okienko/okienko"
)

func TestProfileFor(t *testing.T) {
	tests := []struct {
		paper, table int
		qr           string
		cutter       bool
		want         Profile
		badFields    []string
	}{
		{80, 18, "native", true, Profile{PaperMM: 80, Dots: 576, Columns: 48, CodeTable: 18, QR: "native", Cutter: true}, nil},
		{58, 18, "raster", false, Profile{PaperMM: 58, Dots: 384, Columns: 32, CodeTable: 18, QR: "raster"}, nil},
		{58, 45, "native", true, Profile{PaperMM: 58, Dots: 384, Columns: 32, CodeTable: 45, QR: "native", Cutter: true}, nil},
		{80, 0, "", false, Profile{PaperMM: 80, Dots: 576, Columns: 48, CodeTable: 18, QR: "native"}, nil},
		{58, 0, "", false, Profile{PaperMM: 58, Dots: 384, Columns: 32, CodeTable: 18, QR: "raster"}, nil},
		{76, 18, "native", true, Profile{}, []string{"paper_mm"}},
		{80, 0x10, "native", true, Profile{}, []string{"code_table"}},
		{80, 18, "bitmap", true, Profile{}, []string{"qr"}},
		{57, 437, "x", true, Profile{}, []string{"paper_mm", "code_table", "qr"}},
	}
	for _, tt := range tests {
		got, err := ProfileFor(tt.paper, tt.table, tt.qr, tt.cutter)
		if len(tt.badFields) > 0 {
			e := okienko.AsError(err)
			if e.Code != okienko.EINVALID || len(e.Fields) != len(tt.badFields) {
				t.Errorf("ProfileFor(%d, %d, %q) error = %v; want EINVALID on %v", tt.paper, tt.table, tt.qr, err, tt.badFields)
				continue
			}
			for _, f := range tt.badFields {
				if e.Fields[f] == "" {
					t.Errorf("ProfileFor(%d, %d, %q): no message for %s in %v", tt.paper, tt.table, tt.qr, f, e.Fields)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("ProfileFor(%d, %d, %q) = %v", tt.paper, tt.table, tt.qr, err)
			continue
		}
		if got.Name == "" {
			t.Errorf("ProfileFor(%d, %d, %q) has no name", tt.paper, tt.table, tt.qr)
		}
		got.Name = ""
		if got != tt.want {
			t.Errorf("ProfileFor(%d, %d, %q) = %+v; want %+v", tt.paper, tt.table, tt.qr, got, tt.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("profile %+v does not validate: %v", got, err)
		}
	}
}

func TestProfileValidate(t *testing.T) {
	for _, p := range []Profile{Profile80, Profile58} {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	bad := Profile80
	bad.Columns, bad.CodeTable = 0, 99
	e := okienko.AsError(bad.Validate())
	if e.Code != okienko.EINVALID || e.Fields["columns"] == "" || e.Fields["code_table"] == "" {
		t.Errorf("invalid profile: %v", e)
	}
	if _, err := NewEncoder(bad); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("NewEncoder(invalid) = %v", err)
	}
	if _, err := Render(bad, fixedTicket(t)); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("Render(invalid profile) = %v", err)
	}
	if _, err := Preview(nil, bad); okienko.ErrorCode(err) != okienko.EINVALID {
		t.Errorf("Preview(invalid profile) = %v", err)
	}
}
