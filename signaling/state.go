package signaling

import "github.com/pion/webrtc/v4"

// What the meeting tells its participants and the daemon: welcome, state
// snapshots, the speaker queue hook and the audit hook.

func (m *meeting) meetingOut() meetingOut {
	return meetingOut{ID: m.spec.ID, Title: m.spec.Title, Closes: m.spec.Closes}
}

// welcome carries the ICE servers (TURN credentials) only for a joined
// participant: lobby waiters get them with admitted.
func (m *meeting) welcome(p *participant, state string) []byte {
	w := welcomeOut{
		Type: "welcome", Version: ProtocolVersion, ID: p.id, Role: p.role,
		State: state, Meeting: m.meetingOut(), Member: p.member, Resume: p.secret,
	}
	if state == "joined" {
		w.ICEServers = iceServers(p)
	}
	return encode(w)
}

func (m *meeting) admitted(p *participant) []byte {
	return encode(admittedOut{Type: "admitted", ICEServers: iceServers(p)})
}

func iceServers(p *participant) []webrtc.ICEServer {
	if p.ice == nil {
		return []webrtc.ICEServer{}
	}
	return p.ice
}

// snapshot is the state message; hosts also see the lobby and candidate
// names.
func (m *meeting) snapshot(forHost bool) []byte {
	s := stateOut{
		Type:         "state",
		Meeting:      m.meetingOut(),
		Participants: make([]participantOut, 0, len(m.joined)),
		Queue:        m.queueEntries(),
		Locked:       m.locked,
	}
	for _, p := range m.joined {
		po := participantOut{ID: p.id, Name: p.name, Role: p.role, Muted: p.muted, Hand: p.hand, CanPresent: p.mayPresent()}
		if forHost {
			po.Candidate = p.candidate
		}
		s.Participants = append(s.Participants, po)
	}
	if m.presenter != nil {
		s.Presenter = &presenterOut{ID: m.presenter.id, Track: m.presentTrack}
	}
	s.Council = m.councilFor(forHost)
	if forHost {
		s.Lobby = make([]lobbyOut, 0, len(m.lobby))
		for _, w := range m.lobby {
			s.Lobby = append(s.Lobby, lobbyOut{ID: w.id, Name: w.name, Candidate: w.candidate, Since: w.since})
		}
	}
	return encode(s)
}

// broadcast sends the state to every joined participant (hostsOnly: only
// the hosts, for lobby changes the guests cannot see).
func (m *meeting) broadcast(hostsOnly bool) {
	var forHosts, forGuests []byte
	for _, p := range m.joined {
		if p.role == RoleHost {
			if forHosts == nil {
				forHosts = m.snapshot(true)
			}
			p.ep.sendState(forHosts)
		} else if !hostsOnly {
			if forGuests == nil {
				forGuests = m.snapshot(false)
			}
			p.ep.sendState(forGuests)
		}
	}
}

// queueEntries is the speaker queue: hands and the room's seats by time
// of request (signaling/seats.go).
func (m *meeting) queueEntries() []QueueEntry {
	q := make([]QueueEntry, 0, len(m.queue))
	for _, it := range m.speakerQueue() {
		q = append(q, it.entry)
	}
	return q
}

// queueChanged publishes the speaker queue if the spec asks for it.
func (m *meeting) queueChanged() {
	if hook := m.hub.cfg.Hooks.Queue; hook != nil && m.spec.PublishQueue {
		hook(m.id, m.queueEntries())
	}
}

// audit reports an action; actor nil is the system (timer, daemon).
// Display names and roles only: no tokens, no PINs.
func (m *meeting) audit(actor *participant, action, detail string) {
	hook := m.hub.cfg.Hooks.Audit
	if hook == nil {
		return
	}
	who := SystemActor
	if actor != nil {
		who = actor.label()
	}
	hook(m.id, who, action, detail)
}
