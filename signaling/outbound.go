package signaling

import (
	"encoding/json"
	"time"

	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/signaling/sfu"
	"github.com/pion/webrtc/v4"
)

// Outbound messages. Each has its type in the Type field; encode turns one
// into the bytes of a WebSocket text message.

type meetingOut struct {
	ID     string    `json:"id"`
	Title  string    `json:"title"`
	Closes time.Time `json:"closes,omitzero"`
}

type welcomeOut struct {
	Type    string     `json:"type"`
	Version int        `json:"version"`
	ID      string     `json:"id"`
	Role    Role       `json:"role"`
	State   string     `json:"state"` // "lobby" or "joined"
	Meeting meetingOut `json:"meeting"`
	// ICEServers only when State is "joined"; waiters get them with
	// admitted.
	ICEServers []webrtc.ICEServer `json:"ice_servers,omitempty"`
	// Member is the council member a personal link belongs to (0: none).
	Member uint16 `json:"member,omitempty"`
	// Resume is this participant's resume secret: hello.resume brings
	// it back after a dropped connection.
	Resume string `json:"resume,omitempty"`
}

type admittedOut struct {
	Type       string             `json:"type"`
	ICEServers []webrtc.ICEServer `json:"ice_servers"`
}

type participantOut struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	Muted bool   `json:"muted"`
	Hand  bool   `json:"hand"`
	// CanPresent: may start a presentation (hosts, and guests a host
	// allowed).
	CanPresent bool   `json:"can_present"`
	Candidate  string `json:"candidate,omitempty"` // hosts only
}

// presenterOut is who presents which of their tracks.
type presenterOut struct {
	ID    string `json:"id"`
	Track string `json:"track"`
}

type lobbyOut struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Candidate string    `json:"candidate,omitempty"`
	Since     time.Time `json:"since"`
}

type stateOut struct {
	Type         string           `json:"type"`
	Meeting      meetingOut       `json:"meeting"`
	Participants []participantOut `json:"participants"`
	Queue        []QueueEntry     `json:"queue"`
	Locked       bool             `json:"locked"`
	Presenter    *presenterOut    `json:"presenter,omitempty"` // nil: nobody presents
	Lobby        []lobbyOut       `json:"lobby,omitzero"`      // nil for guests, [] for hosts
	// Council is a council session's open item, quorum and vote (and,
	// for hosts, the agenda); nil in other meetings.
	Council *council.View `json:"council,omitempty"`
}

type errorOut struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
	RefType string `json:"ref_type,omitempty"`
	// Reason says why a council action was refused (code council).
	Reason string `json:"reason,omitempty"`
}

type closedOut struct {
	Type    string    `json:"type"`
	Reason  string    `json:"reason"`
	Message string    `json:"message,omitempty"`
	Opens   time.Time `json:"opens,omitzero"`
	URL     string    `json:"url,omitempty"`
}

type typeOnly struct {
	Type string `json:"type"`
}

// mediaOut relays an sfu.Outbound.
type mediaOut struct {
	Type      string                   `json:"type"`
	PC        string                   `json:"pc"`
	SDP       string                   `json:"sdp,omitempty"`
	Candidate *webrtc.ICECandidateInit `json:"candidate,omitempty"`
}

// Error codes of the error message.
const (
	codeBadMessage  = "bad_message"  // malformed, unknown type, bad field
	codeForbidden   = "forbidden"    // host message from a guest
	codeNotJoined   = "not_joined"   // needs a joined participant (lobby, or not yet)
	codeNotFound    = "not_found"    // the id is not in the meeting (or lobby)
	codeFull        = "full"         // admitting would exceed the limit
	codeMedia       = "media"        // the SFU refused (bad SDP, wrong state)
	codeRateLimited = "rate_limited" // over the inbound rate; the message was ignored
	codeBusy        = "busy"         // someone else presents already
	// codeClosedPart: a guest cannot be admitted while a closed item is open.
	codeClosedPart = "closed_part"
	// codeCouncil: the council session refused (reason says why).
	codeCouncil = "council"
)

// countsAsProtocolError tells which errors count towards maxProtocolErrors:
// those only a broken or hostile client causes (a correct client sends
// nothing but leave from the lobby, so not_joined counts too).
func countsAsProtocolError(code string) bool {
	switch code {
	case codeBadMessage, codeForbidden, codeMedia, codeNotJoined, codeRateLimited:
		return true
	}
	return false
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are encoded; they always marshal.
		panic("signaling: encode: " + err.Error())
	}
	return b
}

func closedMessage(r *Refusal) []byte {
	out := closedOut{Type: "closed", Reason: r.Reason, Message: r.Message}
	if out.Message == "" {
		out.Message = defaultMessages[r.Reason]
	}
	// Only the reasons that need them carry opens and url.
	if r.Reason == ReasonNotOpen {
		out.Opens = r.Opens
	}
	if r.Reason == ReasonExternal {
		out.URL = r.URL
	}
	return encode(out)
}

func errorMessage(code, message, refType string) []byte {
	return encode(errorOut{Type: "error", Code: code, Message: message, RefType: refType})
}

func mediaMessage(o sfu.Outbound) []byte {
	if b, ok := sfuMessage(o); ok {
		return b
	}
	return encode(mediaOut{Type: o.Type, PC: o.PC, SDP: o.SDP, Candidate: o.Candidate})
}
