package mdc

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"time"
)

// EmulatorOptions describe the emulated display; the zero value is
// display id 0, off, on HDMI 1 at volume 20.
type EmulatorOptions struct {
	ID byte
	// SplitWrites sends every answer in two writes, as TCP may deliver
	// it, so clients must read frames across segments.
	SplitWrites bool
}

// Emulator is an in-process Samsung display speaking MDC.
type Emulator struct {
	opts EmulatorOptions

	mu     sync.Mutex
	st     Status
	conns  map[net.Conn]bool
	ln     net.Listener
	closed bool
	hang   bool
	wg     sync.WaitGroup
}

// NewEmulator builds an emulator; Start or Serve puts it to work.
func NewEmulator(opts EmulatorOptions) *Emulator {
	return &Emulator{opts: opts, st: Status{Volume: 20, Input: Inputs["hdmi1"]}, conns: map[net.Conn]bool{}}
}

// Start listens on addr ("127.0.0.1:0" in tests).
func (e *Emulator) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		ln.Close()
		return errors.New("mdc emulator: closed")
	}
	e.ln = ln
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			e.wg.Add(1)
			go func() {
				defer e.wg.Done()
				e.Serve(conn)
			}()
		}
	}()
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

// Close stops listening, ends every connection and waits.
func (e *Emulator) Close() {
	e.mu.Lock()
	e.closed = true
	if e.ln != nil {
		e.ln.Close()
	}
	for c := range e.conns {
		c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// Hang makes the display read commands and never answer.
func (e *Emulator) Hang(on bool) {
	e.mu.Lock()
	e.hang = on
	e.mu.Unlock()
}

// State is the display's state, for tests.
func (e *Emulator) State() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st
}

// Serve runs one connection until it ends.
func (e *Emulator) Serve(conn net.Conn) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		conn.Close()
		return
	}
	e.conns[conn] = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.conns, conn)
		e.mu.Unlock()
		conn.Close()
	}()
	br := bufio.NewReader(conn)
	for {
		f, err := readFrame(br)
		if errors.Is(err, ErrProtocol) {
			continue // a bad checksum gets no answer
		}
		if err != nil {
			return
		}
		answer, ok := e.execute(f)
		if !ok {
			continue
		}
		b := answer.encode()
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if e.opts.SplitWrites {
			if _, err := conn.Write(b[:len(b)/2]); err != nil {
				return
			}
			b = b[len(b)/2:]
		}
		if _, err := conn.Write(b); err != nil {
			return
		}
	}
}

// NAK error codes the emulator uses (the manuals do not list them; any
// code is a refusal).
const (
	errBadValue   = 1
	errNotPowered = 2
)

// execute answers one frame (§3): an ACK with the new value, a NAK with
// an error code, or nothing for another display's id or a broadcast.
func (e *Emulator) execute(f frame) (frame, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hang || f.id != e.opts.ID {
		return frame{}, false
	}
	reply := func(vals ...byte) (frame, bool) {
		return frame{cmd: cmdReply, id: e.opts.ID, data: append([]byte{ack, f.cmd}, vals...)}, true
	}
	refuse := func(code byte) (frame, bool) {
		return frame{cmd: cmdReply, id: e.opts.ID, data: []byte{nak, f.cmd, code}}, true
	}
	set := len(f.data) == 1
	if len(f.data) > 1 {
		return refuse(errBadValue)
	}
	v := byte(0)
	if set {
		v = f.data[0]
	}
	switch f.cmd {
	case CmdStatus:
		if set {
			return refuse(errBadValue)
		}
		// power, volume, mute, input, aspect, N-time, F-time
		return reply(b2b(e.st.Power), byte(e.st.Volume), b2b(e.st.Mute), e.st.Input, 0, 0, 0)
	case CmdPower:
		if set {
			if v > 1 {
				return refuse(errBadValue)
			}
			e.st.Power = v == 1
		}
		return reply(b2b(e.st.Power))
	case CmdVolume:
		if set {
			if v > 100 {
				return refuse(errBadValue)
			}
			e.st.Volume = int(v)
		}
		return reply(byte(e.st.Volume))
	case CmdMute:
		if set {
			if v > 1 {
				return refuse(errBadValue)
			}
			e.st.Mute = v == 1
		}
		return reply(b2b(e.st.Mute))
	case CmdInput:
		if set {
			if !settable(v) {
				return refuse(errBadValue)
			}
			if !e.st.Power {
				return refuse(errNotPowered)
			}
			e.st.Input = v
		}
		return reply(e.st.Input)
	}
	return refuse(errBadValue)
}

func settable(code byte) bool {
	for _, c := range Inputs {
		if c == code {
			return true
		}
	}
	return false
}
