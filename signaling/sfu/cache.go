package sfu

import "sync"

// cacheSize is how many packets of one published video layer are kept
// for retransmission: some four seconds of the high layer (~130 packets
// a second), longer than a repair is still useful to a decoder.
const cacheSize = 512

// packetCache keeps the last cacheSize packets of one published layer,
// as they arrived, for every subscriber of it: a NACK from any of them
// is answered from here (downTrack.retransmit), so memory for loss
// repair grows with publishers, not with subscribers. Each slot's buffer
// is allocated once and reused.
type packetCache struct {
	mu    sync.Mutex
	slots [cacheSize]cacheSlot
}

type cacheSlot struct {
	seq   uint16
	valid bool
	buf   []byte
}

func (c *packetCache) put(seq uint16, b []byte) {
	c.mu.Lock()
	s := &c.slots[seq%cacheSize]
	if cap(s.buf) < len(b) {
		s.buf = make([]byte, 0, max(len(b), packetBufSize))
	}
	s.buf = append(s.buf[:0], b...)
	s.seq, s.valid = seq, true
	c.mu.Unlock()
}

// get copies the packet with sequence number seq into dst and returns
// its length, or 0 when it is no longer (or never was) cached.
func (c *packetCache) get(seq uint16, dst []byte) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &c.slots[seq%cacheSize]
	if !s.valid || s.seq != seq {
		return 0
	}
	return copy(dst, s.buf)
}
