package web

import (
	"testing"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/meetings"
)

// newTestMeetings builds the daemon's meetings (signaling/meetings) as the
// HTTP tests need them: our SFU on loopback, the speaker queue reaching
// srv's events stream, council sessions run by cs, the audit entries in
// the store.
func newTestMeetings(t *testing.T, w config.WebRTC, publicURL string, st *store.Store, j *admission.Joins, srv *Server, cs *council.Service) *meetings.Meetings {
	t.Helper()
	mt, err := meetings.New(meetings.Options{UDPPort: w.UDPPort, ListenIP: w.ListenIP,
		STUN: w.STUNServers, TURN: w.TURNServers, TURNSecretFile: w.TURNSecretFile, TURNTTL: w.TURNCredentialTTL.Duration,
		PublicURL: publicURL, Store: st, Joins: j, Council: cs})
	if err != nil {
		t.Fatal(err)
	}
	mt.SetQueue(srv.PublishQueue)
	mt.SetSpeaker(srv.PublishSpeaker)
	t.Cleanup(mt.Close)
	return mt
}
