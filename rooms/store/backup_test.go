package store

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

func TestWriteBackup(t *testing.T) {
	s := MustOpen(t)
	var bs []rooms.Booking
	for i := range 50 {
		bs = append(bs, mustCreate(t, s, at("a", t0.Add(time.Duration(i)*time.Hour), time.Hour)))
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.WriteBackup(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != n {
		t.Errorf("WriteBackup reported %d bytes, file has %d", n, fi.Size())
	}
	if err := CheckFile(path, time.Second); err != nil {
		t.Fatalf("CheckFile(backup): %v", err)
	}

	restored, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	for _, b := range bs {
		got, err := restored.Get(b.ID)
		if err != nil || got != b {
			t.Fatalf("backup has %+v, %v; want %+v", got, err, b)
		}
	}
	if c, _ := restored.CountByStatus(); c[rooms.StatusConfirmed] != len(bs) {
		t.Errorf("counts in backup: %v", c)
	}
}

// checkChildEnv names the file a child test process should check.
const checkChildEnv = "KOGGE_STORE_CHECKFILE"

// TestCheckFileChild is the child half of TestCheckFile: it runs CheckFile
// on the file named in the environment and reports by exit code, because a
// corrupt file may crash it.
func TestCheckFileChild(t *testing.T) {
	path := os.Getenv(checkChildEnv)
	if path == "" {
		t.Skip("only run as a child of TestCheckFile")
	}
	if err := CheckFile(path, time.Second); err != nil {
		os.Stdout.WriteString("CHECK FAILED: " + err.Error() + "\n")
		os.Exit(3)
	}
	os.Stdout.WriteString("CHECK OK\n")
	os.Exit(0)
}

func TestCheckFile(t *testing.T) {
	s := MustOpen(t)
	var bs []rooms.Booking
	for i := range 2000 {
		bs = append(bs, at("a", t0.Add(time.Duration(i)*time.Hour), time.Hour))
	}
	bulkInsert(t, s, bs)
	good := filepath.Join(t.TempDir(), "good.db")
	var buf bytes.Buffer
	if _, err := s.WriteBackup(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(good, time.Second); err != nil {
		t.Fatalf("CheckFile(good): %v", err)
	}

	// Scribble over the header and first bytes of a few data pages (beyond
	// the two meta pages), as a bad disk or a stray write would.
	pageSize := os.Getpagesize() // bbolt's default page size
	damaged := bytes.Clone(buf.Bytes())
	for _, pg := range []int{3, 5, 8} {
		copy(damaged[pg*pageSize:], bytes.Repeat([]byte{0xa5}, 64))
	}
	bad := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(bad, damaged, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		path   string
		wantOK bool
	}{
		{"good", good, true},
		{"corrupt", bad, false},
		{"missing", filepath.Join(t.TempDir(), "nope.db"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCheckFileChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), checkChildEnv+"="+tt.path)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			switch {
			case err == nil:
				if !tt.wantOK {
					t.Fatalf("check passed a %s file:\n%s", tt.name, out)
				}
			case errors.As(err, &exit):
				if tt.wantOK {
					t.Fatalf("check failed on a good file (%v):\n%s", err, out)
				}
				// A crash (killed by a signal, exit code -1) counts as a
				// refusal too: that is why the check runs in a child.
				if !strings.Contains(string(out), "CHECK FAILED") && exit.ExitCode() != -1 {
					t.Fatalf("child failed without a check error (%v):\n%s", err, out)
				}
				t.Logf("child: %v: %.300s", err, out)
			default:
				t.Fatal(err)
			}
		})
	}
}
