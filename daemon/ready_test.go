package main

import (
	"errors"
	"strings"
	"testing"
)

// A daemon whose timeline stopped is not ready: nothing would happen on
// time any more, and /readyz must say so.
func TestNotReadyWithoutTimeline(t *testing.T) {
	e := newTestEnv(t)
	d := e.d
	if err := d.ready(); err != nil {
		t.Fatalf("ready: %v", err)
	}
	stopped := errors.New("timeline: rebuild: disk on fire")
	d.timelineErr.Store(&stopped)
	if err := d.ready(); err == nil || !strings.Contains(err.Error(), "booking timeline stopped") {
		t.Fatalf("ready with a stopped timeline: %v", err)
	}
}
