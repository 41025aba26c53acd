package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

func TestPruneBackupsKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"kogge-20261101T013000Z.db", "kogge-20261103T013000Z.db", "kogge-20261102T013000Z.db", "notes.txt", "kogge-20261104T013000Z.db.partial"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	removed, err := pruneBackups(dir, 2)
	if err != nil || removed != 1 {
		t.Fatalf("removed %d, %v", removed, err)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"kogge-20261102T013000Z.db", "kogge-20261103T013000Z.db", "kogge-20261104T013000Z.db.partial", "notes.txt"}
	if !slices.Equal(left, want) {
		t.Fatalf("left %v, want %v", left, want)
	}
}

func TestBackupJobRunsOnSchedule(t *testing.T) {
	dir := t.TempDir()
	backups := filepath.Join(t.TempDir(), "backups")
	jobsTOML := fmt.Sprintf("\n[[jobs]]\nname = \"backup\"\nschedule = \"@every 1s\"\naction = \"backup\"\ndir = %q\nkeep = 1\n", backups)
	d := startDaemon(t, writeConfig(t, dir, testRoomsTOML+jobsTOML), dir)
	d.create("ratssaal", "Rat", ahead(90, 15), ahead(90, 19))
	d.waitLog("job done") // bounded by processDeadline
	d.waitLog("job done") // a second run prunes the first copy (keep = 1)
	code, body := d.call("GET", "/api/v1/jobs", nil)
	var out struct {
		Jobs []jobStatus `json:"jobs"`
	}
	if code != 200 || json.Unmarshal(body, &out) != nil || len(out.Jobs) != 1 || out.Jobs[0].Last == nil || out.Jobs[0].Last.Result != "ok" {
		t.Fatalf("jobs: %d %s", code, body)
	}
	d.cmd.Process.Signal(syscall.SIGTERM) // no run in progress while we look
	d.wait()
	copies, err := filepath.Glob(filepath.Join(backups, "kogge-*.db"))
	if err != nil || len(copies) != 1 {
		t.Fatalf("finished copies: %v %v", copies, err)
	}
	assertBackupHolds(t, copies[0], 1)
}
