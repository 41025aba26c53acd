package rooms

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// DescribeRule says a series' rule in German and in English, with the
// template's local times: "alle 2 Wochen dienstags, 16:00–19:00" / "every 2
// weeks on Tuesday, 16:00–19:00". The common patterns of a city's
// committees get plain words; anything else is quoted as its rule, because
// a description that is wrong is worse than one that is technical.
func DescribeRule(body string, start, end time.Time, zone *time.Location) (de, en string, err error) {
	r, err := parseRule(body)
	if err != nil {
		return "", "", err
	}
	zone = orUTC(zone)
	ls, le := start.In(zone), end.In(zone)
	p, ok := r.pattern(ls)
	if !ok {
		text := strings.ToUpper(strings.TrimSpace(body))
		p = words{"Serie nach der Regel " + text, "series following the rule " + text}
	}
	t := timesOfDay(ls, le)
	u := r.ending(zone)
	return p.de + ", " + t.de + u.de, p.en + ", " + t.en + u.en, nil
}

// words is one phrase in both languages.
type words struct{ de, en string }

// rule parts that DescribeRule puts into words besides FREQ; WKST only
// shifts which weeks an INTERVAL>1 series skips, not what it says.
var plainParts = map[string]bool{"FREQ": true, "INTERVAL": true, "COUNT": true, "UNTIL": true, "WKST": true}

// pattern says how often and on which days; ok is false for rules outside
// the patterns below.
func (r *rule) pattern(ls time.Time) (words, bool) {
	var extra []string
	for k := range r.parts {
		if !plainParts[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	by := strings.Join(extra, ";")
	n := max(r.opt.Interval, 1)
	switch r.opt.Freq {
	case rrule.DAILY:
		switch {
		case by == "":
			return every(n, words{"täglich", "daily"}, words{"Tage", "days"}), true
		case by == "BYDAY" && n == 1: // = weekly on those days
			return weekly(1, r.opt.Byweekday), true
		}
	case rrule.WEEKLY:
		switch by {
		case "":
			return weekly(n, []rrule.Weekday{rruleWeekday(ls.Weekday())}), true
		case "BYDAY":
			return weekly(n, r.opt.Byweekday), true
		}
	case rrule.MONTHLY:
		return r.monthly(by, n, ls)
	case rrule.YEARLY:
		return r.yearly(by, n, ls)
	}
	return words{}, false
}

func every(n int, one, unit words) words {
	if n == 1 {
		return one
	}
	return words{fmt.Sprintf("alle %d %s", n, unit.de), fmt.Sprintf("every %d %s", n, unit.en)}
}

func weekly(n int, days []rrule.Weekday) words {
	idx := make([]int, 0, len(days))
	for _, d := range days {
		idx = append(idx, d.Day())
	}
	slices.Sort(idx) // Monday first, as in Germany
	idx = slices.Compact(idx)
	var de, en []string
	for _, i := range idx {
		de = append(de, weekdayAdverbDE[i])
		en = append(en, weekdayEN[i])
	}
	w := every(n, words{"wöchentlich", "weekly"}, words{"Wochen", "weeks"})
	return words{w.de + " " + list(de, "und"), w.en + " on " + list(en, "and")}
}

func (r *rule) monthly(by string, n int, ls time.Time) (words, bool) {
	var on words
	switch by {
	case "":
		d, ok := monthDay(ls.Day())
		if !ok {
			return words{}, false
		}
		on = d
	case "BYMONTHDAY":
		d, ok := monthDays(r.opt.Bymonthday)
		if !ok {
			return words{}, false
		}
		on = d
	case "BYDAY":
		d, ok := nthWeekdays(r.opt.Byweekday)
		if !ok {
			return words{}, false
		}
		if n == 1 {
			return words{"jeden " + d.de + " im Monat", "on the " + d.en + " of every month"}, true
		}
		return words{fmt.Sprintf("alle %d Monate am %s", n, d.de), fmt.Sprintf("every %d months on the %s", n, d.en)}, true
	default:
		return words{}, false
	}
	if n == 1 {
		return words{"am " + on.de + " jedes Monats", "on the " + on.en + " of every month"}, true
	}
	return words{fmt.Sprintf("alle %d Monate am %s", n, on.de), fmt.Sprintf("every %d months on the %s", n, on.en)}, true
}

func (r *rule) yearly(by string, n int, ls time.Time) (words, bool) {
	month, day := ls.Month(), ls.Day()
	if len(r.opt.Bymonth) == 1 {
		month = time.Month(r.opt.Bymonth[0])
	}
	var on words
	switch by {
	case "", "BYMONTH", "BYMONTH;BYMONTHDAY":
		if len(r.opt.Bymonthday) == 1 {
			day = r.opt.Bymonthday[0]
		}
		// A day some years lack (29 February) would make "every year" wrong.
		if len(r.opt.Bymonth) > 1 || day < 1 || day > daysInMonth(month, 2025) {
			return words{}, false
		}
		on = words{fmt.Sprintf("%d. %s", day, monthDE[month-1]), fmt.Sprintf("%d %s", day, month)}
	case "BYDAY;BYMONTH":
		d, ok := nthWeekdays(r.opt.Byweekday)
		if !ok || len(r.opt.Bymonth) != 1 {
			return words{}, false
		}
		on = words{d.de + " im " + monthDE[month-1], "the " + d.en + " of " + month.String()}
	default:
		return words{}, false
	}
	w := every(n, words{"jährlich", "every year"}, words{"Jahre", "years"})
	return words{w.de + " am " + on.de, w.en + " on " + on.en}, true
}

// monthDay names a day of the month that every month has.
func monthDay(d int) (words, bool) {
	switch {
	case d == -1:
		return words{"letzten Tag", "last day"}, true
	case d >= 1 && d <= 28:
		return words{fmt.Sprintf("%d.", d), englishOrdinal(d)}, true
	}
	return words{}, false // the 30th: skipped in some months
}

func monthDays(days []int) (words, bool) {
	sorted := slices.Clone(days)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var de, en []string
	for _, d := range sorted {
		w, ok := monthDay(d)
		if !ok || (d < 0 && len(sorted) > 1) {
			return words{}, false
		}
		de = append(de, w.de)
		en = append(en, w.en)
	}
	return words{list(de, "und"), list(en, "and")}, true
}

// nthWeekdays says "ersten und dritten Donnerstag" / "first and third
// Thursday"; only ordinals that every month has are put into words.
func nthWeekdays(days []rrule.Weekday) (words, bool) {
	if len(days) == 0 {
		return words{}, false
	}
	sameDay := true
	for _, d := range days {
		if _, ok := ordinalDE[d.N()]; !ok {
			return words{}, false
		}
		sameDay = sameDay && d.Day() == days[0].Day()
	}
	var de, en []string
	for _, d := range days {
		o, e := ordinalDE[d.N()], ordinalEN[d.N()]
		if !sameDay {
			o, e = o+" "+weekdayDE[d.Day()], e+" "+weekdayEN[d.Day()]
		}
		de, en = append(de, o), append(en, e)
	}
	w := words{list(de, "und"), list(en, "and")}
	if sameDay {
		w.de += " " + weekdayDE[days[0].Day()]
		w.en += " " + weekdayEN[days[0].Day()]
	}
	return w, true
}

// timesOfDay says "16:00–19:00". An end after the next morning gets its
// day count, so that a multi-day template does not read as an evening.
func timesOfDay(ls, le time.Time) words {
	from, to := ls.Format("15:04"), le.Format("15:04")
	span := from + "–" + to
	days := int(calendarDay(le).Sub(calendarDay(ls)) / (24 * time.Hour))
	switch {
	case days == 0 || days == 1 && to <= from: // 22:00–01:00 reads right
		return words{span, span}
	case days == 1:
		return words{span + " (+1 Tag)", span + " (+1 day)"}
	}
	return words{fmt.Sprintf("%s (+%d Tage)", span, days), fmt.Sprintf("%s (+%d days)", span, days)}
}

// calendarDay is t's local date as UTC midnight, for counting days.
func calendarDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ending says how the series ends: ", 10 Termine", ", bis 31.12.2027".
func (r *rule) ending(zone *time.Location) words {
	if r.opt.Count == 1 {
		return words{", 1 Termin", ", once"}
	}
	if r.opt.Count > 1 {
		return words{fmt.Sprintf(", %d Termine", r.opt.Count), fmt.Sprintf(", %d times", r.opt.Count)}
	}
	var day time.Time
	switch r.untilForm {
	case untilNone:
		return words{}
	case untilUTC:
		day = r.until.In(zone)
	default:
		day = r.until // floating: its fields are the local date
	}
	return words{", bis " + day.Format("02.01.2006"), ", until " + day.Format("2 January 2006")}
}

func list(items []string, and string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + and + " " + items[len(items)-1]
}

func englishOrdinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// rruleWeekday converts Go's weekday (Sunday 0) to rrule-go's (Monday 0).
func rruleWeekday(d time.Weekday) rrule.Weekday {
	return [7]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}[d]
}

// Indexed by rrule-go's weekday: Monday 0.
var (
	weekdayDE       = [7]string{"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"}
	weekdayAdverbDE = [7]string{"montags", "dienstags", "mittwochs", "donnerstags", "freitags", "samstags", "sonntags"}
	weekdayEN       = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

var monthDE = [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}

// Ordinals that every month has (a fifth Thursday it has not).
var (
	ordinalDE = map[int]string{1: "ersten", 2: "zweiten", 3: "dritten", 4: "vierten", -1: "letzten", -2: "vorletzten"}
	ordinalEN = map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last", -2: "second to last"}
)
