package ical

import (
	"math/rand/v2"
	"testing"
	"time"
)

// walkOffsetAt is an uploaded zone's offset found the slow and obvious
// way, as before zoneTable: by walking every observance's every onset,
// here every year of every rule. (The walk before zoneTable looked only at
// a rule's onsets of the year before and the year of t, and at its last
// two years: it missed the onset before the last year when UNTIL fell
// before the last year's onset.)
func walkOffsetAt(z *vtimezone, t time.Time) int {
	var best time.Time
	off, found := 0, false
	for _, o := range z.obs {
		if at, ok := walkLatestOnset(o, t); ok && (!found || at.After(best)) {
			best, off, found = at, o.to, true
		}
	}
	if found {
		return off
	}
	earliest := z.obs[0]
	for _, o := range z.obs[1:] {
		if o.start.Before(earliest.start) {
			earliest = o
		}
	}
	return earliest.from
}

func walkLatestOnset(o *tzObservance, t time.Time) (time.Time, bool) {
	var best time.Time
	found := false
	consider := func(wall time.Time) {
		at := wall.Add(-time.Duration(o.from) * time.Second)
		if !at.After(t) && (!found || at.After(best)) {
			best, found = at, true
		}
	}
	consider(o.start)
	for _, d := range o.rdates {
		consider(d)
	}
	if r := o.rule; r != nil {
		startYear := o.start.Year()
		clock := o.start.Sub(time.Date(startYear, o.start.Month(), o.start.Day(), 0, 0, 0, 0, time.UTC))
		last := t.Year()
		if r.count > 0 {
			last = min(last, startYear+r.count-1)
		}
		if !r.until.IsZero() {
			last = min(last, r.until.Year())
		}
		for y := startYear; y <= last; y++ {
			d, ok := r.day(y)
			if !ok {
				continue
			}
			wall := d.Add(clock)
			if wall.Before(o.start) || !r.until.IsZero() && wall.Add(-time.Duration(o.from)*time.Second).After(r.until) {
				continue
			}
			consider(wall)
		}
	}
	return best, found
}

// TestZoneTableMatchesTheWalk: for random zones of DTSTARTs, RDATEs and
// yearly rules with and without an end, the table gives the offset the
// walk over every onset gives. The rules' days exist every year (a rule
// without an end is looked up in the year of t and the one before).
func TestZoneTableMatchesTheWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	wall := func(from, to int) time.Time {
		return time.Date(from+rng.IntN(to-from), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, time.UTC)
	}
	offsets := []int{0, 3600, 7200, -18000, 19800, 3600}
	for zi := range 300 {
		z := &vtimezone{id: "Random"}
		for range 1 + rng.IntN(6) {
			o := &tzObservance{start: wall(1900, 2030), from: offsets[rng.IntN(len(offsets))], to: offsets[rng.IntN(len(offsets))]}
			for range rng.IntN(4) {
				o.rdates = append(o.rdates, wall(1900, 2040))
			}
			if rng.IntN(3) > 0 {
				r := &yearlyRule{month: time.Month(1 + rng.IntN(12)), weekday: time.Weekday(rng.IntN(7))}
				if rng.IntN(4) == 0 {
					r.monthDay = 1 + rng.IntN(28)
				} else {
					r.nth = []int{1, 2, 4, -1, -2}[rng.IntN(5)]
				}
				switch rng.IntN(3) {
				case 0:
					r.count = 1 + rng.IntN(40)
				case 1:
					r.until = wall(1900, 2060)
				}
				o.rule = r
			}
			z.obs = append(z.obs, o)
		}
		p := &parser{}
		zt, err := p.compile(z)
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			at := wall(1890, 2100).Add(time.Duration(rng.IntN(3600)) * time.Second)
			if got, want := zt.offsetAt(at), walkOffsetAt(z, at); got != want {
				t.Fatalf("zone %d at %s: table %d, walk %d", zi, at, got, want)
			}
		}
	}
}
