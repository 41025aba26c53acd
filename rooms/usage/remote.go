package usage

import (
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// Remote is the remote participation in the period.
type Remote struct {
	// Bookings starting in the period, and the hybrid ones among them.
	Bookings    int      `json:"bookings"`
	Hybrid      int      `json:"hybrid"`
	HybridShare *float64 `json:"hybrid_share_percent"`
	// ByProvider counts hybrid meetings by where they ran; "" is a
	// meeting that got no provider (none was configured then).
	ByProvider map[string]int `json:"by_provider"`
	// Moves counts hybrid meetings that did not run on the preferred
	// (first) provider, by why: MoveCapacity, MoveConfidential,
	// MoveFailover, MoveLicences.
	Moves map[string]int `json:"moves"`
	// Meetings lists the hybrid meetings, the latest MaxMeetings of them;
	// MeetingsLeftOut says how many earlier ones are not listed.
	Meetings        []RemoteMeeting `json:"meetings"`
	MeetingsLeftOut int             `json:"meetings_left_out"`
	// UnknownPeaks counts hybrid meetings whose participant peak the
	// history does not hold.
	UnknownPeaks int `json:"unknown_peaks"`
}

// Why a hybrid meeting ran elsewhere than on the preferred provider.
const (
	MoveCapacity     = "capacity"     // more participants than the preferred provider takes
	MoveConfidential = "confidential" // confidential: the preferred provider may not host it
	MoveFailover     = "failover"     // moved off a failing provider
	MoveLicences     = "licences"     // every licence held, or the provider was down
)

// MaxMeetings bounds the meetings a report lists.
const MaxMeetings = 200

// RemoteMeeting is one hybrid meeting. Title is empty for confidential
// meetings and those whose booking was purged.
type RemoteMeeting struct {
	Start        time.Time `json:"start"`
	Room         string    `json:"room"`
	Title        string    `json:"title"`
	Confidential bool      `json:"confidential"`
	Provider     string    `json:"provider"`
	Move         string    `json:"move,omitempty"`
	// PeakRemote is nil where the history does not hold it.
	PeakRemote *int `json:"peak_remote"`
}

func remote(in Input, ms []*Meeting) Remote {
	start, end := in.Span()
	r := Remote{ByProvider: map[string]int{}, Moves: map[string]int{}}
	var first *Provider
	if len(in.Providers) > 0 {
		first = &in.Providers[0]
	}
	var list []RemoteMeeting
	for _, m := range ms {
		if m.Start.Before(start) || !m.Start.Before(end) || m.Status == rooms.StatusCancelled {
			continue
		}
		r.Bookings++
		if !m.Hybrid {
			continue
		}
		r.Hybrid++
		r.ByProvider[m.Provider]++
		rm := RemoteMeeting{Start: m.Start, Room: m.Room, Title: m.Title, Confidential: m.Confidential, Provider: m.Provider, Move: moveOf(m, first)}
		if rm.Move != "" {
			r.Moves[rm.Move]++
		}
		if m.RemoteKnown {
			n := m.PeakRemote
			rm.PeakRemote = &n
		} else {
			r.UnknownPeaks++
		}
		list = append(list, rm)
	}
	r.HybridShare = percent(float64(r.Hybrid), float64(r.Bookings))
	if len(list) > MaxMeetings {
		r.MeetingsLeftOut = len(list) - MaxMeetings
		list = list[len(list)-MaxMeetings:]
	}
	r.Meetings = list
	return r
}

// moveOf says why m ran elsewhere than on the preferred provider, ""
// if it did not.
func moveOf(m *Meeting, first *Provider) string {
	switch {
	case m.FailedOver:
		return MoveFailover
	case first == nil || m.Provider == "" || m.Provider == first.Name:
		return ""
	case m.Confidential && !first.ConfidentialOK:
		return MoveConfidential
	case first.MaxParticipants > 0 && m.ExpectedRemote+1 > first.MaxParticipants:
		return MoveCapacity
	}
	return MoveLicences
}
