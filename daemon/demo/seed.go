package demo

import (
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// seed fills a fresh demo database with what a town hall's week looks
// like: the past weeks with a council session's agenda and votes, a
// fortnightly committee series in the council chamber and a few
// meetings in the small room, so that the front page, the availability and
// the events have something to show. It runs once, with the demo admin.
func (d Data) seed(now time.Time) error {
	// The past first: the utilisation report has something to show.
	if err := d.seedHistory(now); err != nil {
		return err
	}
	// The last council session in it ran with members, agenda and votes
	// (council.go).
	if err := d.seedCouncil(now); err != nil {
		return err
	}
	chamber, _ := d.Catalog.Get("ratssaal")
	small, _ := d.Catalog.Get("sitzungszimmer-2")
	zone := chamber.Zone
	local := now.In(zone)
	day := func(offset, hh, mm int) time.Time {
		return time.Date(local.Year(), local.Month(), local.Day()+offset, hh, mm, 0, 0, zone)
	}
	tuesday := day(1, 16, 0)
	for tuesday.Weekday() != time.Tuesday {
		tuesday = tuesday.AddDate(0, 0, 1)
	}
	sr := rooms.Series{Rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", Template: rooms.Booking{
		Room: chamber.ID, Title: "Hauptausschuss", Kind: rooms.KindCommittee, Organizer: admin, Committee: "Hauptausschuss",
		Start: tuesday.UTC(), End: tuesday.Add(3 * time.Hour).UTC(), Setup: chamber.Setup, Teardown: chamber.Teardown,
		Status: rooms.StatusConfirmed, Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: 12},
	}}
	sr.MaterialisedUntil = now.AddDate(0, d.Config.Series.HorizonMonths, 0).UTC()
	occ, _, err := rooms.PlanOccurrences(&sr, chamber, d.Config.ClosureList(), sr.Template.Start, sr.MaterialisedUntil, now)
	if err != nil {
		return err
	}
	if _, _, _, err := d.Store.CreateSeries(sr, occ, true, admin); err != nil {
		return fmt.Errorf("demo series: %w", err)
	}
	for i, m := range []struct {
		title      string
		start, end time.Time
	}{
		{"Teambesprechung Bürgerbüro", day(1, 9, 0), day(1, 10, 0)},
		{"Abstimmung Haushalt 2027", day(1, 13, 30), day(1, 15, 0)},
		{"Jour fixe Bauamt", day(2, 10, 0), day(2, 11, 30)},
	} {
		b := rooms.Booking{Room: small.ID, Title: m.title, Kind: rooms.KindMeeting, Organizer: admin,
			Start: m.start.UTC(), End: m.end.UTC(), Setup: small.Setup, Teardown: small.Teardown,
			Status: rooms.StatusConfirmed, CheckinRequired: true}
		if rooms.Validate(&b, small, now, true) != nil {
			continue // a weekend: the small room is closed
		}
		if _, err := d.Store.Create(b, admin); err != nil {
			return fmt.Errorf("demo booking %d: %w", i, err)
		}
	}
	return nil
}
