package main

import (
	"time"

	"github.com/kogge-project/kogge/daemon/web"
	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling/admission"
)

// newCouncils builds the council sessions' service: agendas seeded from
// the council information system's import, members' personal links
// checked by join admission, and every stored change shown in the
// meeting and on the events stream (through the web server, once it
// runs).
func newCouncils(st *store.Store, joins *admission.Joins, importer func() *oparl.Importer, srv func() *web.Server, now func() time.Time) *council.Service {
	svc := council.NewService(council.Options{
		Store: st,
		Now:   now,
		Agenda: func(bookingID string) []council.ItemInput {
			imp := importer()
			if imp == nil {
				return nil
			}
			b, err := st.Get(bookingID)
			if err != nil {
				return nil
			}
			items, _ := imp.AgendaFor(b)
			out := make([]council.ItemInput, 0, len(items))
			for _, it := range items {
				out = append(out, council.ItemInput{Number: it.Number, Name: it.Name, Public: it.Public})
			}
			return out
		},
		Changed: func(bookingID string, v council.View) {
			if s := srv(); s != nil {
				s.PublishCouncil(bookingID, v)
			}
		},
	})
	joins.SetMembers(func(bookingID string, id uint16) (string, uint32, bool) {
		ses, err := svc.Get(bookingID)
		if err != nil {
			return "", 0, false
		}
		m, err := ses.Member(id)
		if err != nil {
			return "", 0, false
		}
		return m.Name, m.Generation, true
	})
	return svc
}
