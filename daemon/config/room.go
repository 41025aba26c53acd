package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av"
)

// dayNames are the bookable_days spellings, indexed by time.Weekday.
var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Domain converts r to a rooms.Room: the zone loaded, the hours parsed.
func (r Room) Domain() (rooms.Room, error) {
	zone, err := loadZone(r.Zone)
	if err != nil {
		return rooms.Room{}, err
	}
	hours, err := r.hours()
	if err != nil {
		return rooms.Room{}, err
	}
	return rooms.Room{
		ID:        r.ID,
		Name:      r.Name,
		Building:  r.Building,
		Capacity:  r.Capacity,
		Zone:      zone,
		Setup:     r.Setup.Duration,
		Teardown:  r.Teardown.Duration,
		Hours:     hours,
		MaxLength: r.MaxBooking.Duration,

		PrepLead:        rooms.Lead(r.PrepLead.Duration), // always set: the file's value or the default
		CheckinGrace:    r.CheckinGrace.Duration,
		CheckinRequired: r.CheckinRequired,
	}, nil
}

func (r Room) hours() (rooms.Hours, error) {
	var h rooms.Hours
	days, err := parseDays(r.BookableDays)
	if err != nil {
		return h, err
	}
	from, err := parseClock(r.BookableFrom, false)
	if err != nil {
		return h, fmt.Errorf("bookable_from: %w", err)
	}
	until, err := parseClock(r.BookableUntil, true)
	if err != nil {
		return h, fmt.Errorf("bookable_until: %w", err)
	}
	if until <= from {
		return h, errors.New("bookable_until must be after bookable_from")
	}
	return rooms.Hours{Days: days, From: from, Until: until}, nil
}

// loadZone loads an IANA zone. It refuses "" and "Local", which
// time.LoadLocation accepts as UTC and as whatever the server is set to: a
// room's hours must not move when the machine's timezone changes.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA zone name such as %s", name, rooms.DefaultZone)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown zone %q (an IANA name such as %s)", name, rooms.DefaultZone)
	}
	return loc, nil
}

// parseDays reads "mon".."sun" into a weekday set; no duplicates, not empty.
func parseDays(names []string) ([7]bool, error) {
	var days [7]bool
	if len(names) == 0 {
		return days, errors.New("must name at least one day")
	}
	for _, n := range names {
		d := weekday(n)
		if d < 0 {
			return days, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", n)
		}
		if days[d] {
			return days, fmt.Errorf("%q is listed twice", n)
		}
		days[d] = true
	}
	return days, nil
}

func weekday(name string) int {
	for i, n := range dayNames {
		if n == name {
			return i
		}
	}
	return -1
}

// parseClock reads "HH:MM" as an offset from midnight; "24:00" only if
// endOfDay. The fixed format keeps times to whole minutes.
func parseClock(s string, endOfDay bool) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a time of day written \"HH:MM\"", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h, err1 := strconv.ParseUint(s[:2], 10, 8)
	m, err2 := strconv.ParseUint(s[3:], 10, 8)
	if err1 != nil || err2 != nil || m > 59 {
		return 0, bad
	}
	switch {
	case h == 24 && m == 0 && endOfDay:
	case h == 24 && m == 0:
		return 0, fmt.Errorf("%q is the end of the day; use \"00:00\"", s)
	case h > 23:
		return 0, bad
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// Room is one [[rooms]] table; Domain turns it into a rooms.Room.
type Room struct {
	ID       string `toml:"id"`
	Name     string `toml:"name"`
	Building string `toml:"building"`
	Capacity int    `toml:"capacity"`
	// Zone is an IANA zone name; bookable hours are wall-clock times in it.
	Zone string `toml:"zone"`
	// Setup and Teardown are the buffers before and after each booking.
	Setup    Duration `toml:"setup"`
	Teardown Duration `toml:"teardown"`
	// MaxBooking bounds one booking's length, buffers excluded.
	MaxBooking Duration `toml:"max_booking"`
	// BookableDays are "mon" … "sun".
	BookableDays []string `toml:"bookable_days"`
	// BookableFrom and BookableUntil are "HH:MM" local times; Until may be "24:00".
	BookableFrom  string `toml:"bookable_from"`
	BookableUntil string `toml:"bookable_until"`
	// PrepLead is how long before a booking the room is prepared.
	PrepLead Duration `toml:"prep_lead"`
	// CheckinGrace is how long after the start an unchecked booking that
	// requires check-in waits before it is released.
	CheckinGrace Duration `toml:"checkin_grace"`
	// CheckinRequired is the default for new bookings in this room
	// (council sessions are exempt).
	CheckinRequired bool `toml:"checkin_required"`

	// AV equipment, scenes, and which scene the timeline runs at the
	// prep and teardown of every booking.
	Devices      []Device     `toml:"devices"`
	Scenes       []Scene      `toml:"scenes"`
	PrepScene    string       `toml:"prep_scene"`
	EndScene     string       `toml:"end_scene"`
	CameraFollow CameraFollow `toml:"camera_follow"`
}

func validateDevices(i int, r Room, e *Errors) {
	p := func(k string) string { return fmt.Sprintf("rooms[%d].%s", i, k) }
	kinds := map[string]string{}
	deviceLabels, sceneLabels := map[string]bool{}, map[string]bool{}
	discussion := ""
	for j, d := range r.Devices {
		dp := func(k string) string { return p(fmt.Sprintf("devices[%d].%s", j, k)) }
		checkLabel(e, dp("label"), d.Label, deviceLabels)
		// A room has one speaker queue: a second discussion system's
		// request list would replace the first's.
		if d.Kind == av.KindCoCon {
			if discussion != "" {
				e.add(dp("kind"), "this room already has a discussion system (%q); a room takes one", discussion)
			}
			discussion = d.ID
		}
		switch _, dup := kinds[d.ID]; {
		case d.ID == "" || strings.ContainsAny(d.ID, " /"):
			e.add(dp("id"), "%q is not a device id (a short name without spaces or slashes)", d.ID)
		case dup:
			e.add(dp("id"), "%q is already a device of this room", d.ID)
		}
		kinds[d.ID] = d.Kind
		if !contains(av.Kinds(), d.Kind) {
			e.add(dp("kind"), "%q is not a device kind; use %s", d.Kind, strings.Join(av.Kinds(), ", "))
			continue
		}
		if _, err := av.NormaliseAddress(d.Kind, d.Address); err != nil {
			e.add(dp("address"), "%v", err)
		}
		if d.Password != "" && d.PasswordFile != "" {
			e.add(dp("password_file"), "set password or password_file, not both")
		}
		if d.PasswordFile != "" {
			if _, err := os.ReadFile(d.PasswordFile); err != nil {
				e.add(dp("password_file"), "cannot read: %v", err)
			}
		}
		validateLogin(d, dp, e)
		validateOptions(d, dp, e)
		validateSeats(d, dp, e)
		// Optional durations: nothing said is the default; a zero said
		// would leave the device no time at all, so it is refused rather
		// than quietly read as the default.
		for _, f := range []struct {
			key    string
			d      Duration
			lo, hi time.Duration
		}{{"connect_timeout", d.ConnectTimeout, 100 * time.Millisecond, time.Minute},
			{"command_timeout", d.CommandTimeout, 100 * time.Millisecond, time.Minute},
			{"poll_every", d.PollEvery, time.Second, time.Hour}} {
			if f.d.Set() {
				inRange(e, dp(f.key), f.d, f.lo, f.hi)
			}
		}
	}
	scenes := map[string]bool{}
	for j, sc := range r.Scenes {
		sp := func(k string) string { return p(fmt.Sprintf("scenes[%d].%s", j, k)) }
		if sc.Name == "" || scenes[sc.Name] {
			e.add(sp("name"), "%q must be a new, non-empty scene name", sc.Name)
		}
		scenes[sc.Name] = true
		checkLabel(e, sp("label"), sc.Label, sceneLabels)
		for k, a := range sc.Actions {
			ap := sp(fmt.Sprintf("actions[%d]", k))
			kind, ok := kinds[a.Device]
			if !ok {
				e.add(ap+".device", "%q is not a device of this room", a.Device)
				continue
			}
			if err := av.CheckCommand(kind, av.Command{Name: a.Command, Args: a.Args}); err != nil {
				e.add(ap+".command", "%v", err)
			}
		}
	}
	for _, ref := range []struct{ key, name string }{{"prep_scene", r.PrepScene}, {"end_scene", r.EndScene}} {
		if ref.name != "" && !scenes[ref.name] {
			e.add(p(ref.key), "%q is not a scene of this room", ref.name)
		}
	}
	if cf := r.CameraFollow; cf.Camera != "" || cf.DSP != "" {
		if k := kinds[cf.Camera]; k != av.KindVISCAIP && k != av.KindVISCATCP {
			e.add(p("camera_follow.camera"), "%q is not a VISCA camera of this room", cf.Camera)
		}
		switch kinds[cf.DSP] {
		case av.KindCoCon:
			if cf.MicTag != "" {
				e.add(p("camera_follow.mic_tag"), "a discussion system reports its seats; leave mic_tag out and name seats in presets")
			}
		case av.KindTesira:
			if cf.MicTag == "" {
				e.add(p("camera_follow.mic_tag"), "required: the instance tag of the DSP block that reports which microphone is open (a Logic Meter)")
			}
		case av.KindShure:
			if cf.MicTag != "" {
				e.add(p("camera_follow.mic_tag"), "a Shure microphone reports its gates per channel; leave mic_tag out")
			}
		default:
			e.add(p("camera_follow.dsp"), "%q is not a Tesira DSP, Shure microphone or discussion system of this room", cf.DSP)
		}
		if len(cf.Presets) == 0 {
			e.add(p("camera_follow.presets"), "required: which camera preset shows each microphone's seat")
		}
		for ch, preset := range cf.Presets {
			if n, err := strconv.Atoi(ch); err != nil || n < 1 {
				e.add(p("camera_follow.presets."+ch), "a microphone channel (1, 2, …) is expected as the key")
			}
			if preset < 0 || preset > 127 {
				e.add(p("camera_follow.presets."+ch), "preset must be from 0 to 127, not %d", preset)
			}
		}
		if cf.DefaultPreset < 0 || cf.DefaultPreset > 127 {
			e.add(p("camera_follow.default_preset"), "must be from 0 to 127, not %d", cf.DefaultPreset)
		}
		if cf.HoldMS < 0 || cf.HoldMS > 60000 {
			e.add(p("camera_follow.hold_ms"), "must be between 0 and 60000, not %d", cf.HoldMS)
		}
	}
}

// DeviceConfigs resolves a room's devices for the supervisor: addresses
// with their ports, passwords read from their files.
func (r Room) DeviceConfigs() ([]av.DeviceConfig, error) {
	var out []av.DeviceConfig
	for _, d := range r.Devices {
		addr, err := av.NormaliseAddress(d.Kind, d.Address)
		if err != nil {
			return nil, fmt.Errorf("device %s: %w", d.ID, err)
		}
		pw := d.Password
		if d.PasswordFile != "" {
			b, err := os.ReadFile(d.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("device %s: %w", d.ID, err)
			}
			pw = strings.TrimSpace(string(b))
		}
		var seats map[int]string
		for s, name := range d.Seats {
			if n, err := strconv.Atoi(s); err == nil {
				if seats == nil {
					seats = map[int]string{}
				}
				seats[n] = name
			}
		}
		out = append(out, av.DeviceConfig{ID: d.ID, Room: r.ID, Kind: d.Kind, Address: addr, Username: d.Username, Password: pw, Options: d.Options, Seats: seats,
			ConnectTimeout: d.ConnectTimeout.Duration, CommandTimeout: d.CommandTimeout.Duration, PollEvery: d.PollEvery.Duration})
	}
	return out, nil
}

// SceneList converts a room's scenes.
func (r Room) SceneList() []av.Scene {
	var out []av.Scene
	for _, sc := range r.Scenes {
		s := av.Scene{Name: sc.Name}
		for _, a := range sc.Actions {
			s.Actions = append(s.Actions, av.Action{Device: a.Device, Command: av.Command{Name: a.Command, Args: a.Args}})
		}
		out = append(out, s)
	}
	return out
}
