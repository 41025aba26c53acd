package shure

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EmulatorOptions describe the emulated device; the zero value is an
// MXA910 with eight channels.
type EmulatorOptions struct {
	Channels int    // 8 when zero
	Model    string // "MXA910" when empty
	// SplitWrites cuts every message the emulator sends in two writes
	// (and sends the reports of a change in one), as TCP may deliver
	// them, so clients must frame across segments (§3).
	SplitWrites bool
}

// Emulator is an in-process Shure device speaking command strings.
type Emulator struct {
	opts EmulatorOptions

	mu       sync.Mutex
	mute     []bool
	gate     []bool
	conns    map[net.Conn]*sync.Mutex // each with its write lock
	ln       net.Listener
	closed   bool
	hang     bool
	wg       sync.WaitGroup
	commands []string
}

// NewEmulator builds an emulator; Start or Serve puts it to work.
func NewEmulator(opts EmulatorOptions) *Emulator {
	if opts.Channels <= 0 {
		opts.Channels = 8
	}
	if opts.Model == "" {
		opts.Model = "MXA910"
	}
	return &Emulator{opts: opts, mute: make([]bool, opts.Channels+1), gate: make([]bool, opts.Channels+1), conns: map[net.Conn]*sync.Mutex{}}
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
		return errors.New("shure emulator: closed")
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

// Hang makes the device read commands and never answer (true) or behave.
func (e *Emulator) Hang(on bool) {
	e.mu.Lock()
	e.hang = on
	e.mu.Unlock()
}

// Serve runs one connection until it ends.
func (e *Emulator) Serve(conn net.Conn) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		conn.Close()
		return
	}
	e.conns[conn] = &sync.Mutex{}
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.conns, conn)
		e.mu.Unlock()
		conn.Close()
	}()
	var f framer
	buf := make([]byte, 1024)
	for {
		n, err := conn.Read(buf)
		for _, msg := range f.feed(buf[:n]) {
			e.execute(conn, msg)
		}
		if err != nil {
			return
		}
	}
}

// Commands lists the messages received, for tests.
func (e *Emulator) Commands() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.commands...)
}

// execute answers one message (§4): a REP to the asker for a GET, a REP
// to every connection for a change, `< REP ERR >` for what it does not
// know.
func (e *Emulator) execute(conn net.Conn, msg string) {
	e.mu.Lock()
	e.commands = append(e.commands, msg)
	hang := e.hang
	e.mu.Unlock()
	if hang {
		return
	}
	f := strings.Fields(msg)
	if len(f) < 2 {
		e.send(conn, "< REP ERR >")
		return
	}
	verb, rest := f[0], f[1:]
	ch := -1
	if n, err := strconv.Atoi(rest[0]); err == nil {
		ch, rest = n, rest[1:]
	}
	if len(rest) == 0 {
		e.send(conn, "< REP ERR >")
		return
	}
	param, args := rest[0], rest[1:]
	switch {
	case verb == "GET" && param == ParamModel && ch < 0:
		e.send(conn, fmt.Sprintf("< REP MODEL {%-32s} >", e.opts.Model))
	case verb == "GET" && (param == ParamMute || param == ParamGate) && e.validChannel(ch, false):
		e.send(conn, e.report(ch, param))
	case verb == "SET" && param == ParamMute && len(args) == 1 && e.validChannel(ch, true):
		var chans []int
		if ch == 0 { // 0: all channels
			for i := 1; i <= e.opts.Channels; i++ {
				chans = append(chans, i)
			}
		} else {
			chans = []int{ch}
		}
		for _, c := range chans {
			e.mu.Lock()
			switch args[0] {
			case "ON":
				e.mute[c] = true
			case "OFF":
				e.mute[c] = false
			case "TOGGLE":
				e.mute[c] = !e.mute[c]
			default:
				e.mu.Unlock()
				e.send(conn, "< REP ERR >")
				return
			}
			e.mu.Unlock()
		}
		var reps []string
		for _, c := range chans {
			reps = append(reps, e.report(c, ParamMute))
		}
		e.broadcast(strings.Join(reps, ""))
	default:
		e.send(conn, "< REP ERR >")
	}
}

func (e *Emulator) validChannel(ch int, allowAll bool) bool {
	return ch >= 1 && ch <= e.opts.Channels || allowAll && ch == 0
}

func (e *Emulator) report(ch int, param string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	v := e.mute[ch]
	if param == ParamGate {
		v = e.gate[ch]
	}
	s := "OFF"
	if v {
		s = "ON"
	}
	return fmt.Sprintf("< REP %d %s %s >", ch, param, s)
}

// SetMute changes a channel's mute at the device (its own mute button, or
// the web application) and reports it to every connection.
func (e *Emulator) SetMute(ch int, on bool) {
	e.mu.Lock()
	e.mute[ch] = on
	e.mu.Unlock()
	e.broadcast(e.report(ch, ParamMute))
}

// SetGate opens or closes a channel's automix gate (someone speaks).
func (e *Emulator) SetGate(ch int, open bool) {
	e.mu.Lock()
	e.gate[ch] = open
	e.mu.Unlock()
	e.broadcast(e.report(ch, ParamGate))
}

// Muted reads a channel's mute, for tests.
func (e *Emulator) Muted(ch int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mute[ch]
}

func (e *Emulator) broadcast(text string) {
	e.mu.Lock()
	conns := make([]net.Conn, 0, len(e.conns))
	for c := range e.conns {
		conns = append(conns, c)
	}
	e.mu.Unlock()
	for _, c := range conns {
		e.send(c, text)
	}
}

// send writes text, in two pieces under SplitWrites.
func (e *Emulator) send(conn net.Conn, text string) {
	e.mu.Lock()
	lock := e.conns[conn]
	e.mu.Unlock()
	if lock == nil {
		return
	}
	lock.Lock()
	defer lock.Unlock()
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if e.opts.SplitWrites && len(text) > 1 {
		half := len(text) / 2
		if _, err := conn.Write([]byte(text[:half])); err != nil {
			return
		}
		text = text[half:]
	}
	conn.Write([]byte(text))
}
