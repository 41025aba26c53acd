package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
)

// Fuzz targets for every parser of outside input in the daemon
// (docs/security.md §10).
// Run one with: go test ./daemon -run '^$' -fuzz FuzzDecodeBooking -fuzztime 45s

// fuzzNow is the clock the fuzzed bookings are validated against:
// Thursday 26 November 2026, 09:00 in Berlin.
var fuzzNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// fuzzRooms are built once: a room without limits and the Ratssaal's
// Mon–Sat 07:00–22:00, both in Europe/Berlin.
var fuzzRooms = sync.OnceValues(func() ([]rooms.Room, error) {
	zone, err := time.LoadLocation(rooms.DefaultZone)
	if err != nil {
		return nil, err
	}
	return []rooms.Room{
		{ID: "foyer", Name: "Foyer", Capacity: 200, Zone: zone, Hours: rooms.AlwaysOpen()},
		{
			ID: "ratssaal", Name: "Ratssaal", Capacity: 80, Zone: zone,
			Setup: 30 * time.Minute, Teardown: 15 * time.Minute, MaxLength: 10 * time.Hour,
			Hours: rooms.Hours{Days: [7]bool{false, true, true, true, true, true, true}, From: 7 * time.Hour, Until: 22 * time.Hour},
		},
	}, nil
})

func mustFuzzRooms(t testing.TB) []rooms.Room {
	rs, err := fuzzRooms()
	if err != nil {
		t.Fatalf("loading %s: %v", rooms.DefaultZone, err)
	}
	return rs
}

// FuzzDecodeBooking feeds arbitrary bodies through the decoding of POST and
// PATCH /bookings, then through the domain's validation. Decoding may only
// fail with a problem (400/415) or a too-large body (413); nothing panics.
func FuzzDecodeBooking(f *testing.F) {
	for _, s := range []string{
		`{"room":"ratssaal","title":"Hauptausschuss","kind":"committee","start":"2026-12-01T16:00:00+01:00","end":"2026-12-01T19:00:00+01:00"}`,
		`{"room":"ratssaal","title":"Bewerbung Müller","kind":"interview","organizer":"Frau Schulz","committee":"Personal",` +
			`"start":"2026-12-01T15:00:00Z","end":"2026-12-01T16:00:00Z","setup_minutes":10,"teardown_minutes":5,` +
			`"status":"tentative","hybrid":{"enabled":true,"expected_remote":12},"confidential":true,"notes":"Beamer"}`,
		`{"title":"nur der Titel"}`,
		`{"start":"2026-03-29T01:30:00+01:00","end":"2026-03-29T03:30:00+02:00"}`, // spring forward
		`{"start":"2026-10-25T02:30:00+02:00","end":"2026-10-25T02:30:00+01:00"}`, // fall back: the same wall clock twice
		`{"start":"2026-12-01T16:00:30+01:00","end":"2026-12-01T16:00:00.5+01:00"}`,
		`{"start":"9999-12-31T23:59:59-23:59","end":"0000-01-01T00:00:00+23:59"}`,
		`{"setup_minutes":-1,"teardown_minutes":241,"hybrid":{"expected_remote":-1}}`,
		`{"setup_minutes":9223372036854775807,"teardown_minutes":-9223372036854775808}`,
		`{"kind":"party","status":"gone","title":"\ud800","organizer":"\u0000"}`,
		`{"start":null,"end":null,"hybrid":null,"title":null}`,
		``, `{}`, `null`, `[]`, `"x"`, `{`, `{"title":"a"`, `{"title":"a"}{"title":"b"}`, `{"title":"a"} x`,
		`{"title":1}`, `{"start":1}`, `{"start":"2026-12-01T16:00:00"}`, `{"start":"tomorrow"}`, `{"start":"2026-12-01 16:00:00+01:00"}`,
		`{"setup_minutes":1.5}`, `{"setup_minutes":1e3}`, `{"setup_minutes":"10"}`, `{"hybrid":{"enabled":"yes"}}`,
		`{"Title":"case"}`, `{"unknown":1}`, `{"hybrid":{"enabled":true,"extra":1}}`, `{"title":"a","title":"b"}`,
		"\xef\xbb\xbf{}", "{\"title\":\"\xff\"}", `{"notes":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rs := mustFuzzRooms(t)
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/api/v1/bookings", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var in bookingInput
		if err := decodeJSON(w, r, &in); err != nil {
			var p *problem
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &p):
				if p.Status < 400 || p.Status > 499 || !strings.HasPrefix(p.Type, "/problems/") || p.localised(problems.DE).Detail == "" {
					t.Fatalf("decode problem %+v", p)
				}
			case errors.As(err, &mbe):
			default:
				t.Fatalf("decodeJSON returned %T %v, want *problem or *http.MaxBytesError", err, err)
			}
			if q := toProblem(err); q.Status == http.StatusInternalServerError {
				t.Fatalf("decode error %v becomes a 500", err)
			}
			return
		}
		for _, room := range rs {
			b := rooms.Booking{
				Room: room.ID, Kind: rooms.KindMeeting, Status: rooms.StatusConfirmed,
				Organizer: "anna", Setup: room.Setup, Teardown: room.Teardown,
			}
			in.apply(&b)
			for _, checkPast := range []bool{true, false} {
				err := rooms.Validate(&b, room, fuzzNow, checkPast)
				if err != nil {
					var ve *rooms.ValidationError
					if !errors.As(err, &ve) || len(ve.Problems) == 0 {
						t.Fatalf("Validate returned %T %v, want *rooms.ValidationError with problems", err, err)
					}
					for _, fp := range ve.Problems {
						if fp.Field == "" || fp.Code == "" || fp.Message == "" || !utf8.ValidString(fp.Message) {
							t.Fatalf("unreadable problem %+v", fp)
						}
					}
					if q := toProblem(err); q.Status != http.StatusUnprocessableEntity || len(q.Errors) != len(ve.Problems) {
						t.Fatalf("validation error maps to %+v", q)
					}
					continue
				}
				// What validation accepts is a real booking of this room.
				if !b.End.After(b.Start) || b.Setup < 0 || b.Setup > rooms.MaxBuffer || b.Teardown < 0 || b.Teardown > rooms.MaxBuffer {
					t.Fatalf("accepted %+v", b)
				}
				if !rooms.WithinHours(b.Start, b.End, room) || room.MaxLength > 0 && b.End.Sub(b.Start) > room.MaxLength {
					t.Fatalf("accepted a booking outside the room's rules: %+v", b)
				}
				if checkPast && b.Start.Before(fuzzNow) {
					t.Fatalf("accepted a booking in the past: %+v", b)
				}
				// The domain code that runs on every stored booking must cope with it.
				other := b
				other.ID, b.ID = "other", "this"
				if b.Status.Blocks() && !b.Collides(&other) {
					t.Fatalf("an accepted booking does not collide with its copy: %+v", b)
				}
				_ = rooms.Availability(room, []rooms.Booking{b}, b.OccupiedFrom().Add(-time.Hour), b.OccupiedUntil().Add(time.Hour))
				_ = room.Local(b.Start)
			}
		}
	})
}

// FuzzIfMatch: ifMatch never panics, refuses with a 412 or 428 problem, and
// whatever version it accepts is the one its own ETag names.
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{
		`"1"`, `W/"1"`, `*`, ` * `, `"18446744073709551615"`, `"18446744073709551616"`, `"0"`, `0`, `""`, ``,
		`"-1"`, `"+1"`, `"1", "2"`, `W/W/"3"`, `""4""`, `"5`, ` "6" `, `"0x10"`, `"1_000"`, "\"7\"\n", `w/"8"`, `"٣"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest(http.MethodPatch, "/api/v1/bookings/x", nil)
		r.Header.Set("If-Match", h)
		v, err := ifMatch(r)
		if err != nil {
			var p *problem
			if !errors.As(err, &p) || (p.Status != http.StatusPreconditionFailed && p.Status != http.StatusPreconditionRequired) {
				t.Fatalf("ifMatch(%q) = %v, want a 412 or 428 problem", h, err)
			}
			if v != 0 {
				t.Fatalf("ifMatch(%q) = %d with error %v", h, v, err)
			}
			return
		}
		if v == 0 {
			if strings.TrimSpace(h) != "*" {
				t.Fatalf("ifMatch(%q) = 0 (any version), but the header is not *", h)
			}
			return
		}
		tag := etag(rooms.Booking{Version: v})
		r = httptest.NewRequest(http.MethodPatch, "/api/v1/bookings/x", nil)
		r.Header.Set("If-Match", tag)
		if got, err := ifMatch(r); err != nil || got != v {
			t.Fatalf("ifMatch(%q) = %d, but ifMatch(%q) = %d, %v", h, v, tag, got, err)
		}
		// If-Match compares strongly: the weak form of a tag never matches.
		r.Header.Set("If-Match", "W/"+tag)
		if _, err = ifMatch(r); err == nil {
			t.Fatalf("weak tag W/%s accepted", tag)
		}
	})
}

// FuzzParseTime: parseTime never panics, fails only with a timeParseError
// and returns UTC instants, which read back to themselves.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-12-01T16:00:00+01:00", "2026-12-01T15:00:00Z", "2026-12-01T15:00:00z", "2026-12-01t15:00:00Z",
		"2026-03-29T02:30:00+01:00", "2026-10-25T02:30:00+02:00", "2026-12-01T15:00:00.123456789Z",
		"2026-12-01T15:00:00.1234567891Z", "2026-12-01T15:00:00,5Z", "2026-12-01T24:00:00Z", "2026-12-01T23:59:60Z",
		"2026-02-29T10:00:00Z", "0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-12-01T15:00:00+24:00",
		"2026-12-01T15:00:00", "2026-12-01", "", "2026-12-01T15:00:00+01", "+2026-12-01T15:00:00Z", "２０２６-12-01T15:00:00Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseTime(s)
		if err != nil {
			var tp *timeParseError
			if !errors.As(err, &tp) || !v.IsZero() {
				t.Fatalf("parseTime(%q) = %v, %T %v", s, v, err, err)
			}
			p := malformed(err)
			if de, en := p.localised(problems.DE).Detail, p.localised(problems.EN).Detail; !strings.Contains(de, "kein Zeitpunkt mit Zeitzone") || !strings.Contains(en, "is not a time with offset") {
				t.Fatalf("parse error reads %q / %q", de, en)
			}
			return
		}
		if v.Location() != time.UTC {
			t.Fatalf("parseTime(%q) = %v in %v, want UTC", s, v, v.Location())
		}
		// The same value in a JSON body decodes to the same instant.
		js, _ := json.Marshal(s)
		var at apiTime
		if err := json.Unmarshal(js, &at); err != nil || !at.Time.Equal(v) || at.Location() != time.UTC {
			t.Fatalf("apiTime(%s) = %v, %v; parseTime gave %v", js, at.Time, err, v)
		}
		// What the API writes back (RFC 3339 in UTC) reads as the same instant,
		// within the years RFC 3339 can write.
		if y := v.Year(); y >= 0 && y <= 9999 {
			back, err := parseTime(v.Format(time.RFC3339Nano))
			if err != nil || !back.Equal(v) {
				t.Fatalf("parseTime(%q) = %v, which reads back as %v, %v", s, v, back, err)
			}
		}
	})
}

// FuzzConfigParse: config.Parse never panics, and a configuration it accepts
// yields rooms the domain can work with. (The config package fuzzes Parse
// itself; this target goes on into the rooms the daemon would serve.)
func FuzzConfigParse(f *testing.F) {
	if example, err := os.ReadFile("../../systemd/kogge.toml.example"); err == nil {
		f.Add(example)
	}
	f.Add([]byte("[[rooms]]\nid = \"ratssaal\"\nname = \"Ratssaal\"\ncapacity = 80\nsetup = \"30m\"\nteardown = \"15m\"\n\n[[rooms]]\nid = \"sitzungszimmer-2\"\nname = \"Sitzungszimmer 2\"\ncapacity = 20\n"))
	f.Add([]byte("[[rooms]]\nid = \"ratssaal\"\nname = \"Ratssaal\"\ncapacity = 80\n"))
	f.Add([]byte(`[[rooms]]
id = "nacht"
name = "Nachtraum"
capacity = 2
zone = "America/Santiago"
setup = "4h"
teardown = "90s"
max_booking = "168h"
bookable_days = ["sun"]
bookable_from = "00:00"
bookable_until = "24:00"
`))
	f.Add([]byte("[[rooms]]\nid = \"a\"\nname = \"A\"\ncapacity = 1\nzone = \"Local\"\nbookable_from = \"24:00\"\nbookable_until = \"00:00\"\n"))
	f.Add([]byte("[server]\nlisten = \":0\"\ntrusted_proxies = [\"10.0.0.1\"]\n[[rooms]]\nid = \"A\"\n[[rooms]]\nid = \"A\"\ncapcity = 3\n"))
	f.Add([]byte("rooms = 1\n[log]\nlevel = [1, 2]\n"))
	f.Add([]byte("\x00[[rooms"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data)
		if err != nil {
			if cfg != nil {
				t.Fatalf("Parse returned a config along with %v", err)
			}
			if err.Error() == "" {
				t.Fatal("Parse failed without a message")
			}
			return
		}
		rs, err := cfg.RoomList()
		if err != nil {
			t.Fatalf("accepted config does not convert to rooms: %v", err)
		}
		if len(rs) == 0 {
			t.Fatal("accepted config has no rooms")
		}
		catalog := rooms.NewCatalog(rs)
		// A week around the spring change, in every room's own zone.
		from := time.Date(2026, 3, 26, 0, 0, 0, 0, time.UTC)
		to := from.Add(7 * 24 * time.Hour)
		for _, r := range rs {
			if got, ok := catalog.Get(r.ID); !ok || got.ID != r.ID {
				t.Fatalf("catalog lost room %q", r.ID)
			}
			if r.Zone == nil || r.Hours.Describe() == "" || !rooms.ValidSlug(r.ID) {
				t.Fatalf("room %+v", r)
			}
			slots := rooms.Availability(r, nil, from, to)
			if len(slots) == 0 || !slots[0].Start.Equal(from) || !slots[len(slots)-1].End.Equal(to) {
				t.Fatalf("room %s: availability does not cover the window: %v", r.ID, slots)
			}
			for i := 1; i < len(slots); i++ {
				if !slots[i-1].End.Equal(slots[i].Start) || !slots[i].Start.Before(slots[i].End) {
					t.Fatalf("room %s: slots %d and %d are not contiguous: %v", r.ID, i-1, i, slots)
				}
			}
		}
	})
}
