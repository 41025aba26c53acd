package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// joins turns join links into meetings: it signs the links a booking
// shows, and it is the signaling hub's Authorizer, deciding what a token
// (and PIN) opens right now.
type joins struct {
	log       *slog.Logger
	store     *store.Store
	catalog   *rooms.Catalog
	keys      *joinlink.Keyring
	now       func() time.Time
	publicURL string
	grace     time.Duration
	limit     int
	pins      *pinLimiter
	// ended reports meetings ended before their closing time (a host's
	// "end for all"), so that the page says so; the hub keeps that state
	// (in memory: after a restart such a meeting can be joined again
	// until its closing time). Nil until the hub runs.
	ended func(bookingID string) bool
	// external says where a booking's meeting lives when it was handed
	// to an outside provider ("" = on our SFU); host asks for the host's
	// URL. The link sent out never changes: it redirects there. Nil
	// until a provider broker is configured.
	external func(b rooms.Booking, host bool) (url string, pending bool)
}

func newJoins(w config.WebRTC, st *store.Store, cat *rooms.Catalog, now func() time.Time, publicURL string, log *slog.Logger) (*joins, error) {
	keys, err := joinlink.LoadKeyring(w.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("join link keys: %w", err)
	}
	return &joins{log: log, store: st, catalog: cat, keys: keys, now: now, publicURL: publicURL,
		grace: w.EndGrace.Duration, limit: w.ParticipantLimit, pins: newPINLimiter()}, nil
}

// link is the URL of one join link.
func (j *joins) link(c joinlink.Claims) (string, error) {
	tok, err := j.keys.Sign(c)
	if err != nil {
		return "", err
	}
	return j.publicURL + "/j/" + tok, nil
}

// window is when a booking's meeting is open: from the room's prep instant
// to the end plus grace.
func (j *joins) window(b rooms.Booking) (opens, closes time.Time) {
	room, _ := j.catalog.Get(b.Room)
	return b.Start.Add(-prepLead(room)), b.End.Add(j.grace)
}

// lobbyOn says whether guests wait to be admitted: always for confidential
// meetings and interviews; by default for council sessions; otherwise as
// the booking's join settings say.
func lobbyOn(b rooms.Booking, js store.JoinSettings) bool {
	if b.Confidential || b.Kind == rooms.KindInterview {
		return true
	}
	switch js.Lobby {
	case 1:
		return true
	case -1:
		return false
	}
	return b.Kind == rooms.KindCouncil
}

func (j *joins) spec(b rooms.Booking, js store.JoinSettings) signaling.MeetingSpec {
	_, closes := j.window(b)
	return signaling.MeetingSpec{
		ID: b.ID, Title: joinTitle(b), Lobby: lobbyOn(b, js), Limit: j.limit,
		PublishQueue: b.Kind == rooms.KindCouncil, Closes: closes,
	}
}

// live reports whether a booking can still have a meeting.
func live(b rooms.Booking) bool {
	switch b.Status {
	case rooms.StatusCancelled, rooms.StatusReleased:
		return false
	}
	return b.Hybrid.Enabled
}

var errBadLink = &signaling.Refusal{Reason: signaling.ReasonInvalidToken, Message: "This link is not valid (any more)."}

// resolve checks a token against the booking as it is now. The join page
// (which only shows state) and Authorize (which also checks the PIN) share
// it.
func (j *joins) resolve(token string) (joinlink.Claims, rooms.Booking, store.JoinSettings, error) {
	var none store.JoinSettings
	cl, err := j.keys.Verify(token)
	if err != nil {
		return cl, rooms.Booking{}, none, errBadLink
	}
	b, err := j.store.Get(cl.Booking)
	if errors.Is(err, rooms.ErrNotFound) {
		return cl, b, none, errBadLink // purged or never existed
	}
	if err != nil {
		return cl, b, none, err
	}
	js, err := j.store.JoinSettings(b.ID)
	if err != nil {
		return cl, b, none, err
	}
	if !b.Hybrid.Enabled || !currentGeneration(cl, js) {
		return cl, b, js, errBadLink
	}
	if j.external != nil {
		// Only https: a provider's URL is followed by every guest's
		// browser, so nothing else may come out of a misconfiguration.
		u, pending := j.external(b, cl.Kind == joinlink.KindHost)
		switch {
		case !live(b):
		case strings.HasPrefix(u, "https://"):
			return cl, b, js, &signaling.Refusal{Reason: signaling.ReasonExternal, URL: u,
				Message: "This meeting takes place at another provider."}
		case pending:
			// Handed off but not ready yet: never open it here instead.
			opens, _ := j.window(b)
			return cl, b, js, &signaling.Refusal{Reason: signaling.ReasonNotOpen, Opens: maxTime(opens, j.now().Add(time.Minute)),
				Message: "The meeting is being set up at its provider; try again in a minute."}
		}
	}
	opens, closes := j.window(b)
	if cl.Kind == joinlink.KindCandidate {
		// A candidate's link is valid in its slot only; the lobby holds
		// whoever comes while the previous interview runs over.
		slot, _ := findCandidate(js, cl.Candidate)
		opens, closes = slot.Start, minTime(slot.End, closes)
	}
	now := j.now()
	switch {
	case !live(b) || !now.Before(closes) || !js.EndedAt.IsZero() || (j.ended != nil && j.ended(b.ID)):
		return cl, b, js, &signaling.Refusal{Reason: signaling.ReasonEnded, Message: "This meeting has ended."}
	case now.Before(opens):
		return cl, b, js, &signaling.Refusal{Reason: signaling.ReasonNotOpen, Opens: opens,
			Message: "This meeting opens at " + opens.UTC().Format(time.RFC3339) + "."}
	}
	return cl, b, js, nil
}

// linkID names the link a participant came in with, generation included,
// so that rotating or deleting it can remove whoever used it.
func linkID(cl joinlink.Claims) string {
	return fmt.Sprintf("%s:%d:%d", cl.Kind, cl.Candidate, cl.Generation)
}

// linkValid reports whether a link named by linkID still works.
func linkValid(js store.JoinSettings) func(string) bool {
	valid := map[string]bool{
		linkID(joinlink.Claims{Kind: joinlink.KindHost, Generation: js.HostGeneration}):   true,
		linkID(joinlink.Claims{Kind: joinlink.KindGuest, Generation: js.GuestGeneration}): true,
	}
	for _, c := range js.Candidates {
		valid[linkID(joinlink.Claims{Kind: joinlink.KindCandidate, Candidate: c.ID, Generation: c.Generation})] = true
	}
	return func(link string) bool { return valid[link] }
}

// currentGeneration: a rotated link carries an old generation and stops
// working at once; a deleted candidate's link finds no candidate.
func currentGeneration(cl joinlink.Claims, js store.JoinSettings) bool {
	switch cl.Kind {
	case joinlink.KindHost:
		return cl.Generation == js.HostGeneration
	case joinlink.KindGuest:
		return cl.Generation == js.GuestGeneration
	case joinlink.KindCandidate:
		c, ok := findCandidate(js, cl.Candidate)
		return ok && cl.Generation == c.Generation
	}
	return false
}

func findCandidate(js store.JoinSettings, id uint16) (store.JoinCandidate, bool) {
	for _, c := range js.Candidates {
		if c.ID == id {
			return c, true
		}
	}
	return store.JoinCandidate{}, false
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Authorize implements signaling.Authorizer.
func (j *joins) Authorize(_ context.Context, req signaling.JoinRequest) (signaling.Ticket, error) {
	cl, b, js, err := j.resolve(req.Token)
	if err != nil {
		return signaling.Ticket{}, err
	}
	t := signaling.Ticket{Meeting: j.spec(b, js), Role: signaling.RoleGuest, Link: linkID(cl)}
	switch cl.Kind {
	case joinlink.KindHost:
		t.Role = signaling.RoleHost
	case joinlink.KindCandidate:
		c, _ := findCandidate(js, cl.Candidate)
		// Waiting past the slot's end means the slot was missed; once
		// admitted, an interview may overrun.
		t.Candidate, t.Until = c.Label, c.End
	case joinlink.KindGuest:
		if err := j.checkPIN(b, js, req); err != nil {
			return signaling.Ticket{}, err
		}
	}
	return t, nil
}

// checkPIN compares a guest's PIN in constant time. Wrong PINs are
// audited (without the digits) and limited per booking, so a leaked link
// does not let anyone try all 10^4 PINs.
func (j *joins) checkPIN(b rooms.Booking, js store.JoinSettings, req signaling.JoinRequest) error {
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

const (
	pinBurst        = 5 // per booking and network
	pinEvery        = time.Minute
	pinBookingBurst = 50 // per booking, all networks
	pinBookingEvery = 10 * time.Second
	pinMaxTrack     = 10000
)

func newPINLimiter() *pinLimiter {
	return &pinLimiter{
		networks: accounts.NewLimiters(pinEvery, pinBurst, pinMaxTrack),
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
