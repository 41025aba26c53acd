package ical

import (
	"context"
	"fmt"
)

// Limits on an upload, so that one request cannot keep a core busy (see
// docs/security.md, "Limits"). A committee's plan for a year has a few
// hundred meetings and one or two time zones; every bound below is far
// above what a real calendar export holds, and what it costs to reach is
// linear in the size of the file.
const (
	// MaxImportSize bounds the body; the daemon answers 413 above it.
	MaxImportSize = 2 << 20 // bytes
	// MaxImportEvents bounds the VEVENTs of one file.
	MaxImportEvents = 10000
	// MaxImportProperties bounds the properties of one component (a
	// VEVENT with its attendees, a time zone's observance).
	MaxImportProperties = 1000
	// MaxImportLine bounds one property after unfolding (RFC 5545 3.1):
	// descriptions are a few KiB; inline attachments are not read.
	MaxImportLine = 64 << 10 // bytes
	// MaxImportZones bounds the distinct time zones (VTIMEZONEs and TZIDs
	// used): each one not defined in the file is looked up in the
	// system's tz data on disk.
	MaxImportZones = 100
	// MaxImportObservances bounds one VTIMEZONE's STANDARD and DAYLIGHT
	// parts; a zone's full history since 1890 has a few dozen.
	MaxImportObservances = 200
	// MaxImportDates bounds the date and time values of a file: DTSTART,
	// DTEND, RECURRENCE-ID, EXDATE, RDATE, and the onsets a VTIMEZONE's
	// rules give.
	MaxImportDates = 50000

	maxDepth = 16 // nested components
)

// Limit names a bound an upload went beyond.
type Limit string

// The limits a LimitError can name.
const (
	LimitSize        Limit = "size"
	LimitEvents      Limit = "events"
	LimitProperties  Limit = "properties"
	LimitLine        Limit = "line"
	LimitZones       Limit = "zones"
	LimitObservances Limit = "observances"
	LimitDates       Limit = "dates"
)

// LimitError says that an upload is larger than the import takes: which
// limit, its value, and where in the file (0: the file as a whole).
type LimitError struct {
	Limit Limit
	Max   int
	Line  int
}

func (e *LimitError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("ical: the file exceeds the limit on %s (%d)", e.Limit, e.Max)
	}
	return fmt.Sprintf("ical: line %d: the file exceeds the limit on %s (%d)", e.Line, e.Limit, e.Max)
}

// checkEvery is how many lines or events pass between two looks at the
// context: often enough to stop within a millisecond, rarely enough to
// cost nothing.
const checkEvery = 256

// alive reports the context's error every checkEvery-th call.
func alive(ctx context.Context, i int) error {
	if i%checkEvery != 0 {
		return nil
	}
	return ctx.Err()
}
