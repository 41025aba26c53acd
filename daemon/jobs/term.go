package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// ContextPurger is a store whose purge stops between its batches when ctx
// ends (rooms/store).
type ContextPurger interface {
	PurgeContext(ctx context.Context, cutoff func(rooms.Kind) time.Time, accountsCutoff time.Time) (rooms.PurgeStats, error)
}

// termStore is the store as one run of a job writes to it: once ctx ends
// (on a cluster: this node no longer leads, daemon/jobs_wiring.go) it
// writes nothing more, so a node that lost its term does not go on
// purging or extending series beside the new leader. What it wrote
// before stays: every step is a transaction of its own, and the next run
// continues where this one stopped.
type termStore struct {
	Store
	ctx context.Context
}

func (t termStore) stopped() error {
	if t.ctx.Err() != nil {
		return fmt.Errorf("stopped: %w", context.Cause(t.ctx))
	}
	return nil
}

func (t termStore) Purge(cutoff func(rooms.Kind) time.Time, accountsCutoff time.Time) (rooms.PurgeStats, error) {
	if err := t.stopped(); err != nil {
		return rooms.PurgeStats{}, err
	}
	if p, ok := t.Store.(ContextPurger); ok {
		return p.PurgeContext(t.ctx, cutoff, accountsCutoff)
	}
	return t.Store.Purge(cutoff, accountsCutoff)
}

func (t termStore) RecomputeSpans() (int, error) {
	if err := t.stopped(); err != nil {
		return 0, err
	}
	return t.Store.RecomputeSpans()
}

func (t termStore) AppendOccurrences(id string, version uint64, occ []rooms.Booking, until time.Time, actor string) ([]rooms.Booking, []rooms.SkippedOccurrence, error) {
	if err := t.stopped(); err != nil {
		return nil, nil, err
	}
	return t.Store.AppendOccurrences(id, version, occ, until, actor)
}
