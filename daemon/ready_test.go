package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/timeline"
)

// A daemon whose timeline stopped is not ready: nothing would happen on
// time any more, and /readyz must say so.
func TestNotReadyWithoutTimeline(t *testing.T) {
	e := newTestEnv(t)
	d := e.d
	waitTimeline(t, d)
	if err := d.ready(); err != nil {
		t.Fatalf("ready: %v", err)
	}
	stopped := errors.New("timeline: rebuild: disk on fire")
	d.timelineErr.Store(&stopped)
	if err := d.ready(); err == nil || !strings.Contains(err.Error(), "booking timeline stopped") {
		t.Fatalf("ready with a stopped timeline: %v", err)
	}
}

// Nor is a daemon whose timeline is still rebuilding its queue: a load
// balancer would send panels to a node where nothing fires yet.
func TestNotReadyWhileTimelineRebuilds(t *testing.T) {
	e := newTestEnv(t)
	d := e.d
	waitTimeline(t, d)
	running := d.timeline
	defer func() { d.timeline = running }()
	d.timeline = timeline.New(nil, timeline.Options{}) // never run: never rebuilt
	if err := d.ready(); err == nil || !strings.Contains(err.Error(), "still being rebuilt") {
		t.Fatalf("ready with a timeline not rebuilt: %v", err)
	}
	d.timeline = running
	if err := d.ready(); err != nil {
		t.Fatalf("ready once rebuilt: %v", err)
	}
}

func waitTimeline(t *testing.T, d *daemonProcess) {
	t.Helper()
	select {
	case <-d.timeline.Settled():
	case <-time.After(10 * time.Second):
		t.Fatal("the timeline did not finish its rebuild within 10 s")
	}
}
