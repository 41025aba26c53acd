package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestTextPolicy: what one person writes for others to read (titles,
// organizers, committees, notes of bookings and series) may not hold
// control characters or characters that reverse the direction of writing;
// they are refused with a message naming the field, not silently removed
// (rooms.CheckText).
func TestTextPolicy(t *testing.T) {
	e := newTestEnv(t)
	anna := e.login("anna")
	refused := []struct {
		name   string
		fields map[string]any
		field  string
		de, en string
	}{
		{"right-to-left override in a title", map[string]any{"title": "Sitzung\u202efdp.exe"}, "title",
			"Das Feld „Titel“ enthält Zeichen, die die Schreibrichtung umkehren", "Title has characters that reverse the direction of writing"},
		{"NUL in a title", map[string]any{"title": "Haupt\x00ausschuss"}, "title",
			"Das Feld „Titel“ enthält Steuerzeichen", "Title has control characters"},
		{"line break in a title", map[string]any{"title": "Hauptausschuss\r\nX-INJECTED:1"}, "title",
			"Das Feld „Titel“ enthält Steuerzeichen", "Title has control characters"},
		{"isolate in an organizer", map[string]any{"organizer": "Amt 10\u2067"}, "organizer",
			"Das Feld „Organisation“ enthält Zeichen, die die Schreibrichtung umkehren", "Organizer has characters that reverse"},
		{"override in a committee", map[string]any{"committee": "Bau\u202dausschuss"}, "committee",
			"Das Feld „Gremium“ enthält Zeichen, die die Schreibrichtung umkehren", "Committee has characters that reverse"},
		{"escape in notes", map[string]any{"notes": "Beamer\x1b[2J"}, "notes",
			"Das Feld „Notizen“ enthält Steuerzeichen", "Notes has control characters"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/bookings", "/api/v1/series"} {
				body := booking(tt.fields)
				if path == "/api/v1/series" {
					body = series(tt.fields)
				}
				for lang, want := range map[string]string{"de": tt.de, "en": tt.en} {
					p := anna.do("POST", path, body, "Accept-Language", lang).problem(t, 422, "invalid-field")
					if len(p.Errors) != 1 || p.Errors[0].Field != tt.field || !strings.Contains(p.Errors[0].Detail, want) || !strings.Contains(p.Detail, want) {
						t.Errorf("%s (%s): %+v, want field %s and %q", path, lang, p, tt.field, want)
					}
				}
			}
		})
	}
	// An edit is held to the same policy.
	b := anna.create(nil)
	anna.do("PATCH", "/api/v1/bookings/"+b.ID, map[string]any{"title": "Rat\u202e"}, "If-Match", `"1"`).problem(t, 422, "invalid-field")

	// What real texts hold is taken: line breaks and tabs in notes, soft
	// hyphens (from word processors), Hebrew with a right-to-left mark,
	// emoji built with the zero-width joiner.
	for i, fields := range []map[string]any{
		{"notes": "Beamer\r\nMikrofone:\t4"},
		{"title": "Haushalts\u00adausschuss"},
		{"title": "Partnerstadt \u05d7\u05d9\u05e4\u05d4\u200f (Besuch)"},
		{"title": "Sommerfest \U0001f469\u200d\U0001f373"},
	} {
		fields["start"] = "2026-12-0" + string(rune('2'+i)) + "T16:00:00+01:00"
		fields["end"] = "2026-12-0" + string(rune('2'+i)) + "T17:00:00+01:00"
		if r := anna.do("POST", "/api/v1/bookings", booking(fields)); r.status != http.StatusCreated {
			t.Errorf("%q: %d %s", fields, r.status, r.body)
		}
	}
}
