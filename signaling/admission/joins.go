package admission

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// Store is what admission reads of the booking store, and the audit log
// it writes wrong PINs to (*store.Store in the daemon).
type Store interface {
	Get(id string) (rooms.Booking, error)
	JoinSettings(bookingID string) (store.JoinSettings, error)
	Allocation(bookingID string) (a store.Allocation, ok bool, err error)
	AppendAudit(e store.AuditEntry) error
}

// Options are what New needs: the configuration values admission goes by
// and the parts it reads.
type Options struct {
	// KeyFile holds the keys join links are signed with
	// (joinlink.LoadKeyring; webrtc.key_file).
	KeyFile string
	// Keys, if set, are the keys instead of KeyFile's (a cluster's,
	// daemon/cluster/joinkeys.go).
	Keys *joinlink.Keyring
	// PublicURL is where the join page is served; links are
	// PublicURL + "/j/" + token.
	PublicURL string
	// EndGrace is how long a meeting stays open past its booking's end.
	EndGrace time.Duration
	// ParticipantLimit caps each meeting on our SFU.
	ParticipantLimit int
	Store            Store
	// Room looks a booking's room up (rooms.Catalog.Get), for its
	// preparation lead: a meeting opens when its room is prepared.
	Room func(id string) (rooms.Room, bool)
	Now  func() time.Time
	// Wait waits out a guest PIN check's turn in its booking's pace
	// (pin.go), or returns ctx's error; tests inject one. Default: a timer.
	Wait func(ctx context.Context, d time.Duration) error
	Log  *slog.Logger
}

// Joins turns join links into meetings: it signs the links a booking
// shows, and it is the signaling hub's Authorizer, deciding what a token
// (and PIN) opens right now.
type Joins struct {
	log       *slog.Logger
	store     Store
	room      func(id string) (rooms.Room, bool)
	keys      *joinlink.Keyring
	now       func() time.Time
	publicURL string
	grace     time.Duration
	limit     int
	pins      *pinLimiter
	wait      func(ctx context.Context, d time.Duration) error
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
	// member looks up a council member's personal link (rooms/council):
	// the name and the current generation. Nil: member links open nothing.
	member func(bookingID string, id uint16) (name string, generation uint32, ok bool)
}

// SetMembers installs the lookup of council members' personal links.
// Call it before serving.
func (j *Joins) SetMembers(member func(bookingID string, id uint16) (name string, generation uint32, ok bool)) {
	j.member = member
}

// New loads the link keys and returns the admission. Now defaults to
// time.Now and Log to slog.Default().
func New(o Options) (*Joins, error) {
	keys := o.Keys
	if keys == nil {
		var err error
		if keys, err = joinlink.LoadKeyring(o.KeyFile); err != nil {
			return nil, fmt.Errorf("join link keys: %w", err)
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Wait == nil {
		o.Wait = sleepCtx
	}
	return &Joins{wait: o.Wait, log: o.Log, store: o.Store, room: o.Room, keys: keys, now: o.Now, publicURL: o.PublicURL,
		grace: o.EndGrace, limit: o.ParticipantLimit, pins: newPINLimiter()}, nil
}

// SetEnded installs the hub's record of meetings ended before their
// closing time (signaling.Hub.Ended). Call it before serving.
func (j *Joins) SetEnded(ended func(bookingID string) bool) { j.ended = ended }

// SetExternal installs where a booking's meeting lives when it was
// handed to an outside provider: its URL ("" = on our SFU) and whether it
// is still being set up there. Call it before serving.
func (j *Joins) SetExternal(external func(b rooms.Booking, host bool) (url string, pending bool)) {
	j.external = external
}

// Now is admission's clock, which the hub shares so that both agree on
// when a meeting closes.
func (j *Joins) Now() time.Time { return j.now() }

// Link is the URL of one join link.
func (j *Joins) Link(c joinlink.Claims) (string, error) {
	tok, err := j.keys.Sign(c)
	if err != nil {
		return "", err
	}
	return j.publicURL + "/j/" + tok, nil
}

// Window is when a booking's meeting is open: from the room's prep instant
// to the end plus grace.
func (j *Joins) Window(b rooms.Booking) (opens, closes time.Time) {
	room, _ := j.room(b.Room)
	return b.Start.Add(-room.PrepLeadOrDefault()), b.End.Add(j.grace)
}

// CouncilSitting is when a council session's record takes proceedings
// (rooms/council.Options.Sitting): while its meeting is open, whether or
// not the booking has video.
func (j *Joins) CouncilSitting(bookingID string) (council.Sitting, error) {
	b, err := j.store.Get(bookingID)
	if err != nil {
		return council.Sitting{}, err
	}
	opens, closes := j.Window(b)
	return council.Sitting{Opens: opens, Closes: closes, Off: !Held(b)}, nil
}

// LobbyOn says whether guests wait to be admitted: always for confidential
// meetings and interviews; by default for council sessions; otherwise as
// the booking's join settings say.
func LobbyOn(b rooms.Booking, js store.JoinSettings) bool {
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

// Title is what a link holder may see of the booking: confidential
// meetings and interviews do not reveal their title (it often names the
// candidate).
func Title(b rooms.Booking) string {
	if b.Confidential || b.Kind == rooms.KindInterview {
		return ""
	}
	return b.Title
}

// Spec is what the signaling hub runs a booking's meeting by: its title as
// link holders may see it, lobby, participant limit and closing time.
func (j *Joins) Spec(b rooms.Booking, js store.JoinSettings) signaling.MeetingSpec {
	_, closes := j.Window(b)
	return signaling.MeetingSpec{
		ID: b.ID, Title: Title(b), Lobby: LobbyOn(b, js), Limit: j.limit,
		PublishQueue: b.Kind == rooms.KindCouncil, Council: b.Kind == rooms.KindCouncil, Room: b.Room, Closes: closes,
	}
}

// Live reports whether a booking can still have a meeting.
func Live(b rooms.Booking) bool { return Held(b) && b.Hybrid.Enabled }

// Held reports whether a booking still takes place at all (in its room,
// with or without a meeting): it was not cancelled, nor released because
// nobody came. The council session's record goes by it and Window too.
func Held(b rooms.Booking) bool {
	switch b.Status {
	case rooms.StatusCancelled, rooms.StatusReleased:
		return false
	}
	return true
}

var errBadLink = &signaling.Refusal{Reason: signaling.ReasonInvalidToken, Message: "This link is not valid (any more)."}

// Resolve checks a token against the booking as it is now. The join page
// (which only shows state) and Authorize (which also checks the PIN) share
// it. A link that does not open the meeting now gives a
// *signaling.Refusal saying why; other errors are the store's.
func (j *Joins) Resolve(token string) (joinlink.Claims, rooms.Booking, store.JoinSettings, error) {
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
	if !b.Hybrid.Enabled || !j.currentGeneration(cl, js) {
		return cl, b, js, errBadLink
	}
	if j.external != nil {
		// Only https: a provider's URL is followed by every guest's
		// browser, so nothing else may come out of a misconfiguration.
		u, pending := j.external(b, cl.Kind == joinlink.KindHost)
		switch {
		case !Live(b):
		case strings.HasPrefix(u, "https://"):
			return cl, b, js, &signaling.Refusal{Reason: signaling.ReasonExternal, URL: u,
				Message: "This meeting takes place at another provider."}
		case pending:
			// Handed off but not ready yet: never open it here instead.
			opens, _ := j.Window(b)
			return cl, b, js, &signaling.Refusal{Reason: signaling.ReasonNotOpen, Opens: maxTime(opens, j.now().Add(time.Minute)),
				Message: "The meeting is being set up at its provider; try again in a minute."}
		}
	}
	opens, closes := j.Window(b)
	if cl.Kind == joinlink.KindCandidate {
		// A candidate's link is valid in its slot only; the lobby holds
		// whoever comes while the previous interview runs over.
		slot, _ := findCandidate(js, cl.Candidate)
		opens, closes = slot.Start, minTime(slot.End, closes)
	}
	now := j.now()
	switch {
	case !Live(b) || !now.Before(closes) || !js.EndedAt.IsZero() || (j.ended != nil && j.ended(b.ID)):
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
	return fmt.Sprintf("%s:%d:%d", cl.Kind, cl.Candidate|cl.Member, cl.Generation)
}

// MemberLink is the Ticket.Link of a council member's personal link.
func MemberLink(member uint16, generation uint32) string {
	return linkID(joinlink.Claims{Kind: joinlink.KindMember, Member: member, Generation: generation})
}

// LinkValid reports whether a link named by a Ticket's Link still works
// with these join settings: the hub's Revoke removes whoever came in with
// a rotated or deleted link.
func LinkValid(js store.JoinSettings) func(string) bool {
	valid := map[string]bool{
		linkID(joinlink.Claims{Kind: joinlink.KindHost, Generation: js.HostGeneration}):   true,
		linkID(joinlink.Claims{Kind: joinlink.KindGuest, Generation: js.GuestGeneration}): true,
	}
	for _, c := range js.Candidates {
		valid[linkID(joinlink.Claims{Kind: joinlink.KindCandidate, Candidate: c.ID, Generation: c.Generation})] = true
	}
	// Members' links are the council session's (rooms/council): its own
	// revocation checks them, join settings say nothing about them.
	return func(link string) bool {
		return valid[link] || strings.HasPrefix(link, joinlink.KindMember.String()+":")
	}
}

// currentGeneration: a rotated link carries an old generation and stops
// working at once; a deleted candidate's link finds no candidate.
func (j *Joins) currentGeneration(cl joinlink.Claims, js store.JoinSettings) bool {
	switch cl.Kind {
	case joinlink.KindMember:
		if j.member == nil {
			return false
		}
		_, gen, ok := j.member(cl.Booking, cl.Member)
		return ok && cl.Generation == gen
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

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Locate implements signaling.Locator: the meeting a token opens now, as
// Resolve finds it. It checks no PIN and so counts no attempt: on a
// cluster the node a join reaches locates it and relays it to the
// meeting's owner, whose Authorize checks the PIN in the owner's limits
// (docs/cluster.md).
func (j *Joins) Locate(_ context.Context, token string) (string, error) {
	_, b, _, err := j.Resolve(token)
	if err != nil {
		return "", err
	}
	return b.ID, nil
}

var _ signaling.Locator = (*Joins)(nil)

// Authorize implements signaling.Authorizer.
func (j *Joins) Authorize(ctx context.Context, req signaling.JoinRequest) (signaling.Ticket, error) {
	cl, b, js, err := j.Resolve(req.Token)
	if err != nil {
		return signaling.Ticket{}, err
	}
	t := signaling.Ticket{Meeting: j.Spec(b, js), Role: signaling.RoleGuest, Link: linkID(cl)}
	switch cl.Kind {
	case joinlink.KindHost:
		t.Role = signaling.RoleHost
	case joinlink.KindCandidate:
		c, _ := findCandidate(js, cl.Candidate)
		// Waiting past the slot's end means the slot was missed; once
		// admitted, an interview may overrun.
		t.Candidate, t.Until = c.Label, c.End
	case joinlink.KindMember:
		// A member skips the lobby: the personal link says who it is.
		t.Member = cl.Member
		t.MemberName, _, _ = j.member(b.ID, cl.Member)
	case joinlink.KindGuest:
		if err := j.checkPIN(ctx, b, js, req); err != nil {
			return signaling.Ticket{}, err
		}
	}
	return t, nil
}
