//go:build unix

package printer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

var fileTicket = []byte("\x1b@A 042\n\x1dVB\x03")

// bigJob is larger than any pipe buffer, so writing it to a FIFO nobody
// reads blocks.
var bigJob = bytes.Repeat([]byte{'x'}, 4<<20)

func openFile(t *testing.T, path string, timeout time.Duration) Transport {
	t.Helper()
	tr, err := Open("file://"+path, timeout)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lp0")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

// A regular file takes the job; it has no back channel, so the status is
// unknown and printing goes ahead blindly.
func TestFileRegular(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tr := openFile(t, path, time.Second)
	ctx := context.Background()

	st, err := tr.Status(ctx)
	if err != nil || st.State() != StateUnknown {
		t.Fatalf("Status = %q, %v; want unknown, nil", st.State(), err)
	}
	if err := tr.Write(ctx, fileTicket); err != nil {
		t.Fatalf("Write: %v", err)
	}
	st, err = Print(ctx, tr, fileTicket, time.Second)
	if err != nil || st.State() != StateUnknown {
		t.Fatalf("Print = %q, %v; want unknown, nil", st.State(), err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte{}, fileTicket...), fileTicket...); !bytes.Equal(got, want) {
		t.Fatalf("file holds %q, want %q (status requests must not reach it)", got, want)
	}
}

func TestFileMissingDevice(t *testing.T) {
	tr := openFile(t, filepath.Join(t.TempDir(), "lp9"), time.Second)
	_, err := Print(context.Background(), tr, fileTicket, time.Second)
	var pe *PrintError
	if !errors.As(err, &pe) || pe.Reason != StateUnreachable || pe.Sent || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Print error %v, want unreachable, not sent, ErrNotExist", err)
	}
}

// A FIFO nobody reads is a printer that stopped taking data: the write ends
// with a deadline error instead of hanging. Go polls FIFOs, so this is the
// deadline path.
func TestFileFIFOWriteTimesOut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tr := openFile(t, mkfifo(t), timeout)

	start := time.Now()
	err := tr.Write(context.Background(), bigJob)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write error %v, want deadline exceeded", err)
	}
	if elapsed := time.Since(start); elapsed >= 2*timeout {
		t.Fatalf("Write took %v, want under %v", elapsed, 2*timeout)
	}
}

// Print on the same FIFO: no status answer (unknown), so it writes, and the
// write times out. Two steps, each within the timeout.
func TestFileFIFOPrint(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tr := openFile(t, mkfifo(t), timeout)

	start := time.Now()
	_, err := Print(context.Background(), tr, bigJob, timeout)
	elapsed := time.Since(start)
	var pe *PrintError
	if !errors.As(err, &pe) || pe.Reason != StateUnreachable || !pe.Sent || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Print error %v, want unreachable, sent, deadline exceeded", err)
	}
	if pe.Status.State() != StateUnknown {
		t.Errorf("status before the job %q, want unknown", pe.Status.State())
	}
	if elapsed >= 3*timeout {
		t.Fatalf("Print took %v, want under %v", elapsed, 3*timeout)
	}
	// The device gave no status once, so it is not asked again.
	start = time.Now()
	if st, err := tr.Status(context.Background()); err != nil || st.Known {
		t.Fatalf("Status = %+v, %v; want unknown", st, err)
	}
	if elapsed := time.Since(start); elapsed >= timeout {
		t.Fatalf("second Status took %v, want no wait", elapsed)
	}
}

// openBlocking opens path as a blocking descriptor Go cannot poll, like a
// device without poll support: deadlines are refused.
func openBlocking(path string) (*os.File, bool, error) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, false, err
	}
	return os.NewFile(uintptr(fd), path), true, nil
}

// Without deadline support a stuck write is abandoned after the timeout; the
// transport then answers ErrBusy rather than writing in parallel, and the
// write's goroutine closes the device once the write returns.
func TestFileWriteWithoutDeadlines(t *testing.T) {
	const timeout = 300 * time.Millisecond
	path := mkfifo(t)
	tr := newFileTransport(path, timeout, openBlocking)
	ctx := context.Background()

	if st, err := tr.Status(ctx); err != nil || st.Known {
		t.Fatalf("Status = %+v, %v; want unknown without deadlines", st, err)
	}

	start := time.Now()
	err := tr.Write(ctx, bigJob)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write error %v, want deadline exceeded", err)
	}
	if elapsed := time.Since(start); elapsed >= 2*timeout {
		t.Fatalf("Write took %v, want under %v", elapsed, 2*timeout)
	}

	err = tr.Write(ctx, fileTicket)
	var unsent unsentError
	if !errors.Is(err, ErrBusy) || !errors.As(err, &unsent) {
		t.Fatalf("second Write error %v, want unsent ErrBusy", err)
	}
	_, err = Print(ctx, tr, fileTicket, timeout)
	var pe *PrintError
	if !errors.As(err, &pe) || pe.Reason != StateUnreachable || pe.Sent {
		t.Fatalf("Print while busy: %v, want unreachable, not sent", err)
	}

	// The printer comes back: reading the FIFO lets the stuck write finish.
	tr.mu.Lock()
	stuck := tr.stuck
	tr.mu.Unlock()
	r, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r) // EOF once the abandoned write closed the device
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bigJob) {
		t.Fatalf("printer got %d bytes, want the %d-byte job", len(got), len(bigJob))
	}
	<-stuck
	if err := tr.usable(); err != nil {
		t.Fatalf("after the stuck write returned: %v, want usable", err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Write(ctx, fileTicket); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
}
