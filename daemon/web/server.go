package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kogge-project/kogge/daemon/jobs"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/av/roomav"
	"github.com/kogge-project/kogge/rooms/bookings"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/timeline"
	"github.com/kogge-project/kogge/rooms/usage"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
)

// server holds what the HTTP handlers need. It owns nothing: serve.go opens
// and closes the store and accounts around it.
type server struct {
	// bookings makes the booking changes the handlers ask for.
	bookings *bookings.Service
	log      *slog.Logger
	store    *store.Store
	accounts *accounts.Service
	catalog  *rooms.Catalog
	metrics  Metrics
	now      func() time.Time
	// secureCookies marks the session cookie Secure: set when Kogge serves
	// TLS itself or its public URL is https (a TLS-terminating proxy).
	secureCookies bool
	// ready reports whether the daemon can serve bookings (store open, jobs running).
	ready func() error
	// jobs reports the configured maintenance jobs (nil: none).
	jobs func() []jobs.Status
	// subscribe opens a stream of timeline events for a room ("" = all).
	subscribe func(room string, buffer int) (<-chan timeline.Event, func())
	// closing is closed when shutdown begins (ends event streams).
	closing chan struct{}
	// closures reports the days series skip (a reload may change them;
	// nil: none); horizonMonths how far ahead open series are stored.
	closures      func() []rooms.Closure
	horizonMonths int
	// av controls the rooms' devices; nil when none are configured.
	av *roomav.AV
	// roomRouter says which node drives a room's devices (nil: this
	// one); clientRelay carries client addresses between nodes (nil:
	// none); forwardTransport reaches the other nodes (room_routing.go).
	roomRouter       RoomRouter
	clientRelay      ClientRelay
	forwardTransport http.RoundTripper
	// publicURL is where users reach Kogge (links in feeds).
	publicURL string
	// oparl imports the council information system's meetings; nil: off.
	oparl CouncilImport
	// mail tells bookings' contacts of changes; nil: no mail configured.
	mail *MailNotifier
	// joins signs and checks join links; hub runs the meetings on our SFU
	// (nil in tests that do not need them); queues and speakers carry
	// council sessions' speaker queues and active speakers to the events
	// stream.
	joins    *admission.Joins
	hub      *signaling.Hub
	queues   fanout[queueEvent]
	speakers fanout[speakerEvent]
	// councils carries council sessions' views to the events stream;
	// council runs the sessions (nil: none).
	councils fanout[councilEvent]
	council  *council.Service
	// bookingChanges carries every booking change made through the API to
	// the event streams (pages redraw).
	bookingChanges fanout[bookingEvent]
	// broker hands meetings to providers (nil in tests without it).
	broker *broker.Broker
	// panels ends the event streams of revoked panel devices.
	panels panelStreams
	// goToAuthorize saves a GoTo organizer's tokens from an OAuth code.
	goToAuthorize func(ctx context.Context, organizer, code string) error
	// streams counts the open event streams of each login.
	streams streamCounts
	// sse is the open event streams and their one fan-out (sse_hub.go,
	// sse_fanout.go).
	sse sseHub
	// reportProviders are the providers as the utilisation report sees
	// them (pools and yearly costs).
	reportProviders []usage.Provider
}

// Options is what the HTTP surface is built from. The caller owns all of
// it: serve.go opens and closes the store and accounts around the server.
type Options struct {
	Log      *slog.Logger
	Store    *store.Store
	Accounts *accounts.Service
	Catalog  *rooms.Catalog
	Metrics  Metrics
	Now      func() time.Time
	// SecureCookies marks the session cookie Secure: set when Kogge serves
	// TLS itself or its public URL is https (a TLS-terminating proxy).
	SecureCookies bool
	// Ready reports whether the daemon can serve bookings (store open, jobs running).
	Ready func() error
	// Jobs reports the configured maintenance jobs (nil: none).
	Jobs func() []jobs.Status
	// Subscribe opens a stream of timeline events for a room ("" = all).
	Subscribe func(room string, buffer int) (<-chan timeline.Event, func())
	// Closures reports the days series skip (nil: none); HorizonMonths
	// how far ahead open series are stored.
	Closures      func() []rooms.Closure
	HorizonMonths int
	// AV controls the rooms' devices; nil when none are configured.
	AV *roomav.AV
	// RoomRouter says which node drives a room's devices; requests that
	// act on them are forwarded there (nil: this node drives every room).
	RoomRouter RoomRouter
	// ClientRelay carries the client's address with a forwarded request
	// (nil: the owner sees the forwarding node's).
	ClientRelay ClientRelay
	// PublicURL is where users reach Kogge (links in feeds).
	PublicURL string
	// OParl is the council information system's import; nil: off.
	OParl CouncilImport
	// Mail tells bookings' contacts of changes; nil: no mail configured.
	Mail *MailNotifier
	// Joins signs and checks join links; Hub runs the meetings on our SFU
	// (nil in tests that do not need them).
	Joins *admission.Joins
	Hub   *signaling.Hub
	// Council runs council sessions (rooms/council); nil: none.
	Council *council.Service
	// Broker hands meetings to providers (nil: none).
	Broker *broker.Broker
	// Bookings is the booking service (nil: one over Store and Catalog,
	// as the tests build it).
	Bookings *bookings.Service
	// GoToAuthorize saves a GoTo organizer's tokens from an OAuth code.
	GoToAuthorize func(ctx context.Context, organizer, code string) error
	// MaxEventStreamsPerLogin caps the open event streams of one login
	// (0: DefaultMaxEventStreamsPerLogin).
	MaxEventStreamsPerLogin int
	// ReportProviders are the providers in the configured order with
	// their pools and yearly costs, for the utilisation report.
	ReportProviders []usage.Provider
}

// Server is the HTTP surface built from Options.
type Server struct {
	s         *server
	closeOnce sync.Once
}

// New builds the HTTP surface.
func New(o Options) (*Server, error) {
	if o.Store == nil || o.Accounts == nil || o.Catalog == nil {
		return nil, errors.New("web: store, accounts and catalog are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &server{
		log: o.Log, store: o.Store, accounts: o.Accounts, catalog: o.Catalog, metrics: o.Metrics, now: o.Now,
		secureCookies: o.SecureCookies, ready: o.Ready, jobs: o.Jobs, subscribe: o.Subscribe,
		closing: make(chan struct{}), closures: o.Closures, horizonMonths: o.HorizonMonths,
		av: o.AV, publicURL: o.PublicURL, oparl: o.OParl, mail: o.Mail, joins: o.Joins, hub: o.Hub, council: o.Council,
		broker: o.Broker, goToAuthorize: o.GoToAuthorize, reportProviders: o.ReportProviders,
		roomRouter: o.RoomRouter, clientRelay: o.ClientRelay, forwardTransport: newForwardTransport(),
	}
	s.streams.max = o.MaxEventStreamsPerLogin
	if s.streams.max <= 0 {
		s.streams.max = DefaultMaxEventStreamsPerLogin
	}
	// The service reads the closures when it needs them (a series, "book
	// now"), through the server: a reload (or a test) swaps them.
	s.bookings = o.Bookings
	if s.bookings == nil {
		s.bookings = bookings.New(bookings.Options{Store: o.Store, Room: o.Catalog.Get, Now: o.Now, Hold: o.Catalog.Hold,
			Closures: s.closureList, HorizonMonths: o.HorizonMonths})
	}
	return &Server{s: s}, nil
}

// Close ends the event streams (shutdown has begun); safe to call twice.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.s.closing) }) }

// PublishBooking carries a committed booking change to the open pages'
// event streams.
func (s *Server) PublishBooking(b rooms.Booking) { s.s.bookingChanges.publish(bookingEventOf(b)) }

// Hear is the HTTP side's listener on the store's change feed: the
// booking's contact gets the mail the change calls for (if mail is
// configured), and open pages the booking as it is now.
func (s *Server) Hear(c rooms.Change) {
	if !c.Remote { // the node that committed it mails
		s.s.mail.Changed(c) // nil-safe
	}
	b := c.Booking()
	if c.After == nil {
		b.Status = rooms.StatusCancelled // deleted by the purge
	}
	s.PublishBooking(b)
}

// HearSeries is the HTTP side's listener on the store's series feed: one
// mail per series operation to the series' contact.
func (s *Server) HearSeries(c rooms.SeriesChange) {
	if !c.Remote { // the node that committed it mails
		s.s.mail.SeriesChanged(c)
	}
}

// PublishQueue carries a council session's speaker queue to the events
// stream (the meetings' hub calls it).
func (s *Server) PublishQueue(meetingID string, q []signaling.QueueEntry) {
	b, err := s.s.store.Get(meetingID)
	if err != nil {
		return
	}
	s.s.queues.publish(queueEvent{Room: b.Room, Booking: b.ID, Queue: q})
}

// PublishSpeaker carries a council session's active speaker in the
// meeting (a name, "" for nobody) to the events stream (the meetings' hub
// calls it).
func (s *Server) PublishSpeaker(meetingID, name string) {
	b, err := s.s.store.Get(meetingID)
	if err != nil {
		return
	}
	s.s.speakers.publish(speakerEvent{Room: b.Room, Booking: b.ID, Speaker: name})
}

// PublishCouncil carries a council session's view to the events stream
// and to the meeting (the council service calls it after each change).
func (s *Server) PublishCouncil(meetingID string, v council.View) {
	if s.s.hub != nil {
		s.s.hub.Council(meetingID, v)
	}
	b, err := s.s.store.Get(meetingID)
	if err != nil {
		return
	}
	s.s.councils.publish(councilEvent{Room: b.Room, Booking: b.ID, Council: v.Redacted()})
}

// closureList is the closures in force now.
func (s *server) closureList() []rooms.Closure {
	if s.closures == nil {
		return nil
	}
	return s.closures()
}
