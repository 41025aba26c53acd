package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// errGone: Update found the external meeting missing; the worker creates
// it again (with the same reference).
var errGone = errors.New("external meeting gone")

// builtin is our own SFU: nothing to provision, nothing to list.
type builtin struct{}

// NewBuiltin is the backend of the builtin provider.
func NewBuiltin() Backend { return builtin{} }

func (builtin) Create(_ context.Context, a store.Allocation, _ rooms.Booking) (Meeting, error) {
	return Meeting{Licence: a.Licence, Ref: a.Ref}, nil
}
func (builtin) Update(context.Context, store.Allocation, rooms.Booking) error { return nil }
func (builtin) Delete(context.Context, store.ExternalRef) error               { return nil }
func (builtin) List(context.Context) ([]Meeting, error)                       { return nil, nil }

// neutralSubject names a meeting without its title: "Sitzung 12.03.2030
// 16:00" in the booking's time as Berlin sees it.
func neutralSubject(b rooms.Booking) string {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		loc = time.UTC
	}
	return "Sitzung " + b.Start.In(loc).Format("02.01.2006 15:04")
}

// subjectFor is the title, except for confidential bookings.
func subjectFor(b rooms.Booking) string {
	if IsConfidential(b) || b.Title == "" {
		return neutralSubject(b)
	}
	return b.Title
}

func backendErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBackend}, args...)...)
}
