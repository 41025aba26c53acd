package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// janus runs Janus with its own config folder: the VideoRoom plugin and
// the HTTP transport on 127.0.0.1 only, media on the host's own address.
type janus struct {
	bin  string
	ip   net.IP // media address (not loopback: Janus skips it)
	dir  string
	log  *os.File
	proc *child
	base string // http://127.0.0.1:port/janus
	hc   *http.Client
	room int64
	feed int64 // the publisher's id
	ctl  *janusSession
	mu   sync.Mutex
	sess []*janusSession
}

const janusLibDir = "/usr/lib/x86_64-linux-gnu/janus"

func (j *janus) name() string    { return "janus" }
func (j *janus) mediaIP() net.IP { return j.ip }
func (j *janus) pid() int        { return j.proc.pid() }

func (j *janus) start(ctx context.Context, pin bool) error {
	dir, err := os.MkdirTemp("", "sfuload-janus-")
	if err != nil {
		return err
	}
	j.dir = dir
	port, err := freeTCPPort()
	if err != nil {
		return err
	}
	if err := writeJanusConfig(dir, j.ip, port); err != nil {
		return err
	}
	if j.log, err = os.Create(filepath.Join(dir, "janus.log")); err != nil {
		return err
	}
	j.proc, err = startChild([]string{j.bin, "-F", dir, "-C", filepath.Join(dir, "janus.jcfg")}, nil, pin, j.log)
	if err != nil {
		return err
	}
	j.base = fmt.Sprintf("http://127.0.0.1:%d/janus", port)
	j.hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	// Wait for the transport.
	for {
		var info struct {
			Janus string `json:"janus"`
		}
		if err := j.get(ctx, j.base+"/info", &info); err == nil && info.Janus == "server_info" {
			break
		}
		if j.proc.exited() {
			return fmt.Errorf("janus exited: %v (log %s)", j.proc.err, j.log.Name())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("janus not up: %w (log %s)", ctx.Err(), j.log.Name())
		case <-time.After(50 * time.Millisecond):
		}
	}
	// A control session creates the room.
	j.ctl, err = j.newSession(ctx)
	if err != nil {
		return err
	}
	h, err := j.ctl.attach(ctx)
	if err != nil {
		return err
	}
	j.room = 1 + rand.Int64N(1<<40)
	res, err := j.ctl.request(ctx, h, map[string]any{
		"request": "create", "room": j.room, "publishers": 1,
		"audiocodec": "opus", "videocodec": "vp8", "bitrate": 0,
		"notify_joining": false, "permanent": false,
	}, nil)
	if err != nil {
		return err
	}
	if v := res.pluginString("videoroom"); v != "created" {
		return fmt.Errorf("janus create room: %s", res.PluginData.Data)
	}
	return nil
}

func writeJanusConfig(dir string, ip net.IP, port int) error {
	files := map[string]string{
		"janus.jcfg": fmt.Sprintf(`general: {
	configs_folder = %q
	plugins_folder = "%s/plugins"
	transports_folder = "%s/transports"
	events_folder = "%s/events"
	loggers_folder = "%s/loggers"
	debug_level = 3
	session_timeout = 120
}
media: {
}
nat: {
	nice_debug = false
	ignore_mdns = true
	ice_enforce_list = %q
}
plugins: {
	disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}
transports: {
	disable = "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so"
}
loggers: {
	disable = "libjanus_jsonlog.so"
}
events: {
	broadcast = false
	disable = "libjanus_gelfevh.so,libjanus_mqttevh.so,libjanus_nanomsgevh.so,libjanus_rabbitmqevh.so,libjanus_sampleevh.so,libjanus_wsevh.so"
}
`, dir, janusLibDir, janusLibDir, janusLibDir, janusLibDir, ip.String()),
		"janus.transport.http.jcfg": fmt.Sprintf(`general: {
	json = "plain"
	base_path = "/janus"
	http = true
	ip = "127.0.0.1"
	port = %d
	https = false
}
admin: {
	admin_http = false
	admin_https = false
}
`, port),
		"janus.plugin.videoroom.jcfg": "general: {\n}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			return err
		}
	}
	return nil
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (j *janus) publish(ctx context.Context, p *publisher) error {
	s, err := j.newSession(ctx)
	if err != nil {
		return err
	}
	h, err := s.attach(ctx)
	if err != nil {
		return err
	}
	offer, err := p.offer(ctx)
	if err != nil {
		return err
	}
	jsep := map[string]any{"type": "offer", "sdp": offer, "trickle": false}
	if p.sim != nil {
		// Our a=simulcast lists l;m;h, lowest first; Janus assumes
		// highest first unless told.
		jsep["rid_order"] = "lmh"
	}
	ev, err := s.request(ctx, h, map[string]any{
		"request": "joinandconfigure", "ptype": "publisher", "room": j.room,
		"display": "publisher", "audio": true, "video": true,
	}, jsep)
	if err != nil {
		return err
	}
	if ev.JSEP == nil || ev.pluginString("videoroom") != "joined" {
		return fmt.Errorf("janus publisher join: %s", ev.PluginData.Data)
	}
	var joined struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(ev.PluginData.Data, &joined); err != nil {
		return err
	}
	j.feed = joined.ID
	if err := p.pc.SetRemoteDescription(ev.JSEP.desc()); err != nil {
		return err
	}
	// Subscribing before webrtcup gets "428 No such feed".
	if _, err := s.wait(ctx, func(m *janusMsg) bool { return m.Janus == "webrtcup" && m.Sender == h }); err != nil {
		return fmt.Errorf("janus publisher webrtcup: %w", err)
	}
	return nil
}

func (j *janus) subscribe(ctx context.Context, sub *subscriber) error {
	s, err := j.newSession(ctx)
	if err != nil {
		return err
	}
	h, err := s.attach(ctx)
	if err != nil {
		return err
	}
	ev, err := s.request(ctx, h, map[string]any{
		"request": "join", "ptype": "subscriber", "room": j.room,
		"streams": []map[string]any{{"feed": j.feed}},
	}, nil)
	if err != nil {
		return err
	}
	if ev.JSEP == nil || ev.pluginString("videoroom") != "attached" {
		return fmt.Errorf("janus subscriber join: %s", ev.PluginData.Data)
	}
	ev0SDP := ev.JSEP.SDP
	answer, err := sub.answer(ctx, ev0SDP)
	if err != nil {
		return err
	}
	ev, err = s.request(ctx, h, map[string]any{"request": "start"},
		map[string]any{"type": "answer", "sdp": answer, "trickle": false})
	if err != nil {
		return err
	}
	if ev.pluginString("started") != "ok" {
		return fmt.Errorf("janus subscriber start: %s", ev.PluginData.Data)
	}
	if sub.layer >= 0 {
		// VideoRoom's simulcast choice per subscribed stream:
		// substream 0 is the lowest.
		ev, err = s.request(ctx, h, map[string]any{"request": "configure",
			"streams": []map[string]any{{"mid": videoMid(ev0SDP), "substream": sub.layer}}}, nil)
		if err != nil {
			return err
		}
		if v := ev.pluginString("configured"); v != "ok" {
			return fmt.Errorf("janus subscriber substream: %s", ev.PluginData.Data)
		}
	}
	return nil
}

func (j *janus) close() {
	j.mu.Lock()
	ss := j.sess
	j.sess = nil
	j.mu.Unlock()
	for _, s := range ss {
		s.cancel()
	}
	if j.proc != nil {
		j.proc.stop()
	}
	if j.hc != nil {
		j.hc.CloseIdleConnections()
	}
	if j.log != nil {
		_ = j.log.Close()
	}
	if j.dir != "" {
		_ = os.RemoveAll(j.dir)
	}
}

// The HTTP API.

type janusJSEP struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

func (js *janusJSEP) desc() webrtc.SessionDescription {
	return webrtc.SessionDescription{Type: webrtc.NewSDPType(js.Type), SDP: js.SDP}
}

type janusMsg struct {
	Janus       string `json:"janus"`
	Transaction string `json:"transaction"`
	SessionID   int64  `json:"session_id"`
	Sender      int64  `json:"sender"`
	Data        struct {
		ID int64 `json:"id"`
	} `json:"data"`
	Error *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"error"`
	PluginData struct {
		Plugin string          `json:"plugin"`
		Data   json.RawMessage `json:"data"`
	} `json:"plugindata"`
	JSEP *janusJSEP `json:"jsep"`
}

// pluginString is a string field of the plugin's data; error_code and
// error become a readable value.
func (m *janusMsg) pluginString(key string) string {
	var d map[string]any
	_ = json.Unmarshal(m.PluginData.Data, &d)
	if e, ok := d["error"]; ok {
		return fmt.Sprintf("error %v: %v", d["error_code"], e)
	}
	s, _ := d[key].(string)
	return s
}

func (j *janus) get(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	return j.do(req, v)
}

func (j *janus) post(ctx context.Context, url string, body, v any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return j.do(req, v)
}

func (j *janus) do(req *http.Request, v any) error {
	resp, err := j.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("janus %s: %s: %s", req.URL.Path, resp.Status, b)
	}
	return json.Unmarshal(b, v)
}

var txSeq struct {
	sync.Mutex
	n int
}

func transaction() string {
	txSeq.Lock()
	defer txSeq.Unlock()
	txSeq.n++
	return "t" + strconv.Itoa(txSeq.n)
}

// janusSession is one client session with its long-poll loop.
type janusSession struct {
	j      *janus
	id     int64
	cancel context.CancelFunc

	mu     sync.Mutex
	events []*janusMsg
	notify chan struct{} // closed and replaced on every new event
	err    error
}

func (j *janus) newSession(ctx context.Context) (*janusSession, error) {
	var m janusMsg
	if err := j.post(ctx, j.base, map[string]any{"janus": "create", "transaction": transaction()}, &m); err != nil {
		return nil, err
	}
	if m.Janus != "success" {
		return nil, m.asError("create session")
	}
	pctx, cancel := context.WithCancel(context.Background())
	s := &janusSession{j: j, id: m.Data.ID, cancel: cancel, notify: make(chan struct{})}
	j.mu.Lock()
	j.sess = append(j.sess, s)
	j.mu.Unlock()
	go s.poll(pctx)
	return s, nil
}

func (m *janusMsg) asError(what string) error {
	if m.Error != nil {
		return fmt.Errorf("janus %s: %d %s", what, m.Error.Code, m.Error.Reason)
	}
	return fmt.Errorf("janus %s: unexpected %q", what, m.Janus)
}

func (s *janusSession) url() string { return s.j.base + "/" + strconv.FormatInt(s.id, 10) }

// poll long-polls the session's events.
func (s *janusSession) poll(ctx context.Context) {
	for ctx.Err() == nil {
		var batch []*janusMsg
		err := s.j.get(ctx, s.url()+"?maxev=10", &batch)
		s.mu.Lock()
		if err != nil {
			if ctx.Err() == nil {
				s.err = err
			}
		} else {
			s.events = append(s.events, batch...)
		}
		close(s.notify)
		s.notify = make(chan struct{})
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// wait returns (and removes) the first event that matches.
func (s *janusSession) wait(ctx context.Context, match func(*janusMsg) bool) (*janusMsg, error) {
	for {
		s.mu.Lock()
		for i, m := range s.events {
			if match(m) {
				s.events = append(s.events[:i], s.events[i+1:]...)
				s.mu.Unlock()
				return m, nil
			}
		}
		err, ch := s.err, s.notify
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *janusSession) attach(ctx context.Context) (int64, error) {
	var m janusMsg
	err := s.j.post(ctx, s.url(), map[string]any{
		"janus": "attach", "plugin": "janus.plugin.videoroom", "transaction": transaction(),
	}, &m)
	if err != nil {
		return 0, err
	}
	if m.Janus != "success" {
		return 0, m.asError("attach")
	}
	return m.Data.ID, nil
}

// request sends a plugin message; a synchronous reply is returned as is,
// an ack is followed to its event.
func (s *janusSession) request(ctx context.Context, handle int64, body, jsep map[string]any) (*janusMsg, error) {
	tx := transaction()
	req := map[string]any{"janus": "message", "transaction": tx, "body": body}
	if jsep != nil {
		req["jsep"] = jsep
	}
	var m janusMsg
	if err := s.j.post(ctx, s.url()+"/"+strconv.FormatInt(handle, 10), req, &m); err != nil {
		return nil, err
	}
	switch m.Janus {
	case "success":
		return &m, nil
	case "ack":
		ev, err := s.wait(ctx, func(e *janusMsg) bool { return e.Transaction == tx && e.Janus == "event" })
		if err != nil {
			return nil, fmt.Errorf("janus %v: %w", body["request"], err)
		}
		return ev, nil
	default:
		return nil, m.asError(fmt.Sprint(body["request"]))
	}
}
