package web

import (
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/council"
)

// The room panel's part in a council session (rooms/council): during the
// session running in its room the door shows the open agenda item and
// the attendance, and whoever stands at it marks room members present or
// absent. A panel names no booking: it acts on its own room's running
// session only (authorise binds it to the room, panelCouncilNow picks the
// booking).

// panelCouncil is the session as the panel shows it. The open item is
// redacted as for every reader outside the meeting (a closed item shows
// its number only); the members' names are the body's, which are public.
type panelCouncil struct {
	Item    *council.ItemView  `json:"item"`
	Quorum  council.QuorumView `json:"quorum"`
	Members []panelMember      `json:"members"`
}

type panelMember struct {
	ID     uint16 `json:"id"`
	Name   string `json:"name"`
	Group  string `json:"group,omitempty"`
	InRoom bool   `json:"in_room"`
	Remote bool   `json:"remote"` // in the meeting by video
}

// panelCouncilOf is the running council session of cur, or nil.
func (s *server) panelCouncilOf(cur *rooms.Booking) *panelCouncil {
	if cur == nil || cur.Kind != rooms.KindCouncil || s.council == nil {
		return nil
	}
	ses, err := s.council.Get(cur.ID)
	if err != nil {
		return nil // the door shows the rest; the session is the staff's to fix
	}
	v := ses.View().Redacted()
	pc := &panelCouncil{Item: v.Item, Quorum: v.Quorum, Members: []panelMember{}}
	for _, m := range ses.Members {
		pc.Members = append(pc.Members, panelMember{ID: m.ID, Name: m.Name, Group: m.Group, InRoom: m.InRoom, Remote: m.Remote})
	}
	return pc
}
