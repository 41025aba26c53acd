package ical

import (
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Method is an invitation's iTIP method (RFC 5546).
type Method string

const (
	// MethodRequest invites, and updates an invitation (higher SEQUENCE).
	MethodRequest Method = "REQUEST"
	// MethodCancel withdraws a booking, an occurrence or a whole series.
	MethodCancel Method = "CANCEL"
)

// Address is an organizer or attendee.
type Address struct {
	Name  string
	Email string
}

// Invitation is an iTIP message about one booking, one occurrence of a
// series, or a whole series.
type Invitation struct {
	Method    Method
	Organizer Address
	Attendees []Address
	// Booking is a single booking, or, with Series set to its series, one
	// occurrence (written as the series' UID with RECURRENCE-ID).
	Booking *rooms.Booking
	// Series alone (Booking nil) is the whole series; Occurrences are its
	// stored occurrences, for exceptions and cancelled dates (as in Feed).
	Series      *rooms.Series
	Occurrences []rooms.Booking
	Zone        *time.Location
	Rooms       func(id string) (rooms.Room, bool)
	JoinURL     func(b *rooms.Booking) string
	DialIn      func(b *rooms.Booking) string
	ProdID      string
	Now         time.Time
}

// WriteInvitation writes inv as a VCALENDAR with METHOD. Invitees see the
// details of confidential bookings (they are invited to them); CLASS still
// says CONFIDENTIAL so that their calendar keeps them private.
func WriteInvitation(w io.Writer, inv Invitation) error {
	if inv.Method != MethodRequest && inv.Method != MethodCancel {
		return fmt.Errorf("ical: invitation method %q: want REQUEST or CANCEL", inv.Method)
	}
	organizer, err := calAddress("ORGANIZER", inv.Organizer, "")
	if err != nil {
		return err
	}
	extra := []string{organizer}
	for _, a := range inv.Attendees {
		params := ";CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
		if inv.Method == MethodCancel {
			params = ";CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT"
		}
		line, err := calAddress("ATTENDEE", a, params)
		if err != nil {
			return err
		}
		extra = append(extra, line)
	}
	if inv.Method == MethodRequest && len(inv.Attendees) == 0 {
		// RFC 5546 3.2.2: a REQUEST has at least one ATTENDEE. With no
		// contact to invite, the organizer attends (as chair), so that
		// groupware still files the event as a meeting.
		line, err := calAddress("ATTENDEE", inv.Organizer, ";CUTYPE=INDIVIDUAL;ROLE=CHAIR;PARTSTAT=ACCEPTED")
		if err != nil {
			return err
		}
		extra = append(extra, line)
	}
	r := &renderer{zone: inv.Zone, rooms: inv.Rooms, joinURL: inv.JoinURL, dialIn: inv.DialIn, now: inv.Now,
		visible: func(*rooms.Booking) bool { return true }}
	if r.now.IsZero() {
		r.now = time.Now()
	}
	evs, err := invitationEvents(r, &inv)
	if err != nil {
		return err
	}
	var out writer
	calendarHead(&out, inv.ProdID, string(inv.Method))
	writeZones(&out, evs)
	for _, ev := range evs {
		r.render(&out, ev, extra)
	}
	out.line("END:VCALENDAR")
	return out.flush(w)
}

func invitationEvents(r *renderer, inv *Invitation) ([]*vevent, error) {
	b, s := inv.Booking, inv.Series
	cancel := inv.Method == MethodCancel
	switch {
	case b == nil && s == nil:
		return nil, errors.New("ical: an invitation needs a booking or a series")
	case b == nil: // the whole series
		occ := make([]*rooms.Booking, 0, len(inv.Occurrences))
		for i := range inv.Occurrences {
			if inv.Occurrences[i].SeriesID == s.ID {
				occ = append(occ, &inv.Occurrences[i])
			}
		}
		evs, alone := r.seriesEvents(s, occ)
		if len(evs) == 0 {
			return nil, fmt.Errorf("ical: series %s: its rule %q cannot be written", s.ID, s.Rule)
		}
		if cancel {
			// Cancelling the series' UID cancels every occurrence with it.
			evs = evs[:1]
			evs[0].cancelled = true
			return evs, nil
		}
		for _, o := range alone {
			evs = append(evs, r.single(o))
		}
		sortEvents(evs)
		return evs, nil
	}
	if gone(b.Status) && !cancel {
		return nil, fmt.Errorf("ical: booking %s is %s: send METHOD:CANCEL", b.ID, b.Status)
	}
	ev := r.single(b)
	if s != nil && b.SeriesID == s.ID {
		// One occurrence: the series' UID and the slot it stands for.
		occ := []*rooms.Booking{b}
		for i := range inv.Occurrences {
			if o := &inv.Occurrences[i]; o.SeriesID == s.ID && o.ID != b.ID {
				occ = append(occ, o)
			}
		}
		if _, ok := exportRule(s.Rule, r.zoneFor(s.Template.Room)); ok && !s.Template.Start.IsZero() {
			pairs, _, _, ok := assignSlots(s, r.zoneFor(s.Template.Room), occ)
			for _, p := range pairs {
				if ok && p.b == b {
					ev.uid, ev.recurrenceID, ev.zone = uid(s.ID), p.slot, r.zoneFor(s.Template.Room)
				}
			}
		}
	}
	ev.cancelled = cancel
	return []*vevent{ev}, nil
}

// calAddress renders ORGANIZER or ATTENDEE with a mailto: URI. The address
// is checked, since it goes out unescaped as a URI.
func calAddress(prop string, a Address, params string) (string, error) {
	addr, err := mail.ParseAddress(a.Email)
	if err != nil || addr.Address != strings.TrimSpace(a.Email) || !safeURI("mailto:"+addr.Address) {
		return "", fmt.Errorf("ical: %s %q is not an e-mail address", strings.ToLower(prop), a.Email)
	}
	if a.Name != "" {
		params = ";CN=" + paramValue(a.Name) + params
	}
	return prop + params + ":mailto:" + addr.Address, nil
}
