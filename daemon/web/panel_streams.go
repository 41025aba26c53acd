package web

import "sync"

// Revoking a panel ends its open event streams at once: the panel API
// (api_panel.go) watches, the revocation (panels.go) closes.

// panelStreams lets a revocation end the panel's open event streams at
// once. The zero value is ready.
type panelStreams struct {
	mu sync.Mutex
	m  map[string]map[chan struct{}]struct{}
}

// watch returns a channel closed when panel id is revoked.
func (ps *panelStreams) watch(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.m == nil {
		ps.m = map[string]map[chan struct{}]struct{}{}
	}
	if ps.m[id] == nil {
		ps.m[id] = map[chan struct{}]struct{}{}
	}
	ps.m[id][ch] = struct{}{}
	return ch, func() {
		ps.mu.Lock()
		defer ps.mu.Unlock()
		if _, ok := ps.m[id][ch]; ok {
			delete(ps.m[id], ch)
			if len(ps.m[id]) == 0 {
				delete(ps.m, id)
			}
		}
	}
}

func (ps *panelStreams) revoke(id string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for ch := range ps.m[id] {
		close(ch)
	}
	delete(ps.m, id)
}
