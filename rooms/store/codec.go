package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Bookings are stored in a compact binary form: availability and conflict
// checks decode every candidate booking, and JSON decoding was 70 % of an
// availability query (BenchmarkAvailability, p99 ≈ 400 µs with JSON).
//
// Layout: one format byte, then the fields in declaration order. Strings
// are uvarint length + bytes, instants are varint seconds + uvarint
// nanoseconds since the Unix epoch (UTC), durations varint nanoseconds,
// booleans bits of one flags byte. A new field means a new format byte;
// decode keeps reading every older one, so no migration has to rewrite
// the file (records move to the newest format as they are written).
//
//	codecV1: ID Room Title Kind Organizer Committee Status Notes CreatedBy
//	         Start End Created Updated Setup Teardown flags ExpectedRemote
//	         Version
//	codecV2: as v1 with SeriesID after CreatedBy, the flags byte extended
//	         (Exception, CheckinRequired, and whether CheckedIn is set), and
//	         CheckedIn after Version when its flag says so. A flag rather
//	         than an encoded zero time: the zero time is outside the range
//	         the rest of the store handles, and "not checked in" must come
//	         back as exactly time.Time{}.
//	codecV3: as v2 with External after SeriesID (an empty string, one
//	         byte, for bookings made in Kogge); the flags are v2's.
//	codecV4: as v3 with Contact (the organizer's mail address) after
//	         External.
//	codecV5: as v4 with one more flag, EndAssumed (an import booked a
//	         default length because its source gave no usable end).
const (
	codecV1 = 0x01
	codecV2 = 0x02
	codecV3 = 0x03
	codecV4 = 0x04
	codecV5 = 0x05

	flagHybrid          = 1 << 0
	flagConfidential    = 1 << 1
	flagException       = 1 << 2 // v2
	flagCheckinRequired = 1 << 3 // v2
	flagCheckedIn       = 1 << 4 // v2: a CheckedIn instant follows Version
	flagEndAssumed      = 1 << 5 // v5

	flagsV1 = flagHybrid | flagConfidential
	flagsV2 = flagsV1 | flagException | flagCheckinRequired | flagCheckedIn
	flagsV5 = flagsV2 | flagEndAssumed
)

var errCorruptBooking = errors.New("corrupt booking record")

// encodeBooking always writes the newest format.
func encodeBooking(b *rooms.Booking) []byte {
	buf := make([]byte, 0, 160+len(b.Title)+len(b.Notes)+len(b.External)+len(b.Contact))
	buf = append(buf, codecV5)
	for _, s := range []string{b.ID, b.Room, b.Title, string(b.Kind), b.Organizer, b.Committee, string(b.Status), b.Notes, b.CreatedBy, b.SeriesID, b.External, b.Contact} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	for _, t := range []time.Time{b.Start, b.End, b.Created, b.Updated} {
		buf = appendInstant(buf, t)
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
	if b.EndAssumed {
		flags |= flagEndAssumed
	}
	buf = append(buf, flags)
	buf = binary.AppendVarint(buf, int64(b.Hybrid.ExpectedRemote))
	buf = binary.AppendUvarint(buf, b.Version)
	if flags&flagCheckedIn != 0 {
		buf = appendInstant(buf, b.CheckedIn)
	}
	return buf
}

func appendInstant(buf []byte, t time.Time) []byte {
	buf = binary.AppendVarint(buf, t.Unix())
	return binary.AppendUvarint(buf, uint64(t.Nanosecond()))
}

// decodeBooking reads a record written by encodeBooking, in any format it
// ever wrote; fields a format lacks stay zero. It never panics on damaged
// input: bbolt has no page checksums, so a record may be garbage.
func decodeBooking(v []byte, b *rooms.Booking) error {
	return decodeInto(v, b, nil)
}

// timedNames is what the timeline's rebuild (EachPendingTimed) shares
// between the records it decodes: the room names seen so far, so that
// 100,000 bookings in 200 rooms share 200 strings, and the ID the record
// is expected to carry (its key's text, a piece of one string made for
// all keys), so that no ID is copied on its own.
type timedNames struct {
	rooms map[string]string
	id    string
}

// decodeInto decodes all of v into b, or, with tn != nil, for the
// timeline's rebuild: it still reads and checks the whole record but keeps
// only ID, Room, Status, Start, End, the buffers, the flags, ExpectedRemote
// and Version; the other strings are skipped without being copied, and
// Created and Updated are checked but left zero.
func decodeInto(v []byte, b *rooms.Booking, tn *timedNames) error {
	if len(v) == 0 || v[0] < codecV1 || v[0] > codecV5 {
		return fmt.Errorf("%w: unknown format", errCorruptBooking)
	}
	format := v[0]
	*b = rooms.Booking{} // an older record must not leave the new fields as they were
	d := decoder{buf: v[1:], skip: tn != nil}
	if tn != nil {
		b.ID = tn.shared(d.bytes())
		b.Room = d.intern(tn.rooms)
	} else {
		b.ID, b.Room = d.keep(), d.string()
	}
	b.Title = d.string()
	b.Kind = rooms.Kind(d.string())
	b.Organizer, b.Committee = d.string(), d.string()
	if tn != nil {
		b.Status = knownStatus(d.bytes())
	} else {
		b.Status = rooms.Status(d.string())
	}
	b.Notes, b.CreatedBy = d.string(), d.string()
	if format >= codecV2 {
		b.SeriesID = d.string()
	}
	if format >= codecV3 {
		b.External = d.string()
	}
	if format >= codecV4 {
		b.Contact = d.string()
	}
	b.Start, b.End = d.instant(), d.instant()
	if tn != nil {
		d.skipInstant()
		d.skipInstant()
	} else {
		b.Created, b.Updated = d.instant(), d.instant()
	}
	b.Setup, b.Teardown = time.Duration(d.varint()), time.Duration(d.varint())
	flags := d.byte()
	known := byte(flagsV1)
	if format >= codecV2 {
		known = flagsV2
		if format >= codecV5 {
			known = flagsV5
		}
		// An unknown bit in a v2 or later record is damage (v1 never checked its
		// flags, so old records keep being read as they always were).
		if flags&^known != 0 && d.err == nil {
			d.err = fmt.Errorf("%w: unknown flags %#x", errCorruptBooking, flags&^known)
		}
	}
	flags &= known
	b.Hybrid.Enabled, b.Confidential = flags&flagHybrid != 0, flags&flagConfidential != 0
	b.Exception, b.CheckinRequired = flags&flagException != 0, flags&flagCheckinRequired != 0
	b.EndAssumed = flags&flagEndAssumed != 0
	b.Hybrid.ExpectedRemote = int(d.varint())
	b.Version = d.uvarint()
	if flags&flagCheckedIn != 0 {
		b.CheckedIn = d.instant()
	}
	if d.err == nil && len(d.buf) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", errCorruptBooking, len(d.buf))
	}
	return d.err
}

// decoder reads fields until the first error, which it keeps. With skip
// set, string reads string "" without copying (keep always copies).
type decoder struct {
	buf  []byte
	err  error
	skip bool
}

func (d *decoder) fail() { d.err, d.buf = errCorruptBooking, nil }

func (d *decoder) uvarint() uint64 {
	if len(d.buf) > 0 && d.buf[0] < 0x80 {
		// One byte: every string length below 128, every version below
		// 128, the nanoseconds of a whole second. Most of a record.
		v := uint64(d.buf[0])
		d.buf = d.buf[1:]
		return v
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) string() string {
	if d.skip {
		d.bytes()
		return ""
	}
	return d.keep()
}

func (d *decoder) keep() string { return string(d.bytes()) }

// bytes reads a string's bytes without copying them.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail()
		return nil
	}
	s := d.buf[:n:n]
	d.buf = d.buf[n:]
	return s
}

// shared is v as a string: tn.id when they are equal (no copy), else a copy.
func (tn *timedNames) shared(v []byte) string {
	if string(v) == tn.id {
		return tn.id
	}
	return string(v)
}

// intern reads a string, copying it only the first time it is seen.
func (d *decoder) intern(seen map[string]string) string {
	v := d.bytes()
	if s, ok := seen[string(v)]; ok { // no allocation for the lookup
		return s
	}
	s := string(v)
	seen[s] = s
	return s
}

// knownStatus is v as a Status, without a copy for the known ones.
func knownStatus(v []byte) rooms.Status {
	for _, st := range []rooms.Status{rooms.StatusConfirmed, rooms.StatusTentative, rooms.StatusCheckedIn,
		rooms.StatusCancelled, rooms.StatusReleased, rooms.StatusEnded} {
		if string(v) == string(st) {
			return st
		}
	}
	return rooms.Status(v)
}

func (d *decoder) byte() byte {
	if len(d.buf) == 0 {
		d.fail()
		return 0
	}
	c := d.buf[0]
	d.buf = d.buf[1:]
	return c
}

// skipInstant checks an instant without making a time.Time of it.
func (d *decoder) skipInstant() {
	d.varint()
	if d.uvarint() >= 1e9 {
		d.fail()
	}
}

// instant reads what appendInstant wrote, as a UTC time.
func (d *decoder) instant() time.Time {
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.fail()
	}
	return time.Unix(sec, int64(nsec)).UTC()
}
