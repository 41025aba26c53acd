package main

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// lockedBuffer is a log sink the daemon writes from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A full disk, for real: the data dir is a small tmpfs, filled up. Booking
// answers 507 with /problems/disk-full in words, the log says so once,
// /readyz is not ready; once space is freed the next booking succeeds and
// /readyz is ready again.
func TestDiskFullAnswers507AndIsNotReady(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=8m,mode=0700"); err != nil {
		t.Skipf("this test fills a real disk and needs to mount a small tmpfs (as root, where mounting is allowed): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, 0); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	var logged lockedBuffer
	e := newTestEnv(t, func(e *testEnv) {
		e.cfg.Store.DataDir = mnt
		e.log = slog.New(slog.NewTextHandler(&logged, nil))
	})
	anna := e.login("anna")
	anna.create(nil)

	filler := filepath.Join(mnt, "filler")
	fill(t, filler)
	for i, day := range []string{"02", "03", "04"} {
		r := anna.do("POST", "/api/v1/bookings", booking(map[string]any{
			"start": "2026-12-" + day + "T16:00:00+01:00", "end": "2026-12-" + day + "T19:00:00+01:00",
			"title": strings.Repeat("Ausschuss für Stadtentwicklung ", 6),
		}), "Accept-Language", "de")
		if r.status != http.StatusInsufficientStorage {
			t.Fatalf("booking %d on a full disk: %d %s", i, r.status, r.body)
		}
		var p struct{ Type, Detail string }
		r.json(t, &p)
		if p.Type != "/problems/disk-full" || !strings.Contains(p.Detail, "Festplatte des Servers ist voll; nichts wurde gespeichert") {
			t.Fatalf("problem: %+v", p)
		}
	}
	if n := strings.Count(logged.String(), "the disk is full"); n != 1 {
		t.Fatalf("the full disk was logged %d times, want once:\n%s", n, logged.String())
	}
	if code := readyz(t, e); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a full disk: %d", code)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	anna.create(map[string]any{"start": "2026-12-05T16:00:00+01:00", "end": "2026-12-05T19:00:00+01:00"})
	if code := readyz(t, e); code != http.StatusOK {
		t.Fatalf("/readyz after space was freed: %d", code)
	}
}

// fill writes path until the disk refuses more.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for { // the last bytes, a page at a time
		if _, err := f.Write(chunk[:512]); err != nil {
			return
		}
	}
}

func readyz(t *testing.T, e *testEnv) int {
	t.Helper()
	resp, err := e.srv.Client().Get(e.url() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
