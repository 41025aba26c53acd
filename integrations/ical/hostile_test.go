package ical

import (
	"bytes"
	"fmt"
)

// hostileCalendar is an upload built to make time-zone handling expensive:
// one VTIMEZONE (a name Go's tz data does not know, so the file's own
// definition is used) whose observances carry rdates RDATE values, and
// events whose DTSTART, DTEND and EXDATE values (exdates of them) are all
// in that zone. Each value of the second kind used to be placed by looking
// at every value of the first.
func hostileCalendar(rdates, exdates int) []byte {
	var b bytes.Buffer
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//hostile//EN\r\n")
	b.WriteString("BEGIN:VTIMEZONE\r\nTZID:X-Hostile\r\n")
	const perObservance = 500
	for i := 0; i < rdates; i += perObservance {
		b.WriteString("BEGIN:STANDARD\r\nDTSTART:19000101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nRDATE:")
		for j := i; j < min(i+perObservance, rdates); j++ {
			if j > i {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%04d%02d%02dT020000", 1901+j/336, 1+j/28%12, 1+j%28)
		}
		b.WriteString("\r\nEND:STANDARD\r\n")
	}
	b.WriteString("END:VTIMEZONE\r\n")
	const perEvent = 50
	for i := 0; i < exdates; i += perEvent {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:e%d@test\r\nSUMMARY:Sitzung\r\n"+
			"DTSTART;TZID=X-Hostile:20270101T170000\r\nDTEND;TZID=X-Hostile:20270101T190000\r\n"+
			"RRULE:FREQ=DAILY\r\nEXDATE;TZID=X-Hostile:", i)
		for j := i; j < min(i+perEvent, exdates); j++ {
			if j > i {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%04d%02d%02dT170000", 2027+j/336, 1+j/28%12, 1+j%28)
		}
		b.WriteString("\r\nEND:VEVENT\r\n")
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.Bytes()
}
