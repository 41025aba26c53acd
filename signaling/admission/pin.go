package admission

import (
	"context"
	"crypto/subtle"
	"net/netip"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
)

// checkPIN compares a guest's PIN in constant time. Wrong PINs are
// audited (without the digits) and limited per client network; all
// networks together are paced per booking (docs/security.md, Limits).
func (j *Joins) checkPIN(ctx context.Context, b rooms.Booking, js store.JoinSettings, req signaling.JoinRequest) error {
	if js.GuestPIN == "" {
		return nil
	}
	if req.PIN == "" {
		return &signaling.Refusal{Reason: signaling.ReasonPINRequired, Message: "This meeting needs a PIN."}
	}
	// A wrong PIN costs a token of the caller's network and a turn of the
	// booking's pace; a right one gives both back. The network limit
	// refuses that network only, so one guesser never locks other guests
	// out. The booking's pace bounds guessing spread over many networks
	// by delaying every check past its burst, not by refusing: a right
	// PIN still gets in, just a few seconds later.
	try, wait, ok := j.pins.take(b.ID, len(js.GuestPIN), req.RemoteAddr, j.now())
	if !ok {
		return &signaling.Refusal{Reason: signaling.ReasonRateLimited, Message: "Too many wrong PINs; try again in a few minutes."}
	}
	if wait > 0 {
		if err := j.wait(ctx, wait); err != nil {
			try.giveBack()
			return &signaling.Refusal{Reason: signaling.ReasonRateLimited, Message: "Too many attempts; please try again in a moment."}
		}
	}
	if subtle.ConstantTimeCompare([]byte(req.PIN), []byte(js.GuestPIN)) == 1 {
		try.giveBack()
		return nil
	}
	// The address goes to the (short-lived) security log only, not into
	// the booking's history.
	j.log.Warn("wrong join PIN", "booking", b.ID, "remote", req.RemoteAddr)
	if err := j.store.AppendAudit(store.AuditEntry{Actor: "guest", Action: "join.pin_wrong", BookingID: b.ID,
		Detail: "wrong guest PIN"}); err != nil {
		j.log.Warn("auditing a wrong PIN failed", "booking", b.ID, "err", err)
	}
	return &signaling.Refusal{Reason: signaling.ReasonPINWrong, Message: "The PIN is not correct."}
}

// sleepCtx waits d or until ctx ends (Options.Wait's default).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A client network (PINNetwork) may try PINBurst wrong PINs per booking;
// it gets one more try every PINEvery. Its refusals touch nobody else.
const (
	PINBurst = 5
	PINEvery = time.Minute
)

// The booking's pace over all networks, for PINs of at least
// store.MinGuestPIN (8) digits: pinBookingBurst checks at once, then one
// per pinBookingEvery, the rest waiting their turn. Over the longest
// meeting the system allows (a 7-day booking, 2 h preparation, 4 h grace:
// 626,400 s) that is at most 626,450 checks, 0.63 % of 10^8 PINs.
// Shorter PINs (set before the minimum rose) are paced ten times slower
// per missing digit, with a burst of pinShortBurst, so their odds stay
// below 1 % too (docs/security.md, Limits).
const (
	pinBookingBurst = 50
	pinBookingEvery = time.Second
	pinShortBurst   = 10
	// PINMaxWait is the longest a check waits for its turn; a longer
	// queue refuses (rate_limited). It stays below the hub's 10 s
	// authorization timeout (signaling/limits.go).
	PINMaxWait  = 8 * time.Second
	pinMaxTrack = 10000
	pinLongLen  = store.MinGuestPIN
	pinShortLen = 4 // the shortest PIN the store ever took
)

// pinPace is the booking-wide pace for a PIN of n digits.
func pinPace(n int) (every time.Duration, burst int) {
	every = pinBookingEvery
	if n >= pinLongLen {
		return every, pinBookingBurst
	}
	for range pinLongLen - max(n, pinShortLen) {
		every *= 10
	}
	return every, pinShortBurst
}

// pinLimiter limits wrong PINs per booking and client network and paces
// all checks of a booking.
type pinLimiter struct {
	networks *accounts.Limiters
	// bookings[n] paces bookings whose PIN has pinShortLen+n digits (the
	// last one: pinLongLen and more).
	bookings []*accounts.Limiters
}

func newPINLimiter() *pinLimiter {
	p := &pinLimiter{networks: accounts.NewLimiters(PINEvery, PINBurst, pinMaxTrack)}
	for n := pinShortLen; n <= pinLongLen; n++ {
		every, burst := pinPace(n)
		p.bookings = append(p.bookings, accounts.NewLimiters(every, burst, pinMaxTrack))
	}
	return p
}

// pinTry holds the attempts one PIN took.
type pinTry struct{ back []func() }

func (t pinTry) giveBack() {
	for _, f := range t.back {
		f()
	}
}

// take takes an attempt from the caller's network and a turn of the
// booking's pace (how long to wait for it), or nothing when the network
// must wait or the booking's queue is longer than PINMaxWait.
func (p *pinLimiter) take(booking string, pinLen int, remote string, now time.Time) (pinTry, time.Duration, bool) {
	back, ok := p.networks.Take(booking+"|"+PINNetwork(remote), now)
	if !ok {
		return pinTry{}, 0, false
	}
	i := min(max(pinLen, pinShortLen), pinLongLen) - pinShortLen
	wait, back2, ok := p.bookings[i].Queue(booking, now, PINMaxWait)
	if !ok {
		back()
		return pinTry{}, 0, false
	}
	return pinTry{back: []func(){back, back2}}, wait, true
}

// PINNetwork is the network a PIN guesser is counted by: an IPv4 /24 or
// an IPv6 /56 (what a provider gives one customer; a /64 would let one
// guesser rotate through 256 of them). A port is dropped; anything that is
// not an IP is kept as given, bounded.
func PINNetwork(remote string) string {
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		ip = ap.Addr()
	} else if a, err := netip.ParseAddr(remote); err == nil {
		ip = a
	} else {
		return remote[:min(len(remote), 64)]
	}
	ip = ip.Unmap().WithZone("")
	bits := 24
	if ip.Is6() {
		bits = 56
	}
	pfx, _ := ip.Prefix(bits)
	return pfx.String()
}
