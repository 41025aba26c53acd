// Package icaljstest checks iCalendar text with an independent parser:
// Mozilla's ical.js (the parser of Thunderbird's calendar) under Node.js.
// Tests of any package use it; the ical.js installation lives in
// integrations/ical/testdata/icaljs (installed when missing, internal/testdeps).
package icaljstest

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/internal/testdeps"
)

// Event is one VEVENT as ical.js reads it; times are UTC ISO strings.
type Event struct {
	UID          string   `json:"uid"`
	Summary      string   `json:"summary"`
	Description  string   `json:"description"`
	Start        string   `json:"start"`
	End          string   `json:"end"`
	RecurrenceID *string  `json:"recurrenceId"`
	Status       *string  `json:"status"`
	Sequence     int      `json:"sequence"`
	RRule        *string  `json:"rrule"`
	ExDates      []string `json:"exdates"`
	Conference   []string `json:"conference"`
	Attendees    []string `json:"attendees"`
}

// Result is a whole calendar.
type Result struct {
	Method *string `json:"method"`
	Events []Event `json:"events"`
}

// deadline bounds one run of node; it is a failure bound, not a sleep.
const deadline = 30 * time.Second

// dir is where validate.mjs and its node_modules are.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "icaljs")
}

// Parse parses ics with ical.js and fails the test if it refuses it. Node.js
// and ical.js are installed when missing (testdeps); where they cannot be,
// the test fails: the independent check is the point.
func Parse(t testing.TB, ics string) Result {
	t.Helper()
	d := dir()
	testdeps.NPM(t, d)
	node := testdeps.Command(t, "node", "nodejs")
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "validate.mjs")
	cmd.Dir = d
	cmd.Stdin = strings.NewReader(ics)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ical.js rejects the calendar: %v\n%s\n%s", err, stderr.String(), ics)
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("validate.mjs output %q: %v", stdout.String(), err)
	}
	return res
}
