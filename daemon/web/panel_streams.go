package web

import "sync"

// Revoking a panel ends its open event streams at once: the panel API
// (api_panel.go) watches, the revocation (panels.go) closes.

// panelStreams lets a revocation end the panel's open event streams at
// once. The zero value is ready.
type panelStreams struct {
	mu sync.Mutex
	m  map[string]map[*func()]struct{}
}

// watch has end called when panel id is revoked (a stream holds no
// goroutine to wait for it); unwatch forgets it.
func (ps *panelStreams) watch(id string, end func()) (unwatch func()) {
	ch := &end
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.m == nil {
		ps.m = map[string]map[*func()]struct{}{}
	}
	if ps.m[id] == nil {
		ps.m[id] = map[*func()]struct{}{}
	}
	ps.m[id][ch] = struct{}{}
	return func() {
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
	for end := range ps.m[id] {
		(*end)()
	}
	delete(ps.m, id)
}
