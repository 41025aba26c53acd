package store

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

func sampleBooking() rooms.Booking {
	return rooms.Booking{
		ID: "01KQ0000000000000000000000", Room: "ratssaal", Title: "Hauptausschuss – Sitzung №3", Kind: rooms.KindCouncil,
		Organizer: "anna", Committee: "Hauptausschuss", Status: rooms.StatusConfirmed, Notes: "Beamer\nMikrofone",
		Start: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC),
		Setup: 30 * time.Minute, Teardown: 15 * time.Minute, Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: 12},
		Confidential: true, CreatedBy: "anna (token)", Created: time.Date(2026, 11, 26, 8, 0, 0, 123456789, time.UTC),
		Updated: time.Date(2026, 11, 26, 9, 0, 0, 1, time.UTC), Version: 7,
		SeriesID: "01KQ0000000000000000000001", Exception: true, CheckinRequired: true, Contact: "anna@stadt.example",
		CheckedIn: time.Date(2026, 12, 1, 14, 52, 3, 999, time.UTC),
		External:  "oparl:https://ris.example.org/oparl/v1/meeting/42",
	}
}

// encodeBookingV1 is the codecV1 encoder as it shipped, frozen here so
// that the decoder is tested against records already on disk.
func encodeBookingV1(b *rooms.Booking) []byte {
	buf := []byte{codecV1}
	for _, s := range []string{b.ID, b.Room, b.Title, string(b.Kind), b.Organizer, b.Committee, string(b.Status), b.Notes, b.CreatedBy} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	for _, t := range []time.Time{b.Start, b.End, b.Created, b.Updated} {
		buf = binary.AppendVarint(buf, t.Unix())
		buf = binary.AppendUvarint(buf, uint64(t.Nanosecond()))
	}
	buf = binary.AppendVarint(buf, int64(b.Setup))
	buf = binary.AppendVarint(buf, int64(b.Teardown))
	var flags byte
	if b.Hybrid.Enabled {
		flags |= flagHybrid
	}
	if b.Confidential {
		flags |= flagConfidential
	}
	buf = append(buf, flags)
	buf = binary.AppendVarint(buf, int64(b.Hybrid.ExpectedRemote))
	return binary.AppendUvarint(buf, b.Version)
}

// encodeBookingV2 is the codecV2 encoder as it shipped, frozen like
// encodeBookingV1.
func encodeBookingV2(b *rooms.Booking) []byte {
	buf := []byte{codecV2}
	for _, s := range []string{b.ID, b.Room, b.Title, string(b.Kind), b.Organizer, b.Committee, string(b.Status), b.Notes, b.CreatedBy, b.SeriesID} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	for _, t := range []time.Time{b.Start, b.End, b.Created, b.Updated} {
		buf = binary.AppendVarint(buf, t.Unix())
		buf = binary.AppendUvarint(buf, uint64(t.Nanosecond()))
	}
	buf = binary.AppendVarint(buf, int64(b.Setup))
	buf = binary.AppendVarint(buf, int64(b.Teardown))
	var flags byte
	if b.Hybrid.Enabled {
		flags |= flagHybrid
	}
	if b.Confidential {
		flags |= flagConfidential
	}
	if b.Exception {
		flags |= flagException
	}
	if b.CheckinRequired {
		flags |= flagCheckinRequired
	}
	if !b.CheckedIn.IsZero() {
		flags |= flagCheckedIn
	}
	buf = append(buf, flags)
	buf = binary.AppendVarint(buf, int64(b.Hybrid.ExpectedRemote))
	buf = binary.AppendUvarint(buf, b.Version)
	if flags&flagCheckedIn != 0 {
		buf = binary.AppendVarint(buf, b.CheckedIn.Unix())
		buf = binary.AppendUvarint(buf, uint64(b.CheckedIn.Nanosecond()))
	}
	return buf
}

// v1Fields is b without the fields codecV1 cannot hold.
func v1Fields(b rooms.Booking) rooms.Booking {
	b = v2Fields(b)
	b.SeriesID, b.Exception, b.CheckinRequired, b.CheckedIn = "", false, false, time.Time{}
	return b
}

// v2Fields is b without the fields codecV2 cannot hold.
func v2Fields(b rooms.Booking) rooms.Booking {
	b.External, b.Contact = "", ""
	return b
}

func TestCodecRoundTrips(t *testing.T) {
	full := sampleBooking()
	notCheckedIn := sampleBooking()
	notCheckedIn.CheckedIn = time.Time{}
	onlyFlags := sampleBooking()
	onlyFlags.Hybrid.Enabled, onlyFlags.Confidential, onlyFlags.Exception, onlyFlags.CheckedIn = false, false, false, time.Time{}
	tests := []struct {
		name string
		b    rooms.Booking
	}{
		{"every field", full},
		{"not checked in", notCheckedIn},
		{"checkin required alone", onlyFlags},
		{"end assumed", rooms.Booking{ID: "a", External: "oparl:x", EndAssumed: true, Start: time.Unix(0, 0).UTC(), End: time.Unix(7200, 0).UTC(), Created: time.Unix(0, 0).UTC(), Updated: time.Unix(0, 0).UTC()}},
		{"v1 fields only", v1Fields(sampleBooking())},
		{"v2 fields only", v2Fields(sampleBooking())},
		{"external reference alone", rooms.Booking{ID: "z", External: "ical:0b1c@example.org", Start: time.Unix(0, 0).UTC(), End: time.Unix(0, 0).UTC(), Created: time.Unix(0, 0).UTC(), Updated: time.Unix(0, 0).UTC()}},
		{"before the epoch", rooms.Booking{ID: "x", Start: time.Unix(-1, 5).UTC(), End: time.Unix(0, 0).UTC(), Created: time.Unix(0, 0).UTC(), Updated: time.Unix(0, 0).UTC()}},
		{"checked in at the epoch", rooms.Booking{ID: "y", Start: time.Unix(0, 0).UTC(), End: time.Unix(0, 0).UTC(), Created: time.Unix(0, 0).UTC(), Updated: time.Unix(0, 0).UTC(), CheckedIn: time.Unix(0, 0).UTC()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := encodeBooking(&tt.b)
			if v[0] != codecV5 {
				t.Fatalf("written as format %#x, want codecV5", v[0])
			}
			var got rooms.Booking
			if err := decodeBooking(v, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.b) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.b)
			}
			if tt.b.CheckedIn.IsZero() != got.CheckedIn.IsZero() {
				t.Fatalf("CheckedIn zero: got %v, want %v", got.CheckedIn.IsZero(), tt.b.CheckedIn.IsZero())
			}
		})
	}
}

// Records written before codecV2 stay readable; the fields they lack come
// back zero, and the next write upgrades them.
func TestCodecReadsV1(t *testing.T) {
	b := sampleBooking()
	var got rooms.Booking
	got.SeriesID, got.CheckedIn = "stale", t0 // the decoder must not leave these
	if err := decodeBooking(encodeBookingV1(&b), &got); err != nil {
		t.Fatal(err)
	}
	if want := v1Fields(b); !reflect.DeepEqual(got, want) {
		t.Fatalf("v1 record:\n got %+v\nwant %+v", got, want)
	}
	// A v1 flags byte never carried the v2 bits; should one be set, it is
	// not read as Exception or CheckinRequired.
	v := encodeBookingV1(&b)
	v1Flags := v1FlagsOffset(t, v)
	v[v1Flags] |= flagException | flagCheckinRequired | flagCheckedIn
	if err := decodeBooking(v, &got); err != nil || got.Exception || got.CheckinRequired || !got.CheckedIn.IsZero() {
		t.Fatalf("v1 record with stray flag bits: %+v, %v", got, err)
	}
}

// Records written by codecV2 stay readable, without a reference.
func TestCodecReadsV2(t *testing.T) {
	b := sampleBooking()
	var got rooms.Booking
	got.External = "stale" // the decoder must not leave it
	if err := decodeBooking(encodeBookingV2(&b), &got); err != nil {
		t.Fatal(err)
	}
	if want := v2Fields(b); !reflect.DeepEqual(got, want) {
		t.Fatalf("v2 record:\n got %+v\nwant %+v", got, want)
	}
	// The newest encoder differs from v2 only in the format byte and the
	// strings after SeriesID (reference, contact): empty ones cost a byte each.
	plain := v2Fields(b)
	if v2, v4 := encodeBookingV2(&plain), encodeBooking(&plain); len(v4) != len(v2)+2 {
		t.Errorf("v4 record of a booking without reference or contact is %d bytes, v2 %d", len(v4), len(v2))
	}
}

// v1FlagsOffset finds the flags byte of a sampleBooking v1 record: it is
// the byte before the ExpectedRemote varint (12 → one byte) and the
// Version varint (7 → one byte).
func v1FlagsOffset(t *testing.T, v []byte) int {
	t.Helper()
	i := len(v) - 3
	if v[i] != flagHybrid|flagConfidential {
		t.Fatalf("byte %d is %#x, not the flags of sampleBooking", i, v[i])
	}
	return i
}

func TestStoreKeepsNewFields(t *testing.T) {
	s := MustOpen(t)
	b := at("a", t0, time.Hour)
	b.SeriesID, b.Exception, b.CheckinRequired = "01KQ0000000000000000000001", true, true
	created := mustCreate(t, s, b)
	got, err := s.Get(created.ID)
	if err != nil || !reflect.DeepEqual(got, created) {
		t.Fatalf("Get after Create: %+v, %v\nwant %+v", got, err, created)
	}
	checkin := t0.Add(-5 * time.Minute).In(time.FixedZone("CET", 3600))
	updated, err := s.Update(created.ID, created.Version, "panel", func(b *rooms.Booking) error {
		b.CheckedIn, b.Status, b.Exception = checkin, rooms.StatusCheckedIn, false
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !updated.CheckedIn.Equal(checkin) || updated.CheckedIn.Location() != time.UTC || updated.Exception {
		t.Fatalf("Update returned %+v", updated)
	}
	if got, err := s.Get(created.ID); err != nil || !reflect.DeepEqual(got, updated) {
		t.Fatalf("Get after Update: %+v, %v\nwant %+v", got, err, updated)
	}
	// A change to a new field alone is a change: it is written and audited.
	again, err := s.Update(created.ID, updated.Version, "secretary", func(b *rooms.Booking) error {
		b.CheckinRequired = false
		return nil
	})
	if err != nil || again.Version != updated.Version+1 || again.CheckinRequired {
		t.Fatalf("Update of CheckinRequired alone: %+v, %v", again, err)
	}
	log, _ := s.Audit(created.ID)
	if last := log[len(log)-1]; last.Changes["checkin_required"] != (Change{Before: "true", After: "false"}) {
		t.Errorf("audit of the last update: %+v", last.Changes)
	}
	if ch := log[1].Changes; ch["checked_in"].After == "" || ch["exception"] != (Change{Before: "true", After: "false"}) {
		t.Errorf("audit of the check-in: %+v", ch)
	}
}

func TestCodecRefusesDamagedRecords(t *testing.T) {
	b := sampleBooking()
	v := encodeBooking(&b)
	for n := 0; n < len(v); n++ {
		var got rooms.Booking
		if err := decodeBooking(v[:n], &got); err == nil {
			t.Fatalf("a record cut to %d of %d bytes decoded", n, len(v))
		}
	}
	var got rooms.Booking
	if err := decodeBooking(append(v, 0), &got); err == nil {
		t.Fatal("trailing bytes accepted")
	}
	if err := decodeBooking([]byte(`{"id":"x"}`), &got); err == nil {
		t.Fatal("JSON accepted as a binary record")
	}
	// Cut v1 and v2 records are refused as before.
	for name, old := range map[string][]byte{"v1": encodeBookingV1(&b), "v2": encodeBookingV2(&b)} {
		for n := 0; n < len(old); n++ {
			if err := decodeBooking(old[:n], &got); err == nil {
				t.Fatalf("a %s record cut to %d of %d bytes decoded", name, n, len(old))
			}
		}
	}
	if err := decodeBooking(append([]byte{codecV5 + 1}, v[1:]...), &got); err == nil {
		t.Fatal("a format byte after codecV5 accepted")
	}
	// A v3 flags byte with a bit no version defines is damage.
	bad := encodeBooking(&b)
	// sampleBooking: flags, ExpectedRemote and Version one byte each, then
	// CheckedIn in 5 + 2 bytes.
	flags := len(bad) - 10
	if bad[flags] != flagsV2 {
		t.Fatalf("byte %d is %#x, not the flags of sampleBooking", flags, bad[flags])
	}
	bad[flags] |= 1 << 7
	if err := decodeBooking(bad, &got); err == nil {
		t.Fatal("unknown flag bit accepted")
	}
	// A CheckedIn flag without its instant is a cut record.
	noInstant := v1Fields(sampleBooking())
	short := encodeBooking(&noInstant)
	short[len(short)-3] |= flagCheckedIn
	if err := decodeBooking(short, &got); err == nil {
		t.Fatal("CheckedIn flag without an instant accepted")
	}
}

func FuzzDecodeBooking(f *testing.F) {
	b := sampleBooking()
	f.Add(encodeBooking(&b))
	f.Add(encodeBookingV1(&b))
	f.Add(encodeBookingV2(&b))
	plain := v1Fields(b)
	f.Add(encodeBooking(&plain))
	f.Add(encodeBookingV2(&plain))
	f.Add([]byte{codecV1})
	f.Add([]byte{codecV2})
	f.Add([]byte{codecV3})
	f.Add([]byte{codecV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{codecV2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{codecV3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		var got rooms.Booking
		if decodeBooking(data, &got) != nil {
			return
		}
		// Whatever decodes must encode back to the same bytes.
		if again := encodeBooking(&got); string(again) != string(data) {
			var re rooms.Booking
			if err := decodeBooking(again, &re); err != nil || !reflect.DeepEqual(re, got) {
				t.Fatalf("re-encoding changed the booking: %v", err)
			}
		}
	})
}

func TestMigrationFromJSONBookings(t *testing.T) {
	path := t.TempDir() + "/kogge.db"
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := sampleBooking()
	b.Confidential = false
	created, err := s.Create(b, "anna")
	if err != nil {
		t.Fatal(err)
	}
	// Turn the file back into schema 1: the booking as JSON.
	id, _ := parseID(created.ID)
	err = s.db.Update(func(tx *kv.Tx) error {
		js, _ := json.Marshal(&created)
		if err := tx.Bucket(bucketBookings).Put(id[:], js); err != nil {
			return err
		}
		return setSchema(tx, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Get(created.ID)
	if err != nil || !reflect.DeepEqual(got, created) {
		t.Fatalf("after migration: %+v, %v\nwant %+v", got, err, created)
	}
	s.db.View(func(tx *kv.Tx) error {
		if v := schemaOf(tx); v != SchemaVersion {
			t.Errorf("schema %d after migration", v)
		}
		if raw := tx.Bucket(bucketBookings).Get(id[:]); raw[0] != codecV5 {
			t.Errorf("booking still stored as %q", raw[:1])
		}
		return nil
	})
}
