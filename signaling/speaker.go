package signaling

import "sync"

// The meeting's active speaker: the SFU tells every subscriber who the
// dominant speaker is (active_speaker); the meeting hears the same change
// through its participants' media gates and, in a council session
// (spec.PublishQueue), hands the speaker's name to Hooks.Speaker, so the
// room's events stream shows who speaks remotely beside the speaker queue.

// speakerInbox holds the newest speaker id the SFU announced until the
// meeting takes it. The SFU calls offer from its own loop, which must
// never wait for the meeting: offers overwrite, the kick is dropped when
// one is pending.
type speakerInbox struct {
	mu      sync.Mutex
	next    string
	pending bool
	kick    chan struct{}
}

func (b *speakerInbox) offer(id string) {
	b.mu.Lock()
	b.next, b.pending = id, true
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *speakerInbox) take() (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id, ok := b.next, b.pending
	b.pending = false
	return id, ok
}

// takeSpeaker follows the SFU's latest active speaker.
func (m *meeting) takeSpeaker() {
	if id, ok := m.speakerBox.take(); ok {
		m.setSpeaker(id)
	}
}

// setSpeaker makes id (a joined participant, "" for nobody) the active
// speaker and publishes the change. An id the meeting no longer has (the
// SFU's news about someone who just left) counts as nobody.
func (m *meeting) setSpeaker(id string) {
	if p := m.byID[id]; p == nil || !p.joined {
		id = ""
	}
	if id == m.speaker {
		return
	}
	m.speaker = id
	if hook := m.hub.cfg.Hooks.Speaker; hook != nil && m.spec.PublishQueue {
		hook(m.id, m.speakerName())
	}
}

// speakerName is the active speaker's name as the meeting shows it ("":
// nobody speaks).
func (m *meeting) speakerName() string {
	if p := m.byID[m.speaker]; p != nil && m.speaker != "" {
		return p.name
	}
	return ""
}
