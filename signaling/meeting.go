package signaling

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/signaling/sfu"
	"github.com/pion/webrtc/v4"
)

// participant is one connection in a meeting. The reader sets the first
// block before posting joinReq; from then on only the meeting goroutine
// touches it.
type participant struct {
	id        string
	name      string
	role      Role
	candidate string
	link      string    // Ticket.Link
	addr      string    // addrKey of the client's address
	until     time.Time // Ticket.Until: the latest time to wait in the lobby
	ice       []webrtc.ICEServer
	ep        endpoint

	joined bool      // false: in the lobby
	since  time.Time // lobby entry, or joining
	muted  bool
	hand   bool
	handAt time.Time // when the hand went up (the queue's order with the room's seats)
	peer   MediaPeer
	// allowed: a host let this guest present (hosts always may).
	allowed bool
	// member is the council member whose personal link this is (0: none).
	member uint16
	// parked: moved to the lobby while a closed item is open; comes back
	// when a public one opens (council.go).
	parked bool
	// secret is the fresh resume secret the welcome hands out, hash its
	// SHA-256; prev (nil: none) is the hash of the secret this
	// connection resumed with, still good until the client shows it has
	// the new one (its welcome may have been lost); resume is the secret
	// the hello brought ("": none). See resume.go.
	secret, resume string
	hash           [32]byte
	prev           []byte
}

func (p *participant) label() string { return p.name + " (" + string(p.role) + ")" }

// meeting is one open meeting: run owns every field below mailbox; other
// goroutines post requests (joinReq, leaveReq, inboundReq, updateReq,
// endReq, infoReq).
type meeting struct {
	id      string
	hub     *Hub
	log     *slog.Logger
	mailbox chan any
	done    chan struct{}
	// final is why the meeting closed; written before done is closed.
	final *Refusal

	spec  MeetingSpec
	room  MediaRoom
	timer *time.Timer
	// lobbyTimer fires at the earliest until of the lobby waiters.
	lobbyTimer *time.Timer
	byID       map[string]*participant
	joined     []*participant // in order of joining
	lobby      []*participant // in order of arrival
	queue      []*participant // raised hands, in order of raising
	chamber    chamberQueue   // the room's request list (signaling/seats.go)
	locked     bool
	stopped    *Refusal // set by a handler to close the meeting
	// presenter shows presentTrack (screen sharing) to everyone; nil:
	// nobody presents.
	presenter    *participant
	presentTrack string

	// closers counts MediaPeer/MediaRoom Close calls still running.
	closers sync.WaitGroup

	// council is the council session's view (nil: not a council
	// meeting, or nothing known yet); closedPart: a closed item is open
	// and guests wait in the lobby. inbox holds the latest view the
	// daemon offered (Hub.Council), taken on kick (council.go).
	council    *council.View
	closedPart bool
	inbox      councilInbox

	// speaker is the active speaker's participant id ("": nobody);
	// speakerBox holds the SFU's latest news of it (speaker.go).
	speaker    string
	speakerBox speakerInbox

	// away are the participants whose connection dropped, by id, until
	// they resume or their grace period ends; saver keeps the meeting's
	// memo, memoDirty says the memo is behind (resume.go).
	away      map[string]*ParticipantMemo
	saver     *saver
	memoDirty bool
	// recalled is the memo the meeting opened with (nil: none).
	recalled *MeetingMemo
}

// joinReq: id, if set, hears the participant's id once the meeting took
// it (a resume brings back an earlier one).
type joinReq struct {
	p  *participant
	id chan<- string
}

// leaveReq and inboundReq name their connection (ep; nil: any): one that
// a resume replaced no longer speaks for the participant.
type leaveReq struct {
	id string
	ep endpoint
}

type inboundReq struct {
	id  string
	typ string
	msg message
	ep  endpoint
}

type updateReq struct{ spec MeetingSpec }

type endReq struct{ why *Refusal }

type infoReq struct{ res chan<- MeetingInfo }

type revokeReq struct{ stillValid func(link string) bool }

func newMeeting(h *Hub, spec MeetingSpec) *meeting {
	return &meeting{
		id:         spec.ID,
		hub:        h,
		log:        h.log.With("meeting", spec.ID),
		mailbox:    make(chan any),
		done:       make(chan struct{}),
		spec:       spec,
		byID:       make(map[string]*participant),
		inbox:      councilInbox{kick: make(chan struct{}, 1)},
		speakerBox: speakerInbox{kick: make(chan struct{}, 1)},
		away:       make(map[string]*ParticipantMemo),
		saver:      newSaver(h, spec.ID),
	}
}

// post hands a request to the meeting; false if it has closed.
func (m *meeting) post(req any) bool {
	select {
	case m.mailbox <- req:
		return true
	case <-m.done:
		return false
	}
}

// postCtx is post that gives up at ctx's end (logged): the daemon's calls
// never hang on a stuck meeting.
func (m *meeting) postCtx(ctx context.Context, req any) bool {
	select {
	case m.mailbox <- req:
		return true
	case <-m.done:
		return false
	case <-ctx.Done():
		m.log.Warn("meeting did not take a request in time", "request", fmt.Sprintf("%T", req))
		return false
	}
}

// closeMedia runs a MediaPeer or MediaRoom Close on its own goroutine:
// pion may take its time, the meeting goroutine never waits for it. The
// meeting's shutdown and Hub.Close wait for these (bounded).
func (m *meeting) closeMedia(close func()) {
	m.closers.Add(1)
	m.hub.closers.Add(1)
	go func() {
		defer m.hub.closers.Done()
		defer m.closers.Done()
		close()
	}()
}

func (m *meeting) run() {
	m.room = m.hub.media.NewRoom(m.id, m.log)
	m.timer = time.NewTimer(time.Hour)
	m.resetTimer()
	defer m.timer.Stop()
	m.lobbyTimer = time.NewTimer(time.Hour)
	m.lobbyTimer.Stop()
	defer m.lobbyTimer.Stop()
	m.log.Debug("meeting opened")
	m.remember(m.recalled)
	m.recalled = nil
	m.councilOpened()
	for m.stopped == nil {
		select {
		case <-m.inbox.kick:
			m.takeCouncil()
			m.changed()
		case <-m.speakerBox.kick:
			m.takeSpeaker()
		case req := <-m.mailbox:
			m.handle(req)
			m.armLobbyTimer()
			if _, ok := req.(infoReq); !ok {
				m.changed()
			}
		case <-m.saverReady():
			m.saveMemo()
		case <-m.lobbyTimer.C:
			m.expireLobby()
			m.armLobbyTimer()
			m.changed()
		case <-m.timer.C:
			m.stopped = refusal(ReasonEnded)
			m.audit(nil, "end", "closing time")
		}
	}
	m.shutdown(m.stopped)
	close(m.done) // posts fail from here on; the meeting is gone
	if !waitGroupFor(&m.closers, mediaCloseWait) {
		m.log.Warn("media still closing", "waited", mediaCloseWait)
	}
}

// waitGroupFor waits for wg at most d; false if it gave up.
func waitGroupFor(wg *sync.WaitGroup, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return waitGroupCtx(ctx, wg)
}

// waitGroupCtx waits for wg until ctx ends; false if it gave up (the
// helper goroutine then ends with wg).
func waitGroupCtx(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// resetTimer arms the timer for spec.Closes (stopped if there is none).
func (m *meeting) resetTimer() {
	if m.spec.Closes.IsZero() {
		m.timer.Stop()
		return
	}
	m.timer.Reset(m.spec.Closes.Sub(m.hub.now()))
}

// armLobbyTimer sets the lobby timer to the earliest until of the lobby
// waiters (stopped if none has one).
func (m *meeting) armLobbyTimer() {
	var next time.Time
	for _, w := range m.lobby {
		if !w.until.IsZero() && (next.IsZero() || w.until.Before(next)) {
			next = w.until
		}
	}
	if next.IsZero() {
		m.lobbyTimer.Stop()
		return
	}
	m.lobbyTimer.Reset(next.Sub(m.hub.now()))
}

// expireLobby sends away the waiters whose until has passed.
func (m *meeting) expireLobby() {
	now := m.hub.now()
	for _, w := range slices.Clone(m.lobby) {
		if !w.until.IsZero() && !now.Before(w.until) {
			m.audit(nil, "lobby_expired", w.label()+" "+w.id)
			w.ep.close(refusal(ReasonEnded))
			m.drop(w, "lobby_expired")
		}
	}
}

// revoke sends away everyone whose link is no longer valid.
func (m *meeting) revoke(stillValid func(link string) bool) {
	m.revokeAway(stillValid)
	for _, p := range slices.Concat(m.joined, m.lobby) {
		if stillValid(p.link) {
			continue
		}
		m.audit(nil, "revoke", p.label()+" "+p.id)
		p.ep.close(&Refusal{Reason: ReasonInvalidToken, Message: "This link was withdrawn."})
		m.drop(p, "revoke")
	}
}

func (m *meeting) handle(req any) {
	switch req := req.(type) {
	case joinReq:
		m.join(req.p)
		if req.id != nil {
			req.id <- req.p.id
		}
	case leaveReq:
		if p := m.byID[req.id]; p != nil && (req.ep == nil || p.ep == req.ep) {
			m.goAway(p) // the connection dropped: it may resume
		}
	case inboundReq:
		if p := m.byID[req.id]; p != nil && (req.ep == nil || p.ep == req.ep) {
			m.dispatch(p, req.typ, req.msg)
		}
	case updateReq:
		m.update(req.spec)
	case endReq:
		m.stopped = req.why
		m.audit(nil, "end", req.why.Reason)
	case revokeReq:
		m.revoke(req.stillValid)
	case keptReq:
		m.kept(req)
	case seatsReq:
		m.setSeats(req)
	case infoReq:
		m.takeSpeaker() // the SFU's latest news, even if its kick is still queued
		req.res <- MeetingInfo{ID: m.id, Participants: len(m.joined), Lobby: len(m.lobby), Locked: m.locked, Queue: m.queueEntries(), Speaker: m.speakerName()}
	}
}

func (m *meeting) limit() int {
	if m.spec.Limit > 0 {
		return min(m.spec.Limit, maxParticipants)
	}
	return maxParticipants
}

// join lets a new connection in: hosts straight in, guests through the
// lobby when the spec has one.
func (m *meeting) join(p *participant) {
	if m.resumeJoin(p) {
		return
	}
	p.hash = secretHash(p.secret)
	p.since = m.hub.now()
	if p.role != RoleHost && !m.memberSkipsLobby(p) {
		if m.locked {
			p.ep.close(refusal(ReasonLocked))
			return
		}
		if m.spec.Lobby || m.closedPart {
			if !p.until.IsZero() && !p.since.Before(p.until) {
				p.ep.close(refusal(ReasonEnded))
				return
			}
			if why := m.lobbyRefusal(p); why != nil {
				p.ep.close(why)
				return
			}
			m.byID[p.id] = p
			m.lobby = append(m.lobby, p)
			p.ep.send(m.welcome(p, "lobby"))
			m.broadcast(true)
			return
		}
	}
	if len(m.joined) >= m.limit() {
		p.ep.close(refusal(ReasonFull))
		return
	}
	m.byID[p.id] = p
	if m.enter(p, m.welcome(p, "joined")) {
		m.audit(p, "join", "")
		m.memberJoined(p)
		m.broadcast(false)
	}
}

// lobbyRefusal says why p may not wait in the lobby (nil: it may). The
// participant limit plays no part: it applies when a host admits.
func (m *meeting) lobbyRefusal(p *participant) *Refusal {
	byAddr, byLink := 0, 0
	for _, w := range m.lobby {
		if w.addr == p.addr {
			byAddr++
		}
		if w.link == p.link {
			byLink++
		}
	}
	perLink := maxLobbyPerLink
	if p.candidate != "" {
		perLink = maxLobbyPerCandidate
	}
	switch {
	case byAddr >= maxLobbyPerAddress:
		return &Refusal{Reason: ReasonRateLimited, Message: "Too many connections from your address are waiting already."}
	case byLink >= perLink || len(m.lobby) >= maxLobby:
		return &Refusal{Reason: ReasonFull, Message: "The waiting room is full."}
	}
	return nil
}

// enter makes p a joined participant and starts its media. first
// (welcome or admitted) reaches the client after the reader has the peer,
// so the client's offer finds it, and before anything the SFU sends. false
// if the media engine refused (p is then gone).
func (m *meeting) enter(p *participant, first []byte) bool {
	gate := &mediaGate{ep: p.ep, speaker: &m.speakerBox}
	peer, err := m.room.Join(p.id, gate.send)
	if err != nil {
		m.log.Error("media join failed", "participant", p.id, "err", err)
		delete(m.byID, p.id)
		p.ep.close(refusal(ReasonError))
		return false
	}
	p.joined, p.since, p.peer = true, m.hub.now(), peer
	m.joined = append(m.joined, p)
	p.ep.setPeer(peer)
	gate.open(first)
	return true
}

// mediaGate holds what the SFU sends until the participant's first message
// (welcome or admitted) is queued. endpoint.send never blocks, so it is
// called under the lock.
type mediaGate struct {
	mu     sync.Mutex
	ep     endpoint
	opened bool
	held   [][]byte
	// speaker hears the SFU's active_speaker news for the meeting
	// (every subscriber's gate hears the same change; the inbox keeps
	// the latest).
	speaker *speakerInbox
}

func (g *mediaGate) send(o sfu.Outbound) {
	if o.Type == "active_speaker" && g.speaker != nil {
		g.speaker.offer(o.ID)
	}
	msg := mediaMessage(o)
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.opened {
		g.held = append(g.held, msg)
		return
	}
	g.ep.send(msg)
}

func (g *mediaGate) open(first []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ep.send(first)
	for _, msg := range g.held {
		g.ep.send(msg)
	}
	g.opened, g.held = true, nil
}

// drop removes p (joined or waiting) after it left or was sent away.
func (m *meeting) drop(p *participant, action string) {
	delete(m.byID, p.id)
	if !p.joined {
		m.lobby = remove(m.lobby, p)
		m.broadcast(true)
		return
	}
	m.joined = remove(m.joined, p)
	p.ep.setPeer(nil)
	m.closeMedia(p.peer.Close)
	if action == "leave" {
		m.audit(p, "leave", "")
	}
	if slices.Contains(m.queue, p) {
		m.queue = remove(m.queue, p)
		m.queueChanged()
	}
	if m.presenter == p {
		m.presenter, m.presentTrack = nil, ""
	}
	if m.speaker == p.id {
		m.setSpeaker("") // gone: not the one speaking on the events stream
	}
	m.memberLeft(p)
	m.broadcast(false)
}

// update takes a changed spec: a new end, title, limit or lobby setting.
// Turning the lobby off lets the waiters in as far as the limit allows.
func (m *meeting) update(spec MeetingSpec) {
	closes := m.spec.Closes
	m.spec.Title, m.spec.Limit, m.spec.Lobby, m.spec.Closes = spec.Title, spec.Limit, spec.Lobby, spec.Closes
	m.spec.PublishQueue, m.spec.Council = spec.PublishQueue, spec.Council
	if !spec.Closes.Equal(closes) {
		m.resetTimer()
	}
	if !m.spec.Lobby && !m.closedPart {
		for len(m.lobby) > 0 && len(m.joined) < m.limit() {
			m.letIn(m.lobby[0])
		}
	}
	m.broadcast(false)
}

// shutdown closes the meeting for everyone.
func (m *meeting) shutdown(why *Refusal) {
	m.final = why
	m.lastMemo(why)      // before everyone goes: a shutdown keeps them resumable
	m.hub.forget(m, why) // from now on a join is refused (ended) or opens a new meeting (shutdown)
	for _, p := range slices.Concat(m.joined, m.lobby) {
		if p.peer != nil {
			p.ep.setPeer(nil)
			m.closeMedia(p.peer.Close)
		}
		p.ep.close(why)
	}
	if len(m.queue) > 0 {
		m.queue = nil
		m.queueChanged()
	}
	m.setSpeaker("") // nobody speaks in a closed meeting
	m.closeMedia(m.room.Close)
	m.log.Debug("meeting closed", "reason", why.Reason)
}

func remove(ps []*participant, p *participant) []*participant {
	return slices.DeleteFunc(ps, func(q *participant) bool { return q == p })
}
