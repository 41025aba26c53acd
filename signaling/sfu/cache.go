package sfu

import (
	"sync"
	"time"
)

// A layer's cache keeps at least cacheKeep of its packets: a repair
// arriving later than that is useless to the receiver's jitter buffer.
// Janus keeps 200 ms at the least (its min_nack_queue, more with a long
// round trip); mediasoup at most 2 s for video. One second covers a
// round trip of several hundred milliseconds with a NACK retried.
//
// The ring starts at cacheMinSlots and doubles whenever a packet younger
// than cacheKeep would be overwritten, up to cacheMaxSlots: a 150 kbit/s
// low layer (about 30 packets a second) stays at 64 slots, a 1.5 Mbit/s
// camera (about 170 a second with keyframe bursts) grows to 256, a
// screen share's large keyframes to more; the bound keeps one second up
// to about 5 Mbit/s, and no publisher can make a layer's cache larger
// than the fixed 512 slots of 1,500 bytes it used to have for every
// layer whatever its rate (768 kB, about 2.3 MB per simulcast camera;
// bench/sfuload/README.md). The ring does not shrink: a layer keeps the
// size its busiest second needed.
const (
	cacheKeep     = time.Second
	cacheMinSlots = 64
	cacheMaxSlots = 512
)

// cacheEpoch makes the cache's arrival times monotonic (time.Since reads
// the monotonic clock): a step of the wall clock back must not make every
// old packet look young and grow every ring to its bound.
var cacheEpoch = time.Now()

// cacheClock is now as the cache measures it.
func cacheClock(now time.Time) int64 { return int64(now.Sub(cacheEpoch)) }

// packetCache keeps the recent packets of one published layer, as they
// arrived, for every subscriber of it: a NACK from any of them is answered
// from here (downTrack.retransmit), so memory for loss repair grows with
// publishers, not with subscribers. Each slot's buffer is allocated at the
// first packet that does not fit it and reused after that.
type packetCache struct {
	mu    sync.Mutex
	slots []cacheSlot // a power of two long, so seq wraps onto the ring
}

type cacheSlot struct {
	seq   uint16
	valid bool
	at    int64 // arrival (cacheClock)
	buf   []byte
}

// slot is where seq lives; the caller holds mu.
func (c *packetCache) slot(seq uint16) *cacheSlot {
	return &c.slots[int(seq)&(len(c.slots)-1)]
}

// put stores the packet b with sequence number seq, arrived at now
// (cacheClock).
func (c *packetCache) put(seq uint16, b []byte, now int64) {
	c.mu.Lock()
	if c.slots == nil {
		c.slots = make([]cacheSlot, cacheMinSlots)
	}
	s := c.slot(seq)
	if s.valid && s.seq != seq && now-s.at < int64(cacheKeep) && len(c.slots) < cacheMaxSlots {
		c.grow()
		s = c.slot(seq)
	}
	if cap(s.buf) < len(b) {
		// Sized to the packet (append rounds up to the allocator's size
		// class), not to the largest packet there could be.
		s.buf = append([]byte(nil), b...)
	} else {
		s.buf = append(s.buf[:0], b...)
	}
	s.seq, s.valid, s.at = seq, true, now
	c.mu.Unlock()
}

// grow doubles the ring, keeping every packet: two packets in different
// slots of the old ring cannot share one of the new. The caller holds mu.
func (c *packetCache) grow() {
	old := c.slots
	c.slots = make([]cacheSlot, 2*len(old))
	for _, s := range old {
		if s.valid {
			*c.slot(s.seq) = s
		}
	}
}

// size is the ring's length, for tests and stats.
func (c *packetCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.slots)
}

// get copies the packet with sequence number seq into dst and returns
// its length, or 0 when it is no longer (or never was) cached.
func (c *packetCache) get(seq uint16, dst []byte) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots == nil {
		return 0
	}
	s := c.slot(seq)
	if !s.valid || s.seq != seq {
		return 0
	}
	return copy(dst, s.buf)
}
