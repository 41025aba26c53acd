package signaling

// Presenting: one participant at a time shows a screen track to everyone
// (PROTOCOL.md, "Meeting rules"). The media engine forwards every track a
// publisher sends; the meeting only says which one is the presentation,
// in state.presenter, and the pages lay it out large.

// mayPresent: hosts always, guests once a host allowed them.
func (p *participant) mayPresent() bool { return p.role == RoleHost || p.allowed }

// present starts or stops a presentation.
func (m *meeting) present(p *participant, msg *presentMsg) {
	if msg.Action == "start" {
		m.startPresenting(p, msg.Track)
		return
	}
	if msg.ID == "" || msg.ID == p.id {
		// One's own: stopping what is not (or no longer) shown is no
		// error, a host may have taken over a moment ago.
		if m.presenter == p {
			m.stopPresenting()
		}
		return
	}
	if p.role != RoleHost {
		p.ep.sendError(codeForbidden, "only hosts stop someone else's presentation", "present")
		return
	}
	t := m.byID[msg.ID]
	if t == nil || !t.joined {
		p.ep.sendError(codeNotFound, "nobody with that id is in the meeting", "present")
		return
	}
	if m.presenter == t {
		m.stopPresenting()
	}
}

// startPresenting: a host takes over from whoever presents; a guest needs
// a host's leave and a free stage. A new start of the presenter switches
// to the new track.
func (m *meeting) startPresenting(p *participant, track string) {
	if !p.mayPresent() {
		p.ep.sendError(codeForbidden, "a host has not allowed you to present", "present")
		return
	}
	if m.presenter != nil && m.presenter != p && p.role != RoleHost {
		p.ep.sendError(codeBusy, "someone else is presenting", "present")
		return
	}
	if m.presenter == p && m.presentTrack == track {
		return // nothing changes: no state
	}
	m.presenter, m.presentTrack = p, track
	m.broadcast(false)
}

func (m *meeting) stopPresenting() {
	m.presenter, m.presentTrack = nil, ""
	m.broadcast(false)
}

// allowPresent lets a guest present, or takes that back (which ends their
// presentation). Hosts may always present: allowing them changes nothing.
func (m *meeting) allowPresent(host *participant, msg *allowPresentMsg) {
	t := m.byID[msg.ID]
	if t == nil || !t.joined {
		host.ep.sendError(codeNotFound, "nobody with that id is in the meeting", "allow_present")
		return
	}
	if t.role == RoleHost || t.allowed == *msg.Allowed {
		return
	}
	t.allowed = *msg.Allowed
	if !t.allowed && m.presenter == t {
		m.presenter, m.presentTrack = nil, ""
	}
	m.broadcast(false)
}
