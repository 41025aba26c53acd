package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
)

// backupPrefix and backupSuffix frame the copies the backup job writes:
// kogge-20261126T013000Z.db, which sort by time as text.
const (
	backupPrefix = "kogge-"
	backupSuffix = ".db"
)

// backup writes a consistent copy of the database into cfg.Dir and
// keeps the cfg.Keep newest copies. The copy is written to a temporary
// name, synced and renamed, so a crash never leaves a half copy that looks
// whole.
func (d Deps) backup(_ context.Context, cfg config.Job) (string, error) {
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return "", err
	}
	// A .partial is what a crashed run left (runs never overlap).
	if stale, _ := filepath.Glob(filepath.Join(cfg.Dir, backupPrefix+"*"+backupSuffix+".partial")); len(stale) > 0 {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	name := backupPrefix + time.Now().UTC().Format("20060102T150405Z") + backupSuffix
	final := filepath.Join(cfg.Dir, name)
	tmp := final + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	n, err := d.Store.WriteBackup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		return "", fmt.Errorf("backup to %s: %w", final, err)
	}
	removed, err := pruneBackups(cfg.Dir, cfg.Keep)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s (%d bytes), %d old copies removed", name, n, removed), nil
}

// pruneBackups deletes all but the keep newest copies in dir. Other files
// there are left alone.
func pruneBackups(dir string, keep int) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var copies []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupSuffix) {
			copies = append(copies, n)
		}
	}
	slices.Sort(copies)
	removed := 0
	for len(copies) > keep {
		if err := os.Remove(filepath.Join(dir, copies[0])); err != nil {
			return removed, err
		}
		copies, removed = copies[1:], removed+1
	}
	return removed, nil
}
