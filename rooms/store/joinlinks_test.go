package store

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

func mustJoin(t *testing.T, s *Store, id string) JoinSettings {
	t.Helper()
	js, err := s.JoinSettings(id)
	if err != nil {
		t.Fatalf("JoinSettings(%s): %v", id, err)
	}
	return js
}

func mustUpdateJoin(t *testing.T, s *Store, id string, fn func(*JoinSettings)) JoinSettings {
	t.Helper()
	js, err := s.UpdateJoinSettings(id, "alice", func(_ rooms.Booking, js *JoinSettings) error {
		fn(js)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateJoinSettings(%s): %v", id, err)
	}
	return js
}

func addCandidate(label string, start time.Time) func(*JoinSettings) {
	return func(js *JoinSettings) {
		js.Candidates = append(js.Candidates, JoinCandidate{ID: js.NextCandidate, Label: label,
			Start: start, End: start.Add(30 * time.Minute), Generation: 1})
		js.NextCandidate++
	}
}

func joinEntries(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	s.db.View(func(tx *kv.Tx) error {
		n = tx.Bucket(bucketJoinSettings).Stats().KeyN
		return nil
	})
	return n
}

func TestJoinSettingsDefaults(t *testing.T) {
	s := MustOpen(t)
	b := mustCreate(t, s, at("a", t0, time.Hour))
	want := JoinSettings{Booking: b.ID, HostGeneration: 1, GuestGeneration: 1, NextCandidate: 1}
	if got := mustJoin(t, s, b.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	if n := joinEntries(t, s); n != 0 {
		t.Errorf("reading stored %d records", n)
	}
}

func TestJoinSettingsNotFound(t *testing.T) {
	s := MustOpen(t)
	mustCreate(t, s, at("a", t0, time.Hour))
	for _, id := range []string{"01J9ZQ4K8M3T5V7X9Y1A2B3C4D", "nonsense", ""} {
		if _, err := s.JoinSettings(id); !errors.Is(err, rooms.ErrNotFound) {
			t.Errorf("JoinSettings(%q): %v", id, err)
		}
		called := false
		_, err := s.UpdateJoinSettings(id, "x", func(rooms.Booking, *JoinSettings) error { called = true; return nil })
		if !errors.Is(err, rooms.ErrNotFound) || called {
			t.Errorf("UpdateJoinSettings(%q): %v (fn called: %v)", id, err, called)
		}
	}
	if n := joinEntries(t, s); n != 0 {
		t.Errorf("%d records stored", n)
	}
}

func TestJoinSettingsUpdateAndReadBack(t *testing.T) {
	s := MustOpen(t)
	b := mustCreate(t, s, at("a", t0, 2*time.Hour))
	berlin := time.FixedZone("CET", 3600)
	var seen rooms.Booking
	got, err := s.UpdateJoinSettings(b.ID, "alice", func(bk rooms.Booking, js *JoinSettings) error {
		seen = bk
		js.Booking = "something else" // ignored
		js.GuestGeneration++
		js.GuestPIN = "01234567"
		js.Lobby = -1
		addCandidate("Frau Müller", t0.In(berlin))(js)
		addCandidate("Herr Şahin", t0.Add(time.Hour))(js)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != b {
		t.Errorf("fn saw %+v, want %+v", seen, b)
	}
	want := JoinSettings{Booking: b.ID, HostGeneration: 1, GuestGeneration: 2, GuestPIN: "01234567", Lobby: -1,
		Candidates: []JoinCandidate{
			{ID: 1, Label: "Frau Müller", Start: t0, End: t0.Add(30 * time.Minute), Generation: 1},
			{ID: 2, Label: "Herr Şahin", Start: t0.Add(time.Hour), End: t0.Add(90 * time.Minute), Generation: 1},
		},
		NextCandidate: 3}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("returned %+v\nwant %+v", got, want)
	}
	if back := mustJoin(t, s, b.ID); !reflect.DeepEqual(back, want) {
		t.Errorf("read back %+v\nwant %+v", back, want)
	}

	// Remove candidate 1, rotate 2, rotate the host link, drop the PIN.
	got = mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) {
		js.Candidates = js.Candidates[1:]
		js.Candidates[0].Generation++
		js.HostGeneration++
		js.GuestPIN = ""
	})
	if got.HostGeneration != 2 || got.GuestPIN != "" || len(got.Candidates) != 1 || got.Candidates[0].Generation != 2 || got.NextCandidate != 3 {
		t.Errorf("after second update: %+v", got)
	}
	if back := mustJoin(t, s, b.ID); !reflect.DeepEqual(back, got) {
		t.Errorf("read back %+v\nwant %+v", back, got)
	}
	// Removing the last candidate reads back as none.
	got = mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) { js.Candidates = js.Candidates[:0] })
	if back := mustJoin(t, s, b.ID); back.Candidates != nil || !reflect.DeepEqual(back, got) {
		t.Errorf("read back %+v, returned %+v", back, got)
	}
}

// fn edits a copy: an aborted update leaves nothing behind, and changing
// the slice fn was given does not reach the stored record.
func TestJoinSettingsFnError(t *testing.T) {
	s := MustOpen(t)
	b := mustCreate(t, s, at("a", t0, time.Hour))
	before := mustUpdateJoin(t, s, b.ID, addCandidate("Kandidat", t0))
	boom := errors.New("boom")
	_, err := s.UpdateJoinSettings(b.ID, "x", func(_ rooms.Booking, js *JoinSettings) error {
		js.GuestGeneration = 9
		js.Candidates[0].Label = "changed"
		return boom
	})
	if err != boom {
		t.Fatalf("fn error came back as %v", err)
	}
	if got := mustJoin(t, s, b.ID); !reflect.DeepEqual(got, before) {
		t.Errorf("after aborted update %+v, want %+v", got, before)
	}
	if log, _ := s.Audit(b.ID); len(log) != 2 { // create, one join.update
		t.Errorf("%d audit entries, want 2", len(log))
	}
}

func TestJoinSettingsValidation(t *testing.T) {
	s := MustOpen(t)
	b := mustCreate(t, s, at("a", t0, 8*time.Hour))
	mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) {
		js.HostGeneration, js.GuestGeneration = 5, 5
		addCandidate("eins", t0)(js)
		addCandidate("zwei", t0.Add(time.Hour))(js)
		js.Candidates[1].Generation = 3
	})
	stored := mustJoin(t, s, b.ID)
	for name, fn := range map[string]func(*JoinSettings){
		"pin too short":       func(js *JoinSettings) { js.GuestPIN = "123" },
		"pin of 7 digits":     func(js *JoinSettings) { js.GuestPIN = "1234567" },
		"pin too long":        func(js *JoinSettings) { js.GuestPIN = "12345678901" },
		"pin not digits":      func(js *JoinSettings) { js.GuestPIN = "12a4" },
		"pin unicode digits":  func(js *JoinSettings) { js.GuestPIN = "١٢٣٤" },
		"pin with space":      func(js *JoinSettings) { js.GuestPIN = "1234 " },
		"lobby 2":             func(js *JoinSettings) { js.Lobby = 2 },
		"host generation -1":  func(js *JoinSettings) { js.HostGeneration-- },
		"guest generation 0":  func(js *JoinSettings) { js.GuestGeneration = 0 },
		"next candidate down": func(js *JoinSettings) { js.NextCandidate-- },
		"too many candidates": func(js *JoinSettings) {
			for i := range MaxJoinCandidates - 1 {
				addCandidate("x", t0.Add(time.Duration(i)*time.Minute))(js)
			}
		},
		"empty label":       func(js *JoinSettings) { addCandidate("", t0)(js) },
		"label too long":    func(js *JoinSettings) { addCandidate(strings.Repeat("ä", MaxCandidateLabel+1), t0)(js) },
		"label not utf8":    func(js *JoinSettings) { addCandidate("\xff", t0)(js) },
		"slot backwards":    func(js *JoinSettings) { addCandidate("x", t0)(js); js.Candidates[2].End = t0 },
		"slot empty":        func(js *JoinSettings) { addCandidate("x", t0)(js); js.Candidates[2].End = js.Candidates[2].Start },
		"slot zero":         func(js *JoinSettings) { js.Candidates[0].Start, js.Candidates[0].End = time.Time{}, time.Time{} },
		"candidate id 0":    func(js *JoinSettings) { js.Candidates[0].ID = 0 },
		"candidate id next": func(js *JoinSettings) { js.Candidates[0].ID = js.NextCandidate },
		"duplicate id":      func(js *JoinSettings) { js.Candidates[1].ID = js.Candidates[0].ID },
		"generation down":   func(js *JoinSettings) { js.Candidates[1].Generation-- },
		"generation 0":      func(js *JoinSettings) { addCandidate("x", t0)(js); js.Candidates[2].Generation = 0 },
		"generation wraps":  func(js *JoinSettings) { js.GuestGeneration = 1<<32 - 1; js.GuestGeneration++ },
	} {
		_, err := s.UpdateJoinSettings(b.ID, "x", func(_ rooms.Booking, js *JoinSettings) error { fn(js); return nil })
		if !errors.Is(err, ErrInvalidJoinSettings) {
			t.Errorf("%s: %v, want ErrInvalidJoinSettings", name, err)
			continue
		}
		for _, pin := range []string{"123", "12345678901", "12a4", "١٢٣٤"} {
			if strings.Contains(err.Error(), pin) {
				t.Errorf("%s: the error quotes the PIN: %v", name, err)
			}
		}
	}
	if got := mustJoin(t, s, b.ID); !reflect.DeepEqual(got, stored) {
		t.Errorf("refused updates changed the settings: %+v, want %+v", got, stored)
	}
	// A removed candidate's id is never given again: its link would open
	// the new slot.
	mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) { js.Candidates = js.Candidates[1:] })
	_, err := s.UpdateJoinSettings(b.ID, "x", func(_ rooms.Booking, js *JoinSettings) error {
		js.Candidates = append(js.Candidates, JoinCandidate{ID: 1, Label: "neu", Start: t0, End: t0.Add(time.Hour), Generation: 1})
		return nil
	})
	if !errors.Is(err, ErrInvalidJoinSettings) {
		t.Errorf("reusing a removed candidate's id: %v", err)
	}
	// The limits themselves are allowed.
	mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) {
		js.GuestPIN = "0123456789"
		addCandidate(strings.Repeat("ä", MaxCandidateLabel), t0)(js)
		for len(js.Candidates) < MaxJoinCandidates {
			addCandidate("x", t0.Add(time.Duration(len(js.Candidates))*time.Minute))(js)
		}
	})
	if got := mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) { js.GuestPIN = "00000000" }); len(got.Candidates) != MaxJoinCandidates {
		t.Errorf("%d candidates, want %d", len(got.Candidates), MaxJoinCandidates)
	}
}

func TestJoinSettingsAudit(t *testing.T) {
	now := t0
	s := MustOpen(t, Options{Now: func() time.Time { return now }})
	b := mustCreate(t, s, at("a", t0, 4*time.Hour))
	const pin, pin2 = "98765432", "135791357"
	steps := []struct {
		fn   func(*JoinSettings)
		want string
	}{
		{func(js *JoinSettings) { js.GuestPIN = pin }, "pin set"},
		{func(js *JoinSettings) { js.GuestPIN = pin2; js.GuestGeneration++ }, "guest link rotated; pin changed"},
		{func(js *JoinSettings) { js.HostGeneration++; js.Lobby = 1 }, "host link rotated; lobby on"},
		{addCandidate("Frau Geheim", t0), "candidate 1 added"},
		{addCandidate("Herr Geheim", t0.Add(time.Hour)), "candidate 2 added"},
		{func(js *JoinSettings) {
			js.Candidates[0].Generation++
			js.Candidates[1].Label = "Herr Anders"
		}, "candidate 1 link rotated; candidate 2 label changed"},
		{func(js *JoinSettings) {
			js.Candidates = js.Candidates[1:]
			js.Candidates[0].End = js.Candidates[0].End.Add(time.Minute)
		}, "candidate 2 slot 2030-03-04T10:00:00Z–2030-03-04T10:31:00Z; candidate 1 removed"},
		{func(js *JoinSettings) { js.GuestPIN = ""; js.Lobby = 0 }, "pin removed; lobby default"},
	}
	for _, st := range steps {
		now = now.Add(time.Minute)
		mustUpdateJoin(t, s, b.ID, st.fn)
	}
	// A change that changes nothing writes nothing.
	mustUpdateJoin(t, s, b.ID, func(*JoinSettings) {})

	log, err := s.Audit(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1+len(steps) {
		t.Fatalf("%d audit entries, want %d", len(log), 1+len(steps))
	}
	for i, e := range log[1:] {
		if e.Action != ActionJoinUpdate || e.Actor != "alice" || e.BookingID != b.ID || !e.Time.Equal(t0.Add(time.Duration(i+1)*time.Minute)) {
			t.Errorf("entry %d: %+v", i, e)
		}
		if e.Detail != steps[i].want {
			t.Errorf("entry %d detail %q, want %q", i, e.Detail, steps[i].want)
		}
		for _, secret := range []string{pin, pin2, "Geheim", "Anders"} {
			if strings.Contains(e.Detail, secret) || len(e.Changes) != 0 {
				t.Errorf("entry %d records %q: %+v", i, secret, e)
			}
		}
	}
	// Nowhere in the audit bucket, in any form.
	s.db.View(func(tx *kv.Tx) error {
		return tx.Bucket(bucketAudit).ForEach(func(_, v []byte) error {
			for _, secret := range []string{pin, pin2, "Geheim"} {
				if strings.Contains(string(v), secret) {
					t.Errorf("audit entry %s holds %q", v, secret)
				}
			}
			return nil
		})
	})
}

func TestPurgeDeletesJoinSettings(t *testing.T) {
	s := MustOpen(t)
	old := t0.Add(-400 * day)
	gone := mustCreate(t, s, kinded(rooms.KindInterview, "Bewerbung", "a", old))
	kept := mustCreate(t, s, kinded(rooms.KindCouncil, "Rat", "a", old.Add(2*time.Hour)))
	for _, b := range []rooms.Booking{gone, kept} {
		mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) { js.GuestPIN = "47114711"; addCandidate("Kandidatin", old)(js) })
	}
	if st := mustPurge(t, s, shortInterviews, time.Time{}, purgeBatch); st.Bookings != 1 {
		t.Fatalf("purged %+v, want the interview", st)
	}
	if n := joinEntries(t, s); n != 1 {
		t.Errorf("%d join records after purge, want 1", n)
	}
	if _, err := s.JoinSettings(gone.ID); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("purged booking's settings: %v", err)
	}
	if js := mustJoin(t, s, kept.ID); js.GuestPIN != "47114711" || len(js.Candidates) != 1 {
		t.Errorf("kept booking's settings: %+v", js)
	}
	checkConsistent(t, s)
	checkFile(t, s)
}

func TestJoinSettingsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kogge.db")
	opts := Options{Now: func() time.Time { return t0 }}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	b := mustCreate(t, s, at("a", t0, time.Hour))
	want := mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) {
		js.GuestGeneration, js.GuestPIN, js.Lobby = 3, "24680246", 1
		addCandidate("Kandidat", t0)(js)
	})
	s.Close()

	s, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJoin(t, s, b.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen %+v, want %+v", got, want)
	}
	// The backup holds them too.
	backup := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteBackup(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s.Close()
	restored, err := Open(backup, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if got := mustJoin(t, restored, b.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("in the backup %+v, want %+v", got, want)
	}
}

func TestJoinSettingsConcurrentUpdates(t *testing.T) {
	s := MustOpen(t)
	b := mustCreate(t, s, at("a", t0, time.Hour))
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := s.UpdateJoinSettings(b.ID, "x", func(_ rooms.Booking, js *JoinSettings) error {
				js.GuestGeneration++
				return nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := mustJoin(t, s, b.ID).GuestGeneration; got != 1+n {
		t.Errorf("guest generation %d after %d increments, want %d", got, n, 1+n)
	}
	if log, _ := s.Audit(b.ID); len(log) != 1+n {
		t.Errorf("%d audit entries, want %d", len(log), 1+n)
	}
}

// A schema 5 file (no join_settings bucket) is migrated to 6 and its
// bookings have the default settings.
func TestMigrationV5toV6(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kogge.db")
	opts := Options{Now: func() time.Time { return t0 }}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	b := mustCreate(t, s, at("a", t0, time.Hour))
	err = s.db.Update(func(tx *kv.Tx) error {
		if err := tx.DeleteBucket(bucketJoinSettings); err != nil {
			return err
		}
		return setSchema(tx, 5)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.db.View(func(tx *kv.Tx) error {
		if v := schemaOf(tx); v != SchemaVersion {
			t.Errorf("schema %d after migration, want %d", v, SchemaVersion)
		}
		return nil
	})
	if js := mustJoin(t, s, b.ID); js.GuestGeneration != 1 || js.NextCandidate != 1 {
		t.Errorf("after migration %+v", js)
	}
	mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) { js.HostGeneration++ })
}

// A host's "end for all" is durable, keeps its first time, is audited each
// time, and no settings change can undo it.
func TestEndMeetingStaysEnded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kogge.db")
	s, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	b := mustCreate(t, s, at("a", t0, time.Hour))
	if err := s.EndMeeting(b.ID, "Vorsitz (Leitung)"); err != nil {
		t.Fatal(err)
	}
	mustUpdateJoin(t, s, b.ID, func(js *JoinSettings) { js.EndedAt = time.Time{}; js.GuestPIN = "47114711" })
	if err := s.EndMeeting(b.ID, "Vorsitz (Leitung)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if js := mustJoin(t, s, b.ID); !js.EndedAt.Equal(t0) || js.GuestPIN != "47114711" {
		t.Fatalf("after reopening: %+v", js)
	}
	entries, err := s.Audit(b.ID)
	if err != nil {
		t.Fatal(err)
	}
	ends := 0
	for _, e := range entries {
		if e.Action == ActionMeetingEnd && e.Actor == "Vorsitz (Leitung)" {
			ends++
		}
	}
	if ends != 2 {
		t.Errorf("%d end entries in %+v", ends, entries)
	}
	if err := s.EndMeeting("01ARZ3NDEKTSV4RRFFQ69G5FAV", "x"); !errors.Is(err, rooms.ErrNotFound) {
		t.Errorf("ending a meeting of no booking: %v", err)
	}
}
