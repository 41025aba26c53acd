package roomav

import (
	"context"
	"log/slog"

	"github.com/kogge-project/kogge/rooms/av"
)

// Options is what Open builds the AV from.
type Options struct {
	Log   *slog.Logger
	Rooms []Room
	// NewDriver builds the protocol client for one device (av.NewDriver,
	// or a fake in tests).
	NewDriver func(av.DeviceConfig) (av.Driver, error)
	// Ownership says which rooms this node drives (nil: every room, one
	// machine). Rooms it does not own are not connected to at all.
	Ownership Ownership
	// Board publishes the statuses of the rooms this node drives and
	// brings the others' (nil: none, one machine).
	Board StatusBoard
	// Forward sends a command on a room another node drives to that
	// node (nil: such a command fails with ErrNotOwner). It serves the
	// daemon's own commands — a seat's microphone switched from the
	// speaker queue of a meeting on this node, the evening power-off —
	// while people's requests are forwarded whole by daemon/web.
	Forward func(ctx context.Context, room, device string, cmd av.Command) error
	// Scenes carries the steps of scenes started here to the other
	// nodes and theirs here (nil: none, one machine).
	Scenes SceneRelay
}

// New supervises the devices of every room; newDriver builds the
// protocol client for one device (av.NewDriver, or a fake in tests).
// Camera followers start with StartFollowers. It is Open for one
// machine: this node drives every room.
func New(log *slog.Logger, rooms []Room, newDriver func(av.DeviceConfig) (av.Driver, error)) (*AV, error) {
	return Open(Options{Log: log, Rooms: rooms, NewDriver: newDriver})
}

// Open supervises the devices of the rooms this node owns, follows
// ownership as it moves, and shows the other rooms' devices as their
// owners publish them. Close ends all of it.
func Open(o Options) (*AV, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	a := &AV{log: o.Log, newDriver: o.NewDriver, rooms: map[string]*avRoom{}, own: o.Ownership, board: o.Board,
		forward: o.Forward, sceneRelay: o.Scenes, recheck: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	a.stop = cancel
	for _, r := range o.Rooms {
		ar, err := a.build(r, a.owns(r.ID))
		if err != nil {
			a.Close()
			return nil, err
		}
		a.rooms[r.ID] = ar
	}
	if a.sceneRelay != nil {
		steps := a.sceneRelay.Watch(ctx)
		a.done.Go(func() {
			for ev := range steps {
				a.scenes.publish(ev)
			}
		})
	}
	if a.board != nil {
		watch := a.board.Watch(ctx)
		a.done.Go(func() { a.hearBoard(watch) })
		a.announce(a.ownedRooms())
	}
	if a.own != nil {
		// Its first round catches a change made while the rooms were built.
		a.done.Go(func() { a.followOwnership(ctx.Done()) })
	}
	return a, nil
}

// Close ends every room's follower and device connections, and the
// following of ownership and of the other nodes' statuses.
func (a *AV) Close() {
	if a.stop != nil {
		a.stop()
	}
	a.done.Wait()
	a.mu.Lock()
	rs := a.rooms
	a.rooms = map[string]*avRoom{}
	a.mu.Unlock()
	for _, ar := range rs {
		ar.close()
	}
	a.sceneWG.Wait() // their supervisors closed: the scenes end at once
}
