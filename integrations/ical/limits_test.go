package ical

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"
)

func calendar(body string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + body + "END:VCALENDAR\r\n"
}

func event(extra string) string {
	return "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20270101T100000Z\r\n" + extra + "END:VEVENT\r\n"
}

// TestParseImportLimits: a file beyond a limit is refused, naming the
// limit, before the work it would take is done.
func TestParseImportLimits(t *testing.T) {
	var zones, tzids, observances strings.Builder
	for i := range MaxImportZones + 1 {
		fmt.Fprintf(&zones, "BEGIN:VTIMEZONE\r\nTZID:Zone %d\r\nEND:VTIMEZONE\r\n", i)
		// Different names for the same zone, each looked up anew.
		fmt.Fprintf(&tzids, "BEGIN:VEVENT\r\nDTSTART;TZID=/vendor.example/%d/Europe/Berlin:20270101T100000\r\nEND:VEVENT\r\n", i)
	}
	for range MaxImportObservances + 1 {
		observances.WriteString("BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n")
	}
	longLine := "SUMMARY:" + strings.Repeat("Tagesordnung ", MaxImportLine/13/70+1) // one physical line…
	folded := "SUMMARY:" + strings.Repeat(strings.Repeat("x", 73)+"\r\n ", MaxImportLine/73+1) + "x\r\n"
	tests := []struct {
		name  string
		in    string
		limit Limit
		line  int
	}{
		{"size", calendar(strings.Repeat("X-PAD:"+strings.Repeat("x", 1000)+"\r\n", 2200)), LimitSize, 0},
		{"events", calendar(strings.Repeat("BEGIN:VEVENT\r\nEND:VEVENT\r\n", MaxImportEvents+1)), LimitEvents, 2*MaxImportEvents + 3},
		{"properties", calendar(event(strings.Repeat("ATTENDEE:mailto:rat@stadt.example\r\n", MaxImportProperties))), LimitProperties, 3},
		{"line", calendar(event(strings.Repeat(longLine, 70) + "\r\n")), LimitLine, 0},
		{"folded line", calendar(event(folded)), LimitLine, 6},
		{"time zones defined", calendar(zones.String()), LimitZones, 3 + 3*MaxImportZones},
		{"time zones used", calendar(tzids.String()), LimitZones, 4 + 3*MaxImportZones},
		{"observances", calendar("BEGIN:VTIMEZONE\r\nTZID:Many\r\n" + observances.String() + "END:VTIMEZONE\r\n"), LimitObservances, 3},
		{"dates", calendar(event(strings.Repeat("EXDATE:"+strings.Repeat("20270102T100000Z,", 50)+"20270103T100000Z\r\n", MaxImportDates/51+1))), LimitDates, 6 + (MaxImportDates-1)/51},
		// A rule that ends after eight thousand years stands for as many
		// RDATEs; used open-ended, it is counted year by year.
		{"rule onsets", calendar("BEGIN:VTIMEZONE\r\nTZID:Long\r\n" + strings.Repeat("BEGIN:STANDARD\r\nDTSTART:10000101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\n"+
			"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;UNTIL=99991231T000000Z\r\nEND:STANDARD\r\n", 7) + "END:VTIMEZONE\r\n" +
			event("EXDATE;TZID=Long:20270102T100000\r\n")), LimitDates, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseImport(strings.NewReader(tt.in), berlin(t))
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a *LimitError", err)
			}
			if le.Limit != tt.limit || tt.line != 0 && le.Line != tt.line {
				t.Errorf("%v (limit %s at line %d), want limit %s at line %d", err, le.Limit, le.Line, tt.limit, tt.line)
			}
		})
	}
}

// TestParseImportWithinLimits: a file just within every limit is read.
func TestParseImportWithinLimits(t *testing.T) {
	in := calendar(event(strings.Repeat("ATTENDEE:mailto:rat@stadt.example\r\n", MaxImportProperties-3) +
		"DESCRIPTION:" + strings.Repeat("x", MaxImportLine-len("DESCRIPTION:")) + "\r\n"))
	if _, err := ParseImport(strings.NewReader(in), berlin(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseImport(bytes.NewReader(hostileCalendar(20000, 20000)), berlin(t)); err != nil {
		t.Fatal(err)
	}
}

// parseTime is the least CPU time of runs parses of data: CPU time, and
// the least, because the machine running the test may be busy with other
// work. It measures the parser, not the garbage collector, whose work
// grows with the heap: the collector runs between the parses only.
func parseTime(t *testing.T, data []byte, runs int) time.Duration {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	best := time.Duration(1 << 62)
	for range runs {
		runtime.GC()
		start := cpuTime(t)
		if _, err := ParseImport(bytes.NewReader(data), time.UTC); err != nil {
			t.Fatal(err)
		}
		best = min(best, cpuTime(t)-start)
	}
	return best
}

// cpuTime is the CPU time the process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestParseImportIsLinear: eight times the time-zone data and eight times
// the times in that zone take about eight times as long, not 64. (They
// did take 64 times as long when each time was placed by walking every
// RDATE: 0.14 s for 2,000 of each, 2.5 s for 8,000, 2 min 19 s of CPU
// for a 2 MB file.) The bound is generous, three times linear (it
// measures 9 to 12), and a third of quadratic.
func TestParseImportIsLinear(t *testing.T) {
	const n = 3000
	small, large := hostileCalendar(n, n), hostileCalendar(8*n, 8*n)
	parseTime(t, small, 1) // warm up
	ts, tl := parseTime(t, small, 5), parseTime(t, large, 3)
	if ratio := float64(tl) / float64(ts); ratio > 24 {
		t.Errorf("%d values took %v, %d took %v: %.1f times as long for 8 times the input", n, ts, 8*n, tl, ratio)
	}
}

// cancelAtEOF is a reader that cancels its context once it has been read
// to the end: the parse that follows must notice.
type cancelAtEOF struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c cancelAtEOF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
	}
	return n, err
}

// TestParseImportStopsWhenCancelled: a request whose client has gone away
// stops being parsed.
func TestParseImportStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := hostileCalendar(20000, 20000)
	evs, err := ParseImportContext(ctx, cancelAtEOF{bytes.NewReader(data), cancel}, time.UTC)
	if !errors.Is(err, context.Canceled) || evs != nil {
		t.Fatalf("got %d events and %v, want context.Canceled", len(evs), err)
	}
}

// BenchmarkParseImport: the largest hostile file within the limits, and a
// 2 MB one beyond them, which is refused.
func BenchmarkParseImport(b *testing.B) {
	for _, bc := range []struct {
		name             string
		rdates, exdates  int
		wantLimitRefusal bool
	}{
		{"within-limits", 24000, 24000, false},
		{"2MB-refused", 58000, 58000, true},
	} {
		data := hostileCalendar(bc.rdates, bc.exdates)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_, err := ParseImport(bytes.NewReader(data), time.UTC)
				var le *LimitError
				if errors.As(err, &le) != bc.wantLimitRefusal || !bc.wantLimitRefusal && err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
