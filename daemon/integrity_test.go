package main

import (
	"encoding/binary"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A file with thousands of problems is refused with a message an operator
// can read: the remedy first, a count and the first few problems, and the
// full report in a file next to the database.
func TestRefusalSummarisesAndWritesTheFullReport(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	d := startDaemon(t, cfg, dir)
	d.create("ratssaal", "Rat", ahead(30, 10), ahead(30, 11))
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait()
	db := filepath.Join(dir, "kogge.db")
	const lost = 5000
	if err := raiseHighWaterMark(db, lost); err != nil {
		t.Fatal(err)
	}

	again := startChild(t, nil, "serve", "-config", cfg)
	if err := again.wait(); err == nil {
		t.Fatal("kogge started on a damaged database")
	}
	msg := again.stderr.String()
	if len(msg) > 2000 {
		t.Fatalf("the refusal is %d bytes long:\n%.3000s", len(msg), msg)
	}
	first, _, _ := strings.Cut(msg, "\n")
	if !strings.Contains(first, db) {
		t.Fatalf("the first line does not name the file:\n%s", msg)
	}
	restore := strings.Index(msg, "kogge restore")
	problem := strings.Index(msg, "unreachable unfreed")
	if restore < 0 || problem < 0 || restore > problem {
		t.Fatalf("the remedy does not come before the problems:\n%s", msg)
	}
	if strings.Count(msg, "unreachable unfreed") > 3 {
		t.Fatalf("more than the first few problems:\n%s", msg)
	}
	if !strings.Contains(msg, "problems found") {
		t.Fatalf("no count of the problems:\n%s", msg)
	}
	report := db + ".check.txt"
	if !strings.Contains(msg, report) {
		t.Fatalf("the refusal does not say where the full report is:\n%s", msg)
	}
	full := mustRead(t, report)
	if n := strings.Count(full, "unreachable unfreed"); n < 40 {
		t.Fatalf("the report holds %d problems:\n%s", n, full)
	}
}

// raiseHighWaterMark damages a bbolt file the way a lost write can: both
// meta pages claim n more pages than any bucket or the freelist knows,
// each of which the check reports. The checksums are recomputed, so the
// file still opens; it is grown so that the claimed pages exist.
func raiseHighWaterMark(path string, n uint64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	// bbolt's page header is 16 bytes; its meta follows: magic, version,
	// page size, flags (4 bytes each), root bucket (16), freelist (8),
	// pgid (8), txid (8), checksum (FNV-64a of everything before it).
	const meta, pgidAt, sumAt = 16, 40, 56
	head := make([]byte, meta+sumAt+8)
	if _, err := f.ReadAt(head, 0); err != nil {
		return err
	}
	pageSize := int64(binary.LittleEndian.Uint32(head[meta+8:]))
	var high uint64
	for i := int64(0); i < 2; i++ {
		m := make([]byte, sumAt+8)
		if _, err := f.ReadAt(m, i*pageSize+meta); err != nil {
			return err
		}
		pgid := binary.LittleEndian.Uint64(m[pgidAt:]) + n
		high = max(high, pgid)
		binary.LittleEndian.PutUint64(m[pgidAt:], pgid)
		h := fnv.New64a()
		h.Write(m[:sumAt])
		binary.LittleEndian.PutUint64(m[sumAt:], h.Sum64())
		if _, err := f.WriteAt(m, i*pageSize+meta); err != nil {
			return err
		}
	}
	return f.Truncate(int64(high) * pageSize)
}
