package printer

import (
	"context"
	"errors"
	"net"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/okienko/okienko"
)

// Printer address kinds.
const (
	KindTCP   = "tcp"   // tcp://HOST:PORT, the printer's raw port
	KindFile  = "file"  // file:///dev/usb/lp0, a device file
	KindAgent = "agent" // the okienko-kiosk program prints locally
	KindNone  = "none"  // no printer: the ticket is shown on screen only
)

// DefaultPort is the raw printing port used when a tcp:// address has none.
const DefaultPort = 9100

var (
	// ErrNoPrinter is returned by writes to the "none" printer.
	ErrNoPrinter = errors.New("printer: no printer configured")
	// ErrAgent is returned by Open for the "agent" address: jobs for it go
	// to the kiosk agent, not through this package.
	ErrAgent = errors.New("printer: printing goes through the kiosk agent")
	// ErrBusy means an earlier write to a device file has not finished; the
	// transport refuses new I/O until it does.
	ErrBusy = errors.New("printer: an earlier write has not finished")
)

// Transport is an open printer. Every call ends by its context's deadline
// or the timeout given to Open, whichever is sooner. Implementations are
// safe for concurrent use and run one operation at a time.
type Transport interface {
	// Write sends job bytes to the printer.
	Write(ctx context.Context, job []byte) error
	// Status asks the printer for its status. A printer without a back
	// channel gives a Status whose Known is false and no error.
	Status(ctx context.Context) (Status, error)
	// Close releases the connection or device.
	Close() error
}

// URI is a parsed printer address.
type URI struct {
	Kind string // KindTCP, KindFile, KindAgent or KindNone
	Host string // KindTCP: host:port
	Path string // KindFile: absolute device path
}

// String returns the address in its canonical form.
func (u URI) String() string {
	switch u.Kind {
	case KindTCP:
		return "tcp://" + u.Host
	case KindFile:
		return "file://" + u.Path
	default:
		return u.Kind
	}
}

const uriForms = "must be tcp://HOST:PORT, file:///dev/..., agent or none"

// ParseURI parses a printer address: tcp://HOST[:PORT] (port 9100 when
// omitted), file:///absolute/path, agent or none. It returns EINVALID with
// field "uri" for anything else.
func ParseURI(s string) (URI, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return URI{}, okienko.Invalid("uri", "is required")
	case strings.EqualFold(s, KindNone):
		return URI{Kind: KindNone}, nil
	case strings.EqualFold(s, KindAgent):
		return URI{Kind: KindAgent}, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return URI{}, okienko.Invalid("uri", uriForms)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return URI{}, okienko.Invalid("uri", uriForms)
	}
	switch u.Scheme {
	case KindTCP:
		host := u.Hostname()
		if host == "" {
			return URI{}, okienko.Invalid("uri", "tcp:// needs a printer host")
		}
		if u.Path != "" && u.Path != "/" {
			return URI{}, okienko.Invalid("uri", "tcp:// takes a host and port only")
		}
		port := DefaultPort
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return URI{}, okienko.Invalid("uri", "port must be between 1 and 65535")
			}
			port = n
		}
		return URI{Kind: KindTCP, Host: net.JoinHostPort(host, strconv.Itoa(port))}, nil
	case KindFile:
		if u.Host != "" && u.Host != "localhost" {
			return URI{}, okienko.Invalid("uri", "file:// needs an absolute path, as in file:///dev/usb/lp0")
		}
		p := u.Path
		if !strings.HasPrefix(p, "/") || p == "/" || path.Clean(p) != p {
			return URI{}, okienko.Invalid("uri", "file:// needs an absolute path, as in file:///dev/usb/lp0")
		}
		return URI{Kind: KindFile, Path: p}, nil
	default:
		return URI{}, okienko.Invalid("uri", uriForms)
	}
}

// Open returns a transport for the printer at uri. It does not connect yet:
// the connection or device is opened by the first call, so an unreachable
// printer shows up as an error from Write or Status. A tcp:// transport keeps
// its connection until an error or Close, so opening one transport per job
// gives each job a fresh connection. timeout bounds every
// operation (DefaultTimeout when zero or less). Open returns EINVALID (field
// "uri") for a bad address and ErrAgent for "agent".
func Open(uri string, timeout time.Duration) (Transport, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	switch u.Kind {
	case KindTCP:
		return &tcpTransport{addr: u.Host, timeout: timeout}, nil
	case KindFile:
		return newFileTransport(u.Path, timeout, openDevice), nil
	case KindAgent:
		return nil, ErrAgent
	default:
		return noPrinter{}, nil
	}
}

// noPrinter is the "none" printer: nothing to write to, status unknown.
type noPrinter struct{}

func (noPrinter) Write(context.Context, []byte) error {
	return unsentError{ErrNoPrinter}
}

func (noPrinter) Status(context.Context) (Status, error) { return Status{}, nil }

func (noPrinter) Close() error { return nil }

// unsentError marks a failure that happened before any job byte could reach
// the printer (no connection, no device, busy, closed).
type unsentError struct{ err error }

func (e unsentError) Error() string { return e.err.Error() }
func (e unsentError) Unwrap() error { return e.err }

// WithoutStatus returns t that is never asked its status: Status answers
// unknown (Known false) without a byte sent, so Print writes the job
// blindly, as to a printer without a back channel. It is for printers that
// have none over the network, or that do not answer DLE EOT.
func WithoutStatus(t Transport) Transport { return blind{t} }

// blind is a transport that is not asked its status.
type blind struct{ Transport }

func (blind) Status(context.Context) (Status, error) { return Status{}, nil }
