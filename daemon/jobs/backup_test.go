package jobs

import (
	"os"
	"path/filepath"
	"slices"
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
