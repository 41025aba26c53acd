package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

const day = 24 * time.Hour

// retention is a cutoff function as the purge job builds it: t0 minus the
// kind's retention; a kind without one keeps everything (zero cutoff).
func retention(m map[rooms.Kind]time.Duration) func(rooms.Kind) time.Time {
	return func(k rooms.Kind) time.Time {
		d, ok := m[k]
		if !ok {
			return time.Time{}
		}
		return t0.Add(-d)
	}
}

// shortInterviews keeps interviews 180 days, meetings and committees a
// year and council sessions ten.
var shortInterviews = retention(map[rooms.Kind]time.Duration{
	rooms.KindInterview: 180 * day,
	rooms.KindMeeting:   365 * day,
	rooms.KindCommittee: 365 * day,
	rooms.KindCouncil:   3650 * day,
})

func kinded(k rooms.Kind, title, room string, start time.Time) rooms.Booking {
	b := at(room, start, time.Hour)
	b.Kind, b.Title = k, title
	b.Confidential = k == rooms.KindInterview
	return b
}

func mustPurge(t *testing.T, s *Store, cutoff func(rooms.Kind) time.Time, accounts time.Time, batch int) PurgeStats {
	t.Helper()
	st, err := s.purge(context.Background(), cutoff, accounts, batch)
	if err != nil {
		t.Fatalf("purge: %v", err)
	}
	return st
}

func exists(t *testing.T, s *Store, id string) bool {
	t.Helper()
	_, err := s.Get(id)
	return err == nil
}

func TestPurgePerKind(t *testing.T) {
	s := MustOpen(t)
	old := t0.Add(-200 * day)
	interview := mustCreate(t, s, kinded(rooms.KindInterview, "Bewerbung Müller", "a", old))
	council := mustCreate(t, s, kinded(rooms.KindCouncil, "Ratssitzung", "b", old))
	cancelled := mustCreate(t, s, kinded(rooms.KindInterview, "Bewerbung Abgesagt", "a", old.Add(2*time.Hour)))
	if _, err := s.Cancel(cancelled.ID, 0, "tester"); err != nil {
		t.Fatal(err)
	}
	// Ends ten minutes before the interview cutoff, but its teardown runs
	// past it: the occupied end counts.
	lateTeardown := kinded(rooms.KindInterview, "Bewerbung Teardown", "a", t0.Add(-180*day-70*time.Minute))
	lateTeardown.Teardown = 30 * time.Minute
	lateTeardown = mustCreate(t, s, lateTeardown)
	recent := mustCreate(t, s, kinded(rooms.KindInterview, "Bewerbung neu", "a", t0.Add(-10*day)))
	meeting := mustCreate(t, s, kinded(rooms.KindMeeting, "Dienstbesprechung", "c", old))

	st := mustPurge(t, s, shortInterviews, time.Time{}, purgeBatch)
	// Two interviews, with a create entry each and a cancel entry for one.
	if want := (PurgeStats{Bookings: 2, AuditEntries: 3}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	for _, b := range []rooms.Booking{interview, cancelled} {
		if exists(t, s, b.ID) {
			t.Errorf("%q (%s, %s) survived the purge", b.Title, b.Kind, b.Status)
		}
	}
	for _, b := range []rooms.Booking{council, lateTeardown, recent, meeting} {
		if !exists(t, s, b.ID) {
			t.Errorf("%q (%s) was purged", b.Title, b.Kind)
		}
	}
	checkConsistent(t, s)
}

func TestPurgeNeverTouchesTheFuture(t *testing.T) {
	s := MustOpen(t)
	past := mustCreate(t, s, kinded(rooms.KindInterview, "vorbei", "a", t0.Add(-2*time.Hour)))
	running := mustCreate(t, s, kinded(rooms.KindInterview, "läuft", "a", t0.Add(-30*time.Minute)))
	future := mustCreate(t, s, kinded(rooms.KindInterview, "morgen", "a", t0.Add(day)))
	// A misconfigured retention: cutoffs a year ahead of the clock.
	ahead := func(rooms.Kind) time.Time { return t0.Add(365 * day) }
	if st := mustPurge(t, s, ahead, t0.Add(365*day), purgeBatch); st.Bookings != 1 {
		t.Errorf("purged %d bookings, want 1 (the past one)", st.Bookings)
	}
	if exists(t, s, past.ID) {
		t.Error("the past booking survived")
	}
	if !exists(t, s, running.ID) || !exists(t, s, future.ID) {
		t.Error("a booking that has not ended was purged")
	}
	checkConsistent(t, s)
}

func TestPurgeKeepsIndexesAndCountsConsistent(t *testing.T) {
	s := MustOpen(t)
	old := t0.Add(-400 * day)
	var gone, kept []rooms.Booking
	for i := range 6 {
		start := old.Add(time.Duration(i) * 3 * time.Hour)
		interview := kinded(rooms.KindInterview, fmt.Sprintf("Bewerbung %d", i), "a", start)
		council := kinded(rooms.KindCouncil, fmt.Sprintf("Rat %d", i), "a", start.Add(90*time.Minute))
		if i%2 == 0 { // imported ones, for the external index
			interview.External, council.External = fmt.Sprintf("ical:gone-%d", i), fmt.Sprintf("oparl:kept-%d", i)
		}
		gone = append(gone, mustCreate(t, s, interview))
		kept = append(kept, mustCreate(t, s, council))
	}
	if _, err := s.Cancel(gone[1].ID, 0, "tester"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(kept[1].ID, 0, "tester"); err != nil {
		t.Fatal(err)
	}
	upd, err := s.Update(kept[2].ID, 0, "tester", func(b *rooms.Booking) error { b.Title = "Rat 2 neu"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	kept[2] = upd
	keptAudit := map[string]int{}
	for _, b := range kept {
		a, err := s.Audit(b.ID)
		if err != nil {
			t.Fatal(err)
		}
		keptAudit[b.ID] = len(a)
	}

	mustPurge(t, s, shortInterviews, time.Time{}, purgeBatch)

	page, err := s.List(Query{Limit: MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(page.Bookings), ids(kept); !equalSets(got, want) {
		t.Errorf("List after purge: %v, want %v", got, want)
	}
	over, err := s.Overlapping("a", old.Add(-day), old.Add(day))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range over {
		if b.Kind != rooms.KindCouncil {
			t.Errorf("Overlapping returns purged %q", b.Title)
		}
	}
	if len(over) != len(kept)-1 { // one council session is cancelled
		t.Errorf("Overlapping: %d bookings, want %d", len(over), len(kept)-1)
	}
	counts, err := s.CountByStatus()
	if err != nil {
		t.Fatal(err)
	}
	if counts[rooms.StatusConfirmed] != len(kept)-1 || counts[rooms.StatusCancelled] != 1 {
		t.Errorf("counts after purge: %v", counts)
	}
	for _, b := range gone {
		if a, err := s.Audit(b.ID); err != nil || len(a) != 0 {
			t.Errorf("audit of purged %s: %d entries, %v", b.ID, len(a), err)
		}
	}
	for _, b := range kept {
		if a, err := s.Audit(b.ID); err != nil || len(a) != keptAudit[b.ID] {
			t.Errorf("audit of kept %s: %d entries (%v), want %d", b.ID, len(a), err, keptAudit[b.ID])
		}
	}
	// The freed slots can be booked again.
	mustCreate(t, s, kinded(rooms.KindMeeting, "neu", "a", gone[0].Start))
	checkConsistent(t, s)
	checkFile(t, s)
}

func TestPurgeSeries(t *testing.T) {
	old := t0.Add(-3 * 365 * day)
	// The series are made back then, so that their own audit entries (with
	// no BookingID, like account entries) are older than the accounts
	// cutoff and must still be told apart.
	clock := old
	s := MustOpen(t, Options{Now: func() time.Time { return clock }})

	// All occurrences expire and the series ended long ago: it goes.
	doneSr := newSeries("a", old)
	doneSr.Template.Kind = rooms.KindInterview
	doneSr.MaterialisedUntil = old.Add(4 * week)
	done, _, _, err := s.CreateSeries(doneSr, kindOf(rooms.KindInterview, weekly("a", old, 3, week, time.Hour)), false, "tester")
	if err != nil {
		t.Fatal(err)
	}
	// Old occurrences expire, recent ones stay: the series stays.
	mixedStart := t0.Add(-200 * day)
	mixedSr := newSeries("b", mixedStart)
	mixedSr.Template.Kind = rooms.KindInterview
	mixedSr.MaterialisedUntil = t0.Add(-day)
	mixed, mixedOcc, _, err := s.CreateSeries(mixedSr, kindOf(rooms.KindInterview, weekly("b", mixedStart, 20, 2*week, time.Hour)), false, "tester")
	if err != nil {
		t.Fatal(err)
	}
	// Every occurrence expires, but the series is materialised past its
	// cutoff (it may still grow): it stays.
	openSr := newSeries("c", old)
	openSr.Template.Kind = rooms.KindInterview
	openSr.MaterialisedUntil = t0.Add(365 * day)
	open, _, _, err := s.CreateSeries(openSr, kindOf(rooms.KindInterview, weekly("c", old, 3, week, time.Hour)), false, "tester")
	if err != nil {
		t.Fatal(err)
	}
	// A council series of the same age is kept by its own cutoff.
	councilSr := newSeries("d", old)
	councilSr.Template.Kind = rooms.KindCouncil
	councilSr.MaterialisedUntil = old.Add(4 * week)
	council, _, _, err := s.CreateSeries(councilSr, kindOf(rooms.KindCouncil, weekly("d", old, 3, week, time.Hour)), false, "tester")
	if err != nil {
		t.Fatal(err)
	}
	// An old account entry, to tell series entries (no BookingID either)
	// from account entries.
	if err := s.AppendAudit(AuditEntry{Time: old, Actor: "admin", Action: "user.create"}); err != nil {
		t.Fatal(err)
	}

	clock = t0
	st := mustPurge(t, s, shortInterviews, t0.Add(-365*day), purgeBatch)

	if _, err := s.GetSeries(done.ID); err == nil {
		t.Error("the finished series survived")
	}
	if a, _ := s.Audit(done.ID); len(a) != 0 {
		t.Errorf("the purged series keeps %d audit entries", len(a))
	}
	for _, sr := range []rooms.Series{mixed, open, council} {
		if _, err := s.GetSeries(sr.ID); err != nil {
			t.Errorf("series %s (%s) was purged: %v", sr.ID, sr.Template.Room, err)
		}
		if a, _ := s.Audit(sr.ID); len(a) != 1 {
			t.Errorf("series %s keeps %d audit entries, want its create entry", sr.ID, len(a))
		}
	}
	left, err := s.SeriesBookings(mixed.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var want []rooms.Booking
	for _, b := range mixedOcc {
		if !b.OccupiedUntil().Before(t0.Add(-180 * day)) {
			want = append(want, b)
		}
	}
	if len(want) == 0 || len(want) == len(mixedOcc) {
		t.Fatalf("test setup: %d of %d occurrences should stay", len(want), len(mixedOcc))
	}
	if !equalSets(ids(left), ids(want)) {
		t.Errorf("mixed series keeps %d occurrences, want %d", len(left), len(want))
	}
	if left, _ := s.SeriesBookings(open.ID, time.Time{}); len(left) != 0 {
		t.Errorf("open series keeps %d expired occurrences", len(left))
	}
	if left, _ := s.SeriesBookings(council.ID, time.Time{}); len(left) != 3 {
		t.Errorf("council series keeps %d occurrences, want 3", len(left))
	}
	purged := 3 + 3 + (len(mixedOcc) - len(want))
	// One create entry per occurrence, one per series, one account entry.
	if want := (PurgeStats{Bookings: purged, AuditEntries: purged + 1 + 1, Series: 1}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	checkConsistent(t, s)
}

func TestSeriesActionsHaveThePrefix(t *testing.T) {
	for _, a := range []string{ActionSeriesCreate, ActionSeriesExtend, ActionSeriesUpdate, ActionSeriesCancel} {
		if !strings.HasPrefix(a, seriesActionPrefix) {
			t.Errorf("series action %q lacks %q: Purge would take its entries for account entries", a, seriesActionPrefix)
		}
	}
}

func TestPurgeAccountAudit(t *testing.T) {
	s := MustOpen(t)
	booking := mustCreate(t, s, kinded(rooms.KindCouncil, "Rat", "a", t0.Add(-400*day)))
	entries := []AuditEntry{
		{Time: t0.Add(-400 * day), Actor: "anna", Action: "login"},
		{Time: t0.Add(-91 * day), Actor: "admin", Action: "user.create", Detail: "bernd"},
		{Time: t0.Add(-89 * day), Actor: "bernd", Action: "login"},
		{Time: t0.Add(-day), Actor: "bernd", Action: "login"},
		// About a kept booking: it goes with the booking, not by age.
		{Time: t0.Add(-400 * day), Actor: "timeline", Action: "release.reason", BookingID: booking.ID},
	}
	for _, e := range entries {
		if err := s.AppendAudit(e); err != nil {
			t.Fatal(err)
		}
	}
	st := mustPurge(t, s, shortInterviews, t0.Add(-90*day), purgeBatch)
	if want := (PurgeStats{AuditEntries: 2}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	var left []string
	err := s.db.View(func(tx *kv.Tx) error {
		return tx.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			left = append(left, e.Actor+" "+e.Action+" "+e.Time.Format(time.DateOnly))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"tester create " + t0.Format(time.DateOnly),
		"bernd login " + t0.Add(-89*day).Format(time.DateOnly),
		"bernd login " + t0.Add(-day).Format(time.DateOnly),
		"timeline release.reason " + t0.Add(-400*day).Format(time.DateOnly),
	}
	if !equalSets(left, want) {
		t.Errorf("audit left: %q, want %q", left, want)
	}
	checkConsistent(t, s)
}

func TestPurgeBatches(t *testing.T) {
	s := MustOpen(t)
	old := t0.Add(-2 * 365 * day)
	var bs []rooms.Booking
	// Kept council sessions first, so that batches also stop on the scan
	// limit and must resume past what they kept.
	for i := range 100 {
		bs = append(bs, kinded(rooms.KindCouncil, "Rat", "a", old.Add(time.Duration(i)*time.Hour)))
	}
	for i := range 25 {
		bs = append(bs, kinded(rooms.KindInterview, "Bewerbung", "b", old.Add(time.Duration(i)*time.Hour)))
	}
	bulkInsert(t, s, bs)
	for i := range 9 {
		if err := s.AppendAudit(AuditEntry{Time: old, Actor: "anna", Action: fmt.Sprint("login ", i)}); err != nil {
			t.Fatal(err)
		}
	}

	writes := 0
	s.onWrite = func(*kv.Tx) { writes++ }
	st := mustPurge(t, s, shortInterviews, t0.Add(-90*day), 4)
	if want := (PurgeStats{Bookings: 25, AuditEntries: 9}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	// 125 index entries at 40 a transaction, or 25 deletions at 4: at
	// least 7 for the bookings, 3 for the audit entries.
	if writes < 10 {
		t.Errorf("purge took %d transactions, want batches", writes)
	}
	writes = 0
	if st := mustPurge(t, s, shortInterviews, t0.Add(-90*day), 4); st != (PurgeStats{}) {
		t.Errorf("a second purge deleted %+v", st)
	}
	if counts, _ := s.CountByStatus(); counts[rooms.StatusConfirmed] != 100 {
		t.Errorf("counts after purge: %v", counts)
	}
	checkConsistent(t, s)
}

// TestPurgeStopsAtLatestCutoff: the scan must not walk the future (the
// bulk of a store of open-ended series).
func TestPurgeStopsAtLatestCutoff(t *testing.T) {
	s := MustOpen(t)
	var bs []rooms.Booking
	for i := range 500 {
		bs = append(bs, kinded(rooms.KindInterview, "künftig", "a", t0.Add(time.Duration(i)*time.Hour)))
	}
	bulkInsert(t, s, bs)
	writes := 0
	s.onWrite = func(*kv.Tx) { writes++ }
	// With batch 4 a scan of 500 entries would take 13 transactions.
	if st := mustPurge(t, s, shortInterviews, time.Time{}, 4); st != (PurgeStats{}) {
		t.Errorf("purged %+v of the future", st)
	}
	if writes != 3 { // one per phase
		t.Errorf("purge took %d transactions, want 3", writes)
	}
}

// TestPurgeBackupHasNoPurgedRecords: a backup taken after a purge is a
// valid file without the purged records. Their bytes may still be in it,
// in freed pages (see Purge); this test is about what a restore sees.
func TestPurgeBackupHasNoPurgedRecords(t *testing.T) {
	s := MustOpen(t)
	gone := mustCreate(t, s, kinded(rooms.KindInterview, "Bewerbung Geheim", "a", t0.Add(-200*day)))
	kept := mustCreate(t, s, kinded(rooms.KindCouncil, "Ratssitzung", "a", t0.Add(-199*day)))
	mustPurge(t, s, shortInterviews, time.Time{}, purgeBatch)

	path := filepath.Join(t.TempDir(), "backup.db")
	writeBackup(t, s, path)
	if err := CheckFile(path, time.Second); err != nil {
		t.Fatalf("CheckFile(backup): %v", err)
	}
	restored, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if _, err := restored.Get(gone.ID); err == nil {
		t.Error("the backup restores the purged booking")
	}
	if a, _ := restored.Audit(gone.ID); len(a) != 0 {
		t.Errorf("the backup restores %d audit entries of the purged booking", len(a))
	}
	if _, err := restored.Get(kept.ID); err != nil {
		t.Errorf("the backup lost the kept booking: %v", err)
	}
	checkConsistent(t, restored)
}

// TestPurgedTextLeavesBackups: bbolt frees the pages of purged records
// without clearing them, so the live file may still hold their bytes; a
// backup, which compacts, must not.
func TestPurgedTextLeavesBackups(t *testing.T) {
	s := MustOpen(t)
	const title = "Bewerbung Geheim-7f3a"
	for i := range 50 {
		mustCreate(t, s, kinded(rooms.KindInterview, title, "a", t0.Add(-200*day+time.Duration(i)*2*time.Hour)))
	}
	if st := mustPurge(t, s, shortInterviews, time.Time{}, purgeBatch); st.Bookings != 50 {
		t.Fatalf("purged %d bookings, want 50", st.Bookings)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	writeBackup(t, s, path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(title)) {
		t.Error("a backup taken after the purge still holds the purged title")
	}
}

func writeBackup(t *testing.T, s *Store, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteBackup(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func kindOf(k rooms.Kind, bs []rooms.Booking) []rooms.Booking {
	for i := range bs {
		bs[i].Kind = k
	}
	return bs
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		if m[x]--; m[x] < 0 {
			return false
		}
	}
	return true
}

// checkFile closes s, runs the integrity check and leaves s closed (its
// cleanup closes it again, which bbolt allows).
func checkFile(t *testing.T, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CheckFile(s.Path(), time.Second); err != nil {
		t.Fatalf("CheckFile after purge: %v", err)
	}
}

// checkConsistent cross-checks every bucket purging touches: each booking
// has its index entries and is counted, each index and audit index entry
// points at a record, and nothing else is there.
func checkConsistent(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *kv.Tx) error {
		counts := map[rooms.Status]uint64{}
		var nBookings, nSeriesLinks, nExternal int
		err := tx.Bucket(bucketBookings).ForEach(func(k, v []byte) error {
			var b rooms.Booking
			if err := decodeBooking(v, &b); err != nil {
				return err
			}
			id := ulid.ULID(k)
			nBookings++
			counts[b.Status]++
			if tx.Bucket(bucketByRoom).Get(roomKey(&b, id)) == nil || tx.Bucket(bucketByTime).Get(timeKey(&b, id)) == nil {
				return fmt.Errorf("booking %s lacks an index entry", b.ID)
			}
			if sk, ok := seriesKey(&b, id); ok {
				nSeriesLinks++
				if !bucketHas(tx.Bucket(bucketBySeries), sk) {
					return fmt.Errorf("booking %s lacks its series entry", b.ID)
				}
			}
			if b.External != "" {
				nExternal++
				if got := tx.Bucket(bucketByExternal).Get([]byte(b.External)); !bytes.Equal(got, k) {
					return fmt.Errorf("booking %s: its reference %q points at %x", b.ID, b.External, got)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, idx := range []struct {
			name []byte
			want int
		}{{bucketByRoom, nBookings}, {bucketByTime, nBookings}, {bucketBySeries, nSeriesLinks}, {bucketByExternal, nExternal}} {
			if n := tx.Bucket(idx.name).Stats().KeyN; n != idx.want {
				return fmt.Errorf("%s has %d entries for %d bookings", idx.name, n, idx.want)
			}
		}
		err = tx.Bucket(bucketMeta).Bucket(bucketCounts).ForEach(func(k, v []byte) error {
			if got := binary.BigEndian.Uint64(v); got != counts[rooms.Status(k)] {
				return fmt.Errorf("status count %s is %d, %d stored", k, got, counts[rooms.Status(k)])
			}
			delete(counts, rooms.Status(k))
			return nil
		})
		if err != nil {
			return err
		}
		if len(counts) > 0 {
			return fmt.Errorf("statuses without a count: %v", counts)
		}
		return tx.Bucket(bucketAuditByBooking).ForEach(func(k, _ []byte) error {
			if len(k) < idLen+1 || tx.Bucket(bucketAudit).Get(k[len(k)-idLen:]) == nil {
				return fmt.Errorf("audit index entry %q points at no entry", k)
			}
			subject := string(k[:len(k)-idLen-1])
			uid, err := ulid.ParseStrict(subject)
			if err != nil {
				return fmt.Errorf("audit index entry %q: %w", k, err)
			}
			if tx.Bucket(bucketBookings).Get(uid[:]) == nil && tx.Bucket(bucketSeries).Get(uid[:]) == nil {
				return fmt.Errorf("audit index entry %q is about nothing stored", k)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("after purge: %v", err)
	}
}

// bucketHas reports whether b has key k (Get cannot tell an empty value
// from a missing key).
func bucketHas(b *kv.Bucket, k []byte) bool {
	got, _ := b.Cursor().Seek(k)
	return bytes.Equal(got, k)
}

// A purge whose context ends (its job's node stopped leading) stops
// before its next batch; what it purged stays purged, and a later purge
// continues.
func TestPurgeStopsBetweenBatchesWhenItsContextEnds(t *testing.T) {
	s := MustOpen(t)
	old := t0.Add(-200 * day)
	for i := range 4 {
		mustCreate(t, s, kinded(rooms.KindInterview, "alt", "a", old.Add(time.Duration(i)*2*time.Hour)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.onWrite = func(*kv.Tx) { cancel() } // the term ends during the first batch
	st, err := s.purge(ctx, shortInterviews, t0.Add(-365*day), 1)
	s.onWrite = nil
	if err == nil || st.Bookings != 1 {
		t.Fatalf("purge after the context ended: %+v %v, want 1 booking and stopped", st, err)
	}
	if rest := mustPurge(t, s, shortInterviews, t0.Add(-365*day), 1); rest.Bookings != 3 {
		t.Fatalf("the next purge deleted %d, want the 3 left", rest.Bookings)
	}
}
