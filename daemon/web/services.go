package web

import (
	"net/http"
	"time"

	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/rooms"
)

// The daemon's services that the HTTP surface knows only as interfaces
// (Options.Metrics, Options.OParl): what the handlers call of them.

// Metrics counts requests and serves the Prometheus registry (daemon/metrics).
type Metrics interface {
	ObserveRequest(route string, code int, d time.Duration)
	Handler() http.Handler
}

// CouncilImport is the council information system's import as the
// handlers see it: the agendas it read and its last report.
type CouncilImport interface {
	// AgendaFor returns the agenda of the meeting a booking mirrors.
	AgendaFor(b rooms.Booking) ([]oparl.AgendaItem, bool)
	// Status is the last import's report (GET /api/v1/integrations/oparl).
	Status() map[string]any
}
