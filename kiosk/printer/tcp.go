package printer

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// tcpTransport prints to a printer's raw TCP port. It dials on first use and
// keeps the connection for later calls until an error or Close; after an
// error the connection is dropped and the next call dials again. Callers
// that Open a transport per job therefore use a fresh connection per job,
// which is what raw-port printers expect (most serve one connection at a
// time).
type tcpTransport struct {
	addr    string
	timeout time.Duration

	op sync.Mutex // one operation at a time

	mu     sync.Mutex // guards conn and closed; never held during I/O
	conn   net.Conn
	closed bool
}

func (t *tcpTransport) Write(ctx context.Context, job []byte) error {
	t.op.Lock()
	defer t.op.Unlock()
	c, err := t.connect(ctx)
	if err != nil {
		return err
	}
	if err := setDeadline(ctx, c, deadline(ctx, t.timeout)); err != nil {
		t.drop(c)
		return unsentError{t.fail(ctx, "write", err)}
	}
	release := interrupt(ctx, c)
	_, err = c.Write(job)
	release()
	if err != nil {
		t.drop(c)
		return t.fail(ctx, "write", err)
	}
	return nil
}

func (t *tcpTransport) Status(ctx context.Context) (Status, error) {
	t.op.Lock()
	defer t.op.Unlock()
	c, err := t.connect(ctx)
	if err != nil {
		return Status{}, err
	}
	st, err := Query(ctx, c, t.timeout)
	if err != nil {
		t.drop(c)
		return Status{}, fmt.Errorf("printer %s: %w", t.addr, err)
	}
	return st, nil
}

func (t *tcpTransport) Close() error {
	t.mu.Lock()
	c := t.conn
	t.conn, t.closed = nil, true
	t.mu.Unlock()
	if c != nil {
		return c.Close()
	}
	return nil
}

// connect returns the open connection or dials one within the timeout.
func (t *tcpTransport) connect(ctx context.Context) (net.Conn, error) {
	t.mu.Lock()
	c, closed := t.conn, t.closed
	t.mu.Unlock()
	if closed {
		return nil, unsentError{fmt.Errorf("printer %s: %w", t.addr, os.ErrClosed)}
	}
	if c != nil {
		return c, nil
	}
	dctx, cancel := context.WithDeadline(ctx, deadline(ctx, t.timeout))
	defer cancel()
	d := net.Dialer{Timeout: t.timeout}
	c, err := d.DialContext(dctx, "tcp", t.addr)
	if err != nil {
		return nil, unsentError{t.fail(ctx, "connect", err)}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close()
		return nil, unsentError{fmt.Errorf("printer %s: %w", t.addr, os.ErrClosed)}
	}
	t.conn = c
	return c, nil
}

// drop closes c and forgets it, so the next call dials again.
func (t *tcpTransport) drop(c net.Conn) {
	t.mu.Lock()
	if t.conn == c {
		t.conn = nil
	}
	t.mu.Unlock()
	c.Close()
}

// fail describes an I/O error, adding ctx's error when ctx ended it.
func (t *tcpTransport) fail(ctx context.Context, op string, err error) error {
	return fmt.Errorf("printer %s: %s: %w", t.addr, op, withContext(ctx, err))
}
