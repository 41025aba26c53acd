package admission

import (
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// InviteJoinURL is the join link a calendar entry or an invitation of a
// hybrid booking carries: the guest link, which never changes (when the
// meeting is handed to a provider, it redirects there). "" for bookings
// that are not hybrid. The renderer leaves it out of the busy blocks of
// confidential bookings.
func (j *Joins) InviteJoinURL(b *rooms.Booking) string {
	if !b.Hybrid.Enabled || b.ID == "" { // a series' template has no links of its own
		return ""
	}
	js, err := j.store.JoinSettings(b.ID)
	if err != nil {
		j.log.Warn("join link for a calendar entry", "booking", b.ID, "err", err)
		return ""
	}
	u, err := j.Link(joinlink.Claims{Booking: b.ID, Kind: joinlink.KindGuest, Generation: js.GuestGeneration})
	if err != nil {
		j.log.Warn("join link for a calendar entry", "booking", b.ID, "err", err)
		return ""
	}
	return u
}

// InviteDialIn is the phone dial-in of a hybrid booking's meeting, with
// the guest PIN, where its provider gives one ("" otherwise).
func (j *Joins) InviteDialIn(b *rooms.Booking) string {
	if !b.Hybrid.Enabled || b.ID == "" {
		return ""
	}
	a, ok, err := j.store.Allocation(b.ID)
	if err != nil || !ok {
		return ""
	}
	return a.DialIn
}
