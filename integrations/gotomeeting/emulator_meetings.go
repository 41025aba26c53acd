package gotomeeting

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

var requiredFields = []string{"subject", "starttime", "endtime", "passwordrequired",
	"conferencecallinfo", "timezonekey", "meetingtype"}

// parseMeetingBody validates a MeetingReqCreate/Update the way GoTo does:
// all 7 lowercase keys required, dates ISO 8601, end after start.
func parseMeetingBody(w http.ResponseWriter, r *http.Request) (*emMeeting, bool) {
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&raw); err != nil {
		var le legacyError
		le.Error.Resource = "/rest/meetings"
		le.Error.Message = "invalid json"
		writeJSON(w, http.StatusBadRequest, le)
		return nil, false
	}
	bad := func(msg string) (*emMeeting, bool) {
		writeProductError(w, http.StatusBadRequest, "InvalidRequest", msg)
		return nil, false
	}
	for _, k := range requiredFields {
		if _, ok := raw[k]; !ok {
			return bad("missing required field " + k)
		}
	}
	var m emMeeting
	var start, end, tz string
	if json.Unmarshal(raw["subject"], &m.subject) != nil || len([]rune(m.subject)) > MaxSubject {
		return bad("subject must be a string of at most 100 characters")
	}
	if json.Unmarshal(raw["starttime"], &start) != nil || json.Unmarshal(raw["endtime"], &end) != nil {
		return bad("starttime/endtime must be strings")
	}
	var err1, err2 error
	m.start, err1 = time.Parse(time.RFC3339, start)
	m.end, err2 = time.Parse(time.RFC3339, end)
	if err1 != nil || err2 != nil {
		return bad("bad date")
	}
	if !m.end.After(m.start) {
		return bad("endtime must be after starttime")
	}
	// Old samples send the boolean as a string; GoTo accepts both.
	if json.Unmarshal(raw["passwordrequired"], &m.passwordRequired) != nil {
		var s string
		if json.Unmarshal(raw["passwordrequired"], &s) != nil || (s != "true" && s != "false") {
			return bad("passwordrequired must be boolean")
		}
		m.passwordRequired = s == "true"
	}
	if json.Unmarshal(raw["conferencecallinfo"], &m.callInfo) != nil || m.callInfo == "" || len(m.callInfo) > 255 {
		return bad("conferencecallinfo must be PSTN, Free, Hybrid, Private, VoIP or text of at most 255 characters")
	}
	if json.Unmarshal(raw["timezonekey"], &tz) != nil {
		return bad("timezonekey must be a string")
	}
	if json.Unmarshal(raw["meetingtype"], &m.meetingType) != nil ||
		!slices.Contains([]string{TypeImmediate, TypeScheduled, TypeRecurring}, m.meetingType) {
		return bad("meetingtype must be immediate, scheduled or recurring")
	}
	return &m, true
}

func (e *Emulator) createMeeting(w http.ResponseWriter, r *http.Request, org string) {
	m, ok := parseMeetingBody(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	// 9-digit ids, deterministic so tests can reason about them.
	e.lastMeeting++
	m.id = 100000000 + e.lastMeeting
	m.organizer = org
	e.meetings[m.id] = m
	if ref, ok := ReferenceOf(m.subject); ok {
		e.created[ref]++
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, []MeetingCreated{{
		JoinURL:            e.opt.JoinURLBase + strconv.FormatInt(m.id, 10),
		MeetingID:          MeetingID(m.id),
		UniqueMeetingID:    MeetingID(m.id),
		MaxParticipants:    e.opt.MaxParticipants,
		ConferenceCallInfo: m.callInfo,
	}})
}

// lookup finds the organizer's meeting; someone else's is a 404 too.
func (e *Emulator) lookupLocked(w http.ResponseWriter, r *http.Request, org string) *emMeeting {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	m := e.meetings[id]
	if err != nil || m == nil || m.organizer != org {
		writeProductError(w, http.StatusNotFound, "NotFound", "meeting not found")
		return nil
	}
	return m
}

func (e *Emulator) runningLocked(m *emMeeting) bool {
	return !m.startedAt.IsZero() && !m.ended && time.Now().Before(m.startedAt.Add(e.opt.MaxRunTime))
}

func (e *Emulator) getMeeting(w http.ResponseWriter, r *http.Request, org string) {
	e.mu.Lock()
	m := e.lookupLocked(w, r, org)
	if m == nil {
		e.mu.Unlock()
		return
	}
	status := "INACTIVE"
	if e.runningLocked(m) {
		status = "ACTIVE"
	}
	out := []Meeting{{
		Subject: m.subject, StartTime: m.start, EndTime: m.end,
		Duration:         int(m.end.Sub(m.start) / time.Minute),
		PasswordRequired: m.passwordRequired, ConferenceCallInfo: m.callInfo,
		MaxParticipants: e.opt.MaxParticipants, MeetingID: MeetingID(m.id),
		MeetingKey: MeetingID(m.id), UniqueMeetingID: MeetingID(m.id),
		MeetingType: m.meetingType, Status: status, CreateTime: "",
	}}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) updateMeeting(w http.ResponseWriter, r *http.Request, org string) {
	e.mu.Lock()
	m := e.lookupLocked(w, r, org)
	e.mu.Unlock()
	if m == nil {
		return
	}
	n, ok := parseMeetingBody(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	m.subject, m.start, m.end = n.subject, n.start, n.end
	m.passwordRequired, m.callInfo, m.meetingType = n.passwordRequired, n.callInfo, n.meetingType
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) deleteMeeting(w http.ResponseWriter, r *http.Request, org string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.lookupLocked(w, r, org)
	if m == nil {
		return
	}
	delete(e.meetings, m.id)
	w.WriteHeader(http.StatusNoContent)
}

// startMeeting enforces GoTo's rule that an organizer hosts one session
// at a time: starting a second meeting while one runs is a 409.
func (e *Emulator) startMeeting(w http.ResponseWriter, r *http.Request, org string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.lookupLocked(w, r, org)
	if m == nil {
		return
	}
	for _, o := range e.meetings {
		if o != m && o.organizer == org && e.runningLocked(o) {
			writeProductError(w, http.StatusConflict, "OrganizerBusy",
				"organizer is already hosting meeting "+strconv.FormatInt(o.id, 10))
			return
		}
	}
	if !e.runningLocked(m) {
		m.startedAt, m.ended = time.Now(), false
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"hostURL": "https://global.gotomeeting.com/start/" + strconv.FormatInt(m.id, 10),
	})
}

// EndMeeting ends a running session (the host leaves), freeing the
// organizer for another one.
func (e *Emulator) EndMeeting(id MeetingID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if m := e.meetings[int64(id)]; m != nil {
		m.ended = true
	}
}

// upcomingJSON has meetingId as a string, as GoTo's list endpoints do.
type upcomingJSON struct {
	MeetingID          string    `json:"meetingId"`
	Subject            string    `json:"subject"`
	StartTime          time.Time `json:"startTime"`
	EndTime            time.Time `json:"endTime"`
	Status             string    `json:"status"`
	PasswordRequired   bool      `json:"passwordRequired"`
	ConferenceCallInfo string    `json:"conferenceCallInfo"`
	MeetingType        string    `json:"meetingType"`
	OrganizerKey       int64     `json:"organizerKey"`
	AccountKey         int64     `json:"accountKey"`
	Email              string    `json:"email"`
	FirstName          string    `json:"firstName"`
	LastName           string    `json:"lastName"`
	Locale             string    `json:"locale"`
}

func (e *Emulator) upcoming(w http.ResponseWriter, r *http.Request, org string) {
	e.mu.Lock()
	now := time.Now()
	out := []upcomingJSON{}
	for _, m := range e.meetings {
		if m.organizer != org || !m.end.After(now) {
			continue
		}
		status := "INACTIVE"
		if e.runningLocked(m) {
			status = "ACTIVE"
		}
		out = append(out, upcomingJSON{
			MeetingID: strconv.FormatInt(m.id, 10), Subject: m.subject,
			StartTime: m.start, EndTime: m.end, Status: status,
			PasswordRequired: m.passwordRequired, ConferenceCallInfo: m.callInfo,
			MeetingType: m.meetingType, OrganizerKey: e.organizerKeyLocked(org),
			AccountKey: 600000001, Email: org + "@example.org", FirstName: org,
			Locale: "de_DE",
		})
	}
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b upcomingJSON) int { return a.StartTime.Compare(b.StartTime) })
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) me(w http.ResponseWriter, r *http.Request, org string) {
	e.mu.Lock()
	key := e.organizerKeyLocked(org)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"id": strconv.FormatInt(key, 10), "userName": org + "@example.org",
	})
}

// Created is how many meetings were created per Kogge reference (the
// subject's "[kogge:…]"), deleted ones included: more than one is a
// duplicate create.
func (e *Emulator) Created() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.created)
}

// MeetingCount is the number of meetings the organizer has (any state).
func (e *Emulator) MeetingCount(organizer string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, m := range e.meetings {
		if m.organizer == organizer {
			n++
		}
	}
	return n
}
