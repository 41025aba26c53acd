package signaling

import (
	"errors"
	"slices"
	"strconv"
	"sync"

	"github.com/kogge-project/kogge/rooms/council"
)

// Council sessions in a meeting: the chair (a host) opens and closes
// agenda items and votes, members vote with their personal links, and
// while a closed (non-public) item is open everyone who is neither a
// member nor a host waits in the lobby. The session itself lives in the
// daemon (rooms/council, behind Config.Council): each action here is
// stored there before it is answered, so an acknowledged vote survives a
// crash. The meeting shows the view it got back, and the views the daemon
// offers after changes made elsewhere (the secretary's page) through
// Hub.Council.

// Council runs council sessions for meetings.
type Council interface {
	// Act runs one action and returns the session's view once stored. A
	// *council.Error says in words why not.
	Act(meetingID string, act CouncilAct) (council.View, error)
}

// CouncilAct is one action in a council meeting (*council.Service
// implements Council).
type CouncilAct = council.Action

// Hub.Council offers a view the daemon got from a change made outside
// the meeting; it never blocks (the meeting may be the one that made it).
func (h *Hub) Council(meetingID string, v council.View) {
	if m := h.lookup(meetingID); m != nil {
		m.inbox.offer(v)
	}
}

// councilInbox holds the newest offered view until the meeting takes it.
type councilInbox struct {
	mu   sync.Mutex
	next *council.View
	kick chan struct{}
}

func (b *councilInbox) offer(v council.View) {
	b.mu.Lock()
	if b.next == nil || v.Rev > b.next.Rev {
		b.next = &v
	}
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *councilInbox) take() *council.View {
	b.mu.Lock()
	defer b.mu.Unlock()
	v := b.next
	b.next = nil
	return v
}

func (m *meeting) councilOn() bool { return m.spec.Council && m.hub.cfg.Council != nil }

// act runs an action in the daemon and applies the view it returns.
func (m *meeting) act(a CouncilAct) error {
	v, err := m.hub.cfg.Council.Act(m.id, a)
	if err != nil {
		return err
	}
	m.applyCouncil(v)
	return nil
}

// councilOpened clears stale remote presence (after a restart nobody is
// connected) and loads the view.
func (m *meeting) councilOpened() {
	if !m.councilOn() {
		return
	}
	if err := m.act(CouncilAct{Kind: "opened", Actor: SystemActor}); err != nil {
		m.log.Error("council session: opening", "err", err)
	}
}

func (m *meeting) takeCouncil() {
	if v := m.inbox.take(); v != nil {
		m.applyCouncil(*v)
	}
}

// memberSkipsLobby: a member's personal link says who it is.
func (m *meeting) memberSkipsLobby(p *participant) bool { return p.member != 0 && m.councilOn() }

// mustWait: during a closed item only members and hosts are let in.
func (m *meeting) mustWait(p *participant) bool {
	return m.closedPart && p.role != RoleHost && p.member == 0
}

func (m *meeting) memberJoined(p *participant) {
	if p.member == 0 || !m.councilOn() {
		return
	}
	if err := m.act(CouncilAct{Kind: "joined", Actor: p.label(), Member: p.member}); err != nil {
		m.log.Error("council session: member joined", "err", err)
	}
}

// memberLeft marks a member absent when their last connection left.
func (m *meeting) memberLeft(p *participant) {
	if p.member == 0 || !m.councilOn() {
		return
	}
	if slices.ContainsFunc(m.joined, func(q *participant) bool { return q.member == p.member }) {
		return
	}
	if err := m.act(CouncilAct{Kind: "left", Actor: p.label(), Member: p.member}); err != nil {
		m.log.Error("council session: member left", "err", err)
	}
}

// applyCouncil takes a view (one it already has, or an older one, is
// dropped: a change made in the meeting comes back through the service's
// Changed hook with the revision the meeting applied already): a closed item
// sends guests to the lobby, a public one brings them back, a new item
// starts a new speaker queue.
func (m *meeting) applyCouncil(v council.View) {
	if m.council != nil && v.Rev <= m.council.Rev {
		return
	}
	old := m.council
	m.council = &v
	if v.Item != nil && (old == nil || old.Item == nil || old.Item.ID != v.Item.ID || !old.Item.Since.Equal(v.Item.Since)) {
		m.resetQueue()
	}
	switch {
	case v.Item != nil && !v.Item.Public && !m.closedPart:
		m.closedPart = true
		m.park()
	case v.Item != nil && v.Item.Public && m.closedPart:
		m.closedPart = false
		m.unpark()
	}
	m.broadcast(false)
}

// park moves every joined guest who is not a member to the lobby.
func (m *meeting) park() {
	moved := 0
	for _, p := range slices.Clone(m.joined) {
		if !m.mustWait(p) {
			continue
		}
		m.joined = remove(m.joined, p)
		p.ep.setPeer(nil)
		m.closeMedia(p.peer.Close)
		p.peer, p.joined, p.parked, p.hand = nil, false, true, false
		m.queue = remove(m.queue, p)
		if m.presenter == p {
			m.presenter, m.presentTrack = nil, ""
		}
		p.since = m.hub.now()
		m.lobby = append(m.lobby, p)
		p.ep.send(encode(movedOut{Type: "moved", To: "lobby", Reason: "closed_item",
			Message: "A closed (non-public) item is being dealt with. You will be brought back when the public part continues."}))
		moved++
	}
	if moved > 0 {
		m.audit(nil, "closed_part", strconv.Itoa(moved)+" moved to the lobby")
		m.queueChanged()
	}
}

// unpark brings back those parked, as far as the limit allows.
func (m *meeting) unpark() {
	back := 0
	for _, p := range slices.Clone(m.lobby) {
		if !p.parked || len(m.joined) >= m.limit() {
			continue
		}
		p.parked = false
		m.letIn(p)
		back++
	}
	if back > 0 {
		m.audit(nil, "public_part", strconv.Itoa(back)+" back from the lobby")
	}
}

// recordSpeaker puts whom the chair gave the floor (queue next) in the
// minutes of the open item.
func (m *meeting) recordSpeaker(name string) {
	if !m.councilOn() || m.council == nil || m.council.Item == nil {
		return
	}
	if err := m.act(CouncilAct{Kind: "speaker", Actor: SystemActor, Name: name}); err != nil {
		m.log.Error("council session: speaker", "err", err)
	}
}

func (m *meeting) resetQueue() {
	if len(m.queue) == 0 {
		return
	}
	for _, p := range m.queue {
		p.hand = false
	}
	m.queue = nil
	m.queueChanged()
}

// councilFor is the view in a state message: the agenda for hosts only.
func (m *meeting) councilFor(forHost bool) *council.View {
	if m.council == nil {
		return nil
	}
	v := *m.council
	if !forHost {
		v.Agenda = nil
	}
	return &v
}

// councilMessage runs a chair's or member's message.
func (m *meeting) councilMessage(p *participant, typ string, msg message) {
	if !m.councilOn() {
		p.ep.sendError(codeBadMessage, typ+" is for council sessions", typ)
		return
	}
	a := CouncilAct{Actor: p.label(), Member: p.member}
	switch msg := msg.(type) {
	case *agendaMsg:
		a.Kind, a.Item = msg.Action+"_item", msg.Item
	case *voteStartMsg:
		a.Kind, a.Question, a.Options, a.Secret = "start_vote", msg.Question, msg.Options, msg.Secret
	case *voteCloseMsg:
		a.Kind = "close_vote"
	case *voteMsg:
		if p.member == 0 {
			p.ep.sendError(codeForbidden, "only members vote, with their personal link", typ)
			return
		}
		a.Kind, a.Vote, a.Option = "vote", msg.Vote, msg.Option
	}
	if err := m.act(a); err != nil {
		if ce, ok := errors.AsType[*council.Error](err); ok {
			p.ep.send(encode(errorOut{Type: "error", Code: codeCouncil, Message: ce.Message, RefType: typ, Reason: ce.Code}))
			return
		}
		m.log.Error("council session", "action", a.Kind, "err", err)
		p.ep.sendError(codeCouncil, "the session could not record that; try again", typ)
		return
	}
	if a.Kind == "vote" {
		// Sent after the commit: the member's vote is counted.
		p.ep.send(encode(votedOut{Type: "voted", Vote: a.Vote, Option: a.Option}))
	}
}

type movedOut struct {
	Type    string `json:"type"`
	To      string `json:"to"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

type votedOut struct {
	Type   string `json:"type"`
	Vote   uint16 `json:"vote"`
	Option string `json:"option"`
}

// Inbound council messages (PROTOCOL.md).

type agendaMsg struct {
	Action string `json:"action"` // "open" or "close"
	Item   uint16 `json:"item"`
}

type voteStartMsg struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Secret   bool     `json:"secret"`
}

type voteCloseMsg struct{}

type voteMsg struct {
	Vote   uint16 `json:"vote"`
	Option string `json:"option"`
}

func (a *agendaMsg) validate() error {
	switch {
	case a.Action == "open" && a.Item != 0, a.Action == "close":
		return nil
	}
	return errors.New(`action must be "open" (with the item) or "close"`)
}

func (v *voteStartMsg) validate() error {
	if v.Question == "" || len(v.Options) > council.MaxOptions {
		return errors.New("question missing or too many options")
	}
	return nil
}

func (v *voteCloseMsg) validate() error { return nil }

func (v *voteMsg) validate() error {
	if v.Vote == 0 || v.Option == "" {
		return errors.New("vote and option missing")
	}
	return nil
}
