package sfu

import (
	"testing"
	"time"
)

// feed puts count packets of size bytes into c at rate packets a second,
// starting at seq and at; it returns the next seq and time.
func feed(c *packetCache, seq uint16, at int64, count, rate, size int) (uint16, int64) {
	b := make([]byte, size)
	for range count {
		b[0] = byte(seq)
		c.put(seq, b, at)
		seq++
		at += int64(time.Second) / int64(rate)
	}
	return seq, at
}

// TestCacheHoldsASecondAtAnyRate: every packet of the last second can be
// repaired, the ring grows only as far as the layer's rate needs, across
// the sequence number's wrap.
func TestCacheHoldsASecondAtAnyRate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rate      int
		wantSlots int
	}{
		{"low layer, 30 packets/s", 30, 64},
		{"camera, 170 packets/s", 170, 256},
		{"a burst beyond the bound, 3000 packets/s", 3000, cacheMaxSlots},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c packetCache
			seq, at := feed(&c, 65000, 0, 10*tc.rate, tc.rate, 900)
			if got := c.size(); got != tc.wantSlots {
				t.Errorf("%d slots, want %d", got, tc.wantSlots)
			}
			keep := min(tc.rate, cacheMaxSlots) // a second, or all the bound allows
			dst := make([]byte, packetBufSize)
			for back := 1; back <= keep; back++ {
				s := seq - uint16(back)
				if n := c.get(s, dst); n != 900 || dst[0] != byte(s) {
					t.Fatalf("packet %d (%d back, %.2f s old) not repaired: %d bytes", s, back, float64(at)/1e9-float64(back)/float64(tc.rate), n)
				}
			}
			if n := c.get(seq-uint16(2*tc.rate), dst); n != 0 && tc.rate > 64 {
				t.Errorf("a packet two seconds old is still there")
			}
		})
	}
}

// TestCacheSlotsFitTheirPackets: a slot takes a larger packet and keeps
// serving smaller ones from the same buffer.
func TestCacheSlotsFitTheirPackets(t *testing.T) {
	var c packetCache
	c.put(1, make([]byte, 300), 0)
	c.put(1, make([]byte, 1200), 1)
	c.put(1, make([]byte, 500), 2)
	dst := make([]byte, packetBufSize)
	if n := c.get(1, dst); n != 500 {
		t.Fatalf("got %d bytes, want 500", n)
	}
	if c.get(2, dst) != 0 || new(packetCache).get(1, dst) != 0 {
		t.Fatal("a packet never put was found")
	}
	if s := c.slot(1); cap(s.buf) < 1200 || cap(s.buf) > 1536 {
		t.Fatalf("slot buffer of %d bytes for packets up to 1200", cap(s.buf))
	}
}
