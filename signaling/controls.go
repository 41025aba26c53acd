package signaling

import "slices"

// hostOnly are the messages only hosts may send.
var hostOnly = map[string]bool{
	"admit": true, "deny": true, "host_mute": true, "remove": true,
	"lock": true, "end": true, "queue": true, "allow_present": true,
	"agenda": true, "vote_start": true, "vote_close": true,
}

// dispatch routes one client message (other than hello and media) from p.
func (m *meeting) dispatch(p *participant, typ string, msg message) {
	if hostOnly[typ] && p.role != RoleHost {
		p.ep.sendError(codeForbidden, typ+" is for hosts", typ)
		return
	}
	if _, ok := msg.(*leaveMsg); ok {
		p.ep.close(refusal(ReasonLeft))
		m.drop(p, "leave")
		return
	}
	if !p.joined {
		p.ep.sendError(codeNotJoined, "wait until a host lets you in", typ)
		return
	}
	switch msg := msg.(type) {
	case *muteMsg:
		m.mute(p, *msg.Muted)
	case *handMsg:
		m.hand(p, *msg.Raised)
	case *admitMsg:
		m.admit(p, msg)
	case *denyMsg:
		m.deny(p, msg)
	case *hostMuteMsg:
		m.hostMute(p, msg.ID)
	case *removeMsg:
		m.remove(p, msg)
	case *lockMsg:
		if m.locked == *msg.Locked {
			return // nothing changes: no audit, no state
		}
		m.locked = *msg.Locked
		m.audit(p, "lock", map[bool]string{true: "locked", false: "unlocked"}[m.locked])
		m.broadcast(false)
	case *endMsg:
		m.audit(p, "end", "")
		m.stopped = &Refusal{Reason: ReasonEnded, Message: "A host ended the meeting."}
	case *queueMsg:
		m.queueAction(p, msg)
	case *presentMsg:
		m.present(p, msg)
	case *allowPresentMsg:
		m.allowPresent(p, msg)
	case *agendaMsg, *voteStartMsg, *voteCloseMsg, *voteMsg:
		m.councilMessage(p, typ, msg)
	}
}

// mute is the participant's own microphone state; the SFU forwards their
// audio again once they unmute (also after a host muted them).
// A mute that changes nothing is ignored (no state for everyone).
func (m *meeting) mute(p *participant, muted bool) {
	if p.muted == muted {
		return
	}
	p.muted = muted
	p.peer.SetAudioMuted(muted)
	m.broadcast(false)
}

func (m *meeting) hand(p *participant, raised bool) {
	if p.hand == raised {
		return
	}
	p.hand, p.handAt = raised, m.hub.now()
	if raised {
		m.queue = append(m.queue, p)
	} else {
		m.queue = remove(m.queue, p)
	}
	m.queueChanged()
	m.broadcast(false)
}

// admit lets one waiter in, or all as far as the limit allows.
func (m *meeting) admit(host *participant, msg *admitMsg) {
	if msg.All {
		for _, w := range slices.Clone(m.lobby) {
			if m.mustWait(w) {
				continue // closed part: only members and staff
			}
			if len(m.joined) >= m.limit() {
				host.ep.sendError(codeFull, "the meeting is full", "admit")
				break
			}
			m.audit(host, "admit", w.label()+" "+w.id)
			m.letIn(w)
		}
		m.broadcast(false)
		return
	}
	w := m.byID[msg.ID]
	if w == nil || w.joined {
		host.ep.sendError(codeNotFound, "nobody with that id is waiting", "admit")
		return
	}
	if m.mustWait(w) {
		host.ep.sendError(codeClosedPart, "a closed item is open: guests come in when a public item opens", "admit")
		return
	}
	if len(m.joined) >= m.limit() {
		host.ep.sendError(codeFull, "the meeting is full", "admit")
		return
	}
	m.audit(host, "admit", w.label()+" "+w.id)
	m.letIn(w)
	m.broadcast(false)
}

// letIn moves a waiter from the lobby into the meeting (the caller
// broadcasts).
func (m *meeting) letIn(w *participant) {
	m.lobby = remove(m.lobby, w)
	if m.enter(w, m.admitted(w)) {
		m.audit(w, "join", "admitted")
	}
}

func (m *meeting) deny(host *participant, msg *denyMsg) {
	w := m.byID[msg.ID]
	if w == nil || w.joined {
		host.ep.sendError(codeNotFound, "nobody with that id is waiting", "deny")
		return
	}
	r := refusal(ReasonDenied)
	if msg.Reason != "" {
		r.Message = msg.Reason
	}
	m.audit(host, "deny", w.label()+" "+w.id)
	w.ep.close(r)
	m.drop(w, "deny")
}

// hostMute stops forwarding the target's audio and asks their client to
// mute; they unmute themselves with mute{muted:false}.
func (m *meeting) hostMute(host *participant, id string) {
	t := m.byID[id]
	if t == nil || !t.joined {
		host.ep.sendError(codeNotFound, "nobody with that id is in the meeting", "host_mute")
		return
	}
	t.muted = true
	t.peer.SetAudioMuted(true)
	t.ep.send(encode(typeOnly{Type: "mute_request"}))
	m.audit(host, "host_mute", t.label()+" "+t.id)
	m.broadcast(false)
}

// remove sends a participant (or a waiter) away.
func (m *meeting) remove(host *participant, msg *removeMsg) {
	t := m.byID[msg.ID]
	if t == nil {
		host.ep.sendError(codeNotFound, "nobody with that id is in the meeting", "remove")
		return
	}
	r := refusal(ReasonRemoved)
	if msg.Reason != "" {
		r.Message = msg.Reason
	}
	m.audit(host, "remove", t.label()+" "+t.id)
	t.ep.close(r)
	m.drop(t, "remove")
}

// queueAction: next lowers the first hand, remove one, clear all.
func (m *meeting) queueAction(host *participant, msg *queueMsg) {
	if m.seatAction(host, msg) {
		return // the room's seats took it (signaling/seats.go)
	}
	var lowered []*participant
	switch msg.Action {
	case "next":
		if len(m.queue) > 0 {
			lowered = m.queue[:1]
			m.recordSpeaker(m.queue[0].name)
		}
	case "remove":
		t := m.byID[msg.ID]
		if t == nil || !slices.Contains(m.queue, t) {
			host.ep.sendError(codeNotFound, "nobody with that id is in the queue", "queue")
			return
		}
		lowered = []*participant{t}
	case "clear":
		lowered = m.queue
	}
	if len(lowered) == 0 {
		return
	}
	for _, p := range slices.Clone(lowered) {
		p.hand = false
		m.queue = remove(m.queue, p)
	}
	m.queueChanged()
	m.broadcast(false)
}
