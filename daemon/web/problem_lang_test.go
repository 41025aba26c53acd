package web

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestProblemsSpeakTheReadersLanguage sends the same refused requests in
// German (the default) and in English: title and detail follow
// Accept-Language, the type and the machine-readable members do not.
func TestProblemsSpeakTheReadersLanguage(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	anna.create(nil) // Hauptausschuss, 1 December 2026, 16:00–19:00
	cases := []struct {
		name     string
		body     map[string]any
		status   int
		typ      string
		de, en   []string // title, then parts of the detail
		machines func(p problem) any
	}{
		{"conflict", booking(map[string]any{"title": "Bauausschuss", "start": "2026-12-01T18:00:00+01:00", "end": "2026-12-01T20:00:00+01:00"}),
			http.StatusConflict, "conflict",
			[]string{"Raum bereits belegt", "schon belegt: „Hauptausschuss“ am 1. Dezember 2026 von 16:00 bis 19:00 Uhr"},
			[]string{"Room already booked", "already booked at that time: “Hauptausschuss” on 1 December 2026 from 16:00 to 19:00"},
			func(p problem) any { return p.Conflicts }},
		{"outside bookable hours", booking(map[string]any{"start": "2026-12-01T21:00:00+01:00", "end": "2026-12-01T23:00:00+01:00"}),
			http.StatusUnprocessableEntity, "outside-bookable-hours",
			[]string{"Außerhalb der Buchungszeiten", "Ratssaal ist nur montags bis samstags von 07:00 bis 22:00 Uhr buchbar."},
			[]string{"Outside bookable hours", "Ratssaal can only be booked Mondays to Saturdays from 07:00 to 22:00."},
			func(p problem) any { return fieldCodes(p) }},
		{"validation", booking(map[string]any{"title": " ", "end": "2026-12-01T15:00:00+01:00"}),
			http.StatusUnprocessableEntity, "invalid-field",
			[]string{"Ungültige Angabe", "Bitte füllen Sie das Feld „Titel“ aus.", "Die Sitzung muss enden, nachdem sie beginnt."},
			[]string{"Invalid entry", "Title is required.", "The meeting must end after it starts."},
			func(p problem) any { return fieldCodes(p) }},
		{"no provider", booking(map[string]any{"start": "2026-12-02T16:00:00+01:00", "end": "2026-12-02T18:00:00+01:00",
			"hybrid": map[string]any{"enabled": true, "expected_remote": 40}}),
			http.StatusUnprocessableEntity, "no-provider",
			[]string{"Kein Videoanbieter verfügbar", "Kein Videoanbieter kann diese Sitzung übernehmen. Eigener Videoserver: für 41 Teilnehmende zu klein (höchstens 25)."},
			[]string{"No provider can host this meeting", "No video provider can host this meeting. Built-in video server: 41 participants exceed its maximum of 25."},
			func(p problem) any {
				var out []string
				for _, r := range p.Providers {
					out = append(out, r.Provider+"/"+r.Code)
				}
				return out
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var machine any
			for _, l := range []struct {
				header string
				lang   string
			}{{"", "de"}, {"de-DE", "de"}, {"fr-FR, de;q=0.5", "de"}, {"en", "en"}, {"en-GB,en;q=0.9,de;q=0.8", "en"}, {"de;q=0.3, en-US", "en"}} {
				var headers []string
				if l.header != "" {
					headers = []string{"Accept-Language", l.header}
				}
				r := anna.do("POST", "/api/v1/bookings", c.body, headers...)
				p := r.problem(t, c.status, c.typ)
				if got := r.header.Get("Content-Language"); got != l.lang {
					t.Errorf("%q: Content-Language %q, want %s", l.header, got, l.lang)
				}
				if !strings.Contains(r.header.Get("Vary"), "Accept-Language") {
					t.Errorf("%q: Vary %q", l.header, r.header.Get("Vary"))
				}
				want := c.de
				if l.lang == "en" {
					want = c.en
				}
				if p.Title != want[0] {
					t.Errorf("%q: title %q, want %q", l.header, p.Title, want[0])
				}
				for _, w := range want[1:] {
					if !strings.Contains(p.Detail, w) {
						t.Errorf("%q: detail %q lacks %q", l.header, p.Detail, w)
					}
				}
				m := c.machines(p)
				if reflect.ValueOf(m).Len() == 0 {
					t.Errorf("%q: no machine-readable members: %s", l.header, r.body)
				}
				if machine != nil && !reflect.DeepEqual(m, machine) {
					t.Errorf("%q: members %v differ from %v", l.header, m, machine)
				}
				machine = m
			}
		})
	}
}

func fieldCodes(p problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field+"/"+e.Code)
	}
	return out
}
