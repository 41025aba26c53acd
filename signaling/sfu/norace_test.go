//go:build !race

package sfu

import "testing"

// The race detector makes sync.Pool drop items at random, so allocation
// counts mean nothing under it: this file is built only without it, and
// CI (.ci/run) runs it in a pass of its own.

func TestForwardAllocatesNothing(t *testing.T) {
	up, _ := fanOut(t, 10)
	b := browserPacket(t)
	var f forwarder
	f.forward(up, b) // first packet sizes the extension slice
	if n := testing.AllocsPerRun(1000, func() { f.forward(up, b) }); n != 0 {
		t.Fatalf("%v allocations per packet", n)
	}
}
