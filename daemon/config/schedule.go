package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/kogge-project/kogge/rooms"
)

// Closure is one [[closures]] table: days on which no occurrence of a
// series is held (public holidays, building works).
type Closure struct {
	From string `toml:"from"` // "2026-12-24"
	// To is the last closed day, inclusive; empty means From alone.
	To string `toml:"to"`
	// Building limits the closure to the rooms of one building; empty: all.
	Building string `toml:"building"`
	Reason   string `toml:"reason"`
}

// Job is one [[jobs]] table: a maintenance job on robfig/cron.
type Job struct {
	Name string `toml:"name"`
	// Schedule is a five-field cron spec ("0 3 * * *") or a descriptor
	// ("@daily", "@every 10m"), read in Zone.
	Schedule string `toml:"schedule"`
	Action   string `toml:"action"` // see JobActions
	Zone     string `toml:"zone"`
	// Dir and Keep are for the backup action: the folder and how many of
	// the newest copies stay.
	Dir  string `toml:"dir"`
	Keep int    `toml:"keep"`
	// Rooms are the rooms a power-off job puts to standby (empty: all).
	Rooms []string `toml:"rooms"`
}

// CronSpec is the schedule as the daemon hands it to robfig/cron: in the
// job's zone.
func (j Job) CronSpec() string { return "CRON_TZ=" + j.Zone + " " + j.Schedule }

// JobActions are the actions a [[jobs]] table may name.
var JobActions = []string{"backup", "extend-series", "purge", "power-off", "oparl-import", "reconcile"}

// Series are the settings of recurring bookings.
type Series struct {
	// HorizonMonths: open-ended series are stored this far ahead.
	HorizonMonths int `toml:"horizon_months"`
}

// Retention says how long bookings (and their audit entries) are kept after
// they ended, per kind; the purge job deletes older ones.
type Retention struct {
	Council   Duration `toml:"council"`
	Committee Duration `toml:"committee"`
	Meeting   Duration `toml:"meeting"`
	Interview Duration `toml:"interview"`
}

// For returns the retention of a booking kind.
func (r Retention) For(k rooms.Kind) time.Duration {
	switch k {
	case rooms.KindCouncil:
		return r.Council.Duration
	case rooms.KindCommittee:
		return r.Committee.Duration
	case rooms.KindInterview:
		return r.Interview.Duration
	}
	return r.Meeting.Duration
}

const (
	DefaultHorizonMonths = 18
	day                  = 24 * time.Hour
	// Retention defaults: council and committee records are kept ten
	// years, ordinary meetings two, job interviews six months (the
	// shortest: they hold applicants' data).
	DefaultRetentionCouncil   = 3650 * day
	DefaultRetentionCommittee = 3650 * day
	DefaultRetentionMeeting   = 730 * day
	DefaultRetentionInterview = 183 * day
	DefaultBackupKeep         = 14
)

func defaultSeries() Series { return Series{HorizonMonths: DefaultHorizonMonths} }

func defaultRetention() Retention {
	return Retention{
		Council: Duration{Duration: DefaultRetentionCouncil}, Committee: Duration{Duration: DefaultRetentionCommittee},
		Meeting: Duration{Duration: DefaultRetentionMeeting}, Interview: Duration{Duration: DefaultRetentionInterview},
	}
}

// cronParser accepts what robfig/cron's standard parser does: five fields
// or a descriptor.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a job schedule; robfig/cron can panic on odd specs,
// so its panics become errors (docs/security.md §10).
func ParseSchedule(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid schedule %q", spec)
		}
	}()
	return cronParser.Parse(spec)
}

func validateSchedule(c *Config, e *Errors) {
	if c.Series.HorizonMonths < 1 || c.Series.HorizonMonths > 120 {
		e.add("series.horizon_months", "must be between 1 and 120, not %d", c.Series.HorizonMonths)
	}
	for _, f := range []struct {
		key string
		d   Duration
	}{{"council", c.Retention.Council}, {"committee", c.Retention.Committee}, {"meeting", c.Retention.Meeting}, {"interview", c.Retention.Interview}} {
		if f.d.Duration < day {
			e.add("retention."+f.key, "must be at least 24h, not %s", f.d)
		}
	}
	for i, cl := range c.Closures {
		p := func(k string) string { return fmt.Sprintf("closures[%d].%s", i, k) }
		_, err := parseDay(cl.From)
		if err != nil {
			e.add(p("from"), "%v", err)
		}
		if cl.To != "" {
			_, err2 := parseDay(cl.To)
			switch {
			case err2 != nil:
				e.add(p("to"), "%v", err2)
			case err == nil && cl.To < cl.From: // ISO dates sort as text
				e.add(p("to"), "%s is before from %s", cl.To, cl.From)
			}
		}
	}
	names := map[string]int{}
	for i, j := range c.Jobs {
		p := func(k string) string { return fmt.Sprintf("jobs[%d].%s", i, k) }
		switch k, dup := names[j.Name]; {
		case !rooms.ValidSlug(j.Name):
			e.add(p("name"), "%q is not a valid name: lower-case letters, digits and inner hyphens", j.Name)
		case dup:
			e.add(p("name"), "%q is already the name of jobs[%d]", j.Name, k)
		default:
			names[j.Name] = i
		}
		if _, err := ParseSchedule(j.CronSpec()); err != nil {
			e.add(p("schedule"), "%v", err)
		}
		known := false
		for _, a := range JobActions {
			known = known || a == j.Action
		}
		if !known {
			e.add(p("action"), "%q is not an action; use %s", j.Action, strings.Join(JobActions, ", "))
		}
		if _, err := loadZone(j.Zone); err != nil {
			e.add(p("zone"), "%v", err)
		}
		if j.Action == "backup" && j.Dir == "" {
			e.add(p("dir"), "required for a backup job (the folder for the copies)")
		}
		if j.Keep < 1 || j.Keep > 1000 {
			e.add(p("keep"), "must be between 1 and 1000, not %d", j.Keep)
		}
	}
}

// Warnings are things in a valid configuration an admin should know.
func (c *Config) Warnings() []Problem {
	var w []Problem
	for i, j := range c.Jobs {
		s, err := ParseSchedule(j.Schedule)
		if err != nil {
			continue
		}
		if spec, ok := s.(*cron.SpecSchedule); ok && spec.Hour&(1<<2) != 0 && spec.Hour&allHours != allHours {
			w = append(w, Problem{Path: fmt.Sprintf("jobs[%d].schedule", i),
				Message: "runs between 02:00 and 03:00 local time, which the spring-forward day skips: this job will not run that day"})
		}
	}
	return w
}

// allHours is cron's hour bitmask for "*" (bits 0–23).
const allHours = 1<<24 - 1

// ClosureList converts the configured closures (validated) to domain ones.
func (c *Config) ClosureList() []rooms.Closure {
	out := make([]rooms.Closure, 0, len(c.Closures))
	for _, cl := range c.Closures {
		from, _ := parseDay(cl.From)
		to := from
		if cl.To != "" {
			to, _ = parseDay(cl.To)
		}
		out = append(out, rooms.Closure{From: from, To: to, Building: cl.Building, Reason: cl.Reason})
	}
	return out
}

func parseDay(s string) (rooms.Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return rooms.Date{}, fmt.Errorf("%q is not a date like 2026-12-24", s)
	}
	return rooms.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

func (c *Config) hasRoom(id string) bool {
	for _, r := range c.Rooms {
		if r.ID == id {
			return true
		}
	}
	return false
}
