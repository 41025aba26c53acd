// Package signaling lets participants join a meeting from the browser: the
// WebSocket endpoint, the meeting (lobby, host controls, speaker queue,
// participant limit) and the glue to the SFU in signaling/sfu.
//
// The wire protocol is in PROTOCOL.md. Who may join which meeting is not
// decided here: an Authorizer (the daemon, which knows bookings and join
// links) turns the token of the first message into a Ticket.
//
// CONTRACT: the exported names below are what the daemon builds on; keep
// names and signatures. The Hub and its methods are in hub.go, the SFU
// adapter in media.go.
package signaling

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/kogge-project/kogge/signaling/sfu"
	"github.com/pion/webrtc/v4"
)

// ProtocolVersion is the version the hello message must carry.
const ProtocolVersion = 1

// Role is what a participant may do.
type Role string

const (
	RoleHost  Role = "host"
	RoleGuest Role = "guest"
)

// MeetingSpec describes a meeting as the booking defines it.
type MeetingSpec struct {
	ID    string // the booking id
	Title string
	// Lobby makes guests wait until a host admits them.
	Lobby bool
	// Limit is the most participants in the meeting at once (hosts
	// included, the lobby not).
	Limit int
	// PublishQueue sends the speaker queue to Hooks.Queue and the active
	// speaker to Hooks.Speaker (council sessions publish both on the
	// room's events stream).
	PublishQueue bool
	// Council: the meeting is a council session; Config.Council runs its
	// agenda, attendance and votes (council.go).
	Council bool
	// Room is the booking's room: its discussion system's request list
	// joins the speaker queue (Hub.SetRoomRequests).
	Room string
	// Closes is when the meeting ends for everyone (booking end plus
	// grace); the meeting's own timer closes it.
	Closes time.Time
}

// Ticket is what a valid join token opens.
type Ticket struct {
	Meeting MeetingSpec
	Role    Role
	// Candidate names an interview candidate's slot ("" otherwise); it is
	// shown to hosts.
	Candidate string
	// Member is the council member (rooms/council) a personal link
	// belongs to (0: none); MemberName is the member's name, which the
	// meeting shows instead of the display name typed in.
	Member     uint16
	MemberName string
	// Link is an opaque identity of the join link used (e.g. "guest:3");
	// Hub.Revoke asks the daemon about it. "" is a link too.
	Link string
	// Until, if set, is when a participant still waiting in the lobby is
	// sent away (closed{ended}); once let in, they stay (interviews
	// overrun).
	Until time.Time
}

// JoinRequest is what the hello message brings for the Authorizer.
type JoinRequest struct {
	Token      string
	PIN        string
	RemoteAddr string
}

// Authorizer decides who may join. It returns a *Refusal to refuse.
type Authorizer interface {
	Authorize(ctx context.Context, req JoinRequest) (Ticket, error)
}

// Locator is an Authorizer that can tell which meeting a join token opens
// without the rest of the hello (the PIN above all). A hub with a Router
// asks it first and relays a join of a meeting another node runs before
// anything else is checked, so that the owner alone checks the PIN and
// counts every attempt, whichever node it came in through (relay.go).
// Without it, such a hub authorizes fully before it relays.
type Locator interface {
	// Locate returns the meeting ID (Ticket.Meeting.ID) the token opens
	// now, or a *Refusal as Authorize would give it.
	Locate(ctx context.Context, token string) (meetingID string, err error)
}

// Refusal reasons, also the reason field of the closed message.
const (
	ReasonInvalidToken = "invalid_token"
	ReasonNotOpen      = "not_open"
	ReasonEnded        = "ended"
	ReasonPINRequired  = "pin_required"
	ReasonPINWrong     = "pin_wrong"
	ReasonRateLimited  = "rate_limited"
	ReasonExternal     = "external"
	ReasonFull         = "full"
	ReasonLocked       = "locked"
	ReasonDenied       = "denied"
	ReasonRemoved      = "removed"
	ReasonSlow         = "slow"
	ReasonVersion      = "version"
	ReasonProtocol     = "protocol"
	ReasonShutdown     = "shutdown"
	// ReasonLeft answers the participant's own leave message.
	ReasonLeft = "left"
	// ReasonError: the server could not continue (e.g. the media engine
	// refused the participant).
	ReasonError = "error"
)

// Refusal is an Authorizer's (or the meeting's) "no", with what the client
// needs to explain it.
type Refusal struct {
	Reason  string
	Message string    // human-readable, English; clients translate by Reason
	Opens   time.Time // ReasonNotOpen: when the meeting opens
	URL     string    // ReasonExternal: the provider's join URL
}

func (r *Refusal) Error() string { return "signaling: " + r.Reason + ": " + r.Message }

// QueueEntry is one raised hand in the speaker queue, or one seat of the
// room's discussion system asking to speak (Seat > 0; its Name may be ""
// when nobody is known to sit there).
type QueueEntry struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Seat int    `json:"seat,omitempty"`
}

// SystemActor is the actor Hooks.Audit names for what no participant did
// (a timer, the daemon).
const SystemActor = "system"

// Hooks tell the daemon about meeting events. All optional; they are
// called from meeting goroutines. Queue and Speaker must not block; Audit
// may take as long as a durable write (the meeting acknowledges the
// action after it returns), no longer.
type Hooks struct {
	// Queue hears every change of the speaker queue of a meeting whose
	// spec has PublishQueue.
	Queue func(meetingID string, queue []QueueEntry)
	// Speaker hears every change of the active speaker (the SFU's
	// dominant speaker, by the name the meeting shows; "" when nobody
	// speaks) of a meeting whose spec has PublishQueue.
	Speaker func(meetingID, name string)
	// Audit hears admissions, denials, removals, lock, mute and end (no
	// meeting content, no tokens).
	Audit func(meetingID, actor, action, detail string)
}

// Config for the hub.
type Config struct {
	// AllowedOrigins are the exact origins (scheme://host[:port]) whose
	// pages may open the WebSocket.
	AllowedOrigins []string
	// Router places meetings on a cluster's nodes: a join of a meeting
	// another node runs is relayed there (relay.go). nil: every meeting
	// runs here.
	Router Router
	// RelayKey signs the client address a relaying node passes on; the
	// nodes of a cluster share it. Empty: relayed addresses are not
	// trusted (nor sent).
	RelayKey []byte
	// ICEServers gives each joining participant its STUN/TURN servers
	// (TURN credentials are per participant and time-limited).
	ICEServers func(participantID string) []webrtc.ICEServer
	// Now is the clock (tests); nil means time.Now.
	Now   func() time.Time
	Log   *slog.Logger
	Hooks Hooks
	// Council runs council sessions' agenda, attendance and votes (the
	// daemon's rooms/council); nil: council meetings have none.
	Council Council
	// Memory keeps what a meeting needs to let its participants resume
	// after a restart or on another node (signaling/memory.go); nil:
	// resuming works only while the meeting stays open on this hub.
	Memory Memory
	// ResumeGrace is how long a participant whose connection dropped
	// may resume (0: DefaultResumeGrace).
	ResumeGrace time.Duration
}

// MeetingInfo summarises an open meeting.
type MeetingInfo struct {
	ID           string `json:"id"`
	Participants int    `json:"participants"`
	Lobby        int    `json:"lobby"`
	Locked       bool   `json:"locked"`
	// Queue is the speaker queue (raised hands in order).
	Queue []QueueEntry `json:"queue"`
	// Speaker is the active speaker's name ("": nobody speaks).
	Speaker string `json:"speaker,omitempty"`
}

// MediaEngine, MediaRoom and MediaPeer are the SFU as meetings use it;
// SFU adapts *sfu.Engine, tests use fakes.
type MediaEngine interface {
	NewRoom(id string, log *slog.Logger) MediaRoom
}

type MediaRoom interface {
	Join(participantID string, send func(sfu.Outbound)) (MediaPeer, error)
	Close()
}

type MediaPeer interface {
	Offer(sdp string) error
	Answer(sdp string) error
	AddCandidate(pc string, c webrtc.ICECandidateInit) error
	SetAudioMuted(muted bool)
	RequestKeyframe()
	Close()
}

// OriginOf is the scheme and host of a URL, as browsers send it in the
// Origin header (what Config.AllowedOrigins lists).
func OriginOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Scheme + "://" + p.Host
}
