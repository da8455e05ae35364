package printer_test

import (
	"testing"

	"github.com/okienko/okienko"
	"github.com/okienko/okienko/kiosk/printer"
)

func TestParseURI(t *testing.T) {
	tests := []struct {
		in   string
		want printer.URI // zero when invalid
	}{
		{"tcp://192.168.1.50:9100", printer.URI{Kind: printer.KindTCP, Host: "192.168.1.50:9100"}},
		{"tcp://printer.local:9101/", printer.URI{Kind: printer.KindTCP, Host: "printer.local:9101"}},
		{"tcp://printer", printer.URI{Kind: printer.KindTCP, Host: "printer:9100"}},
		{"TCP://10.0.0.1:9100", printer.URI{Kind: printer.KindTCP, Host: "10.0.0.1:9100"}},
		{"tcp://[fe80::1]:9100", printer.URI{Kind: printer.KindTCP, Host: "[fe80::1]:9100"}},
		{" tcp://10.0.0.1:9100 ", printer.URI{Kind: printer.KindTCP, Host: "10.0.0.1:9100"}},
		{"file:///dev/usb/lp0", printer.URI{Kind: printer.KindFile, Path: "/dev/usb/lp0"}},
		{"file://localhost/dev/usb/lp0", printer.URI{Kind: printer.KindFile, Path: "/dev/usb/lp0"}},
		{"none", printer.URI{Kind: printer.KindNone}},
		{"None", printer.URI{Kind: printer.KindNone}},
		{"agent", printer.URI{Kind: printer.KindAgent}},

		{"", printer.URI{}},
		{"   ", printer.URI{}},
		{"printer", printer.URI{}},
		{"192.168.1.50:9100", printer.URI{}},
		{"http://192.168.1.50:9100", printer.URI{}},
		{"tcp://", printer.URI{}},
		{"tcp://:9100", printer.URI{}},
		{"tcp://host:0", printer.URI{}},
		{"tcp://host:65536", printer.URI{}},
		{"tcp://host:port", printer.URI{}},
		{"tcp://host:9100/queue", printer.URI{}},
		{"tcp://host:9100?x=1", printer.URI{}},
		{"tcp://user@host:9100", printer.URI{}},
		{"file://dev/usb/lp0", printer.URI{}},
		{"file:dev/usb/lp0", printer.URI{}},
		{"file:///", printer.URI{}},
		{"file:///dev/../etc/passwd", printer.URI{}},
		{"file:///dev/usb/lp0#x", printer.URI{}},
		{"agent://kiosk", printer.URI{}},
	}
	for _, tt := range tests {
		got, err := printer.ParseURI(tt.in)
		if tt.want == (printer.URI{}) {
			e := okienko.AsError(err)
			if err == nil || e.Code != okienko.EINVALID || e.Fields["uri"] == "" {
				t.Errorf("ParseURI(%q) = %+v, %v; want EINVALID on uri", tt.in, got, err)
			}
			if _, err := printer.Open(tt.in, 0); okienko.ErrorCode(err) != okienko.EINVALID {
				t.Errorf("Open(%q) error %v, want EINVALID", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseURI(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		// The canonical form parses to the same address.
		if again, err := printer.ParseURI(got.String()); err != nil || again != got {
			t.Errorf("ParseURI(%q) = %+v, %v; want %+v", got.String(), again, err, got)
		}
	}
}
