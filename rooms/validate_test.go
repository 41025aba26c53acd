package rooms

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
)

// validateNow is Thursday 26 November 2026, 09:00:30 in Berlin: mid-minute,
// so that "the current minute is not the past" is tested too.
var validateNow = time.Date(2026, 11, 26, 8, 0, 30, 0, time.UTC)

func TestValidate(t *testing.T) {
	room := officeRoom(t)
	// Monday 30 November 2026, 10:00–12:00 in Berlin.
	valid := func() Booking {
		return booking("", room.ID, local(t, 2026, 11, 30, 10, 0), local(t, 2026, 11, 30, 12, 0))
	}
	type problem struct{ field, code string }
	tests := []struct {
		name      string
		edit      func(b *Booking)
		room      func(r *Room)
		noPast    bool // checkPast false
		want      []problem
		wantInMsg []string
	}{
		{name: "valid", edit: func(b *Booking) {}},
		{name: "all fields at their limits", edit: func(b *Booking) {
			b.Title = strings.Repeat("ä", MaxTitleLen) // 400 bytes, 200 characters
			b.Organizer = strings.Repeat("ß", MaxOrganizerLen)
			b.Committee = strings.Repeat("x", MaxCommitteeLen)
			b.Notes = strings.Repeat("ö", MaxNotesLen)
			b.Setup, b.Teardown = MaxBuffer, MaxBuffer
			b.Hybrid = Hybrid{Enabled: true, ExpectedRemote: MaxRemote}
			b.Status = StatusTentative
		}},

		{name: "title missing", edit: func(b *Booking) { b.Title = "" },
			want: []problem{{"title", CodeInvalidField}}, wantInMsg: []string{"title: Title is required."}},
		{name: "title blank", edit: func(b *Booking) { b.Title = " \t\n" },
			want: []problem{{"title", CodeInvalidField}}, wantInMsg: []string{"Title is required."}},
		{name: "title not UTF-8", edit: func(b *Booking) { b.Title = "Sitzung \xff" },
			want: []problem{{"title", CodeInvalidField}}, wantInMsg: []string{"Title is not valid text."}},
		{name: "title too long", edit: func(b *Booking) { b.Title = strings.Repeat("a", MaxTitleLen+1) },
			want: []problem{{"title", CodeInvalidField}}, wantInMsg: []string{"Title is longer than 200 characters."}},
		{name: "organizer missing", edit: func(b *Booking) { b.Organizer = "  " },
			want: []problem{{"organizer", CodeInvalidField}}, wantInMsg: []string{"Organizer is required."}},
		{name: "organizer not UTF-8", edit: func(b *Booking) { b.Organizer = "\xc3\x28" },
			want: []problem{{"organizer", CodeInvalidField}}, wantInMsg: []string{"Organizer is not valid text."}},
		{name: "organizer too long", edit: func(b *Booking) { b.Organizer = strings.Repeat("ü", MaxOrganizerLen+1) },
			want: []problem{{"organizer", CodeInvalidField}}, wantInMsg: []string{"Organizer is longer than 200 characters."}},
		{name: "committee optional", edit: func(b *Booking) { b.Committee = "" }},
		{name: "committee not UTF-8", edit: func(b *Booking) { b.Committee = "\xed\xa0\x80" }, // a surrogate half
			want: []problem{{"committee", CodeInvalidField}}, wantInMsg: []string{"Committee is not valid text."}},
		{name: "committee too long", edit: func(b *Booking) { b.Committee = strings.Repeat("c", MaxCommitteeLen+1) },
			want: []problem{{"committee", CodeInvalidField}}, wantInMsg: []string{"Committee is longer than 200 characters."}},
		{name: "notes not UTF-8", edit: func(b *Booking) { b.Notes = "Beamer\x80" },
			want: []problem{{"notes", CodeInvalidField}}, wantInMsg: []string{"Notes is not valid text."}},
		{name: "notes too long", edit: func(b *Booking) { b.Notes = strings.Repeat("n", MaxNotesLen+1) },
			want: []problem{{"notes", CodeInvalidField}}, wantInMsg: []string{"Notes is longer than 4000 characters."}},

		{name: "kind unknown", edit: func(b *Booking) { b.Kind = "party" },
			want:      []problem{{"kind", CodeInvalidField}},
			wantInMsg: []string{`Kind must be one of council, committee, interview or meeting, not "party".`}},
		{name: "kind missing", edit: func(b *Booking) { b.Kind = "" },
			want: []problem{{"kind", CodeInvalidField}}, wantInMsg: []string{`not "".`}},
		{name: "kind is case-sensitive", edit: func(b *Booking) { b.Kind = "Council" },
			want: []problem{{"kind", CodeInvalidField}}},
		{name: "status unknown", edit: func(b *Booking) { b.Status = "deleted" },
			want:      []problem{{"status", CodeInvalidField}},
			wantInMsg: []string{`Status must be tentative, confirmed or cancelled, not "deleted".`}},
		{name: "cancelled is a valid status", edit: func(b *Booking) { b.Status = StatusCancelled }},

		{name: "setup negative", edit: func(b *Booking) { b.Setup = -time.Minute },
			want: []problem{{"setup_minutes", CodeInvalidField}}, wantInMsg: []string{"Setup must be between 0 and 4 h."}},
		{name: "setup too long", edit: func(b *Booking) { b.Setup = MaxBuffer + time.Minute },
			want: []problem{{"setup_minutes", CodeInvalidField}}},
		{name: "teardown negative", edit: func(b *Booking) { b.Teardown = -time.Nanosecond },
			want: []problem{{"teardown_minutes", CodeInvalidField}}, wantInMsg: []string{"Teardown must be between 0 and 4 h."}},
		{name: "teardown too long", edit: func(b *Booking) { b.Teardown = MaxBuffer + time.Minute },
			want: []problem{{"teardown_minutes", CodeInvalidField}}},
		{name: "both buffers wrong: each named", edit: func(b *Booking) { b.Setup, b.Teardown = -time.Minute, 5*time.Hour },
			want: []problem{{"setup_minutes", CodeInvalidField}, {"teardown_minutes", CodeInvalidField}}},
		{name: "beyond the year 2200", edit: func(b *Booking) { b.Start, b.End = b.Start.AddDate(300, 0, 0), b.End.AddDate(300, 0, 0) },
			want: []problem{{"start", CodeInvalidField}}, wantInMsg: []string{"between the years 2000 and 2200"}},
		{name: "remote negative", edit: func(b *Booking) { b.Hybrid.ExpectedRemote = -1 },
			want:      []problem{{"hybrid.expected_remote", CodeInvalidField}},
			wantInMsg: []string{"Expected remote participants must be between 0 and 10000."}},
		{name: "remote too many", edit: func(b *Booking) { b.Hybrid.ExpectedRemote = MaxRemote + 1 },
			want: []problem{{"hybrid.expected_remote", CodeInvalidField}}},

		{name: "start missing", edit: func(b *Booking) { b.Start = time.Time{} },
			want: []problem{{"start", CodeInvalidField}}, wantInMsg: []string{"The start is required."}},
		{name: "end missing", edit: func(b *Booking) { b.End = time.Time{} },
			want: []problem{{"end", CodeInvalidField}}, wantInMsg: []string{"The end is required."}},
		{name: "both missing", edit: func(b *Booking) { b.Start, b.End = time.Time{}, time.Time{} },
			want: []problem{{"start", CodeInvalidField}}, wantInMsg: []string{"Start and end are required."}},
		{name: "start has seconds", edit: func(b *Booking) { b.Start = b.Start.Add(30 * time.Second) },
			want: []problem{{"start", CodeMisalignedMin}}, wantInMsg: []string{"Start and end must be whole minutes."}},
		{name: "end has nanoseconds", edit: func(b *Booking) { b.End = b.End.Add(time.Nanosecond) },
			want: []problem{{"start", CodeMisalignedMin}}},
		{name: "end equals start", edit: func(b *Booking) { b.End = b.Start },
			want: []problem{{"end", CodeEndNotAfter}}, wantInMsg: []string{"The meeting must end after it starts."}},
		{name: "end before start", edit: func(b *Booking) { b.Start, b.End = b.End, b.Start },
			want: []problem{{"end", CodeEndNotAfter}}},

		{name: "in the past", edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 25, 10, 0), local(t, 2026, 11, 25, 11, 0)
		}, want: []problem{{"start", CodeInPast}}, wantInMsg: []string{"The meeting would start in the past (25.11.2026 10:00)."}},
		{name: "in the past, but times not checked", noPast: true, edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 25, 10, 0), local(t, 2026, 11, 25, 11, 0)
		}},
		{name: "started a minute ago", edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 26, 8, 59), local(t, 2026, 11, 26, 10, 0)
		}, want: []problem{{"start", CodeInPast}}},
		{name: "starts in the current minute", edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 26, 9, 0), local(t, 2026, 11, 26, 10, 0)
		}},

		{name: "exactly the room's maximum", edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 30, 8, 0), local(t, 2026, 11, 30, 18, 0)
		}},
		{name: "too long", edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 30, 8, 0), local(t, 2026, 11, 30, 18, 1)
		}, want: []problem{{"end", CodeTooLong}},
			wantInMsg: []string{"Ratssaal can be booked for at most 10 h at a time; this booking lasts 10 h 1 min."}},
		{name: "too long, short maximum", room: func(r *Room) { r.MaxLength = 90 * time.Minute },
			want: []problem{{"end", CodeTooLong}}, wantInMsg: []string{"at most 1 h 30 min at a time; this booking lasts 2 h."}},
		{name: "no maximum", room: func(r *Room) { r.MaxLength = 0; r.Hours = AlwaysOpen() }, edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 30, 8, 0), local(t, 2026, 12, 4, 18, 0)
		}},

		{name: "on a Saturday", edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 28, 10, 0), local(t, 2026, 11, 28, 12, 0)
		}, want: []problem{{"start", CodeOutsideHours}},
			wantInMsg: []string{"Ratssaal can only be booked on Mon, Tue, Wed, Thu, Fri between 07:00 and 22:00."}},
		{name: "starts before opening", edit: func(b *Booking) { b.Start = local(t, 2026, 11, 30, 6, 59) },
			want: []problem{{"start", CodeOutsideHours}}},
		{name: "starts at opening", edit: func(b *Booking) { b.Start = local(t, 2026, 11, 30, 7, 0) }},
		{name: "ends at closing", edit: func(b *Booking) { b.Start, b.End = local(t, 2026, 11, 30, 20, 0), local(t, 2026, 11, 30, 22, 0) }},
		{name: "ends after closing", edit: func(b *Booking) { b.Start, b.End = local(t, 2026, 11, 30, 20, 0), local(t, 2026, 11, 30, 22, 1) },
			want: []problem{{"start", CodeOutsideHours}}},
		{name: "across midnight", room: func(r *Room) { r.Hours.From, r.Hours.Until = 0, 24*time.Hour }, edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 30, 23, 0), local(t, 2026, 12, 1, 1, 0)
		}, want: []problem{{"start", CodeOutsideHours}}, wantInMsg: []string{"between 00:00 and 24:00"}},

		{name: "several problems at once", edit: func(b *Booking) {
			b.Title, b.Organizer, b.Kind, b.Status = "", "", "party", "gone"
			b.Setup = -time.Minute
			b.Hybrid.ExpectedRemote = -5
			b.Start, b.End = local(t, 2026, 11, 21, 5, 0), local(t, 2026, 11, 21, 23, 30) // a past Saturday, 18 h 30 min
		}, want: []problem{
			{"title", CodeInvalidField}, {"organizer", CodeInvalidField}, {"kind", CodeInvalidField},
			{"status", CodeInvalidField}, {"setup_minutes", CodeInvalidField}, {"hybrid.expected_remote", CodeInvalidField},
			{"start", CodeInPast}, {"end", CodeTooLong}, {"start", CodeOutsideHours},
		}, wantInMsg: []string{"title: Title is required.; organizer: Organizer is required.; kind:", "this booking lasts 18 h 30 min."}},
		{name: "misaligned and in the past", edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 25, 10, 0).Add(time.Second), local(t, 2026, 11, 25, 11, 0)
		}, want: []problem{{"start", CodeMisalignedMin}, {"start", CodeInPast}}},
		{name: "missing times stop the time checks", edit: func(b *Booking) { b.Title = ""; b.Start = time.Time{} },
			want: []problem{{"title", CodeInvalidField}, {"start", CodeInvalidField}}},
		{name: "end before start stops the later time checks", edit: func(b *Booking) {
			b.Start, b.End = local(t, 2026, 11, 21, 10, 0), local(t, 2026, 11, 21, 9, 0)
		}, want: []problem{{"end", CodeEndNotAfter}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := room
			if tt.room != nil {
				tt.room(&r)
			}
			b := valid()
			if tt.edit != nil {
				tt.edit(&b)
			}
			err := Validate(&b, r, validateNow, !tt.noPast)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %T %v, want *ValidationError", err, err)
			}
			var got []problem
			for _, p := range ve.Problems {
				got = append(got, problem{p.Field, p.Code})
				checkReadable(t, p.Message)
			}
			if !equalSlices(got, tt.want) {
				t.Errorf("problems = %v, want %v", got, tt.want)
			}
			for _, s := range tt.wantInMsg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
}

// checkReadable asserts a message is a sentence a secretary can read: no
// formatting accidents, no Go syntax, starting upper-case, ending in a full stop.
func checkReadable(t *testing.T, msg string) {
	t.Helper()
	switch {
	case msg == "":
		t.Error("empty message")
		return
	case !unicode.IsUpper([]rune(msg)[0]):
		t.Errorf("message %q does not start with a capital letter", msg)
	case !strings.HasSuffix(msg, "."):
		t.Errorf("message %q does not end with a full stop", msg)
	}
	for _, bad := range []string{"%!", "<nil>", "time.", "0001-01-01", "UTC", "0s", "h0m"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message %q contains %q", msg, bad)
		}
	}
}

func equalSlices[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestValidationErrorErr(t *testing.T) {
	if err := (&ValidationError{}).Err(); err != nil {
		t.Errorf("empty ValidationError.Err() = %v, want nil", err)
	}
}

func TestUnknownRoom(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"", "room: Choose a room: there is no room given."},
		{"keller", `room: There is no room "keller".`},
	} {
		err := UnknownRoom(tt.id)
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Code != CodeUnknownRoom || ve.Problems[0].Field != "room" {
			t.Fatalf("UnknownRoom(%q) = %#v", tt.id, err)
		}
		if err.Error() != tt.want {
			t.Errorf("UnknownRoom(%q) = %q, want %q", tt.id, err, tt.want)
		}
	}
}

func TestUnlimited(t *testing.T) {
	all := [7]bool{true, true, true, true, true, true, true}
	tests := []struct {
		name string
		h    Hours
		want bool
	}{
		{"AlwaysOpen", AlwaysOpen(), true},
		{"00:00–24:00 every day", Hours{Days: all, Until: 24 * time.Hour}, true},
		{"00:00–23:59", Hours{Days: all, Until: 24*time.Hour - time.Minute}, false},
		{"00:01–24:00", Hours{Days: all, From: time.Minute, Until: 24 * time.Hour}, false},
		{"no Sunday", Hours{Days: [7]bool{false, true, true, true, true, true, true}, Until: 24 * time.Hour}, false},
		{"zero value", Hours{}, false},
	}
	for _, tt := range tests {
		if got := tt.h.Unlimited(); got != tt.want {
			t.Errorf("%s: Unlimited() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The 2026 changes in Berlin: Sunday 29 March 02:00 CET → 03:00 CEST (a
// 23-hour day), Sunday 25 October 03:00 CEST → 02:00 CET (a 25-hour day).
func TestHoursWindowDST(t *testing.T) {
	zone := berlin(t)
	all := [7]bool{true, true, true, true, true, true, true}
	daytime := Hours{Days: all, From: 7 * time.Hour, Until: 22 * time.Hour}
	fullDaysSun := Hours{Days: [7]bool{time.Sunday: true}, Until: 24 * time.Hour}
	tests := []struct {
		name        string
		h           Hours
		at          time.Time
		from, until time.Time
		open        bool
	}{
		{"Saturday before spring forward", daytime, utc(2026, 3, 28, 12, 0), utc(2026, 3, 28, 6, 0), utc(2026, 3, 28, 21, 0), true},
		{"spring forward day", daytime, utc(2026, 3, 29, 12, 0), utc(2026, 3, 29, 5, 0), utc(2026, 3, 29, 20, 0), true},
		{"spring forward day, asked at 00:30 local", daytime, utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 5, 0), utc(2026, 3, 29, 20, 0), true},
		{"spring forward day, asked at 23:59 local", daytime, utc(2026, 3, 29, 21, 59), utc(2026, 3, 29, 5, 0), utc(2026, 3, 29, 20, 0), true},
		{"Saturday before fall back", daytime, utc(2026, 10, 24, 12, 0), utc(2026, 10, 24, 5, 0), utc(2026, 10, 24, 20, 0), true},
		{"fall back day", daytime, utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 21, 0), true},
		// 01:30 local on the fall-back day is still Saturday in UTC.
		{"fall back day, asked at 01:30 local", daytime, utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 21, 0), true},
		{"fall back day, asked at 23:30 local", daytime, utc(2026, 10, 25, 22, 30), utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 21, 0), true},
		{"Monday after fall back", daytime, utc(2026, 10, 26, 12, 0), utc(2026, 10, 26, 6, 0), utc(2026, 10, 26, 21, 0), true},

		{"whole spring forward day is 23 h", fullDaysSun, utc(2026, 3, 29, 12, 0), utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0), true},
		{"whole fall back day is 25 h", fullDaysSun, utc(2026, 10, 25, 12, 0), utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0), true},
		{"closed Saturday", fullDaysSun, utc(2026, 10, 24, 12, 0), utc(2026, 10, 23, 22, 0), utc(2026, 10, 24, 22, 0), false},
		{"closed Sunday", Hours{Days: weekdays, From: 7 * time.Hour, Until: 22 * time.Hour}, utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 21, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, until, open := tt.h.Window(tt.at, zone)
			if !from.Equal(tt.from) || !until.Equal(tt.until) || open != tt.open {
				t.Errorf("Window(%s) = %s, %s, %v; want %s, %s, %v", tt.at.Format(time.RFC3339),
					from.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339), open,
					tt.from.Format(time.RFC3339), tt.until.Format(time.RFC3339), tt.open)
			}
		})
	}
}

func TestWithinHoursDST(t *testing.T) {
	zone := berlin(t)
	all := [7]bool{true, true, true, true, true, true, true}
	room := func(h Hours) Room { return Room{ID: "r", Name: "R", Zone: zone, Hours: h} }
	unlimited := room(AlwaysOpen())
	daytime := room(Hours{Days: all, From: 7 * time.Hour, Until: 22 * time.Hour})
	sunday := room(Hours{Days: [7]bool{time.Sunday: true}, Until: 24 * time.Hour})
	saturday := room(Hours{Days: [7]bool{time.Saturday: true}, Until: 24 * time.Hour})
	weekend := room(Hours{Days: [7]bool{time.Saturday: true, time.Sunday: true}, Until: 24 * time.Hour})
	weekdaysOnly := room(Hours{Days: weekdays, Until: 24 * time.Hour})
	sundayFrom2 := room(Hours{Days: [7]bool{time.Sunday: true}, From: 2 * time.Hour, Until: 24 * time.Hour})

	// 01:30 CEST and 03:30 CET on the fall-back day: four real hours.
	fallStart, fallEnd := local(t, 2026, 10, 25, 1, 30), local(t, 2026, 10, 25, 3, 30)
	if !fallStart.Equal(utc(2026, 10, 24, 23, 30)) || !fallEnd.Equal(utc(2026, 10, 25, 2, 30)) {
		t.Fatalf("tzdata disagrees: 01:30 = %s, 03:30 = %s", fallStart.UTC(), fallEnd.UTC())
	}
	// 01:30 CET and 03:30 CEST on the spring-forward day: one real hour.
	springStart, springEnd := local(t, 2026, 3, 29, 1, 30), local(t, 2026, 3, 29, 3, 30)
	if !springStart.Equal(utc(2026, 3, 29, 0, 30)) || !springEnd.Equal(utc(2026, 3, 29, 1, 30)) {
		t.Fatalf("tzdata disagrees: 01:30 = %s, 03:30 = %s", springStart.UTC(), springEnd.UTC())
	}

	tests := []struct {
		name       string
		room       Room
		start, end time.Time
		want       bool
	}{
		{"unlimited: across both DST days", unlimited, utc(2026, 3, 28, 12, 0), utc(2026, 10, 26, 12, 0), true},
		{"unlimited: no zone", Room{Hours: AlwaysOpen()}, utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 2, 30), true},

		{"fall back 01:30–03:30, Sunday 00–24", sunday, fallStart, fallEnd, true},
		{"fall back 01:30–03:30, weekend 00–24", weekend, fallStart, fallEnd, true},
		{"fall back 01:30–03:30, Saturday only (the UTC weekday)", saturday, fallStart, fallEnd, false},
		{"fall back 01:30–03:30, weekdays 00–24", weekdaysOnly, fallStart, fallEnd, false},
		{"fall back 01:30–03:30, Sunday from 02:00", sundayFrom2, fallStart, fallEnd, false},
		{"fall back whole day, Sunday 00–24", sunday, utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0), true},
		{"fall back whole day and a minute", sunday, utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 1), false},
		{"spring forward 01:30–03:30, Sunday 00–24", sunday, springStart, springEnd, true},
		{"spring forward whole day, Sunday 00–24", sunday, utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0), true},
		{"spring forward whole day and a minute", sunday, utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 1), false},

		{"spring forward 07:00–22:00", daytime, utc(2026, 3, 29, 5, 0), utc(2026, 3, 29, 20, 0), true},
		{"spring forward 06:59 (CEST)", daytime, utc(2026, 3, 29, 4, 59), utc(2026, 3, 29, 6, 0), false},
		{"spring forward until 22:01 (CEST)", daytime, utc(2026, 3, 29, 19, 0), utc(2026, 3, 29, 20, 1), false},
		{"fall back 07:00–22:00", daytime, utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 21, 0), true},
		{"fall back 06:00Z is 07:00 CET", daytime, utc(2026, 10, 25, 6, 0), utc(2026, 10, 25, 7, 0), true},
		{"fall back 05:00Z is 06:00 CET", daytime, utc(2026, 10, 25, 5, 0), utc(2026, 10, 25, 7, 0), false},
		{"fall back until 21:01Z is 22:01 CET", daytime, utc(2026, 10, 25, 20, 0), utc(2026, 10, 25, 21, 1), false},

		{"closed day: Saturday", weekdaysOnly, local(t, 2026, 10, 24, 10, 0), local(t, 2026, 10, 24, 12, 0), false},
		{"closed day: Sunday", weekdaysOnly, local(t, 2026, 3, 29, 10, 0), local(t, 2026, 3, 29, 12, 0), false},
		{"open day: Monday", weekdaysOnly, local(t, 2026, 10, 26, 10, 0), local(t, 2026, 10, 26, 12, 0), true},
		{"Friday into closed Saturday", weekdaysOnly, local(t, 2026, 10, 23, 23, 0), local(t, 2026, 10, 24, 1, 0), false},
		{"Monday into Tuesday", weekdaysOnly, local(t, 2026, 10, 26, 23, 0), local(t, 2026, 10, 27, 1, 0), false},
		{"Monday to midnight", weekdaysOnly, local(t, 2026, 10, 26, 23, 0), local(t, 2026, 10, 27, 0, 0), true},
	}
	for _, tt := range tests {
		if got := WithinHours(tt.start, tt.end, tt.room); got != tt.want {
			t.Errorf("%s: WithinHours(%s, %s) = %v, want %v", tt.name,
				tt.start.UTC().Format(time.RFC3339), tt.end.UTC().Format(time.RFC3339), got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	all := [7]bool{true, true, true, true, true, true, true}
	tests := []struct {
		h    Hours
		want string
	}{
		{Hours{Days: weekdays, From: 7 * time.Hour, Until: 22 * time.Hour}, "on Mon, Tue, Wed, Thu, Fri between 07:00 and 22:00"},
		{AlwaysOpen(), "at any time"},
		{Hours{Days: all, Until: 24 * time.Hour}, "at any time"},
		{Hours{Days: all, From: 8*time.Hour + 30*time.Minute, Until: 18*time.Hour + 15*time.Minute},
			"on Mon, Tue, Wed, Thu, Fri, Sat, Sun between 08:30 and 18:15"},
		{Hours{Days: [7]bool{time.Saturday: true, time.Sunday: true}, Until: 24 * time.Hour}, "on Sat, Sun between 00:00 and 24:00"},
		{Hours{Days: [7]bool{time.Sunday: true, time.Monday: true}, From: 9 * time.Hour, Until: 12 * time.Hour}, "on Mon, Sun between 09:00 and 12:00"},
	}
	for _, tt := range tests {
		if got := tt.h.Describe(); got != tt.want {
			t.Errorf("Describe(%+v) = %q, want %q", tt.h, got, tt.want)
		}
	}
}

func TestValidSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"ratssaal": true, "sitzungszimmer-2": true, "a": true, "9": true, strings.Repeat("a", 64): true,
		"": false, "-a": false, "a-": false, "Ratssaal": false, "raum 1": false, "räume": false,
		strings.Repeat("a", 65): false, "a\n": false,
	} {
		if got := ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestLocal(t *testing.T) {
	at := utc(2026, 10, 25, 6, 0)
	if got, want := officeRoom(t).Local(at), "2026-10-25T07:00:00+01:00"; got != want {
		t.Errorf("Local = %q, want %q", got, want)
	}
	if got, want := (Room{}).Local(at.In(berlin(t))), "2026-10-25T07:00:00+01:00"; got != want {
		t.Errorf("Local without zone = %q, want %q (the instant's own zone)", got, want)
	}
	if got, want := officeRoom(t).String(), "Ratssaal (ratssaal)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}
