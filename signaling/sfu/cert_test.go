package sfu

import (
	"regexp"
	"testing"
	"time"
)

var fingerprintRE = regexp.MustCompile(`a=fingerprint:\S+ \S+`)

func fingerprint(t *testing.T, sdp string) string {
	t.Helper()
	f := fingerprintRE.FindString(sdp)
	if f == "" {
		t.Fatalf("no fingerprint in\n%s", sdp)
	}
	return f
}

// Every connection of the engine presents one DTLS certificate
// (cert.go) until it is renewed; a connection made before the renewal
// keeps working with the old one.
func TestConnectionsShareCertificateUntilRenewal(t *testing.T) {
	e := newTestEngine(t)
	r := e.NewRoom("r1", nil)
	defer r.Close()
	s1 := newClient(t, r, "S1", true)
	s2 := newClient(t, r, "S2", true)
	a := newClient(t, r, "A", false)
	a.publish()
	o1, o2 := waitOffer(t, s1), waitOffer(t, s2)
	if f1, f2 := fingerprint(t, o1), fingerprint(t, o2); f1 != f2 {
		t.Fatalf("two connections, two certificates: %s, %s", f1, f2)
	}

	e.certMu.Lock()
	e.certAt = time.Now().Add(-certRenewal)
	e.certMu.Unlock()
	s3 := newClient(t, r, "S3", true)
	o3 := waitOffer(t, s3)
	if fingerprint(t, o3) == fingerprint(t, o1) {
		t.Fatal("certificate not renewed after certRenewal")
	}
	answerUntilVideo(t, s1, o1, "A")
	answerUntilVideo(t, s3, o3, "A")
}

// answerUntilVideo answers c's offer and any that follow (A's tracks may
// arrive in two offers) until c receives from's video.
func answerUntilVideo(t *testing.T, c *client, offer, from string) {
	t.Helper()
	c.answerDown(offer)
	video := fromPeer(t, from, false)
	deadline := waitTimeout()
	for {
		select {
		case sdp := <-c.offerCh:
			c.answerDown(sdp)
		case r := <-c.recv:
			if video(r) {
				return
			}
		case <-deadline:
			t.Fatalf("%s: no video from %s", c.id, from)
		}
	}
}
