package meetings

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/sfu"
)

// Options is what the meetings are built from (the daemon fills it from
// its [webrtc] section, daemon/config/webrtc.go).
type Options struct {
	// Council runs council sessions' agenda, attendance and votes
	// (rooms/council); nil: none.
	Council signaling.Council
	// UDPPort carries all ICE traffic (0: a free port, for tests).
	UDPPort int
	// ListenIP restricts media to one local address; "" means all.
	ListenIP string
	// ICETCPPort also accepts ICE over TCP; 0 leaves it off.
	ICETCPPort int
	// NAT1To1IPs are the public addresses of a 1:1 NAT in front of Kogge.
	NAT1To1IPs []string
	// STUN and TURN servers handed to browsers; TURN credentials are
	// derived from the secret in TURNSecretFile and valid for TURNTTL.
	STUN, TURN     []string
	TURNSecretFile string
	TURNTTL        time.Duration
	// PublicURL is where pages are served from: its origin is the only
	// one allowed to open a signaling WebSocket, and a loopback address
	// there offers loopback ICE candidates.
	PublicURL string
	// Demo offers loopback candidates and, when UDPPort is taken, takes a
	// free one (a real installation must not silently move its firewall
	// port).
	Demo bool
	// Store receives the meeting audit and holds the join settings.
	Store *store.Store
	// Joins admits participants; the hub's Authorizer.
	Joins *admission.Joins
	// Router and RelayKey place meetings on a cluster's nodes
	// (signaling.Config; nil and empty on one machine).
	Router   signaling.Router
	RelayKey []byte
	// Log (nil: discard).
	Log *slog.Logger
}

// Meetings is join by link: the signaling hub and the SFU, and what
// connects them to bookings (changes, the audit log, the speaker queue on
// the events stream).
type Meetings struct {
	log    *slog.Logger
	store  *store.Store
	joins  *admission.Joins
	hub    *signaling.Hub
	engine *sfu.Engine
	// queue carries a council session's speaker queue to the events
	// stream (nil: nobody listens yet).
	queue atomic.Pointer[func(meetingID string, q []signaling.QueueEntry)]
	// speaker carries a council session's active speaker beside it.
	speaker atomic.Pointer[func(meetingID, name string)]
}

// New starts the SFU's media sockets and the signaling hub, and tells the
// join admission how to ask the hub whether a meeting was ended. Close
// stops both.
func New(o Options) (*Meetings, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mc := sfu.Config{UDPPort: o.UDPPort, ListenIP: o.ListenIP, ICETCPPort: o.ICETCPPort, NAT1To1IPs: o.NAT1To1IPs,
		IncludeLoopback: o.Demo || loopbackURL(o.PublicURL)}
	engine, err := sfu.NewEngine(mc, log.With("component", "sfu"))
	if err != nil && o.Demo && errors.Is(err, syscall.EADDRINUSE) {
		// The demo must start anywhere; a real installation must not
		// silently move its firewall port.
		mc.UDPPort = 0
		engine, err = sfu.NewEngine(mc, log.With("component", "sfu"))
	}
	if err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	log.Info("media", "udp", engine.UDPAddr().String())
	ice, err := admission.NewICEServers(admission.ICEOptions{STUN: o.STUN, TURN: o.TURN,
		TURNSecretFile: o.TURNSecretFile, TTL: o.TURNTTL, Now: time.Now})
	if err != nil {
		engine.Close()
		return nil, err
	}
	j := o.Joins
	mt := &Meetings{log: log, store: o.Store, joins: j, engine: engine}
	mt.hub = signaling.NewHub(signaling.Config{
		AllowedOrigins: []string{signaling.OriginOf(o.PublicURL)},
		Router:         o.Router,
		RelayKey:       o.RelayKey,
		ICEServers:     ice.ForParticipant,
		Now:            j.Now,
		Log:            log.With("component", "signaling"),
		Hooks:          signaling.Hooks{Queue: mt.publishQueue, Speaker: mt.publishSpeaker, Audit: mt.audit},
		Council:        o.Council,
		Memory:         storeMemory{st: o.Store, log: log.With("component", "signaling")},
	}, j, signaling.SFU(engine))
	j.SetEnded(mt.hub.Ended)
	return mt, nil
}

// Hub is the signaling hub (the join page's WebSocket, host controls).
func (mt *Meetings) Hub() *signaling.Hub { return mt.hub }

// SetQueue sends every speaker-queue change to publish (the events
// stream). Until it is called, queue changes reach nobody.
func (mt *Meetings) SetQueue(publish func(meetingID string, q []signaling.QueueEntry)) {
	mt.queue.Store(&publish)
}

// SetSpeaker sends every change of a council session's active speaker
// (a name, "" for nobody) to publish (the events stream, beside the
// queue). Until it is called, the changes reach nobody.
func (mt *Meetings) SetSpeaker(publish func(meetingID, name string)) {
	mt.speaker.Store(&publish)
}

// Collectors are the meetings' metrics: meetings open, participants, and
// what the SFU forwarded.
func (mt *Meetings) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kogge_meetings_open", Help: "Meetings open on the built-in SFU."},
			func() float64 { return float64(len(mt.hub.Meetings())) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kogge_meeting_participants", Help: "Participants in meetings on the built-in SFU (lobby excluded)."},
			func() float64 {
				n := 0
				for _, mi := range mt.hub.Meetings() {
					n += mi.Participants
				}
				return float64(n)
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kogge_sfu_forwarded_packets_total", Help: "RTP packets the SFU forwarded."},
			func() float64 { return float64(mt.engine.Stats().ForwardedPackets) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kogge_sfu_forwarded_bytes_total", Help: "RTP bytes the SFU forwarded."},
			func() float64 { return float64(mt.engine.Stats().ForwardedBytes) }),
	}
}

func loopbackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	h := p.Hostname()
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// BookingChanged keeps an open meeting in step with its booking: a new end
// moves the close, a cancellation or release ends it for everyone.
func (mt *Meetings) BookingChanged(b rooms.Booking) {
	if !admission.Live(b) {
		mt.hub.End(b.ID, signaling.ReasonEnded)
		return
	}
	js, err := mt.store.JoinSettings(b.ID)
	if err != nil {
		mt.log.Warn("reading join settings", "booking", b.ID, "err", err)
		return
	}
	mt.hub.Update(mt.joins.Spec(b, js))
}

func (mt *Meetings) publishQueue(meetingID string, q []signaling.QueueEntry) {
	if f := mt.queue.Load(); f != nil {
		(*f)(meetingID, q)
	}
}

func (mt *Meetings) publishSpeaker(meetingID, name string) {
	if f := mt.speaker.Load(); f != nil {
		(*f)(meetingID, name)
	}
}

// audit writes a meeting's audit entry before the meeting goes on (the
// hub calls it from the meeting's goroutine, before the action is
// acknowledged to anyone): once a host sees the effect, the entry survives
// a crash. A host's "end for all" is also kept with the booking's join
// settings, so the meeting stays ended after a restart.
func (mt *Meetings) audit(meetingID, actor, action, detail string) {
	var err error
	if action == "end" && actor != signaling.SystemActor {
		err = mt.store.EndMeeting(meetingID, actor)
	} else {
		err = mt.store.AppendAudit(store.AuditEntry{Actor: actor, Action: "meeting." + action, BookingID: meetingID, Detail: detail})
	}
	if err != nil {
		mt.log.Error("meeting audit not written", "booking", meetingID, "action", action, "err", err)
	}
}

// Close tells every participant the server is going away, frees every
// meeting, then the media sockets.
func (mt *Meetings) Close() {
	mt.hub.Close()
	mt.engine.Close()
}
