package ical

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// hiddenSummary is what a reader who may not see a confidential booking
// reads instead of its title.
const hiddenSummary = "Belegt"

// vevent is one VEVENT before rendering: a single booking, a series
// (rule set) or one overridden occurrence of a series (recurrenceID set).
type vevent struct {
	uid          string
	seq          uint64
	b            *rooms.Booking // what the details come from
	zone         *time.Location
	start, end   time.Time
	recurrenceID time.Time
	rule         string
	exdates      []time.Time
	status       string
	hidden       bool
	cancelled    bool // an invitation's METHOD:CANCEL
}

// renderer holds what every event needs besides its booking.
type renderer struct {
	zone    *time.Location
	rooms   func(id string) (rooms.Room, bool)
	visible func(b *rooms.Booking) bool
	joinURL func(b *rooms.Booking) string
	dialIn  func(b *rooms.Booking) string
	now     time.Time
}

func (r *renderer) zoneFor(roomID string) *time.Location {
	if r.rooms != nil {
		if room, ok := r.rooms(roomID); ok && room.Zone != nil {
			return room.Zone
		}
	}
	if r.zone != nil {
		return r.zone
	}
	return time.UTC
}

// isVisible: without a Visible function confidential bookings are hidden,
// so that forgetting to wire it fails closed.
func (r *renderer) isVisible(b *rooms.Booking) bool {
	if r.visible == nil {
		return !b.Confidential
	}
	return r.visible(b)
}

// sequence is the booking's or series' version less one: a booking starts
// at version 1 and SEQUENCE at 0, and every stored change raises both.
func sequence(version uint64) uint64 {
	if version == 0 {
		return 0
	}
	return version - 1
}

// icalStatus maps Kogge's statuses (see the package comment).
func icalStatus(s rooms.Status) string {
	switch s {
	case rooms.StatusTentative:
		return "TENTATIVE"
	case rooms.StatusCancelled, rooms.StatusReleased:
		return "CANCELLED"
	}
	return "CONFIRMED"
}

func gone(s rooms.Status) bool { return s == rooms.StatusCancelled || s == rooms.StatusReleased }

// single builds the VEVENT of a booking that stands alone.
func (r *renderer) single(b *rooms.Booking) *vevent {
	return &vevent{uid: uid(b.ID), seq: sequence(b.Version), b: b, zone: r.zoneFor(b.Room),
		start: b.Start, end: b.End, status: icalStatus(b.Status), hidden: !r.isVisible(b)}
}

func uid(id string) string { return id + "@kogge" }

// render writes ev; extra adds the invitation's ORGANIZER and ATTENDEEs.
func (r *renderer) render(w *writer, ev *vevent, extra []string) {
	b := ev.b
	w.line("BEGIN:VEVENT")
	w.line("UID:" + escapeText(ev.uid))
	w.line("DTSTAMP:" + r.now.UTC().Format(utcFormat))
	if !b.Created.IsZero() {
		w.line("CREATED:" + b.Created.UTC().Format(utcFormat))
	}
	if !b.Updated.IsZero() {
		w.line("LAST-MODIFIED:" + b.Updated.UTC().Format(utcFormat))
	}
	w.line("SEQUENCE:" + strconv.FormatUint(ev.seq, 10))
	w.line(dateTime("DTSTART", ev.start, ev.zone))
	w.line(dateTime("DTEND", ev.end, ev.zone))
	if !ev.recurrenceID.IsZero() {
		w.line(dateTime("RECURRENCE-ID", ev.recurrenceID, ev.zone))
	}
	if ev.rule != "" {
		w.line("RRULE:" + ev.rule)
	}
	if len(ev.exdates) > 0 {
		w.line(dateTimes("EXDATE", ev.exdates, ev.zone))
	}
	status := ev.status
	if ev.cancelled {
		status = "CANCELLED"
	}
	if ev.hidden {
		// A busy block: when the room is taken, and nothing else.
		w.line("SUMMARY:" + hiddenSummary)
	} else {
		r.details(w, b)
	}
	w.line("STATUS:" + status)
	if b.Confidential {
		w.line("CLASS:CONFIDENTIAL")
	}
	if status == "CANCELLED" {
		w.line("TRANSP:TRANSPARENT")
	} else {
		w.line("TRANSP:OPAQUE")
	}
	for _, l := range extra {
		w.line(l)
	}
	w.line("END:VEVENT")
}

// details writes what a reader who may see the booking gets: title, room,
// notes, and how to join remotely — in DESCRIPTION for every client and as
// RFC 7986 CONFERENCE for those that offer a join button.
func (r *renderer) details(w *writer, b *rooms.Booking) {
	title := b.Title
	if strings.TrimSpace(title) == "" {
		title = "Buchung"
	}
	w.line("SUMMARY:" + escapeText(title))
	if loc := r.location(b.Room); loc != "" {
		w.line("LOCATION:" + escapeText(loc))
	}
	var desc []string
	if b.Notes != "" {
		desc = append(desc, b.Notes)
	}
	if b.Committee != "" {
		desc = append(desc, "Gremium: "+b.Committee)
	}
	if b.Status == rooms.StatusReleased {
		desc = append(desc, "Freigegeben: niemand hat eingecheckt, der Raum ist wieder frei.")
	}
	var join, dial string
	if r.joinURL != nil {
		join = strings.TrimSpace(r.joinURL(b))
	}
	if r.dialIn != nil {
		dial = strings.TrimSpace(r.dialIn(b))
	}
	if join != "" {
		desc = append(desc, "Online teilnehmen: "+join)
	}
	if dial != "" {
		desc = append(desc, "Telefonische Einwahl: "+dial)
	}
	if len(desc) > 0 {
		w.line("DESCRIPTION:" + escapeText(strings.Join(desc, "\n")))
	}
	if join != "" && safeURI(join) && (strings.HasPrefix(join, "https://") || strings.HasPrefix(join, "http://")) {
		w.line("CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=" + paramValue("Online teilnehmen") + ":" + join)
	}
	if uri := dialURI(dial); uri != "" {
		w.line("CONFERENCE;VALUE=URI;FEATURE=PHONE;LABEL=" + paramValue("Telefonische Einwahl: "+dial) + ":" + uri)
	}
}

// dialURI turns a dial-in into a URI for CONFERENCE: kept if it is one
// (tel:, sip:), built as tel: (RFC 3966) from a plain phone number, and
// empty otherwise — then it is in DESCRIPTION only.
func dialURI(dial string) string {
	if dial == "" {
		return ""
	}
	if safeURI(dial) && (strings.HasPrefix(dial, "tel:") || strings.HasPrefix(dial, "sip:") || strings.HasPrefix(dial, "sips:")) {
		return dial
	}
	var b strings.Builder
	digits := 0
	for i, r := range dial {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '/' || r == '(' || r == ')' || r == '.':
			if s := b.String(); s != "" && s[len(s)-1] != '-' && s != "+" {
				b.WriteByte('-')
			}
		default:
			return ""
		}
	}
	if digits < 3 {
		return ""
	}
	return "tel:" + strings.TrimRight(b.String(), "-")
}

func (r *renderer) location(roomID string) string {
	if r.rooms == nil {
		return roomID
	}
	room, ok := r.rooms(roomID)
	if !ok {
		return roomID
	}
	name := room.Name
	if name == "" {
		name = room.ID
	}
	if room.Building != "" {
		return name + ", " + room.Building
	}
	return name
}

// sortEvents orders events by start, keeping each series' overrides right
// after it, so that the same input always gives the same file.
func sortEvents(evs []*vevent) {
	first := make(map[string]time.Time, len(evs))
	master := make(map[string]bool)
	for _, ev := range evs { // a series sorts by its own start
		if ev.recurrenceID.IsZero() {
			first[ev.uid], master[ev.uid] = ev.start, true
		}
	}
	for _, ev := range evs {
		if t, ok := first[ev.uid]; !master[ev.uid] && (!ok || ev.start.Before(t)) {
			first[ev.uid] = ev.start
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if a.uid != b.uid {
			if fa, fb := first[a.uid], first[b.uid]; !fa.Equal(fb) {
				return fa.Before(fb)
			}
			return a.uid < b.uid
		}
		return a.recurrenceID.Before(b.recurrenceID)
	})
}
