package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
)

type roomView struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Building        string `json:"building,omitempty"`
	Capacity        int    `json:"capacity"`
	Zone            string `json:"zone"`
	SetupMinutes    int    `json:"setup_minutes"`
	TeardownMinutes int    `json:"teardown_minutes"`
	MaxBookingMins  int    `json:"max_booking_minutes"`
	BookableHours   string `json:"bookable_hours"`
	// Bookable is the same as data, for pages that say it in their own
	// language: ISO weekdays (1 = Monday) and local "HH:MM" times.
	Bookable bookableView `json:"bookable"`
}

type bookableView struct {
	Days  []int  `json:"days"`
	From  string `json:"from"`
	Until string `json:"until"`
}

func bookableOf(h rooms.Hours) bookableView {
	v := bookableView{Days: []int{}, From: hhmm(h.From), Until: hhmm(h.Until)}
	for i := 1; i <= 7; i++ {
		if h.Days[i%7] {
			v.Days = append(v.Days, i)
		}
	}
	return v
}

func hhmm(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// viewRoom is a room as the API shows it, its hours said in l.
func viewRoom(r rooms.Room, l problems.Lang) roomView {
	hours := problems.Render(l, "room.hours", r.HoursArgs())
	if r.Hours.Unlimited() {
		hours = problems.Render(l, "room.hours-any", nil)
	}
	return roomView{
		ID: r.ID, Name: r.Name, Building: r.Building, Capacity: r.Capacity, Zone: r.Zone.String(),
		SetupMinutes: int(r.Setup / time.Minute), TeardownMinutes: int(r.Teardown / time.Minute),
		MaxBookingMins: int(r.MaxLength / time.Minute), BookableHours: hours, Bookable: bookableOf(r.Hours),
	}
}

func (s *server) listRooms(w http.ResponseWriter, r *http.Request, _ *caller) error {
	all := s.catalog.All()
	out := make([]roomView, len(all))
	l := problems.Negotiate(r.Header.Get("Accept-Language"))
	for i, room := range all {
		out[i] = viewRoom(room, l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rooms": out})
	return nil
}

func (s *server) room(r *http.Request) (rooms.Room, error) {
	id := r.PathValue("id")
	room, ok := s.catalog.Get(id)
	if !ok {
		return room, newProblem(http.StatusNotFound, "unknown-room", "unknown-room", "room", id)
	}
	return room, nil
}

func (s *server) getRoom(w http.ResponseWriter, r *http.Request, _ *caller) error {
	room, err := s.room(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewRoom(room, problems.Negotiate(r.Header.Get("Accept-Language"))))
	return nil
}

// maxAvailabilityWindow bounds one availability query (a month view).
const maxAvailabilityWindow = 42 * 24 * time.Hour

type slotView struct {
	Start      time.Time       `json:"start"`
	End        time.Time       `json:"end"`
	StartLocal string          `json:"start_local"`
	EndLocal   string          `json:"end_local"`
	State      rooms.SlotState `json:"state"`
	Booking    *slotBooking    `json:"booking,omitempty"`
}

type slotBooking struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	// Redacted: a confidential booking whose title the caller may not see.
	Redacted bool      `json:"redacted,omitempty"`
	Start    time.Time `json:"start"` // the meeting itself; the slot includes the buffers
	End      time.Time `json:"end"`
	// StartLocal and EndLocal are the same in the room's zone.
	StartLocal string `json:"start_local"`
	EndLocal   string `json:"end_local"`
}

// availability answers GET /rooms/{id}/availability?from=&to=: the window
// split into free, busy (bookings with their buffers) and closed stretches.
// Without from/to it covers the room's current local day.
func (s *server) availability(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.room(r)
	if err != nil {
		return err
	}
	from, err := queryTime(r, "from")
	if err != nil {
		return err
	}
	to, err := queryTime(r, "to")
	if err != nil {
		return err
	}
	if from.IsZero() {
		from = localDay(s.now(), room.Zone).UTC()
	}
	if to.IsZero() {
		to = localDay(from, room.Zone).AddDate(0, 0, 1).UTC()
	}
	if !to.After(from) {
		return badQuery("to", "bad-query.to-after-from")
	}
	if to.Sub(from) > maxAvailabilityWindow {
		return badQuery("to", "bad-query.window", "days", 42)
	}
	bookings, err := s.store.Overlapping(room.ID, from, to)
	if err != nil {
		return err
	}
	slots := rooms.Availability(room, bookings, from, to)
	out := make([]slotView, len(slots))
	for i, sl := range slots {
		out[i] = slotView{Start: sl.Start.UTC(), End: sl.End.UTC(), StartLocal: room.Local(sl.Start), EndLocal: room.Local(sl.End), State: sl.State}
		if b := sl.Booking; b != nil {
			out[i].Booking = &slotBooking{ID: b.ID, Start: b.Start.UTC(), End: b.End.UTC(),
				StartLocal: room.Local(b.Start), EndLocal: room.Local(b.End)}
			if canRead(c, b) {
				out[i].Booking.Title = b.Title
			} else {
				out[i].Booking.Redacted = true
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"room": room.ID, "zone": room.Zone.String(), "from": from, "to": to, "slots": out,
	})
	return nil
}

// localDay returns the start of t's day in the room's zone.
func localDay(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, zone)
}
