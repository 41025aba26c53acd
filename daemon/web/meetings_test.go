package web

import (
	"log/slog"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/sfu"
)

// testMeetings is the daemon's meetings (daemon/meetings.go) as the HTTP
// tests need them: our SFU on loopback, the signaling hub with its speaker
// queue reaching the events stream and its audit entries in the store.
type testMeetings struct {
	store *store.Store
	joins *admission.Joins
	hub   *signaling.Hub
}

func newTestMeetings(t *testing.T, w config.WebRTC, publicURL string, st *store.Store, j *admission.Joins, srv *Server) *testMeetings {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	engine, err := sfu.NewEngine(sfu.Config{UDPPort: w.UDPPort, ListenIP: w.ListenIP, IncludeLoopback: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	ice, err := admission.NewICEServers(admission.ICEOptions{STUN: w.STUNServers, TURN: w.TURNServers,
		TURNSecretFile: w.TURNSecretFile, TTL: w.TURNCredentialTTL.Duration, Now: time.Now})
	if err != nil {
		engine.Close()
		t.Fatal(err)
	}
	mt := &testMeetings{store: st, joins: j}
	mt.hub = signaling.NewHub(signaling.Config{
		AllowedOrigins: []string{publicURL},
		ICEServers:     ice.ForParticipant,
		Now:            j.Now,
		Log:            log,
		Hooks:          signaling.Hooks{Queue: srv.PublishQueue, Audit: mt.audit},
	}, j, signaling.SFU(engine))
	j.SetEnded(mt.hub.Ended)
	t.Cleanup(func() { mt.hub.Close(); engine.Close() })
	return mt
}

// bookingChanged keeps an open meeting in step with its booking.
func (mt *testMeetings) bookingChanged(b rooms.Booking) {
	if !admission.Live(b) {
		mt.hub.End(b.ID, signaling.ReasonEnded)
		return
	}
	if js, err := mt.store.JoinSettings(b.ID); err == nil {
		mt.hub.Update(mt.joins.Spec(b, js))
	}
}

func (mt *testMeetings) audit(meetingID, actor, action, detail string) {
	if action == "end" && actor != signaling.SystemActor {
		_ = mt.store.EndMeeting(meetingID, actor)
		return
	}
	_ = mt.store.AppendAudit(store.AuditEntry{Actor: actor, Action: "meeting." + action, BookingID: meetingID, Detail: detail})
}
