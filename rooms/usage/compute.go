package usage

// The report as a whole: Compute joins the rooms' figures (rooms.go), the
// remote participation (remote.go) and the licences (licences.go) of an
// Input (report.go).

import (
	"slices"

	"github.com/kogge-project/kogge/rooms"
)

// Compute makes the report.
func Compute(in Input) Report {
	zone := orUTC(in.Zone)
	rep := Report{From: in.From.String(), To: in.To.String(), Zone: zone.String()}
	// Pointers: a Meeting is a few hundred bytes, and 50,000 of them are
	// grouped and sorted here.
	byRoom := map[string][]*Meeting{}
	all := make([]*Meeting, 0, len(in.Meetings))
	for i := range in.Meetings {
		m := &in.Meetings[i]
		if m.Status == rooms.StatusCancelled {
			continue
		}
		byRoom[m.Room] = append(byRoom[m.Room], m)
		all = append(all, m)
	}
	var heat heatSums
	var selected []*Meeting
	for _, room := range in.Rooms {
		ms := byRoom[room.ID]
		slices.SortFunc(ms, func(a, b *Meeting) int { return a.Start.Compare(b.Start) })
		total, weeks := roomFigures(in, room, ms, &heat)
		rep.Rooms = append(rep.Rooms, RoomTotal{Room: room.ID, Name: room.Name, Figures: total})
		rep.Weeks = append(rep.Weeks, weeks...)
		selected = append(selected, ms...)
	}
	rep.Heat = heat.percent()
	slices.SortStableFunc(selected, func(a, b *Meeting) int { return a.Start.Compare(b.Start) })
	rep.Remote = remote(in, selected)
	// A pool serves every room: its use is counted over all of them,
	// whichever rooms the report shows.
	rep.Licences = licences(in, all)
	return rep
}

// Report is the result. Hours are float hours; a nil pointer is a figure
// the history does not hold (a rate of nothing, a cost not configured).
type Report struct {
	From     string         `json:"from"`
	To       string         `json:"to"`
	Zone     string         `json:"zone"`
	Rooms    []RoomTotal    `json:"rooms"`
	Weeks    []WeekRow      `json:"weeks"`
	Heat     Heat           `json:"heat"`
	Remote   Remote         `json:"remote"`
	Licences []LicenceUsage `json:"licences"`
}
