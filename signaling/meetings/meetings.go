package main

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

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/sfu"
)

// meetings is join by link: the link authority, the signaling hub and the
// SFU, and what connects them to bookings (changes, the audit log, the
// speaker queue on the events stream).
type meetings struct {
	log    *slog.Logger
	store  *store.Store
	joins  *admission.Joins
	hub    *signaling.Hub
	engine *sfu.Engine
	// queue carries a council session's speaker queue to the events
	// stream (nil: nobody listens yet).
	queue atomic.Pointer[func(meetingID string, q []signaling.QueueEntry)]
}

func (d *daemonProcess) startMeetings(j *admission.Joins, m *metrics) (*meetings, error) {
	mt, err := newMeetings(d.cfg.WebRTC, d.cfg.Server.PublicURL, d.demo, d.store, j, d.log.With("component", "meetings"))
	if err != nil {
		return nil, err
	}
	mt.register(m.reg)
	return mt, nil
}

// newJoins builds join admission from the webrtc configuration.
func newJoins(w config.WebRTC, st *store.Store, cat *rooms.Catalog, now func() time.Time, publicURL string, log *slog.Logger) (*admission.Joins, error) {
	return admission.New(admission.Options{KeyFile: w.KeyFile, PublicURL: publicURL, EndGrace: w.EndGrace.Duration,
		ParticipantLimit: w.ParticipantLimit, Store: st, Room: cat.Get, Now: now, Log: log})
}

func newMeetings(w config.WebRTC, publicURL string, demo bool, st *store.Store, j *admission.Joins, log *slog.Logger) (*meetings, error) {
	mc := sfu.Config{UDPPort: w.UDPPort, ListenIP: w.ListenIP, ICETCPPort: w.ICETCPPort, NAT1To1IPs: w.NAT1To1IPs,
		IncludeLoopback: demo || loopbackURL(publicURL)}
	engine, err := sfu.NewEngine(mc, log.With("component", "sfu"))
	if err != nil && demo && errors.Is(err, syscall.EADDRINUSE) {
		// The demo must start anywhere; a real installation must not
		// silently move its firewall port.
		mc.UDPPort = 0
		engine, err = sfu.NewEngine(mc, log.With("component", "sfu"))
	}
	if err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	log.Info("media", "udp", engine.UDPAddr().String())
	ice, err := admission.NewICEServers(admission.ICEOptions{STUN: w.STUNServers, TURN: w.TURNServers,
		TURNSecretFile: w.TURNSecretFile, TTL: w.TURNCredentialTTL.Duration, Now: time.Now})
	if err != nil {
		engine.Close()
		return nil, err
	}
	mt := &meetings{log: log, store: st, joins: j, engine: engine}
	mt.hub = signaling.NewHub(signaling.Config{
		AllowedOrigins: []string{originOf(publicURL)},
		ICEServers:     ice.ForParticipant,
		Now:            j.Now,
		Log:            log.With("component", "signaling"),
		Hooks:          signaling.Hooks{Queue: mt.publishQueue, Audit: mt.audit},
	}, j, signaling.SFU(engine))
	j.SetEnded(mt.hub.Ended)
	return mt, nil
}

func (mt *meetings) register(reg *prometheus.Registry) {
	reg.MustRegister(
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
	)
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

// bookingChanged keeps an open meeting in step with its booking: a new end
// moves the close, a cancellation or release ends it for everyone.
func (mt *meetings) bookingChanged(b rooms.Booking) {
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

func (mt *meetings) publishQueue(meetingID string, q []signaling.QueueEntry) {
	if f := mt.queue.Load(); f != nil {
		(*f)(meetingID, q)
	}
}

// audit writes a meeting's audit entry before the meeting goes on (the
// hub calls it from the meeting's goroutine, before the action is
// acknowledged to anyone): once a host sees the effect, the entry survives
// a crash. A host's "end for all" is also kept with the booking's join
// settings, so the meeting stays ended after a restart.
func (mt *meetings) audit(meetingID, actor, action, detail string) {
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

// close tells every participant the server is going away, frees every
// meeting, then the media sockets.
func (mt *meetings) close() {
	mt.hub.Close()
	mt.engine.Close()
}
