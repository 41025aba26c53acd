package pexip

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

func (e *Emulator) conferenceList(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		var objs []any
		q := r.URL.Query()
		for _, id := range e.sortedConfIDs() {
			c := e.confs[id]
			if v := q.Get("name"); q.Has("name") && c.Name != v {
				continue
			}
			if v := q.Get("name__icontains"); v != "" && !strings.Contains(strings.ToLower(c.Name), strings.ToLower(v)) {
				continue
			}
			if v := q.Get("tag"); q.Has("tag") && c.Tag != v {
				continue
			}
			objs = append(objs, c)
		}
		e.page(w, r, objs)
	case http.MethodPost:
		var c Conference
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Malformed JSON: " + err.Error()})
			return
		}
		if c.ServiceType == "" {
			c.ServiceType = "conference"
		}
		if errs := e.validate(&c, 0); len(errs) > 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"conference": errs})
			return
		}
		e.nextConfID++
		e.store(e.nextConfID, c)
		e.created[c.Name]++
		w.Header().Set("Location", "https://"+r.Host+e.confs[e.nextConfID].ResourceURI)
		w.WriteHeader(http.StatusCreated)
	default:
		// PUT would replace and DELETE would wipe the whole collection on
		// a real node; the emulator refuses so a buggy client is caught.
		methodNotAllowed(w, "GET, POST")
	}
}

func (e *Emulator) conferenceObject(w http.ResponseWriter, r *http.Request, rest string) {
	id, ok := objectID(rest)
	c := e.confs[id]
	if !ok || c == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Not Found"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, c)
	case http.MethodPatch, http.MethodPut:
		var next Conference
		if r.Method == http.MethodPatch {
			// Merge the partial body over the stored object.
			cur, _ := json.Marshal(c)
			var m map[string]json.RawMessage
			_ = json.Unmarshal(cur, &m)
			var patch map[string]json.RawMessage
			if err := json.NewDecoder(r.Body).Decode(&patch); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Malformed JSON"})
				return
			}
			for k, v := range patch {
				m[k] = v
			}
			merged, _ := json.Marshal(m)
			if err := json.Unmarshal(merged, &next); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
		} else if err := json.NewDecoder(r.Body).Decode(&next); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Malformed JSON"})
			return
		}
		if next.ServiceType == "" {
			next.ServiceType = "conference"
		}
		if errs := e.validate(&next, id); len(errs) > 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"conference": errs})
			return
		}
		e.store(id, next)
		w.WriteHeader(http.StatusAccepted)
	case http.MethodDelete:
		delete(e.confs, id) // aliases are nested, so they go too
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w, "GET, PATCH, PUT, DELETE")
	}
}

func (e *Emulator) aliasList(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET") // alias creation via this URL is not emulated
		return
	}
	q := r.URL.Query()
	var objs []any
	for _, id := range e.sortedConfIDs() {
		for _, a := range e.confs[id].Aliases {
			if q.Has("conference") && a.Conference != q.Get("conference") {
				continue
			}
			if q.Has("alias") && a.Alias != q.Get("alias") {
				continue
			}
			objs = append(objs, a)
		}
	}
	e.page(w, r, objs)
}

// store saves c under id, assigning alias IDs and resource URIs as Pexip
// does so GETs look like the real thing.
func (e *Emulator) store(id int, c Conference) {
	c.ID = id
	c.ResourceURI = Conferences.Object(id).path
	for i := range c.Aliases {
		a := &c.Aliases[i]
		if a.ID == 0 {
			e.nextAliasID++
			a.ID = e.nextAliasID
		}
		a.Conference = c.ResourceURI
		a.ResourceURI = ConferenceAliases.Object(a.ID).path
	}
	e.confs[id] = &c
}

func (e *Emulator) sortedConfIDs() []int {
	ids := make([]int, 0, len(e.confs))
	for id := range e.confs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

var pinRE = regexp.MustCompile(`^\d{4,20}#?$`)

// validate returns Tastypie-style field errors; self is the ID being
// updated (0 on create) so an object does not clash with itself.
func (e *Emulator) validate(c *Conference, self int) map[string][]string {
	errs := map[string][]string{}
	add := func(f, msg string) { errs[f] = append(errs[f], msg) }
	switch {
	case c.Name == "":
		add("name", "This field is required.")
	case len(c.Name) > 250:
		add("name", "Ensure this value has at most 250 characters.")
	}
	if len(c.Description) > 250 {
		add("description", "Ensure this value has at most 250 characters.")
	}
	if len(c.Tag) > 250 {
		add("tag", "Ensure this value has at most 250 characters.")
	}
	if !slices.Contains([]string{"conference", "lecture", "two_stage_dialing", "test_call", "media_playback"}, c.ServiceType) {
		add("service_type", "Select a valid choice.")
	}
	if c.PIN != "" && !pinRE.MatchString(c.PIN) {
		add("pin", "PIN must be 4-20 digits, optionally followed by #.")
	}
	if c.GuestPIN != "" {
		if !pinRE.MatchString(c.GuestPIN) {
			add("guest_pin", "PIN must be 4-20 digits, optionally followed by #.")
		} else if c.GuestPIN == c.PIN {
			add("guest_pin", "Host PIN and Guest PIN must be different.")
		}
	}
	if l := c.ParticipantLimit; l != nil && (*l < 0 || *l > 1000000) {
		add("participant_limit", "Ensure this value is between 0 and 1000000.")
	}
	seen := map[string]bool{}
	for _, a := range c.Aliases {
		if a.Alias == "" {
			add("aliases", "Alias may not be empty.")
		}
		if seen[a.Alias] {
			add("aliases", "Alias with this Alias already exists.")
		}
		seen[a.Alias] = true
	}
	for id, other := range e.confs {
		if id == self {
			continue
		}
		if other.Name == c.Name {
			add("name", "Virtual Meeting Room with this Name already exists.")
		}
		for _, a := range other.Aliases {
			if seen[a.Alias] {
				add("aliases", "Alias with this Alias already exists.")
			}
		}
	}
	return errs
}
