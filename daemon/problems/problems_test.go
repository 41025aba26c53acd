package problems

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var placeholder = regexp.MustCompile(`\{(\w+)(?::\w+)?\}`)

func names(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// Words that give away an English sentence; none belongs in a German text.
var englishWords = regexp.MustCompile(`(?i)\b(the|is|are|must|not|and|or|please|room|booking|meeting|try|again|there|this|your|cannot|only)\b`)

func TestEveryTextHasBothLanguages(t *testing.T) {
	for code, tt := range titles {
		if tt.DE == "" || tt.EN == "" {
			t.Errorf("title %s: %+v", code, tt)
		}
		if englishWords.MatchString(tt.DE) {
			t.Errorf("title %s: German %q reads English", code, tt.DE)
		}
	}
	for key, tt := range texts {
		if tt.DE == "" || tt.EN == "" {
			t.Errorf("%s: %+v", key, tt)
			continue
		}
		// Both languages use the same values, so neither loses one.
		if de, en := names(tt.DE), names(tt.EN); !slices.Equal(de, en) && !strings.Contains(tt.DE, `{"mute"`) {
			t.Errorf("%s: German uses %v, English %v", key, de, en)
		}
		// Parts of recurrence rules and API names stay as written; the
		// rest of a German text must not be English.
		de := regexp.MustCompile(`[A-Z_]+=\S*|\b[a-z_]+=\S*|on_conflict|If-Match|ETag|Bearer|application/json|JSON|\{[^}]*\}|„[^“]*“|\([a-z]+\)`).ReplaceAllString(tt.DE, "")
		if englishWords.MatchString(de) {
			t.Errorf("%s: German %q reads English", key, tt.DE)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		header string
		want   Lang
	}{
		{"", DE},
		{"de", DE},
		{"de-DE", DE},
		{"en", EN},
		{"en-GB", EN},
		{"EN-us", EN},
		{"fr", DE},
		{"*", DE},
		{"fr-FR, en;q=0.5", EN}, // French is not spoken here; English is accepted
		{"de;q=0.4, en;q=0.8", EN},
		{"en;q=0.8, de;q=0.9", DE},
		{"en;q=0, de;q=0.1", DE},
		{"en;q=0", DE},
		{"en-GB,en;q=0.9,de;q=0.8", EN},
		{"de-AT, en", DE}, // equal weights: the first wins
		{"en;q=abc, de;q=0.1", DE},
		{"en; q=0.7 , de ; q=0.6", EN},
		{"de-CH;q=1.5, en", EN}, // an impossible weight refuses
	} {
		if got := Negotiate(c.header); got != c.want {
			t.Errorf("Negotiate(%q) = %s, want %s", c.header, got, c.want)
		}
	}
}

func TestTemplatesRenderTheirValues(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 16, 0, 0, 0, berlin)
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	for _, c := range []struct {
		key  string
		args Args
		de   string
		en   string
	}{
		{"in-the-past", Args{"at": at},
			"Der Beginn am 3. Dezember 2026 um 16:00 Uhr liegt in der Vergangenheit.",
			"The start, on 3 December 2026 at 16:00, is in the past."},
		{"conflict.with", Args{"title": Quoted("Bauausschuss"), "from": at, "until": at.Add(3 * time.Hour)},
			"Der Raum ist zu dieser Zeit schon belegt: „Bauausschuss“ am 3. Dezember 2026 von 16:00 bis 19:00 Uhr. Die Vor- und Nachbereitung beider Termine zählt mit.",
			"The room is already booked at that time: “Bauausschuss” on 3 December 2026 from 16:00 to 19:00. Both meetings' setup and teardown times count."},
		{"outside-bookable-hours", Args{"room": "Ratssaal", "days": weekdays, "from": "07:00", "until": "22:00"},
			"Die Zeit liegt außerhalb der Buchungszeiten: Ratssaal ist nur montags bis freitags von 07:00 bis 22:00 Uhr buchbar.",
			"The time lies outside the bookable hours: Ratssaal can only be booked Mondays to Fridays from 07:00 to 22:00."},
		{"too-long", Args{"room": "Ratssaal", "max": 10 * time.Hour, "length": 12*time.Hour + 30*time.Minute},
			"Ratssaal lässt sich höchstens 10 Stunden am Stück buchen; diese Buchung dauert 12 Stunden und 30 Minuten.",
			"Ratssaal can be booked for at most 10 hours at a time; this booking lasts 12 hours and 30 minutes."},
		{"rate-limited.login", Args{"wait": 31 * time.Second},
			"Zu viele Anmeldeversuche. Bitte versuchen Sie es in 31 Sekunden noch einmal.",
			"Too many login attempts. Try again in 31 seconds."},
		{"series-conflict.update", Args{"count": 3},
			"3 Termine würden mit bestehenden Buchungen kollidieren; es wurde nichts geändert.",
			"3 meetings would collide with existing bookings; nothing was changed."},
		{"field.required", Args{"field": Key("field.title")},
			"Bitte füllen Sie das Feld „Titel“ aus.", "Title is required."},
		{"wrong-state.checkin-early", Args{"at": at.Add(-15 * time.Minute)},
			"Das Einchecken ist ab 15:45 Uhr möglich.", "Check-in opens at 15:45."},
		{"reason.licences", Args{"count": 2, "from": at, "to": at.Add(2 * time.Hour)},
			"alle 2 Lizenzen sind am 3. Dezember 2026 von 16:00 bis 18:00 Uhr belegt",
			"all 2 licences are taken on 3 December 2026 from 16:00 to 18:00"},
	} {
		if got := Render(DE, c.key, c.args); got != c.de {
			t.Errorf("%s de:\n got %q\nwant %q", c.key, got, c.de)
		}
		if got := Render(EN, c.key, c.args); got != c.en {
			t.Errorf("%s en:\n got %q\nwant %q", c.key, got, c.en)
		}
	}
}

func TestWeekdaysInWords(t *testing.T) {
	wd := func(ds ...time.Weekday) []time.Weekday { return ds }
	for _, c := range []struct {
		days   []time.Weekday
		de, en string
	}{
		{wd(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday), "montags bis samstags", "Mondays to Saturdays"},
		{wd(time.Tuesday, time.Thursday), "dienstags und donnerstags", "Tuesdays and Thursdays"},
		{wd(time.Monday, time.Tuesday, time.Friday), "montags, dienstags und freitags", "Mondays, Tuesdays and Fridays"},
		{wd(time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday), "täglich", "daily"},
	} {
		if got := format(DE, "", c.days); got != c.de {
			t.Errorf("de %v = %q, want %q", c.days, got, c.de)
		}
		if got := format(EN, "", c.days); got != c.en {
			t.Errorf("en %v = %q, want %q", c.days, got, c.en)
		}
	}
}
