package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
)

// The panel API, /api/v1/panel/{room}/…: what the touch panel at a room's
// door shows and does. A panel reaches only its own room (authorise);
// staff reach every room's. Booking actions go through the booking service
// (rooms/bookings) as the API's do, so a panel's check-in is the API's
// check-in, and the service lets a panel act on its own room's bookings
// only.

// panelExtendMax bounds one extension from the panel.
const panelExtendMax = 120

// panelBooking is a booking as the door shows it: no organizer, notes or
// contact, and no title for confidential meetings and interviews.
type panelBooking struct {
	ID             string       `json:"id"`
	Title          string       `json:"title"`
	Redacted       bool         `json:"redacted,omitempty"`
	Kind           rooms.Kind   `json:"kind"`
	Start          time.Time    `json:"start"`
	End            time.Time    `json:"end"`
	StartLocal     string       `json:"start_local"`
	EndLocal       string       `json:"end_local"`
	Status         rooms.Status `json:"status"`
	Hybrid         bool         `json:"hybrid"`
	CheckinAllowed bool         `json:"checkin_allowed"`
	// CheckinDue: check-in is possible and the booking is released
	// without it.
	CheckinDue bool `json:"checkin_due"`
}

type panelState struct {
	Room     string         `json:"room"`
	RoomName string         `json:"room_name"`
	Zone     string         `json:"zone"`
	Now      time.Time      `json:"now"`
	Current  *panelBooking  `json:"current"`
	Next     *panelBooking  `json:"next"`
	Today    []panelBooking `json:"today"`
	BookNow  []int          `json:"book_now"` // lengths free from now
	// Closed is set while the room cannot be booked (a closure, or
	// outside its bookable days and hours): the door says so instead of
	// "free" and offers no "book now".
	Closed *panelClosed `json:"closed"`
	Scenes []string     `json:"scenes"`
	// SceneLabels maps scene names to their labels (labelled ones only).
	SceneLabels map[string]string   `json:"scene_labels"`
	Devices     []roomav.DeviceView `json:"devices"`
	Camera      *panelCamera        `json:"camera,omitempty"`
	Mic         *panelMic           `json:"mic,omitempty"`
	PanelName   string              `json:"panel_name,omitempty"`
	// Queue is the speaker queue of the council session running now.
	Queue []signaling.QueueEntry `json:"queue,omitempty"`
	// Speaker is who speaks in that session's meeting now (a name; ""
	// when nobody does), shown beside the queue.
	Speaker string `json:"speaker,omitempty"`
	// Council is that session's open item and attendance
	// (api_panel_council.go).
	Council *panelCouncil `json:"council,omitempty"`
}

// panelClosed says until when a room is closed.
type panelClosed struct {
	Until      *time.Time `json:"until"` // null: not within a year
	UntilLocal string     `json:"until_local,omitempty"`
	// ReopensToday: the room can be booked again later today.
	ReopensToday bool   `json:"reopens_today"`
	Reason       string `json:"reason,omitempty"` // the closure's, e.g. "Weihnachten"
}

// panelClosedAt says whether room is closed at now, and until when.
func (s *server) panelClosedAt(room rooms.Room, now time.Time) *panelClosed {
	cs, closed := rooms.ClosedAt(room, s.closureList(), now)
	if !closed {
		return nil
	}
	pc := &panelClosed{Reason: cs.Reason}
	if !cs.Until.IsZero() {
		until := cs.Until.UTC()
		pc.Until, pc.UntilLocal = &until, room.Local(cs.Until)
		pc.ReopensToday = localDay(cs.Until, room.Zone).Equal(localDay(now, room.Zone))
	}
	return pc
}

type panelCamera struct {
	Device  string `json:"device"`
	Presets []int  `json:"presets"`
}

type panelMic struct {
	Muted *bool `json:"muted"` // null: not known (not set through Kogge yet)
}

func (s *server) panelRoom(r *http.Request) (rooms.Room, error) {
	id := r.PathValue("room")
	room, ok := s.catalog.Get(id)
	if !ok {
		return room, newProblem(http.StatusNotFound, "unknown-room", "unknown-room", "room", id)
	}
	return room, nil
}

func (s *server) panelView(b rooms.Booking, room rooms.Room, now time.Time) panelBooking {
	v := panelBooking{
		ID: b.ID, Title: admission.Title(b), Kind: b.Kind, Start: b.Start.UTC(), End: b.End.UTC(),
		StartLocal: room.Local(b.Start), EndLocal: room.Local(b.End), Status: b.Status, Hybrid: b.Hybrid.Enabled,
	}
	v.Redacted = v.Title == ""
	if v.Redacted {
		v.Kind = "" // "interview" at the door says too much
	}
	v.CheckinAllowed = checkinRefusal(b, room, now) == nil
	v.CheckinDue = v.CheckinAllowed && b.CheckinRequired
	return v
}

// panelDay returns the room's bookings of the local day that are still
// to come or running (ended ones are history for the door).
func (s *server) panelDay(room rooms.Room, now time.Time) ([]rooms.Booking, error) {
	day := localDay(now, room.Zone)
	bs, err := s.store.Overlapping(room.ID, day, day.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	bs = slices.DeleteFunc(bs, func(b rooms.Booking) bool { return b.Status == rooms.StatusEnded || !now.Before(b.End) })
	slices.SortFunc(bs, func(a, b rooms.Booking) int { return a.Start.Compare(b.Start) })
	return bs, nil
}

func (s *server) panelStateOf(c *caller, room rooms.Room) (panelState, error) {
	now := s.now()
	bs, err := s.panelDay(room, now)
	if err != nil {
		return panelState{}, err
	}
	st := panelState{Room: room.ID, RoomName: room.Name, Zone: room.Zone.String(), Now: now.UTC(), Today: []panelBooking{}, BookNow: []int{},
		Scenes: []string{}, SceneLabels: map[string]string{}, Devices: []roomav.DeviceView{}}
	if c.panel != nil {
		st.PanelName = c.panel.Name
	}
	for _, b := range bs {
		st.Today = append(st.Today, s.panelView(b, room, now))
	}
	cur, next := currentAndNext(bs, now)
	if cur != nil {
		v := s.panelView(*cur, room, now)
		st.Current = &v
		if cur.Kind == rooms.KindCouncil && s.hub != nil {
			if mi, ok := s.hub.Meeting(cur.ID); ok {
				st.Queue, st.Speaker = mi.Queue, mi.Speaker
			}
		}
		st.Council = s.panelCouncilOf(cur)
	}
	if next != nil {
		v := s.panelView(*next, room, now)
		st.Next = &v
	}
	st.Closed = s.panelClosedAt(room, now)
	if cur == nil && st.Closed == nil {
		start := now.Truncate(time.Minute)
		for _, m := range bookings.BookNowLengths {
			end := start.Add(time.Duration(m) * time.Minute)
			free, err := s.store.Overlapping(room.ID, start, end)
			if err == nil && len(free) == 0 && rooms.WithinHours(start, end, room) {
				st.BookNow = append(st.BookNow, m)
			}
		}
	}
	if s.av.Enabled() {
		st.Scenes = append(st.Scenes, s.av.SceneNames(room.ID)...)
		st.SceneLabels = s.av.SceneLabels(room.ID)
		st.Devices = s.av.DeviceViews(room.ID)
		if pc := s.av.Panel(room.ID); pc != nil {
			if pc.Camera != "" {
				st.Camera = &panelCamera{Device: pc.Camera, Presets: pc.Presets}
			}
			if len(pc.Mics) > 0 {
				st.Mic = &panelMic{Muted: s.av.MicMuted(room.ID)} // as the devices report it
			}
		}
	}
	return st, nil
}

// writePanelState answers with the room's state, the reply to every panel
// request (the panel redraws from it).
func (s *server) writePanelState(w http.ResponseWriter, c *caller, room rooms.Room, status int) error {
	st, err := s.panelStateOf(c, room)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, st)
	return nil
}

// panelState answers GET /panel/{room}/state.
func (s *server) panelState(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.panelRoom(r)
	if err != nil {
		return err
	}
	return s.writePanelState(w, c, room, http.StatusOK)
}

// panelBookingAction runs act on the booking pick chooses among today's.
func (s *server) panelBookingAction(w http.ResponseWriter, r *http.Request, c *caller,
	pick func(cur, next *rooms.Booking, room rooms.Room, now time.Time) *rooms.Booking, none string,
	act func(id string) (rooms.Booking, error)) error {
	room, err := s.panelRoom(r)
	if err != nil {
		return err
	}
	now := s.now()
	bs, err := s.panelDay(room, now)
	if err != nil {
		return err
	}
	cur, next := currentAndNext(bs, now)
	b := pick(cur, next, room, now)
	if b == nil {
		return stateProblem(none)
	}
	if _, err := act(b.ID); err != nil {
		return s.storeError(c, err)
	}
	return s.writePanelState(w, c, room, http.StatusOK)
}

// panelCheckin answers POST /panel/{room}/checkin: the running booking, or
// the next one once its check-in has opened.
func (s *server) panelCheckin(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.panelBookingAction(w, r, c, func(cur, next *rooms.Booking, room rooms.Room, now time.Time) *rooms.Booking {
		for _, b := range []*rooms.Booking{cur, next} {
			if b != nil && (b.Status == rooms.StatusCheckedIn || checkinRefusal(*b, room, now) == nil) {
				return b
			}
		}
		return nil
	}, "wrong-state.none-checkin", func(id string) (rooms.Booking, error) { return s.checkinBooking(c, id) })
}

// panelExtend answers POST /panel/{room}/extend {minutes}.
func (s *server) panelExtend(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in struct {
		Minutes int `json:"minutes"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Minutes < 1 || in.Minutes > panelExtendMax {
		return fieldProblem("minutes", "field.panel-extend", "max", panelExtendMax)
	}
	return s.panelBookingAction(w, r, c, running, "wrong-state.none-running",
		func(id string) (rooms.Booking, error) { return s.extendBooking(c, id, in.Minutes) })
}

// panelEnd answers POST /panel/{room}/end: the running meeting ends now.
func (s *server) panelEnd(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.panelBookingAction(w, r, c, running, "wrong-state.none-running",
		func(id string) (rooms.Booking, error) { return s.endBooking(c, id) })
}

// panelBookNow answers POST /panel/{room}/book-now {minutes}: a meeting
// from now, if the room is free that long; it counts as checked in (the
// people are at the door).
func (s *server) panelBookNow(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.panelRoom(r)
	if err != nil {
		return err
	}
	var in struct {
		Minutes int `json:"minutes"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	door := ""
	if c.panel != nil {
		door = c.panel.Name
	}
	if _, err := s.bookings.BookNow(bookingActor(c), room.ID, in.Minutes, door); err != nil {
		return s.storeError(c, bookingError(err))
	}
	return s.writePanelState(w, c, room, http.StatusCreated)
}

// panelScene answers POST /panel/{room}/scenes/{name}.
func (s *server) panelScene(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.panelAV(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	id, err := s.sceneStart(c, room.ID, name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"scene": name, "id": id})
	return nil
}

func (s *server) panelAV(r *http.Request) (rooms.Room, error) {
	room, err := s.panelRoom(r)
	if err != nil {
		return room, err
	}
	if !s.av.Enabled() || s.av.Panel(room.ID) == nil {
		return room, newProblem(http.StatusNotFound, "no-av", "no-av.room")
	}
	return room, nil
}

// panelPreset answers POST /panel/{room}/camera/preset {preset}.
func (s *server) panelPreset(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.panelAV(r)
	if err != nil {
		return err
	}
	var in struct {
		Preset int `json:"preset"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	pc := s.av.Panel(room.ID)
	if pc == nil || pc.Camera == "" || !slices.Contains(pc.Presets, in.Preset) {
		return newProblem(http.StatusUnprocessableEntity, "invalid-command", "invalid-command.preset", "preset", in.Preset)
	}
	st, err := s.deviceDo(r.Context(), c, room.ID, pc.Camera,
		av.Command{Name: "preset.recall", Args: map[string]string{"preset": strconv.Itoa(in.Preset)}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// panelMute answers POST /panel/{room}/mute {mute}: every microphone
// channel the room's scenes switch, on the DSP.
func (s *server) panelMute(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.panelAV(r)
	if err != nil {
		return err
	}
	var in struct {
		Mute *bool `json:"mute"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Mute == nil {
		return newProblem(http.StatusUnprocessableEntity, "invalid-command", "invalid-command.mute")
	}
	pc := s.av.Panel(room.ID)
	if pc == nil || len(pc.Mics) == 0 {
		return newProblem(http.StatusNotFound, "no-av", "no-av.mic")
	}
	// Every channel is asked even if one fails: half a room muted is
	// worse than a reported failure. The known state is set only when all
	// channels took it.
	var failed error
	for _, m := range pc.Mics {
		_, err := s.deviceDo(r.Context(), c, room.ID, m.Device, m.MuteCommand(*in.Mute))
		if err != nil && failed == nil {
			failed = err
		}
	}
	if failed != nil {
		return failed
	}
	pc.SetMuted(*in.Mute)
	writeJSON(w, http.StatusOK, panelMic{Muted: in.Mute})
	return nil
}

// panelEvents answers GET /panel/{room}/events: the room's timeline,
// device and queue events. A panel's stream ends when it is revoked.
func (s *server) panelEvents(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.panelRoom(r)
	if err != nil {
		return err
	}
	panel := ""
	if c.panel != nil {
		panel = c.panel.ID // the stream ends when it is revoked
	}
	return s.stream(w, r, c, room.ID, panel)
}

// panelPresence answers PUT /panel/{room}/council/members/{mid}/presence
// {in_room}: the member is marked in the chamber (or gone from it) in the
// council session running in the room now.
func (s *server) panelPresence(w http.ResponseWriter, r *http.Request, c *caller) error {
	room, err := s.panelRoom(r)
	if err != nil {
		return err
	}
	var in presenceInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.InRoom == nil {
		return councilProblem(&council.Error{Code: "invalid-presence"})
	}
	now := s.now()
	bs, err := s.panelDay(room, now)
	if err != nil {
		return err
	}
	cur, _ := currentAndNext(bs, now)
	if cur == nil || cur.Kind != rooms.KindCouncil || s.council == nil {
		return stateProblem("wrong-state.none-council")
	}
	// A panel acts for its room; staff on this route as on the
	// secretary's (a confidential session only its creator and admins).
	if c.panel == nil && !canRead(c, cur) {
		return errForbidden
	}
	id := pathNumber(r, "mid")
	_, err = s.council.Proceed(cur.ID, c.name(), func(ses *council.Session, now time.Time) error {
		return ses.SetInRoom(now, id, *in.InRoom)
	})
	if ce, ok := errors.AsType[*council.Error](err); ok {
		return councilProblem(ce)
	}
	if err != nil {
		return err
	}
	return s.writePanelState(w, c, room, http.StatusOK)
}
