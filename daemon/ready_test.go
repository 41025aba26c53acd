package main

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/daemon/jobs"
)

// A daemon whose timeline stopped is not ready: nothing would happen on
// time any more, and /readyz must say so.
func TestNotReadyWithoutTimeline(t *testing.T) {
	e := newTestEnv(t)
	j, err := jobs.Start(slog.New(slog.DiscardHandler), e.accounts, nil, nil, e.metrics.ObserveJob)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Stop()
	d := &daemonProcess{store: e.store, jobs: j}
	if err := d.ready(); err != nil {
		t.Fatalf("ready: %v", err)
	}
	stopped := errors.New("timeline: rebuild: disk on fire")
	d.timelineErr.Store(&stopped)
	if err := d.ready(); err == nil || !strings.Contains(err.Error(), "booking timeline stopped") {
		t.Fatalf("ready with a stopped timeline: %v", err)
	}
}
