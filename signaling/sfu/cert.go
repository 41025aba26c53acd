package sfu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// certRenewal is how long the engine's DTLS certificate serves new
// connections. pion's certificates are valid for a month; a connection
// keeps the certificate it started with, so a fresh one a day leaves any
// meeting four weeks.
const certRenewal = 24 * time.Hour

// certificate is the DTLS certificate for a new connection. All
// connections share one, as Janus and other SFUs do: the browser checks
// the fingerprint in our description, which stays per connection, and
// nothing asks for one key per connection. pion would otherwise make an
// ECDSA key and a self-signed certificate at every PeerConnection, which
// each subscriber then holds (about 3 kB) and whose signing every join
// waits for.
func (e *Engine) certificate() (webrtc.Certificate, error) {
	e.certMu.Lock()
	defer e.certMu.Unlock()
	if e.cert == nil || time.Since(e.certAt) >= certRenewal {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return webrtc.Certificate{}, fmt.Errorf("sfu: DTLS key: %w", err)
		}
		cert, err := webrtc.GenerateCertificate(key)
		if err != nil {
			return webrtc.Certificate{}, fmt.Errorf("sfu: DTLS certificate: %w", err)
		}
		e.cert, e.certAt = cert, time.Now()
	}
	return *e.cert, nil
}
