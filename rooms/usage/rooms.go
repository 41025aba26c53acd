package usage

import (
	"sort"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// window is one day's bookable stretch of a room, with what fell into it.
type window struct {
	day      rooms.Date
	from, to time.Time // empty (from == to) on a closed day
	week     int       // index into the room's weeks
	booked   float64   // hours, the union of booked time
	used     float64
	byKind   [4]float64 // in the order of rooms.Kinds
	counts   Figures    // only the counts are used
}

// roomFigures computes one room's total and weekly figures and adds its
// hours to the heat map. Every time is cut at the day's bookable window
// (the room's hours on its bookable days, nothing on a closure day), read
// as instants in the room's zone: a day with a DST change has 23 or 25
// real hours where the room is open around the clock, and an 08:00–18:00
// day stays 10 hours.
func roomFigures(in Input, room rooms.Room, ms []*Meeting, heat *heatSums) (Figures, []WeekRow) {
	zone := room.Zone
	if zone == nil {
		zone = orUTC(in.Zone)
	}
	var wins []window
	var weeks []WeekRow
	for d := in.From; !in.To.Before(d); d = nextDay(d) {
		w := window{day: d}
		midnight := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, zone)
		monday := midnight.AddDate(0, 0, -(int(midnight.Weekday())+6)%7)
		key := rooms.DateOf(monday, zone).String()
		if len(weeks) == 0 || weeks[len(weeks)-1].Week != key {
			weeks = append(weeks, WeekRow{Room: room.ID, Week: key, Figures: Figures{ByKind: map[rooms.Kind]float64{}}})
		}
		weeks[len(weeks)-1].Days++
		w.week = len(weeks) - 1
		w.from, w.to = midnight, midnight
		if _, shut := rooms.ClosureFor(in.Closures, room, midnight); !shut {
			switch {
			case room.Hours.Unlimited():
				w.from, w.to = midnight, time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, zone)
			default:
				if from, until, open := room.Hours.Window(midnight, zone); open && from.Before(until) {
					w.from, w.to = from, until
				}
			}
		}
		heat.add(w.from, w.to, zone, &heat.bookable)
		wins = append(wins, w)
	}
	// each calls fn with every piece of [a, b) inside a window.
	each := func(a, b time.Time, fn func(w *window, from, to time.Time)) {
		i := sort.Search(len(wins), func(i int) bool { return wins[i].to.After(a) })
		for ; i < len(wins) && wins[i].from.Before(b); i++ {
			from, to := later(a, wins[i].from), earlier(b, wins[i].to)
			if from.Before(to) {
				fn(&wins[i], from, to)
			}
		}
	}
	// Booked time as a union: a no-show release frees the room, and a
	// booking made into the freed time must not count the hour twice.
	for _, iv := range union(ms) {
		each(iv[0], iv[1], func(w *window, from, to time.Time) {
			w.booked += hours(to.Sub(from))
			heat.add(from, to, zone, &heat.booked)
		})
	}
	for _, m := range ms {
		if k := kindIndex(m.Kind); k >= 0 {
			each(m.Start, m.End, func(w *window, from, to time.Time) { w.byKind[k] += hours(to.Sub(from)) })
		}
		if !m.Used.IsZero() {
			each(m.Start, m.Used, func(w *window, from, to time.Time) { w.used += hours(to.Sub(from)) })
		}
		// Counted once, on the day it starts.
		d := rooms.DateOf(m.Start, zone)
		i := sort.Search(len(wins), func(i int) bool { return !wins[i].day.Before(d) })
		if i == len(wins) || wins[i].day != d {
			continue
		}
		c := &wins[i].counts
		c.Bookings++
		if m.CheckinRequired {
			c.CheckinRequired++
			switch {
			case m.CheckedIn:
				c.CheckedIn++
			case m.Status == rooms.StatusReleased:
				c.NoShows++
			}
		}
		if !m.Used.IsZero() && m.Used.Before(m.End) {
			c.EarlyEnds++
		}
	}
	total := Figures{ByKind: map[rooms.Kind]float64{}}
	for i := range wins {
		w := &wins[i]
		for _, f := range []*Figures{&total, &weeks[w.week].Figures} {
			f.BookableHours += hours(w.to.Sub(w.from))
			f.BookedHours += w.booked
			f.UsedHours += w.used
			for k, h := range w.byKind {
				f.ByKind[rooms.Kinds[k]] += h
			}
			f.Bookings += w.counts.Bookings
			f.CheckinRequired += w.counts.CheckinRequired
			f.CheckedIn += w.counts.CheckedIn
			f.NoShows += w.counts.NoShows
			f.EarlyEnds += w.counts.EarlyEnds
		}
	}
	total.finish()
	for i := range weeks {
		weeks[i].finish()
	}
	return total, weeks
}

func (f *Figures) finish() {
	f.Utilisation = percent(f.BookedHours, f.BookableHours)
	f.CheckinRate = percent(float64(f.CheckedIn), float64(f.CheckedIn+f.NoShows))
	for _, k := range rooms.Kinds {
		if _, ok := f.ByKind[k]; !ok {
			f.ByKind[k] = 0
		}
	}
}

// kindIndex is k's place in rooms.Kinds, -1 for none (validation lets
// no other kind in).
func kindIndex(k rooms.Kind) int {
	for i, known := range rooms.Kinds {
		if k == known {
			return i
		}
	}
	return -1
}

// union merges the booked intervals of meetings (sorted by start).
func union(ms []*Meeting) [][2]time.Time {
	var out [][2]time.Time
	for _, m := range ms {
		if !m.Start.Before(m.End) {
			continue
		}
		if n := len(out); n > 0 && !m.Start.After(out[n-1][1]) {
			out[n-1][1] = later(out[n-1][1], m.End)
			continue
		}
		out = append(out, [2]time.Time{m.Start, m.End})
	}
	return out
}

func nextDay(d rooms.Date) rooms.Date {
	t := time.Date(d.Year, d.Month, d.Day+1, 12, 0, 0, 0, time.UTC)
	return rooms.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

func hours(d time.Duration) float64 { return d.Hours() }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// heatSums adds up bookable and booked hours per local weekday and hour.
type heatSums struct{ bookable, booked [7][24]float64 }

// add adds [a, b) to sums, cut at the local hour boundaries of zone.
func (h *heatSums) add(a, b time.Time, zone *time.Location, sums *[7][24]float64) {
	for a.Before(b) {
		lt := a.In(zone)
		next := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), 0, 0, 0, zone).Add(time.Hour)
		if !next.After(a) { // the repeated hour of a fall-back night
			next = a.Add(time.Hour)
		}
		next = earlier(next, b)
		sums[(int(lt.Weekday())+6)%7][lt.Hour()] += hours(next.Sub(a))
		a = next
	}
}

func (h *heatSums) percent() Heat {
	var out Heat
	for d := range 7 {
		for hr := range 24 {
			out.Percent[d][hr] = percent(h.booked[d][hr], h.bookable[d][hr])
		}
	}
	return out
}
