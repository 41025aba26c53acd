// Package shure speaks Shure's command strings over TCP port 2202, as
// written down in docs/protocols/shure.md, for the microphones a council
// chamber has: MXA ceiling arrays, MXW and ULX-D receivers. A Client reads
// and sets each channel's mute and automix gate and hears the reports the
// device sends by itself; an Emulator behaves like the device for tests
// and the demo.
//
// Messages are `< … >`, in any number per TCP segment and cut anywhere
// between segments (§3). A GET or SET is answered by a REP of the same
// parameter and channel; the same REP also comes unasked when the state
// changes at the device (§4). The Client sends one command at a time and
// takes the first matching REP as its answer.
package shure
