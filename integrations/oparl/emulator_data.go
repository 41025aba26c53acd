package oparl

import (
	"time"
)

// Keys of the demo data, for tests and for the daemon's demo mapping.
const (
	DemoAGS = "05999000" // not a real municipality

	DemoRat      = "rat"          // classification "Gremien": a council by its name
	DemoBau      = "bauausschuss" // classification "Gremien": a committee by its name
	DemoHFA      = "hfa"          // Ausschuss
	DemoFraktion = "fraktion-a"   // Fraktion: not followed by DemoMapping

	DemoCouncil   = "m-rat-1"         // referenced location, offsets, agenda
	DemoBuilding  = "m-bau-1"         // embedded location, times without offset
	DemoRetreat   = "m-hfa-klausur"   // date-only: a whole day
	DemoCancelled = "m-bau-2"         // cancelled: true
	DemoElsewhere = "m-hfa-extern"    // unmapped location
	DemoDeleted   = "m-bau-alt"       // tombstone
	DemoCaucus    = "m-fraktion-1"    // organization not followed
	DemoNoPlace   = "m-hfa-ohne-ort"  // no location at all
	DemoNoEnd     = "m-hfa-ohne-ende" // placeholder end: midnight before the start
)

// DemoData builds a small council information system around now: a
// council, two committees and a caucus meeting in the weeks after now, with
// every quirk the importer must survive (see the Demo* keys). All
// modification times lie before now.
func DemoData(now time.Time, zone *time.Location) EmulatorData {
	if zone == nil {
		zone = berlin()
	}
	local := now.In(zone)
	// Monday of the week after next, so that every meeting is ahead.
	monday := time.Date(local.Year(), local.Month(), local.Day()+14-(int(local.Weekday())+6)%7, 0, 0, 0, 0, zone)
	at := func(day, hour, minute int) time.Time {
		return time.Date(monday.Year(), monday.Month(), monday.Day()+day, hour, minute, 0, 0, zone)
	}
	withOffset := func(t time.Time) string { return t.Format(time.RFC3339) }
	noOffset := func(t time.Time) string { return t.Format("2006-01-02T15:04:05") }
	// Distinct modification times, a minute apart in list order, as a
	// real server's would be.
	stamp := now.Add(-24 * time.Hour).UTC().Truncate(time.Second)
	modified := func() time.Time { stamp = stamp.Add(time.Minute); return stamp }

	ratssaal := EmulatorLocation{Key: "ratssaal", Description: "Rathaus, Ratssaal", StreetAddress: "Markt 1", Room: "Ratssaal"}
	sz2 := EmulatorLocation{Key: "sz2", Description: "Rathaus, Sitzungszimmer 2", StreetAddress: "Markt 1"}
	stadthalle := EmulatorLocation{Key: "stadthalle", Description: "Stadthalle, Großer Saal", StreetAddress: "Am Park 3"}
	return EmulatorData{
		Body: EmulatorBody{Key: "kogge", Name: "Stadt Kogge", AGS: DemoAGS},
		Organizations: []EmulatorOrganization{
			// One vendor classifies the council and every committee alike.
			{Key: DemoRat, Name: "Rat der Stadt", Classification: "Gremien", Type: "Gremium"},
			{Key: DemoBau, Name: "Bauausschuss", Classification: "Gremien", Type: "Gremium"},
			{Key: DemoHFA, Name: "Haupt- und Finanzausschuss", Classification: "Ausschuss"},
			{Key: DemoFraktion, Name: "Fraktion A", Classification: "Fraktion"},
		},
		Locations: []EmulatorLocation{ratssaal, sz2, stadthalle},
		Meetings: []EmulatorMeeting{
			{Key: DemoCouncil, Name: "12. Sitzung des Rates", Start: withOffset(at(3, 17, 0)), End: withOffset(at(3, 20, 30)),
				LocationKey: ratssaal.Key, Organizations: []string{DemoRat}, Modified: modified(),
				Agenda: []EmulatorAgendaItem{
					{Number: "1", Name: "Eröffnung und Feststellung der Beschlussfähigkeit", Public: true},
					{Number: "2", Name: "Haushaltssatzung 2027", Public: true, Start: withOffset(at(3, 17, 15))},
					{Number: "3", Name: "Grundstücksangelegenheiten", Public: false},
				},
				Extra: map[string]any{"meetingState": "eingeladen", "vendor:color": "#aa0000"}},
			{Key: DemoBuilding, Name: "Bauausschuss", Start: noOffset(at(1, 16, 0)), End: noOffset(at(1, 18, 0)),
				Location: &sz2, Organizations: []string{DemoBau}, EmbedOrganizations: true, Modified: modified()},
			{Key: DemoRetreat, Name: "Klausurtagung Haushalt", Start: at(4, 0, 0).Format("2006-01-02"), End: at(4, 0, 0).Format("2006-01-02"),
				LocationKey: ratssaal.Key, Organizations: []string{DemoHFA}, Modified: modified()},
			{Key: DemoCancelled, Name: "Bauausschuss (entfällt)", Start: withOffset(at(8, 16, 0)), End: withOffset(at(8, 18, 0)),
				Location: &sz2, Organizations: []string{DemoBau}, Cancelled: true, Modified: modified()},
			{Key: DemoElsewhere, Name: "Haupt- und Finanzausschuss", Start: withOffset(at(2, 17, 0)), End: withOffset(at(2, 19, 0)),
				LocationKey: stadthalle.Key, Organizations: []string{DemoHFA}, Modified: modified()},
			{Key: DemoDeleted, Deleted: true, Modified: modified()},
			{Key: DemoCaucus, Name: "Fraktionssitzung", Start: withOffset(at(0, 18, 0)), End: withOffset(at(0, 20, 0)),
				Location: &sz2, Organizations: []string{DemoFraktion}, Modified: modified()},
			{Key: DemoNoPlace, Name: "Haupt- und Finanzausschuss (Ort folgt)", Start: withOffset(at(9, 17, 0)),
				Organizations: []string{DemoHFA}, Modified: modified()},
			// Nobody entered an end: the system sends midnight of the day.
			{Key: DemoNoEnd, Name: "Haupt- und Finanzausschuss (Sondersitzung)", Start: withOffset(at(2, 9, 0)), End: withOffset(at(2, 0, 0)),
				Location: &sz2, Organizations: []string{DemoHFA}, Modified: modified()},
		},
		PageSize: 3,
	}
}
