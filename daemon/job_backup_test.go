package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kogge-project/kogge/daemon/jobs"
)

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
		Jobs []jobs.Status `json:"jobs"`
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
