package admission

import (
	"crypto/subtle"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
)

// checkPIN compares a guest's PIN in constant time. Wrong PINs are
// audited (without the digits) and limited per booking, so a leaked link
// does not let anyone try all 10^4 PINs.
func (j *Joins) checkPIN(b rooms.Booking, js store.JoinSettings, req signaling.JoinRequest) error {
	if js.GuestPIN == "" {
		return nil
	}
	if req.PIN == "" {
		return &signaling.Refusal{Reason: signaling.ReasonPINRequired, Message: "This meeting needs a PIN."}
	}
	// A wrong PIN costs a token of the caller's network and of the
	// booking; a right one gives them back. The network limit keeps one
	// guesser from locking every guest out; the booking's ceiling bounds
	// guessing spread over many addresses.
	try, ok := j.pins.take(b.ID, req.RemoteAddr, j.now())
	if !ok {
		return &signaling.Refusal{Reason: signaling.ReasonRateLimited, Message: "Too many wrong PINs; try again in a few minutes."}
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

// pinLimiter limits wrong PINs per booking and client network (a /24 or
// /64: one guesser) and, with a higher ceiling, per booking (guessers
// spread over many networks). With the defaults, trying all 10^4 four-digit
// PINs takes days, longer than any meeting.
type pinLimiter struct {
	networks, bookings *accounts.Limiters
}

// A client network may try PINBurst wrong PINs per booking; it gets one
// more try every PINEvery.
const (
	PINBurst = 5
	PINEvery = time.Minute
)

const (
	pinBookingBurst = 50 // per booking, all networks
	pinBookingEvery = 10 * time.Second
	pinMaxTrack     = 10000
)

func newPINLimiter() *pinLimiter {
	return &pinLimiter{
		networks: accounts.NewLimiters(PINEvery, PINBurst, pinMaxTrack),
		bookings: accounts.NewLimiters(pinBookingEvery, pinBookingBurst, pinMaxTrack),
	}
}

// pinTry holds the attempts one PIN took.
type pinTry struct{ back []func() }

func (t pinTry) giveBack() {
	for _, f := range t.back {
		f()
	}
}

// take takes an attempt from both limits, or none when either is empty.
func (p *pinLimiter) take(booking, remote string, now time.Time) (pinTry, bool) {
	back, ok := p.networks.Take(booking+"|"+accounts.Network(remote), now)
	if !ok {
		return pinTry{}, false
	}
	back2, ok := p.bookings.Take(booking, now)
	if !ok {
		back()
		return pinTry{}, false
	}
	return pinTry{back: []func(){back, back2}}, true
}
