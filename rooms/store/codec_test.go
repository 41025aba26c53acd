package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kogge-project/kogge/rooms"
)

func sampleBooking() rooms.Booking {
	return rooms.Booking{
		ID: "01KQ0000000000000000000000", Room: "ratssaal", Title: "Hauptausschuss – Sitzung №3", Kind: rooms.KindCouncil,
		Organizer: "anna", Committee: "Hauptausschuss", Status: rooms.StatusConfirmed, Notes: "Beamer\nMikrofone",
		Start: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC),
		Setup: 30 * time.Minute, Teardown: 15 * time.Minute, Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: 12},
		Confidential: true, CreatedBy: "anna (token)", Created: time.Date(2026, 11, 26, 8, 0, 0, 123456789, time.UTC),
		Updated: time.Date(2026, 11, 26, 9, 0, 0, 1, time.UTC), Version: 7,
	}
}

func TestCodecRoundTrips(t *testing.T) {
	for _, b := range []rooms.Booking{sampleBooking(), {ID: "x", Start: time.Unix(-1, 5).UTC(), End: time.Unix(0, 0).UTC(), Created: time.Unix(0, 0).UTC(), Updated: time.Unix(0, 0).UTC()}} {
		var got rooms.Booking
		if err := decodeBooking(encodeBooking(&b), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, b) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, b)
		}
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
}

func FuzzDecodeBooking(f *testing.F) {
	b := sampleBooking()
	f.Add(encodeBooking(&b))
	f.Add([]byte{codecV1})
	f.Add([]byte{codecV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
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
	err = s.db.Update(func(tx *bbolt.Tx) error {
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
	s.db.View(func(tx *bbolt.Tx) error {
		if v := schemaOf(tx); v != SchemaVersion {
			t.Errorf("schema %d after migration", v)
		}
		if raw := tx.Bucket(bucketBookings).Get(id[:]); raw[0] != codecV1 {
			t.Errorf("booking still stored as %q", raw[:1])
		}
		return nil
	})
}
