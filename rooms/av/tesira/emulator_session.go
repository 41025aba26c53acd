package tesira

import (
	"errors"
	"net"
	"strings"
	"sync"
	"time"
)

// session is one client of the emulator. subs and verbose are guarded by
// the emulator's mu, since publications to a session start from others.
type session struct {
	e    *Emulator
	conn net.Conn
	out  chan []byte
	done chan struct{}
	once sync.Once

	subs       map[subKey]struct{}
	verbose    bool
	bannerSent bool
}

type subKey struct {
	tag, attr string
	index     int
	label     string
}

// garbage stands in for a reply under FaultGarbage: a line of junk, an
// unexpected option request, and a line that looks like a reply but is not.
const garbage = "\x01\x02?#garbage \xff\xfd\x63\x7f\r\n+?%garbled reply\r\n"

// register admits conn unless the emulator is closed; the session's
// goroutines are counted before they start, so Close always waits for them.
func (e *Emulator) register(conn net.Conn) *session {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		conn.Close()
		return nil
	}
	s := &session{e: e, conn: conn, out: make(chan []byte, sessionQueue), done: make(chan struct{}), subs: map[subKey]struct{}{}, verbose: true}
	e.sessions[s] = struct{}{}
	e.wg.Add(2) // run and writeLoop
	return s
}

func (e *Emulator) run(s *session) {
	defer e.wg.Done()
	defer func() {
		e.mu.Lock()
		delete(e.sessions, s) // its subscriptions go with it
		e.mu.Unlock()
		s.close()
	}()
	go s.writeLoop()
	if e.currentFault().kind == faultDrop {
		return
	}
	s.send(string(e.opts.Negotiation))
	lr := newLineReader(s.conn, MaxLineLength, nil) // refusals need no answer
	if e.opts.Username != "" && !s.login(lr) {
		return
	}
	if d := e.opts.BannerDelay; d > 0 {
		t := time.AfterFunc(d, s.greet)
		defer t.Stop()
	} else {
		s.greet()
	}
	for {
		if d := e.opts.IdleTimeout; d > 0 {
			s.conn.SetReadDeadline(time.Now().Add(d))
		}
		line, err := lr.readLine()
		if errors.Is(err, errLineTooLong) {
			s.send("-ERR Parse error at 1: line too long" + e.eol)
			continue
		}
		if err != nil {
			return
		}
		e.mu.Lock()
		greeted := s.bannerSent
		e.mu.Unlock()
		if !greeted {
			e.log.Warn("tesira emulator: input before the banner ignored", "line", truncate(line))
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		switch f := e.currentFault(); f.kind {
		case faultHang:
			continue
		case faultDrop:
			return
		case faultGarbage:
			s.send(garbage)
			continue
		case faultSlow:
			t := time.NewTimer(f.delay)
			select {
			case <-t.C:
			case <-s.done:
				t.Stop()
				return
			}
		}
		s.send(line + e.eol) // the echo
		e.execute(s, line)
	}
}

// loginAttempts is how often a session may try before it is closed.
const loginAttempts = 3

// login asks for a username and a password, as a protected system does
// (docs/protocols/tesira.md §10), and reports whether they matched.
func (s *session) login(lr *lineReader) bool {
	e := s.e
	for range loginAttempts {
		s.send("login: ")
		user, err := lr.readLine()
		if err != nil {
			return false
		}
		s.send(user + e.eol) // the username is echoed, the password not
		s.send("Password: ")
		pass, err := lr.readLine()
		if err != nil {
			return false
		}
		s.send(e.eol)
		if user == e.opts.Username && pass == e.opts.Password {
			return true
		}
		s.send("Login incorrect" + e.eol)
	}
	return false
}

func (s *session) greet() {
	e := s.e
	var b strings.Builder
	if e.opts.TerminalNotice {
		b.WriteString(`No entry for terminal type "unknown"; using dumb terminal settings.` + e.eol)
	}
	b.WriteString(e.eol + bannerPrefix + "..." + e.eol)
	e.mu.Lock()
	defer e.mu.Unlock()
	s.bannerSent = true
	s.send(b.String())
}

// send queues text for the writer; it never blocks, so it may be called
// with the emulator's lock held. A client too slow to drain is dropped.
func (s *session) send(text string) {
	select {
	case s.out <- []byte(text):
	case <-s.done:
	default:
		s.e.log.Warn("tesira emulator: client not reading; dropping it")
		s.close()
	}
}

func (s *session) writeLoop() {
	defer s.e.wg.Done()
	for {
		select {
		case b := <-s.out:
			s.conn.SetWriteDeadline(time.Now().Add(emuWriteTimeout))
			if _, err := s.conn.Write(b); err != nil {
				s.close()
				return
			}
		case <-s.done:
			return
		}
	}
}

func (s *session) close() {
	s.once.Do(func() {
		close(s.done)
		s.conn.Close()
	})
}

func (e *Emulator) currentFault() Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.fault
}
