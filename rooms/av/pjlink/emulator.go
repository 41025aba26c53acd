package pjlink

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"sync"
	"time"
)

const (
	// DefaultIdleTimeout is how long devices keep a connection without a
	// command.
	DefaultIdleTimeout = 30 * time.Second

	// maxRequestLine bounds a request line at the emulator: the spec's
	// 136-byte command line plus the 32-char digest, CR excluded.
	maxRequestLine = digestLen + 135

	// emuWriteTimeout keeps a session from blocking on a client that
	// stopped reading.
	emuWriteTimeout = 5 * time.Second
)

// EmulatorOptions describe the emulated device. Zero values mean the
// defaults given per field.
type EmulatorOptions struct {
	Password    string        // empty: no authentication ("PJLINK 0")
	Seed        string        // fixed 8-char seed (spec test vector); empty: random per connection
	Class       int           // 1 or 2; default 1
	WarmUp      time.Duration // POWR reports 3 this long after power on; 0: at once
	CoolDown    time.Duration // POWR reports 2 this long after power off; 0: at once
	IdleTimeout time.Duration // close after this long without a command; default 30 s

	Name, Manufacturer, Model string            // defaults "Projector", "Kogge", "Emulator"
	Inputs                    []string          // default 11 31 32 (class 2 adds 61)
	InputNames                map[string]string // INNM; default from the type, e.g. 31 → "HDMI 1"
	LampHours                 int               // lamp hours at start
	NoLamp                    bool              // an LED/LCD display: LAMP answers ERR1
	Logger                    *slog.Logger      // default: silent
}

// Fault makes the emulator misbehave, for tests. See SetFault.
type Fault struct {
	kind  faultKind
	delay time.Duration
}

type faultKind int

const (
	faultNone faultKind = iota
	faultHang
	faultDrop
	faultGarbage
	faultFailure
	faultSlow
)

var (
	// FaultNone: behave.
	FaultNone = Fault{}
	// FaultHang: read commands, never answer.
	FaultHang = Fault{kind: faultHang}
	// FaultDrop: close the connection on the next command without
	// answering, then behave again (fires once, like a device whose
	// network stack reset).
	FaultDrop = Fault{kind: faultDrop}
	// FaultGarbage: answer every command with random bytes and a CR.
	FaultGarbage = Fault{kind: faultGarbage}
	// FaultFailure: answer every command with ERR4.
	FaultFailure = Fault{kind: faultFailure}
)

// FaultSlow answers every command after d.
func FaultSlow(d time.Duration) Fault { return Fault{kind: faultSlow, delay: d} }

func (f Fault) String() string {
	switch f.kind {
	case faultHang:
		return "hang"
	case faultDrop:
		return "drop"
	case faultGarbage:
		return "garbage"
	case faultFailure:
		return "failure"
	case faultSlow:
		return "slow " + f.delay.String()
	}
	return "none"
}

// Emulator is an in-process PJLink device. Its state (power, input, mutes,
// lamp hours) is shared by all its connections, like a real projector's.
type Emulator struct {
	opts EmulatorOptions
	log  *slog.Logger
	quit chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	dev    device
	fault  Fault
	ln     net.Listener
	conns  map[net.Conn]struct{}
	served int
	closed bool
	// sets counts the set commands received ("POWR 1"), so a test can
	// tell a scene that ran once from one that ran twice.
	sets map[string]int
}

// NewEmulator returns a device in standby. Start it on a listener, or hand
// it connections with Serve.
func NewEmulator(opts EmulatorOptions) *Emulator {
	if opts.Class < 1 || opts.Class > 2 {
		opts.Class = 1
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.Name == "" {
		opts.Name = "Projector"
	}
	if opts.Manufacturer == "" {
		opts.Manufacturer = "Kogge"
	}
	if opts.Model == "" {
		opts.Model = "Emulator"
	}
	if len(opts.Inputs) == 0 {
		opts.Inputs = []string{"11", "31", "32"}
		if opts.Class >= 2 {
			opts.Inputs = append(opts.Inputs, "61")
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Emulator{
		opts:  opts,
		log:   log,
		quit:  make(chan struct{}),
		conns: make(map[net.Conn]struct{}),
		dev:   device{power: PowerOff, input: opts.Inputs[0]},
	}
}

// Start listens on addr ("127.0.0.1:0" picks a port) and serves every
// connection until Close.
func (e *Emulator) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.ln != nil {
		ln.Close()
		return errors.New("pjlink emulator: already started or closed")
	}
	e.ln = ln
	e.wg.Add(1)
	go e.accept(ln)
	return nil
}

// Addr is the listening address after Start.
func (e *Emulator) Addr() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ln == nil {
		return ""
	}
	return e.ln.Addr().String()
}

func (e *Emulator) accept(ln net.Listener) {
	defer e.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		if e.track(nc) {
			go e.session(nc)
		}
	}
}

// Serve runs one device session on nc (e.g. a net.Pipe end) and returns
// when it ends; Close ends it too.
func (e *Emulator) Serve(nc net.Conn) {
	if e.track(nc) {
		e.session(nc)
	}
}

// track registers a connection so Close can end it; false after Close.
func (e *Emulator) track(nc net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		nc.Close()
		return false
	}
	e.conns[nc] = struct{}{}
	e.served++
	e.wg.Add(1)
	return true
}

// Close stops listening, closes every connection and waits for all the
// emulator's goroutines.
func (e *Emulator) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	close(e.quit)
	if e.ln != nil {
		e.ln.Close()
	}
	for nc := range e.conns {
		nc.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
	return nil
}

// SetFault changes how the emulator misbehaves from the next command on.
func (e *Emulator) SetFault(f Fault) {
	e.mu.Lock()
	e.fault = f
	e.mu.Unlock()
}

// Connections counts the connections served so far, so tests can tell a
// reused connection from a redial.
func (e *Emulator) Connections() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.served
}

// takeFault returns the fault for this command; FaultDrop fires once.
func (e *Emulator) takeFault() Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.fault
	if f.kind == faultDrop {
		e.fault = FaultNone
	}
	return f
}

func (e *Emulator) session(nc net.Conn) {
	defer e.wg.Done()
	defer func() {
		nc.Close()
		e.mu.Lock()
		delete(e.conns, nc)
		e.mu.Unlock()
	}()
	seed := ""
	if e.opts.Password != "" {
		seed = e.opts.Seed
		if seed == "" {
			seed = newSeed()
		}
		if e.send(nc, greetingAuth+seed) != nil {
			return
		}
	} else if e.send(nc, greetingNoAuth) != nil {
		return
	}
	authed := e.opts.Password == ""
	br := bufio.NewReader(nc)
	for {
		nc.SetReadDeadline(time.Now().Add(e.opts.IdleTimeout))
		line, err := readLine(br, maxRequestLine)
		if err != nil {
			e.log.Debug("pjlink emulator: session ends", "err", err)
			return
		}
		f := e.takeFault()
		switch f.kind {
		case faultHang:
			continue
		case faultDrop:
			return
		}
		if !authed {
			// The digest prefixes the first command only (§3.2).
			want := digest(seed, e.opts.Password)
			if len(line) < digestLen || subtle.ConstantTimeCompare([]byte(line[:digestLen]), []byte(want)) != 1 {
				e.send(nc, "PJLINK ERRA")
				return
			}
			line, authed = line[digestLen:], true
		}
		resp, ok := e.handle(line)
		if !ok {
			continue
		}
		switch f.kind {
		case faultGarbage:
			resp = garbage()
		case faultFailure:
			resp = resp[:7] + "ERR4"
		case faultSlow:
			t := time.NewTimer(f.delay)
			select {
			case <-t.C:
			case <-e.quit:
				t.Stop()
				return
			}
		}
		if e.send(nc, resp) != nil {
			return
		}
	}
}

func (e *Emulator) send(nc net.Conn, line string) error {
	nc.SetWriteDeadline(time.Now().Add(emuWriteTimeout))
	_, err := io.WriteString(nc, line+"\r")
	return err
}

func newSeed() string {
	var b [seedLen / 2]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// garbage is what a confused device might send: random bytes, no CR inside,
// never starting like a reply or greeting, then a CR.
func garbage() string {
	b := make([]byte, 8+mrand.IntN(32))
	for i := range b {
		for b[i] == 0 || b[i] == '\r' || i == 0 && (b[i] == '%' || b[i] == 'P') {
			b[i] = byte(mrand.IntN(256))
		}
	}
	return string(b)
}

// Power reports the emulated power state, for tests and the demo.
func (e *Emulator) Power() PowerState {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.advance(time.Now())
	return e.dev.power
}

// Sets is how many times the set command (body and parameter, as
// "POWR 1") was received, whatever the device answered.
func (e *Emulator) Sets(command string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sets[command]
}

// SetErrorStatus sets what ERST reports.
func (e *Emulator) SetErrorStatus(s ErrorStatus) {
	e.mu.Lock()
	e.dev.status = s
	e.mu.Unlock()
}
