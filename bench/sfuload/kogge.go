package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"
)

// koggeOrigin is the origin koggesfu allows (koggesfu.Origin).
const koggeOrigin = "http://sfuload.test"

// kogge runs bench/sfuload/koggesfu as its own process and drives it over
// Kogge's WebSocket signaling (signaling/PROTOCOL.md): hello, then an
// offer on "up" for the publisher, answers to the SFU's offers on "down"
// for the subscribers.
type kogge struct {
	bin string
	// label names a variant (-sfu kogge-gogc50) run with env added to
	// koggesfu's environment.
	label   string
	env     []string
	ip      net.IP
	pprofOn bool // start with a pprof listener
	proc    *child
	log     *os.File
	wsURL   string
	pprof   string // http://host:port/debug/pprof/

	mu      sync.Mutex
	clients []*koggeClient
	n       int
}

func (k *kogge) name() string {
	if k.label != "" {
		return k.label
	}
	return "kogge"
}
func (k *kogge) mediaIP() net.IP { return k.ip }
func (k *kogge) pid() int        { return k.proc.pid() }

func (k *kogge) start(ctx context.Context, pin bool) error {
	var err error
	if k.log, err = os.CreateTemp("", "sfuload-koggesfu-*.log"); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	argv := []string{k.bin, "-media-ip", k.ip.String()}
	if k.pprofOn {
		argv = append(argv, "-pprof", "127.0.0.1:0")
	}
	if k.proc, err = startChild(argv, k.env, pin, pw); err != nil {
		return err
	}
	go func() { <-k.proc.done; pw.Close() }()
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(k.log, line)
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "pprof":
				k.mu.Lock()
				k.pprof = f[1]
				k.mu.Unlock()
			case len(f) >= 2 && f[0] == "ws":
				k.mu.Lock()
				k.wsURL = f[1]
				k.mu.Unlock()
				close(up)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case <-up:
		return nil
	case <-k.proc.done:
		return fmt.Errorf("koggesfu exited: %v (log %s)", k.proc.err, k.log.Name())
	case <-ctx.Done():
		return fmt.Errorf("koggesfu not up: %w (log %s)", ctx.Err(), k.log.Name())
	}
}

func (k *kogge) publish(ctx context.Context, p *publisher) error {
	c, err := k.dial(ctx, "host-1", "publisher", p.pc, nil)
	if err != nil {
		return err
	}
	offer, err := p.offer(ctx)
	if err != nil {
		return err
	}
	// Media messages before the welcome are refused (not_joined).
	select {
	case <-c.welcomed:
	case <-c.failed:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := c.send(koggeMsg{Type: "offer", PC: "up", SDP: offer}); err != nil {
		return err
	}
	return c.waitNegotiated(ctx)
}

func (k *kogge) subscribe(ctx context.Context, s *subscriber) error {
	k.mu.Lock()
	k.n++
	token := "guest-" + strconv.Itoa(k.n)
	k.mu.Unlock()
	c, err := k.dial(ctx, token, token, nil, s)
	if err != nil {
		return err
	}
	return c.waitNegotiated(ctx)
}

// profile fetches a CPU profile of koggesfu over d, then a heap profile
// (out + ".heap") and its goroutines (out + ".goroutine", pprof's text
// form: how many of each kind each subscriber costs).
func (k *kogge) profile(ctx context.Context, d time.Duration, out string) error {
	k.mu.Lock()
	base := k.pprof
	k.mu.Unlock()
	if base == "" {
		return errors.New("koggesfu has no pprof listener")
	}
	err := fetch(ctx, fmt.Sprintf("%sprofile?seconds=%d", base, max(int(d.Seconds()), 1)), out)
	if err != nil {
		return err
	}
	if err := k.heap(ctx, out+".heap"); err != nil {
		return err
	}
	return fetch(ctx, base+"goroutine?debug=1", out+".goroutine")
}

// heap fetches a heap profile of koggesfu into out.
func (k *kogge) heap(ctx context.Context, out string) error {
	k.mu.Lock()
	base := k.pprof
	k.mu.Unlock()
	if base == "" {
		return errors.New("koggesfu has no pprof listener")
	}
	return fetch(ctx, base+"heap", out)
}

// koggeStats is koggesfu's /stats.
type koggeStats struct {
	ForwardedPackets, KeyframeRequests uint64
	Peers, Goroutines                  int
	HeapInuse, HeapLive, StackInuse    uint64
	Sys                                uint64
	GCSeconds                          float64
	Memory                             map[string]uint64
}

func (k *kogge) fetchStats(ctx context.Context) (koggeStats, error) {
	k.mu.Lock()
	u := strings.Replace(strings.Replace(k.wsURL, "ws://", "http://", 1), "/ws", "/stats", 1)
	k.mu.Unlock()
	var st koggeStats
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// gcSeconds is the CPU time koggesfu's garbage collector used so far.
func (k *kogge) gcSeconds(ctx context.Context) (float64, error) {
	st, err := k.fetchStats(ctx)
	return st.GCSeconds, err
}

// stats is koggesfu's /stats, for -v.
func (k *kogge) stats(ctx context.Context) string {
	st, err := k.fetchStats(ctx)
	if err != nil {
		return err.Error()
	}
	mb := func(k string) float64 { return float64(st.Memory[k]) / 1e6 }
	return fmt.Sprintf("koggesfu: %d peers, %d goroutines, heap in use %.1f MB (live at the last GC %.1f MB), stacks %.1f MB, Go sys %.1f MB, %d keyframe requests\n"+
		"      runtime memory (MB): heap objects %.1f, free but resident %.1f, released %.1f, unused in spans %.1f; stacks %.1f; OS thread stacks %.1f; metadata %.1f; other %.1f",
		st.Peers, st.Goroutines, float64(st.HeapInuse)/1e6, float64(st.HeapLive)/1e6, float64(st.StackInuse)/1e6, float64(st.Sys)/1e6, st.KeyframeRequests,
		mb("heap/objects"), mb("heap/free"), mb("heap/released"), mb("heap/unused"), mb("heap/stacks"), mb("os-stacks"),
		mb("metadata/other")+mb("metadata/mcache/inuse")+mb("metadata/mspan/inuse")+mb("metadata/mcache/free")+mb("metadata/mspan/free"), mb("other")+mb("profiling/buckets"))
}

func fetch(ctx context.Context, url, out string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (k *kogge) close() {
	k.mu.Lock()
	cs := k.clients
	k.clients = nil
	k.mu.Unlock()
	for _, c := range cs {
		c.close()
	}
	if k.proc != nil {
		k.proc.stop()
	}
	if k.log != nil {
		_ = k.log.Close()
		_ = os.Remove(k.log.Name())
	}
}

// koggeMsg is the union of the protocol messages the bench sends and reads.
type koggeMsg struct {
	Type      string                   `json:"type"`
	Version   int                      `json:"version,omitempty"`
	Token     string                   `json:"token,omitempty"`
	Name      string                   `json:"name,omitempty"`
	PC        string                   `json:"pc,omitempty"`
	SDP       string                   `json:"sdp,omitempty"`
	Candidate *webrtc.ICECandidateInit `json:"candidate,omitempty"`
	State     string                   `json:"state,omitempty"`
	Code      string                   `json:"code,omitempty"`
	Reason    string                   `json:"reason,omitempty"`
	Message   string                   `json:"message,omitempty"`
	RefType   string                   `json:"ref_type,omitempty"`
	Tracks    []koggeView              `json:"tracks,omitempty"`
}

// koggeView is one track of a view message: the size it is shown at.
type koggeView struct {
	Track  string `json:"track"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// koggeClient is one participant's WebSocket: up is the publisher's
// PeerConnection (our offer), sub the subscriber whose PeerConnection
// answers the SFU's offers on down.
type koggeClient struct {
	ws         *websocket.Conn
	wmu        sync.Mutex
	up         *webrtc.PeerConnection
	sub        *subscriber
	negotiated chan struct{} // closed at the first completed exchange
	once       sync.Once
	welcomed   chan struct{} // closed at the welcome
	failed     chan struct{}
	err        error
	done       chan struct{}
}

func (k *kogge) dial(ctx context.Context, token, name string, up *webrtc.PeerConnection, sub *subscriber) (*koggeClient, error) {
	k.mu.Lock()
	u := k.wsURL
	k.mu.Unlock()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	ws, _, err := d.DialContext(ctx, u, http.Header{"Origin": {koggeOrigin}})
	if err != nil {
		return nil, err
	}
	c := &koggeClient{ws: ws, up: up, sub: sub, negotiated: make(chan struct{}), welcomed: make(chan struct{}),
		failed: make(chan struct{}), done: make(chan struct{})}
	k.mu.Lock()
	k.clients = append(k.clients, c)
	k.mu.Unlock()
	go c.read()
	if err := c.send(koggeMsg{Type: "hello", Version: 1, Token: token, Name: name}); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *koggeClient) send(m koggeMsg) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteJSON(m)
}

func (c *koggeClient) fail(err error) {
	select {
	case <-c.failed:
	default:
		c.err = err
		close(c.failed)
	}
}

// read runs for the connection's life (it also answers pings).
func (c *koggeClient) read() {
	defer close(c.done)
	for {
		var m koggeMsg
		if err := c.ws.ReadJSON(&m); err != nil {
			c.fail(err)
			return
		}
		if err := c.handle(m); err != nil {
			c.fail(err)
		}
	}
}

func (c *koggeClient) handle(m koggeMsg) error {
	switch m.Type {
	case "welcome":
		if m.State != "joined" {
			return fmt.Errorf("welcome in state %q", m.State)
		}
		close(c.welcomed)
		if c.sub != nil && c.sub.layer >= 0 {
			// The size of the layer this subscriber wants: the SFU
			// forwards the layer that fills it (signaling/sfu/alloc.go).
			l := simLayers[c.sub.layer]
			return c.send(koggeMsg{Type: "view", Tracks: []koggeView{{Track: videoTrackID, Width: l.width, Height: l.height}}})
		}
	case "answer":
		if c.up == nil || m.PC != "up" {
			return fmt.Errorf("unexpected answer on %q", m.PC)
		}
		if err := c.up.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}); err != nil {
			return err
		}
		c.once.Do(func() { close(c.negotiated) })
	case "offer":
		if c.sub == nil || m.PC != "down" {
			return nil // the publisher receives nothing; leave its down offer unanswered
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		answer, err := c.sub.answer(ctx, m.SDP)
		if err != nil {
			return err
		}
		if err := c.send(koggeMsg{Type: "answer", PC: "down", SDP: answer}); err != nil {
			return err
		}
		c.once.Do(func() { close(c.negotiated) })
	case "candidate":
		if m.Candidate == nil {
			return nil
		}
		pc := c.up
		if m.PC == "down" && c.sub != nil {
			pc = c.sub.pc
		}
		if pc != nil {
			return pc.AddICECandidate(*m.Candidate)
		}
	case "error":
		return fmt.Errorf("kogge error %s: %s (on %s)", m.Code, m.Message, m.RefType)
	case "closed":
		return fmt.Errorf("kogge closed: %s: %s", m.Reason, m.Message)
	}
	return nil
}

func (c *koggeClient) waitNegotiated(ctx context.Context) error {
	select {
	case <-c.negotiated:
		return nil
	case <-c.failed:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *koggeClient) close() {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
		time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.Close()
	<-c.done
}
