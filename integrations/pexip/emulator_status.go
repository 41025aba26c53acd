package pexip

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// page writes the Tastypie envelope: limit (default 20, max 10000, 0 = all),
// offset, and meta.next/previous that keep the caller's filters.
func (e *Emulator) page(w http.ResponseWriter, r *http.Request, objs []any) {
	q := r.URL.Query()
	limit, offset := 20, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid limit provided."})
			return
		}
		limit = min(n, 10000)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid offset provided."})
			return
		}
		offset = n
	}
	total := len(objs)
	end := total
	if limit > 0 {
		end = min(offset+limit, total)
	}
	start := min(offset, total)
	link := func(off int) *string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("limit", strconv.Itoa(limit))
		v.Set("offset", strconv.Itoa(off))
		s := r.URL.Path + "?" + v.Encode()
		return &s
	}
	m := meta{Limit: limit, Offset: offset, TotalCount: total}
	if limit > 0 && end < total {
		m.Next = link(end)
	}
	if limit > 0 && offset > 0 {
		m.Previous = link(max(offset-limit, 0))
	}
	page := objs[start:end]
	if page == nil {
		page = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"meta": m, "objects": page})
}

// status serves the read-only status API from the scripted participants.
func (e *Emulator) status(w http.ResponseWriter, r *http.Request, p string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	q := r.URL.Query()
	var objs []any
	switch p {
	case StatusLicensing.path:
		objs = []any{Licensing{
			PortCount: len(e.participants), PortTotal: e.PortTotal,
			VMRCount: len(e.confs), VMRTotal: max(len(e.confs), 1000),
		}}
	case StatusConferences.path:
		counted := map[string]bool{}
		for i, part := range e.participants {
			if counted[part.conference] || (q.Has("name") && q.Get("name") != part.conference) {
				continue
			}
			counted[part.conference] = true
			tag := ""
			for _, c := range e.confs {
				if c.Name == part.conference {
					tag = c.Tag
				}
			}
			id := uuidFor("conf", i)
			objs = append(objs, map[string]any{
				"id": id, "name": part.conference, "service_type": "conference",
				"is_started": true, "is_locked": false, "guests_muted": false, "tag": tag,
				"resource_uri": p + id + "/",
			})
		}
	case StatusParticipant.path:
		for _, part := range e.participants {
			if q.Has("conference") && q.Get("conference") != part.conference {
				continue
			}
			objs = append(objs, map[string]any{
				"id": part.id, "conference": part.conference, "display_name": part.name,
				"role": part.role, "protocol": "webrtc", "call_direction": "in",
				"license_count": 1, "resource_uri": p + part.id + "/",
			})
		}
	}
	e.page(w, r, objs)
}

// AddParticipant scripts a call leg into the named, existing VMR; it moves
// the licensing counters. role is "chair" or "guest".
func (e *Emulator) AddParticipant(conference, role, displayName string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	found := false
	for _, c := range e.confs {
		found = found || c.Name == conference
	}
	if !found {
		return "", fmt.Errorf("pexip emulator: no VMR named %q", conference)
	}
	if len(e.participants) >= e.PortTotal {
		return "", errors.New("pexip emulator: no call licences left")
	}
	e.nextPartID++
	id := uuidFor("participant", e.nextPartID)
	e.participants = append(e.participants, emuParticipant{id: id, conference: conference, role: role, name: displayName})
	return id, nil
}

// RemoveParticipant ends a scripted call leg.
func (e *Emulator) RemoveParticipant(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, p := range e.participants {
		if p.id == id {
			e.participants = append(e.participants[:i], e.participants[i+1:]...)
			return true
		}
	}
	return false
}
