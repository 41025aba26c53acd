package usage

import (
	"slices"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// LicenceUsage is one provider pool's use over the period.
type LicenceUsage struct {
	Provider string `json:"provider"`
	Pool     int    `json:"pool"`
	// Days holds each day's peak of licences held at the same time.
	Days []DayPeak `json:"days"`
	// Peak is the highest of them; PeakFrom and PeakTo the first stretch
	// it was held (zero without any hold).
	Peak     int       `json:"peak"`
	PeakFrom time.Time `json:"peak_from,omitzero"`
	PeakTo   time.Time `json:"peak_to,omitzero"`
	// LicenceHours adds up every hold within the period.
	LicenceHours float64 `json:"licence_hours"`
	// YearlyCost is the configured price of the pool, PeriodCost its
	// share for the period (days ÷ 365), CostPerHour that share per used
	// licence hour; nil when no price is configured (or nothing was used).
	YearlyCost  *float64 `json:"yearly_cost"`
	PeriodCost  *float64 `json:"period_cost"`
	CostPerHour *float64 `json:"cost_per_licence_hour"`
}

// DayPeak is the most licences of a pool held at once on one day.
type DayPeak struct {
	Date string `json:"date"`
	Peak int    `json:"peak"`
}

type edge struct {
	at    time.Time
	delta int
}

// licences charts every provider with a pool. Holds are half-open: a
// licence released at 10:00 and taken again at 10:00 is held once, so
// ends are applied before starts at the same instant, and a peak is read
// only after every change at an instant.
func licences(in Input, ms []*Meeting) []LicenceUsage {
	start, end := in.Span()
	zone := orUTC(in.Zone)
	days := 0
	for d := in.From; !in.To.Before(d); d = nextDay(d) {
		days++
	}
	var out []LicenceUsage
	for _, p := range in.Providers {
		if p.Pool <= 0 {
			continue
		}
		u := LicenceUsage{Provider: p.Name, Pool: p.Pool}
		var edges []edge
		for _, m := range ms {
			if m.Provider != p.Name || m.Status == rooms.StatusCancelled {
				continue
			}
			from, to := later(m.HoldFrom, start), earlier(m.HoldTo, end)
			if !from.Before(to) {
				continue
			}
			u.LicenceHours += hours(to.Sub(from))
			edges = append(edges, edge{from, 1}, edge{to, -1})
		}
		slices.SortFunc(edges, func(a, b edge) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return a.delta - b.delta
		})
		u.Days = dayPeaks(in.From, in.To, zone, edges)
		u.Peak, u.PeakFrom, u.PeakTo = highest(edges)
		if p.YearlyCost > 0 {
			yc := p.YearlyCost
			pc := yc * float64(days) / 365
			u.YearlyCost, u.PeriodCost = &yc, &pc
			if u.LicenceHours > 0 {
				c := pc / u.LicenceHours
				u.CostPerHour = &c
			}
		}
		out = append(out, u)
	}
	return out
}

// dayPeaks sweeps the edges day by day: a day starts with the holds
// carried over from the day before.
func dayPeaks(from, to rooms.Date, zone *time.Location, edges []edge) []DayPeak {
	var out []DayPeak
	n, i := 0, 0
	for d := from; !to.Before(d); d = nextDay(d) {
		next := time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, zone)
		peak := n
		for i < len(edges) && edges[i].at.Before(next) {
			at := edges[i].at
			for i < len(edges) && edges[i].at.Equal(at) {
				n += edges[i].delta
				i++
			}
			peak = max(peak, n)
		}
		out = append(out, DayPeak{Date: d.String(), Peak: peak})
	}
	return out
}

// highest finds the peak and the first stretch it was held.
func highest(edges []edge) (peak int, from, to time.Time) {
	n, i := 0, 0
	waiting := false
	for i < len(edges) {
		at := edges[i].at
		for i < len(edges) && edges[i].at.Equal(at) {
			n += edges[i].delta
			i++
		}
		if waiting && n < peak {
			to, waiting = at, false
		}
		if n > peak {
			peak, from, waiting = n, at, true
		}
	}
	return peak, from, to
}
