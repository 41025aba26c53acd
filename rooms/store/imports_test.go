package store

import (
	"path/filepath"
	"testing"
)

// TestImportState: an import's keys are written together, read back,
// scanned by prefix and deleted by an empty value; they survive a reopen,
// and one import does not see another's.
func TestImportState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kogge.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.ImportGet("oparl", "cursor"); err != nil || v != nil {
		t.Fatalf("before any write: %q, %v", v, err)
	}
	if err := s.ImportPut("oparl", map[string][]byte{"cursor": []byte("c1"), "agenda/a": []byte("A"), "agenda/b": []byte("B"), "refused/x": []byte("X")}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportPut("ical", map[string][]byte{"agenda/z": []byte("Z")}); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportPut("oparl", map[string][]byte{"agenda/b": nil}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.ImportGet("oparl", "cursor"); err != nil || string(v) != "c1" {
		t.Fatalf("cursor after reopen: %q, %v", v, err)
	}
	var keys []string
	if err := s.ImportScan("oparl", "agenda/", func(k string, v []byte) error { keys = append(keys, k+"="+string(v)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != "agenda/a=A" {
		t.Fatalf("agenda keys: %q", keys)
	}
	if err := s.ImportPut("", map[string][]byte{"k": []byte("v")}); err == nil {
		t.Fatal("an import without a name was accepted")
	}
}
