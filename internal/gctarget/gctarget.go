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
// per connection, the packet caches), and with 50 each participant costs
// Kogge's SFU less memory than Janus's at 5–50 participants, where Go's
// default costs 1.0–1.4 times Janus's; CPU per forwarded packet stays
// at about 0.5–0.8 of Janus's (bench/sfuload/README.md, "Quiet-machine
// run"). The price is paid in CPU where the daemon allocates most: the
// booking API's saturated throughput fell by 14–23 % in bench/httpload
// (some 4,100–4,600 instead of 5,400 creates a second, far above what a
// city books). GOGC in the environment (Environment=GOGC=100 in the
// systemd unit, say) overrides it.
const DefaultPercent = 50

// Apply sets DefaultPercent unless GOGC is set.
func Apply() {
	if os.Getenv("GOGC") == "" { // unset or empty: Go's default, 100
		debug.SetGCPercent(DefaultPercent)
	}
}
