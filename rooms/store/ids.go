package store

import (
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// idSource makes ULIDs from crypto/rand. ulid.Make would do, but its default
// entropy is math/rand seeded with the start time; booking IDs appear in
// URLs. Within one millisecond the entropy is monotonic (a random step of
// less than 2^32 from the previous ID), so IDs made in the same millisecond
// are closer together; IDs are not secrets, and every lookup is authorised.
//
// The entropy is monotonic within a millisecond, so IDs made in the same
// millisecond (and the audit entries keyed by them) still sort in the order
// they were made, even with a frozen test clock.
type idSource struct {
	mu      sync.Mutex
	entropy *ulid.MonotonicEntropy
}

func newIDSource() *idSource {
	return &idSource{entropy: ulid.Monotonic(rand.Reader, 0)}
}

func (s *idSource) next(now time.Time) (ulid.ULID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := ulid.New(ulid.Timestamp(now), s.entropy)
	if err != nil {
		return ulid.ULID{}, fmt.Errorf("make id: %w", err)
	}
	return id, nil
}
