package sfu

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// Engine owns the pion API (codecs, default interceptors, the UDP mux).
// One per daemon.
type Engine struct {
	// upAPI builds the connections participants publish on (we
	// receive: NACK generation, TWCC feedback, simulcast, audio level);
	// downAPI the ones they subscribe on (we send: TWCC sequence numbers
	// and a bandwidth estimator each, NACKs answered from the shared
	// caches in cache.go rather than by a per-connection responder).
	// downAPI makes the latter's API from a copy of downSE (downAPIFor).
	upAPI   *webrtc.API
	downAPI func(webrtc.SettingEngine) *webrtc.API
	downSE  webrtc.SettingEngine
	// estimators hands each new down connection's bandwidth estimator
	// from the interceptor factory to newPeer, by connection id.
	estimators sync.Map // string → cc.BandwidthEstimator
	log        *slog.Logger
	pionLogs   pionLoggerFactory
	udpMux     ice.UDPMux
	udpAddr    net.Addr
	tcpMux     ice.TCPMux // nil without ICE-TCP
	tcpLn      net.Listener

	// cert is the DTLS certificate of new connections since certAt
	// (cert.go).
	certMu sync.Mutex
	cert   *webrtc.Certificate
	certAt time.Time

	mu     sync.Mutex
	rooms  map[*Room]struct{}
	closed bool
	// retired holds the totals of closed rooms so Stats never goes back.
	retired Stats
}

// NewEngine opens the mux sockets.
func NewEngine(cfg Config, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{log: log, pionLogs: newPionLoggerFactory(log), rooms: make(map[*Room]struct{})}

	se, err := e.settingEngine(cfg)
	if err != nil {
		_ = e.closeMux()
		return nil, err
	}
	if e.upAPI, err = newUpAPI(se); err != nil {
		_ = e.closeMux()
		return nil, err
	}
	if e.downAPI, err = e.newDownAPI(se); err != nil {
		_ = e.closeMux()
		return nil, err
	}
	e.downSE = se
	return e, nil
}

// downAPIFor is the API of p's down connection: the engine's, with SRTCP
// read buffers that hand p's feedback straight to p (rtcpin.go) instead
// of queueing it for a reader goroutine per track.
func (e *Engine) downAPIFor(p *Peer) *webrtc.API {
	se := e.downSE
	se.BufferFactory = p.streamBuffer
	return e.downAPI(se)
}

// settingEngine opens the mux sockets and configures ICE and DTLS-SRTP.
func (e *Engine) settingEngine(cfg Config) (webrtc.SettingEngine, error) {
	var se webrtc.SettingEngine
	lf := e.pionLogs
	se.LoggerFactory = lf
	// DTLS-SRTP always; AES-GCM first, the mandatory AES-CM for old clients.
	se.SetSRTPProtectionProfiles(
		dtls.SRTP_AEAD_AES_128_GCM,
		dtls.SRTP_AEAD_AES_256_GCM,
		dtls.SRTP_AES128_CM_HMAC_SHA1_80,
	)
	se.SetIncludeLoopbackCandidate(cfg.IncludeLoopback)
	// All ICE goes through the mux: mDNS would only add four sockets and
	// goroutines per connection (bench: 105 sockets at 25 subscribers).
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)

	var listenIP net.IP
	if cfg.ListenIP != "" {
		listenIP = net.ParseIP(cfg.ListenIP)
		if listenIP == nil {
			return se, fmt.Errorf("sfu: bad listen address %q", cfg.ListenIP)
		}
		se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(listenIP) })
	}

	if cfg.vnet != nil {
		se.SetNet(cfg.vnet)
	} else {
		n, err := newSharedNet()
		if err != nil {
			return se, fmt.Errorf("sfu: network interfaces: %w", err)
		}
		se.SetNet(n)
	}
	switch {
	case cfg.vnet != nil:
		// Tests on pion's virtual network: one socket on it.
		conn, err := cfg.vnet.ListenUDP("udp", &net.UDPAddr{IP: listenIP, Port: cfg.UDPPort})
		if err != nil {
			return se, fmt.Errorf("sfu: listen udp: %w", err)
		}
		e.udpMux = webrtc.NewICEUDPMux(lf.NewLogger("udpmux"), conn)
		e.udpAddr = conn.LocalAddr()
	case listenIP != nil:
		// One address: one socket, a plain UDP mux.
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: listenIP, Port: cfg.UDPPort})
		if err != nil {
			return se, fmt.Errorf("sfu: listen udp: %w", err)
		}
		e.udpMux = webrtc.NewICEUDPMux(lf.NewLogger("udpmux"), conn)
		e.udpAddr = conn.LocalAddr()
	default:
		// One socket per local address, all on the same port. With port 0
		// each socket gets its own port and UDPAddr reports the first.
		opts := []ice.UDPMuxFromPortOption{ice.UDPMuxFromPortWithLogger(lf.NewLogger("udpmux"))}
		if cfg.IncludeLoopback {
			opts = append(opts, ice.UDPMuxFromPortWithLoopback())
		}
		mux, err := ice.NewMultiUDPMuxFromPort(cfg.UDPPort, opts...)
		if err != nil {
			return se, fmt.Errorf("sfu: listen udp: %w", err)
		}
		e.udpMux = mux
		if addrs := mux.GetListenAddresses(); len(addrs) > 0 {
			e.udpAddr = addrs[0]
		}
	}
	se.SetICEUDPMux(e.udpMux)

	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if cfg.ICETCPPort != 0 {
		ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: listenIP, Port: cfg.ICETCPPort})
		if err != nil {
			return se, fmt.Errorf("sfu: listen tcp: %w", err)
		}
		e.tcpLn = ln
		e.tcpMux = webrtc.NewICETCPMux(lf.NewLogger("tcpmux"), ln, 8)
		se.SetICETCPMux(e.tcpMux)
		networks = append(networks, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	se.SetNetworkTypes(networks)

	if len(cfg.NAT1To1IPs) > 0 {
		// The replacement of the deprecated SetNAT1To1IPs: announce the
		// public addresses instead of the private ones.
		err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        cfg.NAT1To1IPs,
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		})
		if err != nil {
			return se, fmt.Errorf("sfu: NAT 1:1 addresses: %w", err)
		}
	}
	return se, nil
}

// UDPAddr is where the mux listens (the port is real even when Config
// asked for 0).
func (e *Engine) UDPAddr() net.Addr { return e.udpAddr }

// Stats adds up every room.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	s := e.retired
	rooms := e.roomList()
	e.mu.Unlock()
	for _, r := range rooms {
		s.add(r.Stats())
	}
	return s
}

// Close closes every room and the mux sockets.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	rooms := e.roomList()
	e.mu.Unlock()
	for _, r := range rooms {
		r.Close()
	}
	return e.closeMux()
}

func (e *Engine) roomList() []*Room {
	rooms := make([]*Room, 0, len(e.rooms))
	for r := range e.rooms {
		rooms = append(rooms, r)
	}
	return rooms
}

func (e *Engine) closeMux() error {
	var errs []error
	for _, c := range []io.Closer{e.udpMux, e.tcpMux, e.tcpLn} {
		if c != nil {
			if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// NewRoom starts an empty room.
func (e *Engine) NewRoom(id string, log *slog.Logger) *Room {
	if log == nil {
		log = e.log
	}
	r := newRoom(e, id, log.With("room", id))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		r.closed = true
		return r
	}
	e.rooms[r] = struct{}{}
	return r
}

// roomClosed forgets a closed room and keeps its totals.
func (e *Engine) roomClosed(r *Room, final Stats) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.rooms[r]; ok {
		delete(e.rooms, r)
		final.Peers = 0
		e.retired.add(final)
	}
}

func (s *Stats) add(o Stats) {
	s.ForwardedPackets += o.ForwardedPackets
	s.ForwardedBytes += o.ForwardedBytes
	s.KeyframeRequests += o.KeyframeRequests
	s.Retransmissions += o.Retransmissions
	s.MutedPackets += o.MutedPackets
	s.Peers += o.Peers
}
