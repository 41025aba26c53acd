package main

import (
	"context"
	"sync"

	"github.com/kogge-project/kogge/daemon/backends"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/timeline"
)

// prepareAV builds the AV of the rooms whose AV config changed in cfg
// (roomav.AV.Prepare); the reload commits or aborts it.
func prepareAV(a *roomav.AV, cfg *config.Config) (*roomav.Change, error) {
	rs, err := backends.AVRooms(cfg)
	if err != nil {
		return nil, err
	}
	return a.Prepare(rs)
}

// startAV supervises the configured devices, runs the rooms' prep and end
// scenes from the timeline, and starts camera follow where configured. The
// returned stop ends all of it. Without devices it connects nothing, but
// is there for a reload that adds some.
func (d *daemonProcess) startAV(tl *timeline.Timeline) (stop func(), err error) {
	a, err := backends.NewRoomAV(d.log.With("component", "av"), d.cfg, av.NewDriver)
	if err != nil {
		return nil, err
	}
	d.av = a
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	events, unsubscribe := tl.Subscribe("", 64)
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.FollowTimeline(ctx, events, roomav.InUseAt(d.store.Overlapping))
	}()
	a.StartFollowers(ctx)
	return func() {
		cancel()
		unsubscribe()
		wg.Wait()
		a.Close()
	}, nil
}
