package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
)

// waitLast waits (at most ten seconds) until the named job has a last run.
func waitLast(t *testing.T, s *Scheduler, name string) Run {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		for _, st := range s.Status() {
			if st.Name == name && st.Last != nil {
				return *st.Last
			}
		}
		<-tick.C
	}
	t.Fatalf("job %s did not run in time", name)
	return Run{}
}

func TestSchedulerReportsPanicsAndKeepsHistoryOverReplace(t *testing.T) {
	var observed []string
	actions := map[string]Action{
		"boom": func(context.Context, config.Job) (string, error) { panic("disk on fire") },
		"fine": func(context.Context, config.Job) (string, error) { return "all well", nil },
	}
	s, err := Start(slog.New(slog.DiscardHandler), nil,
		[]config.Job{{Name: "nightly", Schedule: "@every 1s", Action: "boom"}}, actions,
		func(job, result string, _ time.Duration) { observed = append(observed, job+" "+result) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if !s.Running() {
		t.Fatal("a started scheduler is not running")
	}
	last := waitLast(t, s, "nightly")
	if last.Result != "error" || !strings.Contains(last.Summary, "panic: disk on fire") {
		t.Fatalf("a panicking run: %+v", last)
	}

	// An unknown action is refused and the running jobs stay.
	if _, err := s.Prepare([]config.Job{{Name: "x", Schedule: "@daily", Action: "nope"}}); err == nil {
		t.Fatal("an unknown action was accepted")
	}
	// The job of the same name keeps its last run over a replace.
	plan, err := s.Prepare([]config.Job{{Name: "nightly", Schedule: "@daily", Action: "fine"}})
	if err != nil {
		t.Fatal(err)
	}
	s.Replace(plan)
	st := s.Status()
	if len(st) != 1 || st[0].Action != "fine" || st[0].Last == nil || st[0].Last.Result != "error" || !st[0].Next.After(time.Now()) {
		t.Fatalf("after replace: %+v", st)
	}
	s.Stop()
	if s.Running() {
		t.Fatal("a stopped scheduler still runs")
	}
	if len(observed) == 0 || observed[0] != "nightly error" {
		t.Fatalf("observed %v", observed)
	}
}

func TestStartRefusesABadSchedule(t *testing.T) {
	_, err := Start(slog.New(slog.DiscardHandler), nil, []config.Job{{Name: "x", Schedule: "every tuesday", Action: "fine"}},
		map[string]Action{"fine": func(context.Context, config.Job) (string, error) { return "", errors.New("never") }}, nil)
	if err == nil || !strings.Contains(err.Error(), "job x") {
		t.Fatalf("a bad schedule: %v", err)
	}
}
