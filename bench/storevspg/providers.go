package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// withProviders (-providers) measures the path of an installation with
// [providers] configured: every booking is hybrid with 30 remote
// participants, more than the built-in SFU takes, so the broker's
// allocator chooses a GoTo organizer from a pool of 100 (Pexip, unlimited,
// comes after). heldLicences organizers are held over the whole measured
// range by long meetings elsewhere, so every choice first finds those
// busy: about 40 licence checks per booking, the load issue 20 measured.
var withProviders bool

const (
	gotoPool     = 100
	heldLicences = 40
	remote       = 30
)

func organizer(i int) string { return fmt.Sprintf("org%03d@stadt.example", i) }

func benchProviders() []broker.Provider {
	orgs := make([]string, gotoPool)
	for i := range orgs {
		orgs[i] = organizer(i)
	}
	return []broker.Provider{
		{Name: "builtin", Kind: broker.KindBuiltin, MaxParticipants: 25, ConfidentialOK: true},
		{Name: "gotomeeting", Kind: broker.KindGoToMeeting, MaxParticipants: 250, Licences: orgs, DialIn: true, MaxDuration: 8 * time.Hour},
		{Name: "pexip", Kind: broker.KindPexip, MaxParticipants: 100, ConfidentialOK: true},
	}
}

// installBroker puts the broker's allocator into s (no worker runs:
// nothing is provisioned, as in the broker's own load test).
func installBroker(s *store.Store) error {
	_, err := broker.New(broker.Options{
		Providers: benchProviders(),
		Backends:  map[string]broker.Backend{"gotomeeting": broker.NewBuiltin(), "pexip": broker.NewBuiltin()},
		Store:     s,
		Now:       func() time.Time { return benchStart.Add(-24 * time.Hour) },
	})
	return err
}

// hybridise makes b need a provider licence.
func hybridise(b rooms.Booking) rooms.Booking {
	b.Hybrid = rooms.Hybrid{Enabled: true, ExpectedRemote: remote}
	return b
}

// preloadHeld stores the long meetings that hold the first heldLicences
// organizers over the whole benchmark (longer than GoTo's 8 hours allows,
// so a direct allocator places them, not the broker).
func preloadHeld(s *store.Store) error {
	s.SetAllocator(func(b rooms.Booking, _ *store.Allocation, _ store.BusyFunc) (*store.Allocation, error) {
		i, err := strconv.Atoi(strings.TrimPrefix(b.Room, "dauer-"))
		if err != nil {
			return nil, err
		}
		return &store.Allocation{Provider: "gotomeeting", Licence: organizer(i), From: b.OccupiedFrom(),
			To: b.OccupiedUntil(), State: store.AllocReserved}, nil
	})
	defer s.SetAllocator(nil)
	for i := range heldLicences {
		b := rooms.Booking{Room: fmt.Sprintf("dauer-%02d", i), Title: "Dauerkonferenz", Kind: rooms.KindMeeting,
			Organizer: "Amt 10", Start: benchStart, End: benchStart.AddDate(20, 0, 0), Status: rooms.StatusConfirmed,
			Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: remote}}
		if _, err := s.Create(b, "preload"); err != nil {
			return fmt.Errorf("held licence %d: %w", i, err)
		}
	}
	return nil
}
