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
// Layout: one format byte (codecV1), then the fields in declaration order.
// Strings are uvarint length + bytes, instants are varint seconds + uvarint
// nanoseconds since the Unix epoch (UTC), durations varint nanoseconds,
// booleans one flags byte. A new field means a new format byte; decode keeps
// reading every older one.
const (
	codecV1 = 0x01

	flagHybrid       = 1 << 0
	flagConfidential = 1 << 1
)

var errCorruptBooking = errors.New("corrupt booking record")

func encodeBooking(b *rooms.Booking) []byte {
	buf := make([]byte, 0, 128+len(b.Title)+len(b.Notes))
	buf = append(buf, codecV1)
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

// decodeBooking reads a record written by encodeBooking. It never panics on
// damaged input: bbolt has no page checksums, so a record may be garbage.
func decodeBooking(v []byte, b *rooms.Booking) error {
	if len(v) == 0 || v[0] != codecV1 {
		return fmt.Errorf("%w: unknown format", errCorruptBooking)
	}
	d := decoder{buf: v[1:]}
	strs := []*string{&b.ID, &b.Room, &b.Title, nil, &b.Organizer, &b.Committee, nil, &b.Notes, &b.CreatedBy}
	for i, p := range strs {
		s := d.string()
		switch {
		case p != nil:
			*p = s
		case i == 3:
			b.Kind = rooms.Kind(s)
		default:
			b.Status = rooms.Status(s)
		}
	}
	for _, p := range []*time.Time{&b.Start, &b.End, &b.Created, &b.Updated} {
		sec, nsec := d.varint(), d.uvarint()
		if nsec >= 1e9 {
			d.err = errCorruptBooking
		}
		*p = time.Unix(sec, int64(nsec)).UTC()
	}
	b.Setup, b.Teardown = time.Duration(d.varint()), time.Duration(d.varint())
	flags := d.byte()
	b.Hybrid.Enabled, b.Confidential = flags&flagHybrid != 0, flags&flagConfidential != 0
	b.Hybrid.ExpectedRemote = int(d.varint())
	b.Version = d.uvarint()
	if d.err == nil && len(d.buf) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", errCorruptBooking, len(d.buf))
	}
	return d.err
}

// decoder reads fields until the first error, which it keeps.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail() { d.err, d.buf = errCorruptBooking, nil }

func (d *decoder) uvarint() uint64 {
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
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail()
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
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
