package visca

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// EmulatorOptions describe the emulated camera; the zero value is a camera
// that is on and moves instantly.
type EmulatorOptions struct {
	// MoveTime is how long a preset recall, absolute move or zoom direct
	// takes: ACK at once, completion after MoveTime.
	MoveTime time.Duration
	// PowerTime is how long switching on or to standby takes.
	PowerTime time.Duration
	// Standby starts the camera in standby.
	Standby bool
	// LooseSequence accepts any sequence number, as some cameras do. By
	// default a message must carry the last number + 1 (or repeat the last
	// one, which is taken as a retransmission and answered from a cache).
	LooseSequence bool
	Logger        *slog.Logger
}

// FaultKind names a misbehaviour.
type FaultKind uint8

const (
	FaultNone    FaultKind = iota
	FaultHang              // read everything, answer nothing
	FaultDrop              // UDP: lose the next Count datagrams; TCP: close the connection on each of the next Count messages
	FaultGarbage           // answer every message with bytes that are not VISCA
	FaultSlow              // delay every reply by Delay
)

// Fault is a misbehaviour set with SetFault. Drop ends by itself after
// Count messages; the others last until the next SetFault.
type Fault struct {
	Kind  FaultKind
	Count int
	Delay time.Duration
}

// Convenience constructors for SetFault.
func Hang() Fault                { return Fault{Kind: FaultHang} }
func Drop(n int) Fault           { return Fault{Kind: FaultDrop, Count: n} }
func Garbage() Fault             { return Fault{Kind: FaultGarbage} }
func Slow(d time.Duration) Fault { return Fault{Kind: FaultSlow, Delay: d} }

// What FaultGarbage answers: too short for a header on UDP, and on TCP a
// message whose first byte is no VISCA address.
var (
	garbageDatagram = []byte{0xDE, 0xAD, 0xBE, 0xEF}
	garbageStream   = []byte("GARBAGE\xff")
)

// outboxSize bounds replies waiting for a session's writer. A full outbox
// drops the reply rather than block the camera, as a real one's network
// stack would under a client that does not read.
const outboxSize = 64

// Emulator behaves like a VISCA camera on any number of UDP (Sony header)
// and TCP (raw) connections, all sharing one camera state.
type Emulator struct {
	opts EmulatorOptions
	log  *slog.Logger
	wg   sync.WaitGroup // readers, writers and accept loops

	// mu guards everything below, the camera included: the emulator is a
	// test double, and one lock over a small state machine is easier to
	// read than an actor.
	mu        sync.Mutex
	cam       camera
	fault     Fault
	sessions  map[*session]struct{}
	listeners []io.Closer
	addr      string
	pipes     int // in-memory connections made, for their addresses
	closed    bool
}

// NewEmulator returns a camera that serves nothing yet: call StartUDP,
// StartTCP, ServeConn, ServePacket or pass Dialer to a client.
func NewEmulator(opts EmulatorOptions) *Emulator {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{opts: opts, log: log, sessions: map[*session]struct{}{}}
	e.cam.power = !opts.Standby
	e.cam.since = time.Now()
	return e
}

var errEmulatorClosed = errors.New("visca: emulator closed")

// StartUDP serves Sony VISCA over IP on a UDP address such as
// "127.0.0.1:0".
func (e *Emulator) StartUDP(addr string) error {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	if err := e.ServePacket(pc); err != nil {
		pc.Close()
		return err
	}
	e.setAddr(pc.LocalAddr())
	return nil
}

// StartTCP serves raw VISCA on a TCP address such as "127.0.0.1:0".
func (e *Emulator) StartTCP(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		ln.Close()
		return errEmulatorClosed
	}
	e.listeners = append(e.listeners, ln)
	e.mu.Unlock()
	e.setAddr(ln.Addr())
	e.wg.Add(1)
	go e.accept(ln)
	return nil
}

func (e *Emulator) setAddr(a net.Addr) {
	e.mu.Lock()
	e.addr = a.String()
	e.mu.Unlock()
}

// Addr is the address the last StartUDP or StartTCP listens on.
func (e *Emulator) Addr() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addr
}

func (e *Emulator) accept(ln net.Listener) {
	defer e.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if e.ServeConn(c) != nil {
			c.Close()
		}
	}
}

// ServeConn serves raw VISCA on c (a TCP connection or one end of a
// net.Pipe) until c fails or the emulator closes. It does not block.
func (e *Emulator) ServeConn(c net.Conn) error {
	s, err := e.newSession(c, false, func(m outbound) error {
		_, err := c.Write(m.b)
		return err
	})
	if err != nil {
		return err
	}
	go s.readStream(c)
	return nil
}

// ServePacket serves Sony VISCA over IP on pc, keeping a sequence counter
// per sender. It does not block.
func (e *Emulator) ServePacket(pc net.PacketConn) error {
	s, err := e.newSession(pc, true, func(m outbound) error {
		_, err := pc.WriteTo(m.b, m.to)
		return err
	})
	if err != nil {
		return err
	}
	go s.readPackets(pc)
	return nil
}

// SetFault makes the camera misbehave from the next message on.
func (e *Emulator) SetFault(f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fault = f
}

// ResetSequences forgets every sender's sequence number, as a camera does
// when it restarts: a client's next message then gets 0F 01 until it sends
// RESET.
func (e *Emulator) ResetSequences() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for s := range e.sessions {
		clear(s.peers)
	}
}

// EmulatorState is a snapshot of the camera.
type EmulatorState struct {
	Power           bool
	Pan, Tilt, Zoom int
	Busy            int // sockets executing a command
}

// State reports the camera's state now, with drives integrated.
func (e *Emulator) State() EmulatorState {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := &e.cam
	c.integrate(time.Now())
	st := EmulatorState{Power: c.power, Pan: c.pan, Tilt: c.tilt, Zoom: c.zoom}
	for _, j := range c.sockets {
		if j != nil {
			st.Busy++
		}
	}
	return st
}

// Close stops every listener and connection and waits for their
// goroutines; moves in progress never complete.
func (e *Emulator) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	for i, j := range e.cam.sockets {
		if j != nil {
			j.timer.Stop()
			e.cam.sockets[i] = nil
		}
	}
	listeners := e.listeners
	sessions := make([]*session, 0, len(e.sessions))
	for s := range e.sessions {
		sessions = append(sessions, s)
	}
	e.mu.Unlock()
	for _, l := range listeners {
		l.Close()
	}
	for _, s := range sessions {
		s.stop()
	}
	e.wg.Wait()
	return nil
}

func (f Fault) String() string {
	switch f.Kind {
	case FaultNone:
		return "none"
	case FaultHang:
		return "hang"
	case FaultDrop:
		return fmt.Sprintf("drop %d", f.Count)
	case FaultGarbage:
		return "garbage"
	case FaultSlow:
		return fmt.Sprintf("slow %s", f.Delay)
	}
	return fmt.Sprintf("Fault(%d)", f.Kind)
}
