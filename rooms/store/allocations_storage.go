package store

// How allocations are stored: buckets, records, index keys.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms/store/kv"
	"github.com/oklog/ulid/v2"
)

// Storage (schema 7, see doc.go):
//
//	allocations            booking id (16)                          -> allocRecord as JSON
//	allocations_by_licence provider|0|licence|0|from(8)|booking(16) -> to(8)
//	allocations_due        due(8)|booking(16)                       -> (empty)
//	secrets                name                                     -> bytes
//	meta/alloc_spans       provider|0|licence                       -> longest held span
//
// Records are JSON like join settings and series: one small record per
// hybrid booking, read by the worker and one booking at a time, never by
// the licence check, which reads only the index (its value is the end of
// the hold, so no record is decoded). JSON keeps the record easy to extend
// (Excluded and Cleanup are lists) at a cost that does not matter here.
var (
	bucketAllocations    = []byte("allocations")
	bucketAllocByLicence = []byte("allocations_by_licence")
	bucketAllocDue       = []byte("allocations_due")
	bucketSecrets        = []byte("secrets")
	bucketAllocSpans     = []byte("alloc_spans") // inside meta
)

func migrateV6toV7(tx *kv.Tx) error {
	for _, name := range [][]byte{bucketAllocations, bucketAllocByLicence, bucketAllocDue, bucketSecrets} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if _, err := tx.Bucket(bucketMeta).CreateBucketIfNotExists(bucketAllocSpans); err != nil {
		return fmt.Errorf("create bucket meta/%s: %w", bucketAllocSpans, err)
	}
	return nil
}

// allocRecord is the stored form; the booking id is the key.
type allocRecord struct {
	Provider     string        `json:"p"`
	Licence      string        `json:"l,omitempty"`
	From         time.Time     `json:"from"`
	To           time.Time     `json:"to"`
	State        AllocState    `json:"s"`
	Ref          string        `json:"ref,omitempty"`
	ExternalID   string        `json:"ext,omitempty"`
	JoinURL      string        `json:"join,omitempty"`
	HostURL      string        `json:"host,omitempty"`
	DialIn       string        `json:"dial,omitempty"`
	Attempts     int           `json:"att,omitempty"`
	FirstFailure time.Time     `json:"ff,omitzero"`
	LastError    string        `json:"err,omitempty"`
	NextAttempt  time.Time     `json:"next,omitzero"`
	Excluded     []string      `json:"excl,omitempty"`
	Cleanup      []ExternalRef `json:"clean,omitempty"`
	Version      uint64        `json:"v"`
	Updated      time.Time     `json:"u"`
}

func encodeAlloc(a *Allocation) ([]byte, error) {
	r := allocRecord{a.Provider, a.Licence, a.From, a.To, a.State, a.Ref, a.ExternalID, a.JoinURL, a.HostURL, a.DialIn,
		a.Attempts, a.FirstFailure, a.LastError, a.NextAttempt, a.Excluded, a.Cleanup, a.Version, a.Updated}
	v, err := json.Marshal(&r)
	if err != nil {
		return nil, fmt.Errorf("encode allocation of %s: %w", a.Booking, err)
	}
	return v, nil
}

func decodeAlloc(id ulid.ULID, v []byte) (Allocation, error) {
	var r allocRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return Allocation{}, fmt.Errorf("decode allocation of %s: %w", id, err)
	}
	return Allocation{id.String(), r.Provider, r.Licence, r.From.UTC(), r.To.UTC(), r.State, r.Ref, r.ExternalID, r.JoinURL, r.HostURL, r.DialIn,
		r.Attempts, utcOrZero(r.FirstFailure), r.LastError, utcOrZero(r.NextAttempt), r.Excluded, r.Cleanup, r.Version, r.Updated.UTC()}, nil
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// Clone is a deep copy of a: its lists are its own.
func (a Allocation) Clone() Allocation {
	a.Excluded = slices.Clone(a.Excluded)
	a.Cleanup = slices.Clone(a.Cleanup)
	return a
}

// sameAlloc reports whether a and b store the same record apart from
// Version and Updated.
func sameAlloc(a, b *Allocation) bool {
	x, y := *a, *b
	x.Version, y.Version, x.Updated, y.Updated = 0, 0, time.Time{}, time.Time{}
	ex, err1 := encodeAlloc(&x)
	ey, err2 := encodeAlloc(&y)
	return err1 == nil && err2 == nil && bytes.Equal(ex, ey)
}

// holds reports whether a holds its licence (has an index entry).
func (a *Allocation) holds() bool { return a.State != AllocReleased }

func licencePrefix(provider, licence string) []byte {
	k := make([]byte, 0, len(provider)+len(licence)+2+timeLen+idLen)
	k = append(append(k, provider...), 0)
	return append(append(k, licence...), 0)
}

func licenceKey(a *Allocation, id ulid.ULID) []byte {
	return append(appendTime(licencePrefix(a.Provider, a.Licence), a.From), id[:]...)
}

func spanKey(provider, licence string) []byte {
	return append(append([]byte(provider), 0), licence...)
}

// dueKey is a's entry in allocations_due, ok false if a has no work: an
// allocation with Cleanup left is due at once (the earliest key), a
// reserved one at its NextAttempt (zero: at once).
func dueKey(a *Allocation, id ulid.ULID) (k []byte, ok bool) {
	var at time.Time
	switch {
	case len(a.Cleanup) > 0:
		at = minStorable
	case a.State == AllocReserved:
		at = clampTime(a.NextAttempt)
	default:
		return nil, false
	}
	return append(appendTime(make([]byte, 0, timeLen+idLen), at), id[:]...), true
}

func allocSpan(tx *kv.Tx, provider, licence string) time.Duration {
	return getDuration(tx.Bucket(bucketMeta).Bucket(bucketAllocSpans).Get(spanKey(provider, licence)))
}
