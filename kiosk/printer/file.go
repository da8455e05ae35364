package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// fileTransport prints to a device file such as /dev/usb/lp0.
//
// Device files differ in what they support, so every step degrades safely:
//   - The device is opened read-write (read-only back channel for status);
//     when that is refused it is opened write-only and status is unknown.
//     The open runs in a goroutine bounded by the timeout, since opening some
//     devices blocks.
//   - When the file supports deadlines (Go polls it: pipes, most character
//     devices) reads and writes use them. When it does not (regular files,
//     unpollable devices) a write runs in a goroutine bounded by the timeout;
//     a write that overruns is abandoned: the goroutine closes the file when
//     the write finally returns, and until then the transport answers
//     ErrBusy instead of writing to the device in parallel.
//   - Status is asked with DLE EOT only when the file supports deadlines.
//     A device that cannot be read (EINVAL, end of file) or sends no answer
//     before the deadline (including ctx's deadline; only a cancelled ctx is
//     an error) gives an unknown status, and the transport stops asking it, so printing
//     on a printer without a back channel costs at most one status timeout.
type fileTransport struct {
	path    string
	timeout time.Duration
	open    func(path string) (f *os.File, readable bool, err error)

	op sync.Mutex // one operation at a time

	mu       sync.Mutex // guards the fields below; never held during I/O
	f        *os.File
	readable bool
	mute     bool          // no status from this device: Status reports unknown
	stuck    chan struct{} // closed when an abandoned write returns
	closed   bool
}

func newFileTransport(path string, timeout time.Duration, open func(string) (*os.File, bool, error)) *fileTransport {
	return &fileTransport{path: path, timeout: timeout, open: open}
}

// openDevice opens path read-write, or write-only when reading is refused.
// It never creates the file.
func openDevice(path string) (*os.File, bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err == nil {
		return f, true, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if f, err2 := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err2 == nil {
		return f, false, nil
	}
	return nil, false, err
}

func (t *fileTransport) Write(ctx context.Context, job []byte) error {
	t.op.Lock()
	defer t.op.Unlock()
	f, _, err := t.file(ctx)
	if err != nil {
		return err
	}
	d := deadline(ctx, t.timeout)
	switch err := f.SetWriteDeadline(d); {
	case err == nil:
		if err := ctx.Err(); err != nil {
			return unsentError{t.fail("write", err)}
		}
		release := interrupt(ctx, f)
		_, err = f.Write(job)
		release()
		if err != nil {
			t.drop(f)
			return t.fail("write", withContext(ctx, err))
		}
		return nil
	case errors.Is(err, os.ErrNoDeadline):
		return t.writeBounded(ctx, f, job, d)
	default:
		t.drop(f)
		return unsentError{t.fail("write", err)}
	}
}

// writeBounded writes job in a goroutine and waits until d or ctx's end; a
// write still blocked then is abandoned (see fileTransport).
func (t *fileTransport) writeBounded(ctx context.Context, f *os.File, job []byte, d time.Time) error {
	done := make(chan error, 1)
	go func() {
		_, err := f.Write(job)
		done <- err
	}()
	timer := time.NewTimer(time.Until(d))
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
		if err != nil {
			t.drop(f)
			return t.fail("write", err)
		}
		return nil
	case <-timer.C:
		err = os.ErrDeadlineExceeded
	case <-ctx.Done():
		err = ctx.Err()
	}
	stuck := make(chan struct{})
	t.mu.Lock()
	if t.f == f {
		t.f = nil
	}
	t.stuck = stuck
	t.mu.Unlock()
	go func() {
		<-done
		f.Close()
		close(stuck)
	}()
	return t.fail("write", err)
}

func (t *fileTransport) Status(ctx context.Context) (Status, error) {
	t.op.Lock()
	defer t.op.Unlock()
	t.mu.Lock()
	mute := t.mute
	t.mu.Unlock()
	if mute {
		return Status{}, t.usable()
	}
	f, readable, err := t.file(ctx)
	if err != nil {
		return Status{}, err
	}
	if !readable {
		t.silence()
		return Status{}, nil
	}
	switch err := f.SetDeadline(deadline(ctx, t.timeout)); {
	case errors.Is(err, os.ErrNoDeadline):
		t.silence()
		return Status{}, nil
	case err != nil:
		t.drop(f)
		return Status{}, t.fail("status", err)
	}
	st, err := Query(ctx, f, t.timeout)
	switch {
	case err == nil:
		return st, nil
	case errors.Is(ctx.Err(), context.Canceled):
		return Status{}, t.fail("status", err)
	case errors.Is(err, ErrNoAnswer), errors.Is(err, io.EOF), errors.Is(err, syscall.EINVAL):
		t.silence()
		return Status{}, nil
	default:
		t.drop(f)
		return Status{}, t.fail("status", err)
	}
}

func (t *fileTransport) Close() error {
	t.mu.Lock()
	f := t.f
	t.f, t.closed = nil, true
	t.mu.Unlock()
	if f != nil {
		return f.Close()
	}
	return nil
}

// usable reports why no I/O may start now: the transport is closed, or an
// abandoned write has not returned yet.
func (t *fileTransport) usable() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return unsentError{t.fail("use", os.ErrClosed)}
	}
	if t.stuck != nil {
		select {
		case <-t.stuck:
			t.stuck = nil
		default:
			return unsentError{t.fail("use", ErrBusy)}
		}
	}
	return nil
}

// file returns the open device, opening it within the timeout.
func (t *fileTransport) file(ctx context.Context) (*os.File, bool, error) {
	if err := t.usable(); err != nil {
		return nil, false, err
	}
	t.mu.Lock()
	f, readable := t.f, t.readable
	t.mu.Unlock()
	if f != nil {
		return f, readable, nil
	}

	type opened struct {
		f        *os.File
		readable bool
		err      error
	}
	ch := make(chan opened, 1)
	go func() {
		f, readable, err := t.open(t.path)
		ch <- opened{f, readable, err}
	}()
	timer := time.NewTimer(time.Until(deadline(ctx, t.timeout)))
	defer timer.Stop()
	var o opened
	select {
	case o = <-ch:
	case <-timer.C:
		o.err = os.ErrDeadlineExceeded
	case <-ctx.Done():
		o.err = ctx.Err()
	}
	if o.err != nil {
		go func() { // an open that returns late is closed at once
			if late := <-ch; late.f != nil {
				late.f.Close()
			}
		}()
		return nil, false, unsentError{t.fail("open", o.err)}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		o.f.Close()
		return nil, false, unsentError{t.fail("open", os.ErrClosed)}
	}
	t.f, t.readable = o.f, o.readable
	return o.f, o.readable, nil
}

// silence stops status requests to this device.
func (t *fileTransport) silence() {
	t.mu.Lock()
	t.mute = true
	t.mu.Unlock()
}

// drop closes f and forgets it, so the next call opens the device again.
func (t *fileTransport) drop(f *os.File) {
	t.mu.Lock()
	if t.f == f {
		t.f = nil
	}
	t.mu.Unlock()
	f.Close()
}

func (t *fileTransport) fail(op string, err error) error {
	return fmt.Errorf("printer %s: %s: %w", t.path, op, err)
}

// withContext adds ctx's error to err when ctx ended the operation.
func withContext(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w (%w)", err, ctxErr)
	}
	return err
}
