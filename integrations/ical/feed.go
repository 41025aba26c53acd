package ical

import (
	"io"
	"strconv"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// DefaultProdID names Kogge as the producer (RFC 5545 3.7.3).
const DefaultProdID = "-//Kogge//Raumbuchung//DE"

// Feed is a calendar a reader subscribes to: a room's, an organizer's or a
// committee's bookings.
type Feed struct {
	// Name is the calendar's display name (X-WR-CALNAME, RFC 7986 NAME).
	Name string
	// Zone is the calendar's zone and the zone of bookings whose room
	// Rooms does not know. Each event is written in its room's zone, so
	// that a series repeats at the room's wall-clock time across DST.
	Zone *time.Location
	// Bookings are single bookings and occurrences of series. For a series
	// listed in Series, pass every stored occurrence in the span the feed
	// covers: a slot of the rule between the first and the last one passed
	// that no booking holds is excluded (EXDATE).
	Bookings []rooms.Booking
	Series   []rooms.Series
	// Rooms looks up a booking's room for LOCATION and its zone.
	Rooms func(id string) (rooms.Room, bool)
	// Visible reports whether the reader may see a booking's details;
	// false writes a busy block ("Belegt") without them. Nil hides
	// confidential bookings.
	Visible func(b *rooms.Booking) bool
	// JoinURL and DialIn give a booking's videoconference link and phone
	// dial-in, or "" (nil: none). A series' own VEVENT asks with its
	// template: ID empty, SeriesID set. An occurrence whose answer differs
	// from the template's is written as an override.
	JoinURL func(b *rooms.Booking) string
	DialIn  func(b *rooms.Booking) string
	// ProdID defaults to DefaultProdID.
	ProdID string
	// Now is DTSTAMP; zero means time.Now().
	Now time.Time
	// Refresh, if set, suggests how often clients re-read the feed
	// (REFRESH-INTERVAL, X-PUBLISHED-TTL).
	Refresh time.Duration
}

// WriteFeed writes f as an RFC 5545 VCALENDAR. Nothing is written if it
// fails.
func WriteFeed(w io.Writer, f Feed) error {
	r := &renderer{zone: f.Zone, rooms: f.Rooms, visible: f.Visible, joinURL: f.JoinURL, dialIn: f.DialIn, now: f.Now}
	if r.now.IsZero() {
		r.now = time.Now()
	}
	evs := feedEvents(r, f.Bookings, f.Series)
	var out writer
	calendarHead(&out, f.ProdID, "")
	if f.Name != "" {
		out.line("X-WR-CALNAME:" + escapeText(f.Name))
		out.line("NAME:" + escapeText(f.Name))
	}
	if f.Zone != nil {
		out.line("X-WR-TIMEZONE:" + escapeText(f.Zone.String()))
	}
	if f.Refresh > 0 {
		d := durationValue(f.Refresh)
		out.line("REFRESH-INTERVAL;VALUE=DURATION:" + d)
		out.line("X-PUBLISHED-TTL:" + d)
	}
	writeZones(&out, evs)
	if len(evs) == 0 && f.Zone != nil && !isUTC(f.Zone) {
		// RFC 5545 wants at least one component in a calendar: an empty
		// feed carries its zone, so clients read it instead of failing.
		now := f.Now
		if now.IsZero() {
			now = time.Now()
		}
		y := now.In(f.Zone).Year()
		writeVTimezone(&out, f.Zone, y-1, y+1)
	}
	for _, ev := range evs {
		r.render(&out, ev, nil)
	}
	out.line("END:VCALENDAR")
	return out.flush(w)
}

// feedEvents turns bookings and series into VEVENTs, in output order.
func feedEvents(r *renderer, bookings []rooms.Booking, series []rooms.Series) []*vevent {
	known := make(map[string]bool, len(series))
	for i := range series {
		known[series[i].ID] = true
	}
	occ := make(map[string][]*rooms.Booking)
	var evs []*vevent
	for i := range bookings {
		b := &bookings[i]
		if b.SeriesID != "" && known[b.SeriesID] {
			occ[b.SeriesID] = append(occ[b.SeriesID], b)
			continue
		}
		evs = append(evs, r.single(b))
	}
	for i := range series {
		s := &series[i]
		sev, alone := r.seriesEvents(s, occ[s.ID])
		evs = append(evs, sev...)
		for _, b := range alone {
			evs = append(evs, r.single(b))
		}
	}
	sortEvents(evs)
	return evs
}

func calendarHead(w *writer, prodID, method string) {
	if prodID == "" {
		prodID = DefaultProdID
	}
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:" + escapeText(prodID))
	w.line("CALSCALE:GREGORIAN")
	if method != "" {
		w.line("METHOD:" + method)
	}
}

// writeZones writes a VTIMEZONE for every zone an event uses, covering
// the years of all its times with a year's margin either side (a client
// reads an offset before the first observance from its TZOFFSETFROM).
// Zones are told apart by name, which is what TZID refers to.
func writeZones(w *writer, evs []*vevent) {
	type span struct {
		zone     *time.Location
		from, to int
	}
	spans := make(map[string]*span)
	var order []string
	add := func(zone *time.Location, t time.Time) {
		if isUTC(zone) || t.IsZero() {
			return
		}
		y := t.In(zone).Year()
		sp, ok := spans[zone.String()]
		if !ok {
			sp = &span{zone, y, y}
			spans[zone.String()] = sp
			order = append(order, zone.String())
		}
		sp.from, sp.to = min(sp.from, y), max(sp.to, y)
	}
	for _, ev := range evs {
		add(ev.zone, ev.start)
		add(ev.zone, ev.end)
		add(ev.zone, ev.recurrenceID)
		for _, t := range ev.exdates {
			add(ev.zone, t)
		}
	}
	for _, name := range order {
		sp := spans[name]
		writeVTimezone(w, sp.zone, sp.from-1, sp.to+1)
	}
}

// durationValue renders a positive duration as RFC 5545 DURATION.
func durationValue(d time.Duration) string {
	s := int64(d / time.Second)
	if s <= 0 {
		s = 1
	}
	out := "PT"
	if h := s / 3600; h > 0 {
		out += strconv.FormatInt(h, 10) + "H"
	}
	if m := s / 60 % 60; m > 0 {
		out += strconv.FormatInt(m, 10) + "M"
	}
	if sec := s % 60; sec > 0 || out == "PT" {
		out += strconv.FormatInt(sec, 10) + "S"
	}
	return out
}
