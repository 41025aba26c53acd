package signaling

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"time"
)

// Resuming (PROTOCOL.md, "Reconnecting"): every welcome carries a resume
// secret, a fresh one each time (below). When a participant's connection
// drops (not a leave, not sent away), the meeting keeps it "away" for
// the grace period; a hello that brings the secret with the same join
// link (Ticket.Link) gets the same participant back: its id, its
// admission (or its place in the lobby), its raised hand with the time
// it went up (its place in the speaker queue), its leave to present and
// its mute. Its role comes from the new ticket, never from what was
// remembered. A secret the meeting does not know, or one from another
// link, is simply a fresh join.
//
// The meeting's memo (memory.go) holds the same for everyone, so that a
// meeting that opens again — after a restart or on another node — takes
// every participant back as away.
//
// Secrets rotate, so that a leaked one cannot take over the participant
// whenever it likes for the meeting's whole life: every welcome, the
// first and every resumed one, hands out a new secret. The welcome may
// be lost in the very drop the client is reconnecting from, though, and
// the client then holds only the secret it came with. So that one stays
// good beside the new one until the client shows it has the new one:
// its first ping on the new connection (sent only once welcomed, within
// 5 s on the join page), or a resume with the new one. A resume with
// the old one again gets another new one (the unused one ends). Both
// good secrets are kept as hashes, here and in the memo, and compared
// in constant time.

// DefaultResumeGrace is how long a dropped participant may resume when
// Config.ResumeGrace is not set.
const DefaultResumeGrace = 2 * time.Minute

// maxAway bounds the away participants a meeting keeps (the oldest go
// first): a flood of connections that drop must not grow it.
const maxAway = maxParticipants + maxLobby

func secretHash(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// knows reports whether h is the hash of one of a participant's good
// secrets: cur, from its latest welcome, or prev (nil: none), the one
// its latest resume came with. Every comparison takes the same time
// whatever matches.
func knows(h [32]byte, cur, prev []byte) bool {
	ok := subtle.ConstantTimeCompare(h[:], cur)
	if len(prev) == sha256.Size {
		ok |= subtle.ConstantTimeCompare(h[:], prev)
	}
	return ok == 1
}

func (m *meeting) grace() time.Duration {
	if g := m.hub.cfg.ResumeGrace; g > 0 {
		return g
	}
	return DefaultResumeGrace
}

// memoOf is p as remembered; away is when it went (zero: present).
func memoOf(p *participant, away time.Time) *ParticipantMemo {
	pm := &ParticipantMemo{SecretHash: bytes.Clone(p.hash[:]), PrevSecretHash: bytes.Clone(p.prev), ID: p.id, Name: p.name, Link: p.link,
		Admitted: p.joined || p.parked, Hand: p.hand, Allowed: p.allowed, Muted: p.muted, Away: away}
	if p.hand {
		pm.HandAt = p.handAt
	}
	if !p.joined {
		pm.LobbySince = p.since
	}
	return pm
}

// goAway: p's connection dropped. It leaves as before (others see it go,
// its hand leaves the queue) and is kept away for the grace period.
func (m *meeting) goAway(p *participant) {
	now := m.hub.now()
	m.pruneAway(now)
	if len(m.away) >= maxAway {
		m.dropOldestAway()
	}
	m.away[p.id] = memoOf(p, now)
	m.drop(p, "leave")
}

func (m *meeting) pruneAway(now time.Time) {
	g := m.grace()
	for id, pm := range m.away {
		if !now.Before(pm.Away.Add(g)) {
			delete(m.away, id)
		}
	}
}

func (m *meeting) dropOldestAway() {
	oldest, at := "", time.Time{}
	for id, pm := range m.away {
		if oldest == "" || pm.Away.Before(at) {
			oldest, at = id, pm.Away
		}
	}
	delete(m.away, oldest)
}

// revokeAway forgets the away participants whose link was withdrawn.
func (m *meeting) revokeAway(stillValid func(link string) bool) {
	for id, pm := range m.away {
		if !stillValid(pm.Link) {
			delete(m.away, id)
		}
	}
}

// resumeJoin takes p back as the participant its hello's secret names,
// with the fresh secret p came with for its welcome; false: no such
// participant (p joins afresh).
func (m *meeting) resumeJoin(p *participant) bool {
	if p.resume == "" || len(p.resume) > maxIDLen {
		return false
	}
	h := secretHash(p.resume)
	now := m.hub.now()
	m.pruneAway(now)
	// The old connection may still be open (the client saw the network
	// go before the server did): the new one replaces it.
	for _, old := range slices.Concat(m.joined, m.lobby) {
		if old.link == p.link && knows(h, old.hash[:], old.prev) {
			old.ep.close(nil)
			m.goAway(old)
			break
		}
	}
	var pm *ParticipantMemo
	for _, a := range m.away {
		if a.Link == p.link && knows(h, a.SecretHash, a.PrevSecretHash) {
			pm = a
			break
		}
	}
	if pm == nil {
		return false
	}
	delete(m.away, pm.ID)
	// The welcome hands out p.secret; the secret the client came with
	// stays good until the client shows it has the new one (kept, or a
	// resume with it): its welcome may be lost.
	// A refusal below puts pm back unchanged: no new secret went out.
	p.id, p.hash, p.prev = pm.ID, secretHash(p.secret), h[:]
	p.muted, p.allowed = pm.Muted, pm.Allowed && p.role != RoleHost
	admitted := pm.Admitted || p.role == RoleHost || m.memberSkipsLobby(p) || (!m.spec.Lobby && !m.closedPart)
	if admitted && !m.mustWait(p) {
		m.resumeJoined(p, pm)
		return true
	}
	p.parked = admitted // let in before, waiting for the public part now
	m.resumeLobby(p, pm, now)
	return true
}

// keptReq: the client of connection ep has its welcome (its first ping
// came: the protocol sends ping only once welcomed, and a connection
// keeps its order), and so the new secret in it.
type keptReq struct {
	id string
	ep endpoint
}

// keptSecret tells the meeting, once per connection, that the client
// has its welcome. Posted before the ping's pong goes out, so a client
// that heard the pong knows its old secret is over.
func (c *conn) keptSecret(m *meeting, id string) {
	if c.kept {
		return
	}
	c.kept = true
	m.post(keptReq{id: id, ep: c})
}

// kept ends the secret the participant resumed with: its client holds
// the new one.
func (m *meeting) kept(req keptReq) {
	if p := m.byID[req.id]; p != nil && p.ep == req.ep && p.prev != nil {
		p.prev = nil
		// Into the memo at once: a node that dies before its next write
		// must not leave the old secret good where the meeting reopens.
		m.changed()
	}
}

// resumeJoined lets p in again, with its hand back at its place.
func (m *meeting) resumeJoined(p *participant, pm *ParticipantMemo) {
	if len(m.joined) >= m.limit() {
		m.away[pm.ID] = pm // still away: it may try again once there is room
		p.ep.close(refusal(ReasonFull))
		return
	}
	m.byID[p.id] = p
	if !m.enter(p, m.welcome(p, "joined")) {
		return
	}
	if p.muted {
		p.peer.SetAudioMuted(true)
	}
	m.audit(p, "join", "resumed")
	m.memberJoined(p)
	if pm.Hand {
		p.hand, p.handAt = true, pm.HandAt
		i, _ := slices.BinarySearchFunc(m.queue, p.handAt, func(q *participant, at time.Time) int { return q.handAt.Compare(at) })
		m.queue = slices.Insert(m.queue, i, p)
		m.queueChanged()
	}
	m.broadcast(false)
}

// resumeLobby puts p back in the lobby at its old place.
func (m *meeting) resumeLobby(p *participant, pm *ParticipantMemo, now time.Time) {
	if !p.until.IsZero() && !now.Before(p.until) {
		p.ep.close(refusal(ReasonEnded))
		return
	}
	if why := m.lobbyRefusal(p); why != nil {
		m.away[pm.ID] = pm // still away: it may try again
		p.ep.close(why)
		return
	}
	p.since = now
	if !pm.Admitted && !pm.LobbySince.IsZero() {
		p.since = pm.LobbySince
	}
	m.byID[p.id] = p
	i, _ := slices.BinarySearchFunc(m.lobby, p.since, func(w *participant, at time.Time) int { return w.since.Compare(at) })
	m.lobby = slices.Insert(m.lobby, i, p)
	p.ep.send(m.welcome(p, "lobby"))
	m.broadcast(true)
}

// memo is what the meeting remembers now.
func (m *meeting) memo() MeetingMemo {
	m.pruneAway(m.hub.now())
	mm := MeetingMemo{Locked: m.locked, Participants: make([]ParticipantMemo, 0, len(m.joined)+len(m.lobby)+len(m.away))}
	for _, p := range slices.Concat(m.joined, m.lobby) {
		mm.Participants = append(mm.Participants, *memoOf(p, time.Time{}))
	}
	for _, pm := range m.away {
		mm.Participants = append(mm.Participants, *pm)
	}
	return mm
}

// recall reads the memo of a meeting this hub does not run (nil: none,
// or the meeting runs here), off any meeting goroutine: a Memory may take
// as long as a durable read. A memo that says the meeting ended refuses
// the join (ended), and the hub remembers that without reading again.
func (h *Hub) recall(id string) (*MeetingMemo, *Refusal) {
	if h.cfg.Memory == nil || h.lookup(id) != nil {
		return nil, nil
	}
	if h.Ended(id) { // known here already: no store read for it
		return nil, refusal(ReasonEnded)
	}
	mm, ok := h.cfg.Memory.Load(id)
	if !ok {
		return nil, nil
	}
	if mm.endedAt(h.now()) {
		h.mu.Lock()
		h.markEnded(id, mm.Ended)
		h.mu.Unlock()
		return nil, refusal(ReasonEnded)
	}
	if !mm.Ended.IsZero() {
		return nil, nil // ended once, over now: nothing to resume
	}
	return &mm, nil
}

// remember takes the memo recalled as the meeting opened: everyone in it
// is away (this meeting has no connections yet), with a grace period
// from now.
func (m *meeting) remember(mm *MeetingMemo) {
	if m.saver == nil || mm == nil {
		return
	}
	m.locked = mm.Locked
	now := m.hub.now()
	for _, pm := range mm.Participants {
		if len(pm.SecretHash) != sha256.Size || pm.ID == "" || len(m.away) >= maxAway {
			continue
		}
		pm := pm
		pm.Away = now
		m.away[pm.ID] = &pm
	}
	m.log.Debug("meeting remembered", "participants", len(m.away))
}

// changed marks the memo behind and hands a new one to the saver unless
// a write runs (then saverReady brings the meeting back here).
func (m *meeting) changed() {
	m.memoDirty = true
	m.saveMemo()
}

func (m *meeting) saveMemo() {
	if m.saver == nil || !m.memoDirty || m.saver.busy() {
		return
	}
	m.memoDirty = false
	m.saver.offer(m.memo())
}

// saverReady hears that the saver is idle (nil without a Memory).
func (m *meeting) saverReady() <-chan struct{} {
	if m.saver == nil {
		return nil
	}
	return m.saver.ready
}

// lastMemo: a shutdown keeps the memo as it is now, with everyone still
// in (a restarted node or another one resumes them); a meeting that
// moved keeps the memo its new owner writes; an ended meeting's memo
// says until when it stays ended, and goes once it is over for good.
// The claim on the meeting (a cluster's Router) is released only after
// that write, so a node that claims the meeting next reads it.
func (m *meeting) lastMemo(why *Refusal) {
	release := func() { m.hub.released(m.id) }
	if m.saver == nil {
		release()
		return
	}
	id := m.id
	until, ended := m.endedUntil(why)
	switch {
	case why.Reason == ReasonShutdown:
		memo := m.memo()
		m.saver.finish(func(mem Memory) { mem.Save(id, memo) }, release)
	case why.Reason == ReasonMoving:
		m.saver.finish(nil, release)
	case ended:
		m.saver.finish(func(mem Memory) { mem.Save(id, MeetingMemo{Ended: until}) }, release)
	default:
		m.saver.finish(func(mem Memory) { mem.Forget(id) }, release)
	}
}
