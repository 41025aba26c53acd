package problems

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Value types a template may hold besides strings and numbers. Times are
// shown in their own location: callers pass them in the room's zone.
type (
	// Clock is a time of day: "16:00" (templates add "Uhr").
	Clock time.Time
	// Date is a day: "3. Dezember 2026" / "3 December 2026".
	Date time.Time
	// Quoted is a name that may contain anything, e.g. a booking's title:
	// „Bauausschuss“ / “Bauausschuss”.
	Quoted string
)

// A time.Time renders as day and time in words; a time.Duration in hours
// and minutes (seconds below a minute); []time.Weekday as "montags bis
// freitags"; []string as a list with "und"/"and". as is the template's
// ":date" or ":clock" after a time's name.
func format(l Lang, as string, v any) string {
	if t, ok := v.(time.Time); ok {
		switch as {
		case "date":
			v = Date(t)
		case "clock":
			v = Clock(t)
		}
	}
	switch v := v.(type) {
	case string:
		return v
	case Quoted:
		if l == EN {
			return "“" + string(v) + "”"
		}
		return "„" + string(v) + "“"
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case time.Time:
		if l == EN {
			return "on " + date(l, v) + " at " + v.Format("15:04")
		}
		return "am " + date(l, v) + " um " + v.Format("15:04") + " Uhr"
	case Clock:
		return time.Time(v).Format("15:04")
	case Date:
		return date(l, time.Time(v))
	case time.Duration:
		return duration(l, v)
	case []time.Weekday:
		return weekdays(l, v)
	case []string:
		return list(l, v)
	case Key:
		return Render(l, string(v), nil)
	case Message:
		return Render(l, v.Key, v.Args)
	case Text:
		return v.In(l)
	}
	return fmt.Sprint(v)
}

var months = [12]Text{
	{"Januar", "January"}, {"Februar", "February"}, {"März", "March"}, {"April", "April"},
	{"Mai", "May"}, {"Juni", "June"}, {"Juli", "July"}, {"August", "August"},
	{"September", "September"}, {"Oktober", "October"}, {"November", "November"}, {"Dezember", "December"},
}

func date(l Lang, t time.Time) string {
	m := months[t.Month()-1].In(l)
	if l == EN {
		return fmt.Sprintf("%d %s %d", t.Day(), m, t.Year())
	}
	return fmt.Sprintf("%d. %s %d", t.Day(), m, t.Year())
}

// duration says d in words, rounded to the minute (to the second below one).
func duration(l Lang, d time.Duration) string {
	if d < time.Minute {
		s := int(d.Round(time.Second) / time.Second)
		return plural(l, s, Text{"Sekunde", "second"}, Text{"Sekunden", "seconds"})
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if h > 0 {
		parts = append(parts, plural(l, h, Text{"Stunde", "hour"}, Text{"Stunden", "hours"}))
	}
	if m > 0 {
		parts = append(parts, plural(l, m, Text{"Minute", "minute"}, Text{"Minuten", "minutes"}))
	}
	return list(l, parts)
}

func plural(l Lang, n int, one, many Text) string {
	if n == 1 {
		return "1 " + one.In(l)
	}
	return strconv.Itoa(n) + " " + many.In(l)
}

// list joins items: "a, b und c" / "a, b and c".
func list(l Lang, items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	and := " und "
	if l == EN {
		and = " and "
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}

// On Mondays, in both languages; Monday first, as in Germany.
var dayNames = [7]Text{
	{"sonntags", "Sundays"}, {"montags", "Mondays"}, {"dienstags", "Tuesdays"}, {"mittwochs", "Wednesdays"},
	{"donnerstags", "Thursdays"}, {"freitags", "Fridays"}, {"samstags", "Saturdays"},
}

// weekdays says a set of days: a run of three or more consecutive days
// (Monday first) as "montags bis freitags", others listed.
func weekdays(l Lang, days []time.Weekday) string {
	on := [7]bool{}
	for _, d := range days {
		on[(int(d)+6)%7] = true // index 0 = Monday
	}
	if on == [7]bool{true, true, true, true, true, true, true} {
		return Text{"täglich", "daily"}.In(l)
	}
	var parts []string
	to := " bis "
	if l == EN {
		to = " to "
	}
	for i := 0; i < 7; {
		if !on[i] {
			i++
			continue
		}
		j := i
		for j+1 < 7 && on[j+1] {
			j++
		}
		name := func(k int) string { return dayNames[(k+1)%7].In(l) }
		switch {
		case j-i >= 2:
			parts = append(parts, name(i)+to+name(j))
		case j > i:
			parts = append(parts, name(i), name(j))
		default:
			parts = append(parts, name(i))
		}
		i = j + 1
	}
	return list(l, parts)
}
