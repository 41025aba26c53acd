package oparl

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// EmulatorSystemPath is where the emulator serves its System object: the
// endpoint to give NewClient is the server's base URL plus this path.
const EmulatorSystemPath = "/oparl/v1/system"

// EmulatorData is what an Emulator serves. Objects are named by keys; the
// emulator turns them into absolute URLs of the server it runs on, as OParl
// ids are.
type EmulatorData struct {
	Body          EmulatorBody
	Organizations []EmulatorOrganization
	Locations     []EmulatorLocation
	Meetings      []EmulatorMeeting
	// PageSize is the number of objects per list page (default 20).
	PageSize int
	// NextWithoutFilter reproduces a vendor bug: links.next drops the
	// modified_since filter.
	NextWithoutFilter bool
	// Now stamps Put and Delete without a modification time (default time.Now).
	Now func() time.Time
}

// EmulatorBody is the one body the emulator serves.
type EmulatorBody struct {
	Key, Name, AGS string
}

// EmulatorOrganization is an organization of the body.
type EmulatorOrganization struct {
	Key, Name, Classification string
	// Type is the organizationType ("Gremium"); empty sends none.
	Type string
}

// EmulatorLocation is a location, served at its own URL and embeddable.
type EmulatorLocation struct {
	Key, Description, StreetAddress, Room string
}

// EmulatorMeeting is a meeting as the emulator serves it. Times are raw
// OParl text so that test data can carry every quirk: "2026-12-01"
// (date-only), "2026-12-01T18:00:00" (no offset), "…+01:00".
type EmulatorMeeting struct {
	Key        string
	Name       string
	Start, End string
	// Location is embedded as an object; LocationKey references one of
	// EmulatorData.Locations by URL instead. Neither: no location.
	Location    *EmulatorLocation
	LocationKey string
	// Organizations are keys; EmbedOrganizations embeds the objects
	// instead of URLs (a quirk).
	Organizations      []string
	EmbedOrganizations bool
	Cancelled          bool
	Agenda             []EmulatorAgendaItem
	Modified           time.Time
	// Deleted serves a tombstone: id, type, modified and deleted only.
	Deleted bool
	// Extra fields are served as they are (vendor extensions, quirks).
	Extra map[string]any
}

// EmulatorAgendaItem is an embedded agenda item.
type EmulatorAgendaItem struct {
	Number, Name string
	Public       bool
	Start, End   string
}

// Emulator is an OParl 1.1 server over EmulatorData, for tests and the
// demo. It is safe for concurrent use; Put and Delete change what later
// requests see.
type Emulator struct {
	mux *http.ServeMux

	mu       sync.Mutex
	data     EmulatorData
	fault    func(*http.Request) (status int, body string)
	requests int
}

// NewEmulator returns an emulator serving data.
func NewEmulator(data EmulatorData) *Emulator {
	if data.PageSize <= 0 {
		data.PageSize = 20
	}
	if data.Now == nil {
		data.Now = time.Now
	}
	// The emulator owns its copy: a test mutating its data afterwards
	// must go through Put.
	data.Meetings = append([]EmulatorMeeting(nil), data.Meetings...)
	e := &Emulator{data: data, mux: http.NewServeMux()}
	e.mux.HandleFunc("GET /oparl/v1/system", e.system)
	e.mux.HandleFunc("GET /oparl/v1/bodies", e.bodies)
	e.mux.HandleFunc("GET /oparl/v1/body/{key}", e.body)
	e.mux.HandleFunc("GET /oparl/v1/body/{key}/organizations", e.organizations)
	e.mux.HandleFunc("GET /oparl/v1/body/{key}/meetings", e.meetings)
	e.mux.HandleFunc("GET /oparl/v1/organization/{key}", e.organization)
	e.mux.HandleFunc("GET /oparl/v1/meeting/{key}", e.meeting)
	e.mux.HandleFunc("GET /oparl/v1/location/{key}", e.location)
	return e
}

// Put adds the meeting or replaces the one with its key. A zero Modified
// is stamped with the emulator's clock.
func (e *Emulator) Put(m EmulatorMeeting) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if m.Modified.IsZero() {
		m.Modified = e.data.Now()
	}
	for i := range e.data.Meetings {
		if e.data.Meetings[i].Key == m.Key {
			e.data.Meetings[i] = m
			return
		}
	}
	e.data.Meetings = append(e.data.Meetings, m)
}

// Delete turns the meeting into a tombstone, as OParl servers must keep
// deleted objects. It reports whether the meeting existed.
func (e *Emulator) Delete(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.data.Meetings {
		if e.data.Meetings[i].Key == key {
			e.data.Meetings[i] = EmulatorMeeting{Key: key, Deleted: true, Modified: e.data.Now()}
			return true
		}
	}
	return false
}

// Meeting returns the meeting with key as the emulator holds it.
func (e *Emulator) Meeting(key string) (EmulatorMeeting, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.data.Meetings {
		if m.Key == key {
			return m, true
		}
	}
	return EmulatorMeeting{}, false
}

// Fail makes the emulator answer requests for which f returns a non-zero
// status with that status and body, instead of the data; nil clears it.
func (e *Emulator) Fail(f func(r *http.Request) (status int, body string)) {
	e.mu.Lock()
	e.fault = f
	e.mu.Unlock()
}

// Requests is the number of requests served so far.
func (e *Emulator) Requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests
}

// MeetingID is the OParl id of the meeting with key on the server at base
// (e.g. an httptest.Server's URL).
func MeetingID(base, key string) string { return base + "/oparl/v1/meeting/" + url.PathEscape(key) }

func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.requests++
	fault := e.fault
	e.mu.Unlock()
	if fault != nil {
		if status, body := fault(r); status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return
		}
	}
	e.mux.ServeHTTP(w, r)
}

// urls builds absolute ids from the request's host, so that the same
// emulator works behind any httptest.Server address.
type urls string

func baseOf(r *http.Request) urls { return urls(origin(r) + "/oparl/v1") }

func origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func (u urls) of(kind, key string) string { return string(u) + "/" + kind + "/" + url.PathEscape(key) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// notFound answers as OParl servers do: a JSON error object.
func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"type": "Error", "message": "not found"})
}

func (e *Emulator) system(w http.ResponseWriter, r *http.Request) {
	u := baseOf(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": string(u) + "/system", "type": TypeSystem, "oparlVersion": "https://schema.oparl.org/1.1/",
		"name": "Kogge OParl emulator", "body": string(u) + "/bodies",
	})
}

func (e *Emulator) bodyJSON(u urls) map[string]any {
	b := e.data.Body
	return map[string]any{
		"id": u.of("body", b.Key), "type": TypeBody, "name": b.Name, "ags": b.AGS,
		"organization": u.of("body", b.Key) + "/organizations",
		"meeting":      u.of("body", b.Key) + "/meetings",
	}
}

func (e *Emulator) bodies(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := baseOf(r)
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{e.bodyJSON(u)}, "links": map[string]any{}})
}

func (e *Emulator) body(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.PathValue("key") != e.data.Body.Key {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, e.bodyJSON(baseOf(r)))
}

func orgJSON(u urls, o EmulatorOrganization) map[string]any {
	out := map[string]any{"id": u.of("organization", o.Key), "type": TypeOrganization,
		"name": o.Name, "classification": o.Classification}
	if o.Type != "" {
		out["organizationType"] = o.Type
	}
	return out
}

func locJSON(u urls, l EmulatorLocation) map[string]any {
	m := map[string]any{"id": u.of("location", l.Key), "type": TypeLocation}
	for k, v := range map[string]string{"description": l.Description, "streetAddress": l.StreetAddress, "room": l.Room} {
		if v != "" { // missing optional fields, as servers leave them out
			m[k] = v
		}
	}
	return m
}

func (e *Emulator) organizations(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.PathValue("key") != e.data.Body.Key {
		notFound(w)
		return
	}
	u := baseOf(r)
	items := make([]any, len(e.data.Organizations))
	for i, o := range e.data.Organizations {
		items[i] = orgJSON(u, o)
	}
	e.page(w, r, items)
}

func (e *Emulator) organization(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.data.Organizations {
		if o.Key == r.PathValue("key") {
			writeJSON(w, http.StatusOK, orgJSON(baseOf(r), o))
			return
		}
	}
	notFound(w)
}

func (e *Emulator) location(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range e.data.Locations {
		if l.Key == r.PathValue("key") {
			writeJSON(w, http.StatusOK, locJSON(baseOf(r), l))
			return
		}
	}
	notFound(w)
}

func (e *Emulator) meetingJSON(u urls, m EmulatorMeeting) map[string]any {
	out := map[string]any{}
	for k, v := range m.Extra {
		out[k] = v
	}
	out["id"] = u.of("meeting", m.Key)
	out["type"] = TypeMeeting
	out["modified"] = m.Modified.Format(time.RFC3339)
	if m.Deleted {
		out["deleted"] = true
		return out
	}
	out["created"] = out["modified"]
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("name", m.Name)
	set("start", m.Start)
	set("end", m.End)
	switch {
	case m.Location != nil:
		out["location"] = locJSON(u, *m.Location)
	case m.LocationKey != "":
		out["location"] = u.of("location", m.LocationKey)
	}
	if len(m.Organizations) > 0 {
		orgs := make([]any, len(m.Organizations))
		for i, key := range m.Organizations {
			orgs[i] = u.of("organization", key)
			if m.EmbedOrganizations {
				for _, o := range e.data.Organizations {
					if o.Key == key {
						orgs[i] = orgJSON(u, o)
					}
				}
			}
		}
		out["organization"] = orgs
	}
	if m.Cancelled {
		out["cancelled"] = true
	}
	if len(m.Agenda) > 0 {
		items := make([]any, len(m.Agenda))
		for i, a := range m.Agenda {
			it := map[string]any{"id": u.of("meeting", m.Key) + "/agendaItem/" + strconv.Itoa(i+1),
				"type": TypeAgendaItem, "number": a.Number, "name": a.Name, "public": a.Public, "order": i + 1}
			if a.Start != "" {
				it["start"] = a.Start
			}
			if a.End != "" {
				it["end"] = a.End
			}
			items[i] = it
		}
		out["agendaItem"] = items
	}
	return out
}

func (e *Emulator) meeting(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.data.Meetings {
		if m.Key == r.PathValue("key") {
			writeJSON(w, http.StatusOK, e.meetingJSON(baseOf(r), m))
			return
		}
	}
	notFound(w)
}

func (e *Emulator) meetings(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.PathValue("key") != e.data.Body.Key {
		notFound(w)
		return
	}
	var since time.Time
	if s := r.URL.Query().Get("modified_since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"type": "Error", "message": "modified_since is not a date-time"})
			return
		}
		since = t
	}
	u := baseOf(r)
	var items []any
	for _, m := range e.data.Meetings {
		// Inclusive, as a client that asks from the last modification it
		// saw must see objects modified in that same second.
		if since.IsZero() || !m.Modified.Before(since) {
			items = append(items, e.meetingJSON(u, m))
		}
	}
	e.page(w, r, items)
}

// page serves one page of items with OParl's pagination and links.
func (e *Emulator) page(w http.ResponseWriter, r *http.Request, items []any) {
	size := e.data.PageSize
	total := len(items)
	pages := max(1, (total+size-1)/size)
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	from, to := min((n-1)*size, total), min(n*size, total)
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		if e.data.NextWithoutFilter {
			q.Del("modified_since")
		}
		return origin(r) + r.URL.Path + "?" + q.Encode()
	}
	links := map[string]any{"first": link(1), "last": link(pages)}
	if n < pages {
		links["next"] = link(n + 1)
	}
	if n > 1 {
		links["prev"] = link(n - 1)
	}
	data := items[from:to]
	if data == nil {
		data = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data": data,
		"pagination": map[string]any{"totalElements": total, "elementsPerPage": size,
			"currentPage": n, "totalPages": pages},
		"links": links,
	})
}
