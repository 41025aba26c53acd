package config

import (
	"fmt"
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

// allHours is cron's hour bitmask for "*" (bits 0–23).
const allHours = 1<<24 - 1

func parseDay(s string) (rooms.Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return rooms.Date{}, fmt.Errorf("%q is not a date like 2026-12-24", s)
	}
	return rooms.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}
