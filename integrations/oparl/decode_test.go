package oparl

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	zone := testZone(t)
	for _, tc := range []struct {
		in       string
		want     time.Time
		dateOnly bool
		bad      bool
	}{
		{in: ""},
		{in: "2026-12-01T18:00:00+01:00", want: time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)},
		{in: "2026-12-01T17:00:00Z", want: time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)},
		{in: "2026-12-01T18:00:00.000+0100", want: time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)},
		{in: "2026-07-01T18:00+02:00", want: time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC)},
		// No offset: Berlin wall-clock time, winter and summer.
		{in: "2026-12-01T18:00:00", want: time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)},
		{in: "2026-07-01T18:00", want: time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC)},
		{in: "2026-07-01 18:00:00", want: time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC)},
		{in: " 2026-12-01 ", want: time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC), dateOnly: true},
		{in: "01.12.2026", bad: true},
		{in: "2026-13-01", bad: true},
		{in: "tomorrow", bad: true},
	} {
		got, dateOnly, err := parseTime(tc.in, zone)
		if (err != nil) != tc.bad || !got.Equal(tc.want) || dateOnly != tc.dateOnly {
			t.Errorf("parseTime(%q) = %v, %v, %v; want %v, %v, bad %v", tc.in, got, dateOnly, err, tc.want, tc.dateOnly, tc.bad)
		}
	}
}

func TestDecodeMeetingQuirks(t *testing.T) {
	zone := testZone(t)
	for _, tc := range []struct {
		name  string
		json  string
		check func(t *testing.T, m Meeting)
		bad   string
	}{
		{name: "minimal", json: `{"id":"m1"}`, check: func(t *testing.T, m Meeting) {
			if m.ID != "m1" || !m.Start.IsZero() || m.Location != nil || m.Organizations != nil {
				t.Errorf("%+v", m)
			}
		}},
		{name: "nulls everywhere", json: `{"id":"m1","name":null,"start":null,"location":null,"organization":null,"cancelled":null,"agendaItem":null}`,
			check: func(t *testing.T, m Meeting) {
				if m.Name != "" || m.Cancelled {
					t.Errorf("%+v", m)
				}
			}},
		{name: "strings and numbers for booleans and text", json: `{"id":4711,"cancelled":"true","agendaItem":[{"number":3,"name":"Bericht","public":"1"}]}`,
			check: func(t *testing.T, m Meeting) {
				if m.ID != "4711" || !m.Cancelled || len(m.Agenda) != 1 || m.Agenda[0].Number != "3" || !m.Agenda[0].Public {
					t.Errorf("%+v", m)
				}
			}},
		{name: "location by URL", json: `{"id":"m","location":"https://ris/loc/1"}`, check: func(t *testing.T, m Meeting) {
			if m.Location != nil || m.LocationRef != "https://ris/loc/1" {
				t.Errorf("%+v", m)
			}
		}},
		{name: "location in a list", json: `{"id":"m","location":[{"room":"Ratssaal"}]}`, check: func(t *testing.T, m Meeting) {
			if m.Location == nil || m.Location.Room != "Ratssaal" {
				t.Errorf("%+v", m)
			}
		}},
		{name: "location of the wrong shape", json: `{"id":"m","location":42}`, check: func(t *testing.T, m Meeting) {
			if m.Location != nil || m.LocationRef != "" {
				t.Errorf("%+v", m)
			}
		}},
		{name: "organizations mixed", json: `{"id":"m","organization":["https://o/1",{"id":"https://o/2","classification":"Ausschuss"},7,{"name":"no id"}]}`,
			check: func(t *testing.T, m Meeting) {
				if strings.Join(m.Organizations, " ") != "https://o/1 https://o/2" || len(m.Embedded) != 1 {
					t.Errorf("%+v", m)
				}
			}},
		{name: "organization as one URL", json: `{"id":"m","organization":"https://o/1"}`, check: func(t *testing.T, m Meeting) {
			if len(m.Organizations) != 1 {
				t.Errorf("%+v", m)
			}
		}},
		{name: "agenda as a URL", json: `{"id":"m","agendaItem":"https://ris/m/agenda"}`, check: func(t *testing.T, m Meeting) {
			if m.Agenda != nil {
				t.Errorf("%+v", m)
			}
		}},
		{name: "broken agenda item is dropped", json: `{"id":"m","agendaItem":[{"name":["x"]},{"name":"ok","start":"garbage"},{"name":"gone","deleted":true}]}`,
			check: func(t *testing.T, m Meeting) {
				if len(m.Agenda) != 1 || m.Agenda[0].Name != "ok" || !m.Agenda[0].Start.IsZero() {
					t.Errorf("%+v", m.Agenda)
				}
			}},
		{name: "date-only start and end", json: `{"id":"m","start":"2026-12-01","end":"2026-12-02"}`, check: func(t *testing.T, m Meeting) {
			if !m.StartDateOnly || !m.EndDateOnly || m.End.Sub(m.Start) != 48*time.Hour {
				t.Errorf("%v – %v", m.Start, m.End)
			}
		}},
		{name: "date-only across the DST change", json: `{"id":"m","start":"2026-10-25","end":"2026-10-25"}`, check: func(t *testing.T, m Meeting) {
			if m.End.Sub(m.Start) != 25*time.Hour {
				t.Errorf("%v – %v", m.Start, m.End)
			}
		}},
		{name: "tombstone ignores stale fields", json: `{"id":"m","deleted":true,"start":"garbage","modified":"2026-05-01T10:00:00+02:00"}`,
			check: func(t *testing.T, m Meeting) {
				if !m.Deleted || m.Modified.IsZero() {
					t.Errorf("%+v", m)
				}
			}},
		{name: "unknown fields", json: `{"id":"m","vendor:extra":{"deep":[1,2]},"meetingState":"eingeladen"}`},
		{name: "1.0 type", json: `{"id":"m","type":"https://schema.oparl.org/1.0/Meeting"}`},
		{name: "no id", json: `{"name":"x"}`, bad: "without id"},
		{name: "other type", json: `{"id":"p","type":"https://schema.oparl.org/1.1/Paper"}`, bad: "not a Meeting"},
		{name: "bad start", json: `{"id":"m","start":"01.12.2026 18:00"}`, bad: "start"},
		{name: "object as id", json: `{"id":{"x":1}}`, bad: "expected text"},
		{name: "not JSON", json: `{"id":`, bad: "meeting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := DecodeMeeting([]byte(tc.json), zone)
			if tc.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("err = %v, want %q", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func FuzzDecodeMeeting(f *testing.F) {
	for _, s := range []string{
		`{"id":"m","start":"2026-12-01","end":"2026-12-01T18:00:00","location":[{"room":"R"}],"organization":["o",{"id":"p"}]}`,
		`{"id":1,"cancelled":"ja","agendaItem":[{"number":1.5,"public":0}]}`,
		`{"id":"m","deleted":true}`,
		`[]`, `null`, `{"location":[[]]}`,
	} {
		f.Add([]byte(s))
	}
	zone := testZone(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMeeting(data, zone)
		if err == nil && m.ID == "" {
			t.Fatal("meeting without id accepted")
		}
		if err == nil && !m.Deleted {
			// Sync's conversion must cope with whatever decoding let through.
			start, end, _, err := (Mapping{}).times(m, "", zone)
			if err == nil && !end.After(start) {
				t.Fatalf("booking times %v – %v", start, end)
			}
		}
	})
}
