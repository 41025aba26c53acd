package demo

import (
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// historyWeeks is how far back the demo's history reaches: the report's
// default period (90 days) shows something on the first start.
const historyWeeks = 13

// seedHistory books the last historyWeeks weeks as a town hall would have
// used them, so that the utilisation report (assets/report.html) has
// figures: the weekly committee in the council chamber on our own video
// server, with the joins and leaves of its remote participants in the
// meeting audit; a monthly council session streamed to more people than
// our server and Pexip take (GoToMeeting, and twice two at once, which
// fills the demo's two licences); daily meetings in the small room that
// need a check-in, some nobody came to and some ended early; and
// interviews, which are confidential.
func (d Data) seedHistory(now time.Time) error {
	chamber, _ := d.Catalog.Get("ratssaal")
	small, _ := d.Catalog.Get("sitzungszimmer-2")
	interview, _ := d.Catalog.Get("interviewraum")
	zone := chamber.Zone
	local := now.In(zone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, zone)
	first := today.AddDate(0, 0, -7*historyWeeks)
	n := 0
	book := func(room rooms.Room, title string, kind rooms.Kind, start time.Time, d2 time.Duration, mod func(*rooms.Booking)) (rooms.Booking, error) {
		b := rooms.Booking{Room: room.ID, Title: title, Kind: kind, Organizer: admin, Start: start.UTC(), End: start.Add(d2).UTC(),
			Setup: room.Setup, Teardown: room.Teardown, Status: rooms.StatusEnded}
		if mod != nil {
			mod(&b)
		}
		n++
		// Booked, then over as the timeline ends it (finish, or the
		// no-show release): the broker holds a licence for a hybrid
		// meeting while it is booked and releases it then, as it does
		// for every meeting.
		final := b.Status
		b.Status = rooms.StatusConfirmed
		got, err := d.Store.Create(b, admin)
		if err != nil {
			return got, fmt.Errorf("demo history booking %d (%s %s): %w", n, room.ID, start.Format(time.DateTime), err)
		}
		action := "finish"
		if final == rooms.StatusReleased {
			action = "release"
		}
		return d.Store.Transition(got.ID, action, "timeline", func(b *rooms.Booking) (bool, error) {
			b.Status = final
			return true, nil
		})
	}
	for day := first; day.Before(today); day = day.AddDate(0, 0, 1) {
		wd := day.Weekday()
		if wd == time.Saturday || wd == time.Sunday {
			continue
		}
		at := func(h, m int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, zone) }
		i := int(day.Sub(first).Hours() / 24)
		if wd == time.Tuesday {
			b, err := book(chamber, "Hauptausschuss", rooms.KindCommittee, at(16, 0), 3*time.Hour, func(b *rooms.Booking) {
				b.Committee, b.Hybrid = "Hauptausschuss", rooms.Hybrid{Enabled: true, ExpectedRemote: 12}
			})
			if err != nil {
				return err
			}
			if err := d.joins(b, 5+(i/7*4)%9); err != nil {
				return err
			}
		}
		if wd == time.Thursday && day.Day() <= 7 {
			// The monthly council session, streamed; in two months an
			// information evening runs beside it, on the other licence.
			if _, err := book(chamber, "Sitzung des Stadtrats", rooms.KindCouncil, at(17, 0), 4*time.Hour, func(b *rooms.Booking) {
				b.Hybrid = rooms.Hybrid{Enabled: true, ExpectedRemote: 150}
			}); err != nil {
				return err
			}
			if i%2 == 0 {
				if _, err := book(small, "Bürgerinformation Radverkehr", rooms.KindMeeting, at(18, 0), 2*time.Hour, func(b *rooms.Booking) {
					b.Hybrid = rooms.Hybrid{Enabled: true, ExpectedRemote: 120}
				}); err != nil {
					return err
				}
			}
		}
		for j, m := range []struct {
			title  string
			h, min int
			len    time.Duration
		}{
			{"Teambesprechung Bürgerbüro", 9, 0, time.Hour},
			{"Abstimmung Haushalt", 13, 30, 90 * time.Minute},
			{"Jour fixe Bauamt", 15, 30, time.Hour},
		} {
			k := i*3 + j
			if k%4 == 3 {
				continue // not every slot is booked
			}
			start := at(m.h, m.min)
			mod := func(b *rooms.Booking) {
				b.CheckinRequired = true
				switch {
				case k%7 == 0: // nobody came
					b.Status = rooms.StatusReleased
				default:
					b.CheckedIn = start.Add(5 * time.Minute).UTC()
				}
				if k%10 == 1 {
					b.Hybrid = rooms.Hybrid{Enabled: true, ExpectedRemote: 40} // more than our server takes: Pexip
				}
			}
			b, err := book(small, m.title, rooms.KindMeeting, start, m.len, mod)
			if err != nil {
				return err
			}
			if k%5 == 2 && b.Status == rooms.StatusEnded {
				// Ended early, as the room panel's "end" does.
				if _, err := d.Store.Transition(b.ID, "end", admin, func(b *rooms.Booking) (bool, error) {
					b.End = b.End.Add(-30 * time.Minute)
					return true, nil
				}); err != nil {
					return err
				}
			}
		}
		if wd == time.Wednesday {
			for _, h := range []int{9, 11, 14} {
				if _, err := book(interview, "Vorstellungsgespräch", rooms.KindInterview, at(h, 0), time.Hour, func(b *rooms.Booking) {
					b.Confidential, b.CheckinRequired, b.CheckedIn = true, true, at(h, 0).UTC()
				}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// joins writes the meeting audit of a built-in meeting: remote
// participants joining over its first quarter hour, some leaving early,
// peak of them at once, then the end.
func (d Data) joins(b rooms.Booking, peak int) error {
	a, ok, err := d.Store.Allocation(b.ID)
	if err != nil || !ok || a.Provider != "builtin" {
		return err
	}
	entry := func(at time.Time, action, actor string) error {
		return d.Store.AppendAudit(store.AuditEntry{Time: at, Actor: actor, Action: "meeting." + action, BookingID: b.ID})
	}
	for p := range peak {
		if err := entry(b.Start.Add(time.Duration(p)*time.Minute), "join", fmt.Sprintf("Gast %d (guest)", p+1)); err != nil {
			return err
		}
	}
	for p := range peak / 3 {
		if err := entry(b.Start.Add(time.Hour+time.Duration(p)*time.Minute), "leave", fmt.Sprintf("Gast %d (guest)", p+1)); err != nil {
			return err
		}
	}
	return entry(b.End, "end", "system")
}
