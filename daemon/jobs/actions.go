package jobs

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/av"
	"github.com/kogge-project/kogge/rooms/bookings"
)

// Store is what the actions need of the booking store (rooms/store).
// The series and purge actions act through the booking service, so the
// store is what it needs, and backups.
type Store interface {
	bookings.Store
	WriteBackup(w io.Writer) (int64, error)
}

// Catalog is the configured rooms (rooms.Catalog; a reload swaps them).
type Catalog interface {
	All() []rooms.Room
	Get(id string) (rooms.Room, bool)
}

// RoomAV is the rooms' devices as the power-off sweep drives them. Device
// ids are room-local in both directions.
type RoomAV interface {
	// Enabled reports whether any room has devices.
	Enabled() bool
	// Statuses lists a room's devices.
	Statuses(room string) []av.Status
	// RunActions runs actions on a room's devices and reports each.
	RunActions(ctx context.Context, room string, actions []av.Action) []av.Result
}

// Deps is what the built-in actions work with. Fields an action does not
// use may stay zero in tests.
type Deps struct {
	Log     *slog.Logger
	Store   Store
	Catalog Catalog
	// Closures are the closures in force now (a reload swaps them).
	Closures func() []rooms.Closure
	// Retention is how long each kind of booking is kept (purge).
	Retention config.Retention
	// HorizonMonths is how far ahead series are stored (extend-series).
	HorizonMonths int
	// AV is the rooms' devices (power-off); nil: none.
	AV RoomAV
	// InUse reports whether a booking occupies room around at (power-off
	// leaves such rooms on).
	InUse func(room string, at time.Time) bool
	// ImportCouncil and Reconcile are the "oparl-import" and "reconcile"
	// actions, which live with the integrations; nil leaves the action out.
	ImportCouncil, Reconcile Action
}

// Actions are the actions [[jobs]] tables can name, for Start.
func Actions(d Deps) map[string]Action {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	out := map[string]Action{
		"backup":        d.backup,
		"extend-series": d.extendSeries,
		"purge":         d.purge,
		"power-off":     d.powerOff,
	}
	if d.ImportCouncil != nil {
		out["oparl-import"] = d.ImportCouncil
	}
	if d.Reconcile != nil {
		out["reconcile"] = d.Reconcile
	}
	return out
}
