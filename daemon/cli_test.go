package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/store"
)

// kogge runs a subcommand in-process and returns its exit code and output.
func kogge(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := runCommand(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckConfigListsEveryProblem(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("[server]\nlisten = \"nowhere\"\n\n[[rooms]]\nid = \"Ratssaal!\"\nname = \"Ratssaal\"\ncapacity = 0\ncapcity = 3\n"), 0o600)
	code, _, errOut := kogge(t, "", "check-config", "-config", bad)
	if code == 0 {
		t.Fatal("a bad config passed")
	}
	for _, want := range []string{"server.listen", "rooms[0].id", "rooms[0].capacity: must be > 0", "capcity"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("output lacks %q:\n%s", want, errOut)
		}
	}
	good := writeConfig(t, t.TempDir(), testRoomsTOML+"\n[[jobs]]\nname = \"p\"\nschedule = \"30 2 * * *\"\naction = \"purge\"\n")
	code, out, errOut := kogge(t, "", "check-config", "-config", good)
	if code != 0 || !strings.Contains(out, "OK") || !strings.Contains(out, "warning: jobs[0].schedule: runs between 02:00 and 03:00") {
		t.Fatalf("good config: %d %s %s", code, out, errOut)
	}
	if code, _, _ := kogge(t, "", "check-config"); code == 0 {
		t.Fatal("check-config without -config succeeded")
	}
}

func TestUserCommandsWithTheDaemonStoppedAndRunning(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	code, out, errOut := kogge(t, "", "user", "add", "anna", "-config", cfg)
	if code != 0 || !strings.Contains(out, "password for anna (shown once): ") {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := kogge(t, "", "user", "add", "anna", "-config", cfg); code == 0 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate add: %d %q", code, errOut)
	}
	if code, _, errOut := kogge(t, "", "user", "add", "bernd", "-role", "king", "-config", cfg); code == 0 || !strings.Contains(errOut, "role") {
		t.Fatalf("bad role: %d %q", code, errOut)
	}

	d := startDaemon(t, cfg, dir)
	// Over the control socket while the daemon holds the database.
	if code, out, errOut := kogge(t, "a long enough passphrase\n", "user", "add", "bernd", "-role", "admin", "-config", cfg); code != 0 || !strings.Contains(out, "password for bernd set") {
		t.Fatalf("add while running: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := kogge(t, "short\n", "user", "passwd", "bernd", "-config", cfg); code == 0 || !strings.Contains(errOut, "at least 12") {
		t.Fatalf("weak password: %d %q", code, errOut)
	}
	if code, _, _ := kogge(t, "", "user", "disable", "anna", "-config", cfg); code != 0 {
		t.Fatal("disable failed")
	}
	code, out, _ = kogge(t, "", "user", "list", "-config", cfg)
	if code != 0 || !strings.Contains(out, "bernd") || !regexpLine(out, "anna", "secretary", "true") {
		t.Fatalf("list: %q", out)
	}
	if strings.Contains(out, "argon2") {
		t.Fatal("list shows password hashes")
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait()
}

// regexpLine reports whether one line of out holds all words in order.
func regexpLine(out string, words ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := line, true
		for _, w := range words {
			i := strings.Index(rest, w)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(w):]
		}
		if ok {
			return true
		}
	}
	return false
}

func TestBackupWhileRunningAndStopped(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	d := startDaemon(t, cfg, dir)
	d.create("ratssaal", "Rat", ahead(90, 15), ahead(90, 19))
	hot := filepath.Join(t.TempDir(), "hot.db")
	if code, out, errOut := kogge(t, "", "backup", "-o", hot, "-config", cfg); code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("hot backup: %d %q %q", code, out, errOut)
	}
	assertBackupHolds(t, hot, 1)

	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait()
	cold := filepath.Join(t.TempDir(), "cold.db")
	if code, _, errOut := kogge(t, "", "backup", "-o", cold, "-config", cfg); code != 0 {
		t.Fatalf("cold backup: %d %q", code, errOut)
	}
	assertBackupHolds(t, cold, 1)
	if _, err := os.Stat(cold + ".partial"); !os.IsNotExist(err) {
		t.Fatal("partial file left behind")
	}

	// Restore as the README says: stop, copy over kogge.db, start.
	data, _ := os.ReadFile(hot)
	os.WriteFile(filepath.Join(dir, "kogge.db"), data, 0o600)
	d = startDaemon(t, cfg, dir)
	if code, body := d.call("GET", "/api/v1/bookings?room=ratssaal", nil); code != 200 || !strings.Contains(string(body), `"Rat"`) {
		t.Fatalf("after restore: %d %s", code, body)
	}
}

func assertBackupHolds(t *testing.T, path string, bookings int) {
	t.Helper()
	if err := store.CheckFile(path, time.Second); err != nil {
		t.Fatalf("backup fails its check: %v", err)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	page, err := st.List(store.Query{})
	if err != nil || len(page.Bookings) != bookings {
		t.Fatalf("backup holds %d bookings (%v), want %d", len(page.Bookings), err, bookings)
	}
}
