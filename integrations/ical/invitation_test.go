package ical

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestInvitation(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		inv    Invitation
		uid    string
		rid    string
		want   []string
		absent []string
	}{
		{"request single", f.invitation(t, MethodRequest, &f.single, nil), "b-single@kogge", "",
			[]string{"SEQUENCE:3", "STATUS:CONFIRMED", `ORGANIZER;CN="Müller, Anna":mailto:anna.mueller@stadt.example.de`,
				"ATTENDEE;CN=Bauausschuss;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bau@stadt.example.de"}, nil},
		{"cancel single", f.invitation(t, MethodCancel, &f.cancelled, nil), "b-gone@kogge", "",
			[]string{"SEQUENCE:1", "STATUS:CANCELLED", "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT:mailto:gast@example.org"}, nil},
		{"confidential shown to invitees", f.invitation(t, MethodRequest, &f.confidential, nil), "b-secret@kogge", "",
			[]string{"SUMMARY:Bewerbungsgespräch Frau X", "CLASS:CONFIDENTIAL", "STATUS:TENTATIVE"}, nil},
		{"moved occurrence", f.invitation(t, MethodRequest, &f.occ[1], &f.series), "s-bau@kogge",
			"RECURRENCE-ID;TZID=Europe/Berlin:20260331T170000", []string{"DTSTART;TZID=Europe/Berlin:20260401T180000", "SEQUENCE:1"}, []string{"RRULE"}},
		{"cancel occurrence", f.invitation(t, MethodCancel, &f.occ[2], &f.series), "s-bau@kogge",
			"RECURRENCE-ID;TZID=Europe/Berlin:20260407T170000", []string{"STATUS:CANCELLED"}, nil},
		{"cancel series", f.invitation(t, MethodCancel, nil, &f.series), "s-bau@kogge", "",
			[]string{"STATUS:CANCELLED", "SEQUENCE:2", "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := writeInvitation(t, tt.inv)
			lines := unfoldText(out)
			if !slices.Contains(lines, "METHOD:"+string(tt.inv.Method)) {
				t.Errorf("no METHOD:%s", tt.inv.Method)
			}
			evs := vevents(lines)
			if tt.inv.Booking != nil && len(evs) != 1 || tt.inv.Method == MethodCancel && len(evs) != 1 {
				t.Errorf("%d VEVENTs, want 1", len(evs))
			}
			ev := findEvent(t, evs, tt.uid, tt.rid)
			for _, w := range tt.want {
				if !slices.Contains(ev, w) {
					t.Errorf("missing %q in\n%s", w, strings.Join(ev, "\n"))
				}
			}
			for _, a := range tt.absent {
				if len(prop(ev, a)) > 0 {
					t.Errorf("has %s", a)
				}
			}
		})
	}
	t.Run("request series", func(t *testing.T) {
		evs := vevents(unfoldText(writeInvitation(t, f.invitation(t, MethodRequest, nil, &f.series))))
		if len(evs) != 4 { // the series and three overrides
			t.Errorf("%d VEVENTs, want 4", len(evs))
		}
	})
}

func TestInvitationRefuses(t *testing.T) {
	f := newFixture(t)
	bad := []Invitation{
		f.invitation(t, "PUBLISH", &f.single, nil),
		f.invitation(t, MethodRequest, nil, nil),
		f.invitation(t, MethodRequest, &f.cancelled, nil), // cancelled: CANCEL, not REQUEST
	}
	inv := f.invitation(t, MethodRequest, &f.single, nil)
	inv.Organizer.Email = "evil@x.de\r\nATTENDEE:mailto:a@b.de"
	bad = append(bad, inv)
	inv = f.invitation(t, MethodRequest, &f.single, nil)
	inv.Attendees = []Address{{Email: "not an address"}}
	bad = append(bad, inv)
	for i, inv := range bad {
		var buf bytes.Buffer
		if err := WriteInvitation(&buf, inv); err == nil {
			t.Errorf("%d: no error", i)
		}
		if buf.Len() != 0 {
			t.Errorf("%d: wrote %d bytes despite the error", i, buf.Len())
		}
	}
}
