package web

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/store"
)

// historyEntry is one audit entry as GET /bookings/{id}/history returns
// it: the stored entry as it always was (actor, action, changes and detail
// as short text, for older clients and scripts), plus the same facts as
// data the page turns into sentences in its own language: who acted (By),
// each changed field with typed values (Fields), and what the detail
// text says (About). The audit log itself stays as written: it is
// append-only, so the structure is read out of it here, in one place.
type historyEntry struct {
	store.AuditEntry
	By     historyActor   `json:"by"`
	Fields []fieldChange  `json:"fields,omitempty"`
	About  map[string]any `json:"about,omitempty"`
}

// historyActor says what kind of actor wrote an entry and its name where
// it has one a person would recognise (a user, a panel, a participant).
type historyActor struct {
	// Kind is person, token (a person's API token), panel, job, import,
	// timeline, broker, control, guest, host (a meeting's host),
	// participant (a meeting's guest), system or unknown.
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

// fieldChange is one field's value before and after, typed by the field:
// instants as RFC 3339 (null when unset), durations in minutes, counts as
// numbers, switches as booleans, text as text. Hidden marks content the
// audit never keeps (notes, contact, confidential titles): only that it
// changed.
type fieldChange struct {
	Field  string `json:"field"`
	Type   string `json:"type"` // time, minutes, number, bool, text
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
	Hidden bool   `json:"hidden,omitempty"`
}

// historyFields is every field the store's diff records, in the order a
// reader expects them, with its type.
var historyFields = []struct{ name, typ string }{
	{"title", "text"}, {"room", "text"}, {"start", "time"}, {"end", "time"}, {"kind", "text"},
	{"organizer", "text"}, {"committee", "text"}, {"setup", "minutes"}, {"teardown", "minutes"},
	{"status", "text"}, {"hybrid.enabled", "bool"}, {"hybrid.expected_remote", "number"},
	{"confidential", "bool"}, {"notes", "text"}, {"contact", "text"}, {"series_id", "text"},
	{"exception", "bool"}, {"checkin_required", "bool"}, {"checked_in", "time"}, {"external", "text"},
}

// notRecorded is the store's stand-in for content it does not keep.
const notRecorded = "(not recorded)"

func historyOf(entries []store.AuditEntry) []historyEntry {
	out := make([]historyEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, historyEntry{AuditEntry: e, By: actorOf(e.Actor), Fields: fieldsOf(e.Changes), About: aboutOf(e)})
	}
	return out
}

// participantLabel is how the meeting hub names a participant:
// "Name (host)" or "Name (guest)", in an audit detail followed by the
// participant's connection id.
var participantLabel = regexp.MustCompile(`^(.*) \((host|guest)\)(?: \S+)?$`)

// actorOf reads who acted from the actor text the writers record
// (caller.go's caller.name, the timeline, the broker, jobs, the import, the
// control socket, the meeting hub, the join page).
func actorOf(a string) historyActor {
	switch {
	case a == TimelineActor:
		return historyActor{Kind: "timeline"}
	case a == broker.Actor:
		return historyActor{Kind: "broker"}
	case a == oparl.DefaultActor:
		return historyActor{Kind: "import"}
	case a == localAdmin:
		return historyActor{Kind: "control"}
	case a == "guest":
		return historyActor{Kind: "guest"}
	case a == "system":
		return historyActor{Kind: "system"}
	case a == "" || a == "anonymous":
		return historyActor{Kind: "unknown"}
	case strings.HasPrefix(a, "job "):
		return historyActor{Kind: "job", Name: strings.TrimPrefix(a, "job ")}
	case strings.HasPrefix(a, "panel:"):
		name := strings.TrimPrefix(a, "panel:")
		if i := strings.LastIndex(name, " ("); i >= 0 && strings.HasSuffix(name, ")") {
			name = name[:i] // the panel's id, for admins, not for the page
		}
		return historyActor{Kind: "panel", Name: name}
	case strings.HasSuffix(a, " (token)"):
		return historyActor{Kind: "token", Name: strings.TrimSuffix(a, " (token)")}
	}
	if m := participantLabel.FindStringSubmatch(a); m != nil {
		kind := "participant"
		if m[2] == "host" {
			kind = "host"
		}
		return historyActor{Kind: kind, Name: m[1]}
	}
	return historyActor{Kind: "person", Name: a}
}

func fieldsOf(changes map[string]store.Change) []fieldChange {
	var out []fieldChange
	seen := 0
	for _, f := range historyFields {
		c, ok := changes[f.name]
		if !ok {
			continue
		}
		seen++
		if c.Before == notRecorded || c.After == notRecorded {
			out = append(out, fieldChange{Field: f.name, Type: f.typ, Hidden: true})
			continue
		}
		out = append(out, fieldChange{Field: f.name, Type: f.typ, Before: typed(f.typ, c.Before), After: typed(f.typ, c.After)})
	}
	if seen < len(changes) {
		// A field this list does not know yet (a newer store): said as
		// text rather than dropped.
		for k, c := range changes {
			if !knownField(k) {
				out = append(out, fieldChange{Field: k, Type: "text", Before: nilIfEmpty(c.Before), After: nilIfEmpty(c.After)})
			}
		}
	}
	return out
}

func knownField(name string) bool {
	for _, f := range historyFields {
		if f.name == name {
			return true
		}
	}
	return false
}

// typed turns the store's short text back into a value of the field's
// type; empty text is no value (null).
func typed(typ, s string) any {
	if s == "" {
		if typ == "bool" {
			return false
		}
		if typ == "minutes" || typ == "number" {
			return 0
		}
		return nil
	}
	switch typ {
	case "bool":
		return s == "true"
	case "number":
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	case "minutes":
		if d, err := time.ParseDuration(s); err == nil {
			return int(d / time.Minute)
		}
	}
	return s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// aboutOf reads what an entry's detail text says, for the actions whose
// detail the page words (the others keep only the raw detail).
func aboutOf(e store.AuditEntry) map[string]any {
	switch {
	case e.Action == store.ActionJoinUpdate:
		return map[string]any{"changes": joinFacts(e.Detail)}
	case e.Action == store.ActionProviderMove:
		return providerMove(e.Detail)
	case e.Action == "release.reason":
		if at, ok := strings.CutPrefix(e.Detail, "no check-in by "); ok {
			if t, err := time.Parse(time.RFC3339, at); err == nil {
				return map[string]any{"deadline": t.UTC()}
			}
		}
	case strings.HasPrefix(e.Action, "meeting."):
		return meetingFacts(strings.TrimPrefix(e.Action, "meeting."), e.Detail)
	}
	return nil
}

var (
	candidateFact = regexp.MustCompile(`^candidate (\d+) (added|removed|link rotated|label changed)$`)
	candidateSlot = regexp.MustCompile(`^candidate (\d+) slot (\S+)–(\S+)$`)
)

// joinFacts splits the join settings' change text (the store's
// joinChanges) into facts: {what, n, from, to}.
func joinFacts(detail string) []map[string]any {
	out := []map[string]any{}
	for _, part := range strings.Split(detail, "; ") {
		fact := map[string]any{}
		switch {
		case part == "":
			continue
		case part == "host link rotated", part == "guest link rotated", part == "pin set", part == "pin removed",
			part == "pin changed", part == "candidates reordered":
			fact["what"] = strings.ReplaceAll(part, " ", "_")
		case strings.HasPrefix(part, "lobby "):
			fact["what"] = "lobby_" + strings.TrimPrefix(part, "lobby ")
		default:
			if m := candidateFact.FindStringSubmatch(part); m != nil {
				n, _ := strconv.Atoi(m[1])
				fact["what"], fact["n"] = "candidate_"+strings.ReplaceAll(m[2], " ", "_"), n
			} else if m := candidateSlot.FindStringSubmatch(part); m != nil {
				n, _ := strconv.Atoi(m[1])
				fact["what"], fact["n"], fact["from"], fact["to"] = "candidate_slot", n, m[2], m[3]
			} else {
				fact["what"] = "other"
			}
		}
		out = append(out, fact)
	}
	return out
}

// providerMove reads "from X to Y[: reason]" (the store's UpdateAllocation).
func providerMove(detail string) map[string]any {
	rest, ok := strings.CutPrefix(detail, "from ")
	if !ok {
		return nil
	}
	from, rest, ok := strings.Cut(rest, " to ")
	if !ok {
		return nil
	}
	to, reason, _ := strings.Cut(rest, ": ")
	m := map[string]any{"from": from, "to": to}
	if reason != "" {
		m["reason"] = reason
	}
	return m
}

// meetingFacts reads the meeting hub's details (signaling's audit calls):
// the participant acted upon, lock state, why a meeting ended, whether a
// join came through the lobby.
func meetingFacts(action, detail string) map[string]any {
	switch action {
	case "admit", "deny", "host_mute", "remove", "lobby_expired", "revoke":
		if m := participantLabel.FindStringSubmatch(detail); m != nil {
			return map[string]any{"name": m[1], "role": m[2]}
		}
	case "lock":
		return map[string]any{"locked": detail == "locked"}
	case "end":
		switch detail {
		case "":
			return map[string]any{"reason": "host"}
		case "closing time":
			return map[string]any{"reason": "closing_time"}
		}
		return map[string]any{"reason": detail}
	case "join":
		if detail == "admitted" {
			return map[string]any{"admitted": true}
		}
	}
	return nil
}

// TimelineActor is who the audit log names for the timeline's own changes
// (rooms/bookings); the history says it in words.
var TimelineActor = bookings.TimelineActor.Name
