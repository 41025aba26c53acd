// Package gctarget sets the garbage collector's target the Kogge daemon (and
// its benchmark twin, bench/sfuload/koggesfu) runs with.
package gctarget

import (
	"os"
	"runtime/debug"
)

// DefaultPercent is the garbage collector's target when the environment
// sets no GOGC: the heap may grow to 1.5 times what is live instead of
// Go's twice. The daemon's memory is mostly its meetings' (pion's state
// per connection, the packet caches); with 50 a meeting participant costs
// Kogge's SFU about as much memory as Janus's (0.85-1.04 times at 10-50
// participants in two quiet runs, 0.85-1.38 at 5), where Go's default
// costs 1.0-1.4 times (bench/sfuload/README.md, "Quiet-machine runs").
// The price is CPU where the daemon allocates most: the booking API's
// saturated throughput fell by 14-23 % in bench/httpload (some
// 4,100-4,600 instead of 5,400 creates a second, far above what a city
// books). GOGC in the environment (Environment=GOGC=100 in the systemd
// unit, say) overrides it.
const DefaultPercent = 50

// Apply sets DefaultPercent unless GOGC is set.
func Apply() {
	if os.Getenv("GOGC") == "" { // unset or empty: Go's default, 100
		debug.SetGCPercent(DefaultPercent)
	}
}
