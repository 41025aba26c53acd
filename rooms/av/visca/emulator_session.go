package visca

import (
	"bytes"
	"io"
	"net"
	"sync"
	"time"
)

// session is one served connection: a reader goroutine that runs the
// camera, and a writer goroutine that alone writes replies.
type session struct {
	e     *Emulator
	udp   bool
	conn  io.Closer
	write func(outbound) error
	out   chan outbound
	done  chan struct{}
	once  sync.Once
	peers map[string]*peer // UDP senders; guarded by e.mu
}

type outbound struct {
	b  []byte
	to net.Addr // UDP only
}

// peer is one UDP sender's sequence state.
type peer struct {
	last    uint32
	replies [][]byte // datagrams sent for last, replayed on a retransmission; nil before any
}

func (e *Emulator) newSession(conn io.Closer, udp bool, write func(outbound) error) (*session, error) {
	s := &session{e: e, udp: udp, conn: conn, write: write, out: make(chan outbound, outboxSize),
		done: make(chan struct{}), peers: map[string]*peer{}}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errEmulatorClosed
	}
	e.sessions[s] = struct{}{}
	e.wg.Add(2)
	go s.writeLoop()
	return s, nil
}

// stop ends the session; safe from any goroutine, with or without e.mu.
func (s *session) stop() {
	s.once.Do(func() {
		close(s.done)
		s.conn.Close()
	})
}

// finish runs when the reader ends.
func (s *session) finish() {
	s.stop()
	s.e.mu.Lock()
	delete(s.e.sessions, s)
	s.e.mu.Unlock()
	s.e.wg.Done()
}

// enqueue hands a reply to the writer without blocking (see outboxSize).
func (s *session) enqueue(b []byte, to net.Addr) {
	select {
	case s.out <- outbound{b: b, to: to}:
	case <-s.done:
	default:
		s.e.log.Warn("visca emulator: reply dropped, outbox full")
	}
}

func (s *session) writeLoop() {
	defer s.e.wg.Done()
	for {
		select {
		case <-s.done:
			return
		case m := <-s.out:
			if d := s.e.slowDelay(); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-s.done:
					t.Stop()
					return
				}
			}
			if err := s.write(m); err != nil {
				if s.udp {
					s.e.log.Debug("visca emulator: send failed", "to", m.to, "err", err)
					continue
				}
				s.stop()
				return
			}
		}
	}
}

func (e *Emulator) slowDelay() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault.Kind == FaultSlow {
		return e.fault.Delay
	}
	return 0
}

// admit applies the fault to a message just received and reports whether
// the camera gets to see it. Called with e.mu held.
func (e *Emulator) admit(s *session, from net.Addr) bool {
	switch e.fault.Kind {
	case FaultHang:
		return false
	case FaultDrop:
		if e.fault.Count--; e.fault.Count <= 0 {
			e.fault = Fault{}
		}
		if !s.udp {
			s.stop()
		}
		return false
	case FaultGarbage:
		if s.udp {
			s.enqueue(garbageDatagram, from)
		} else {
			s.enqueue(garbageStream, nil)
		}
		return false
	}
	return true
}

func (s *session) readStream(c net.Conn) {
	defer s.finish()
	var f framer
	buf := make([]byte, 256)
	for {
		n, err := c.Read(buf)
		f.feed(buf[:n], func(msg []byte, ferr error) {
			s.e.mu.Lock()
			defer s.e.mu.Unlock()
			if !s.e.admit(s, nil) {
				return
			}
			to := dest{s: s}
			if ferr != nil {
				to.send(errorReply(0, ErrMessageLength.Code))
				return
			}
			s.e.execute(to, msg)
		})
		if err != nil {
			return
		}
	}
}

func (s *session) readPackets(pc net.PacketConn) {
	defer s.finish()
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		s.receive(bytes.Clone(buf[:n]), from)
	}
}

// receive checks one datagram's header and sequence number, then runs it.
func (s *session) receive(b []byte, from net.Addr) {
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.admit(s, from) {
		return
	}
	control := func(seq uint32, payload []byte) {
		s.enqueue(appendDatagram(nil, typeControlReply, seq, payload), from)
	}
	d, err := parseDatagram(b)
	if err != nil {
		e.log.Debug("visca emulator: bad datagram", "err", err)
		if len(b) >= headerLen {
			control(uint32(b[4])<<24|uint32(b[5])<<16|uint32(b[6])<<8|uint32(b[7]), controlTypeError)
		}
		return
	}
	p := s.peers[from.String()]
	if p == nil {
		p = &peer{}
		s.peers[from.String()] = p
	}
	switch d.typ {
	case typeControl:
		if !bytes.Equal(d.payload, controlReset) {
			control(d.seq, controlTypeError)
			return
		}
		*p = peer{}
		control(d.seq, controlReset)
	case typeCommand, typeInquiry:
		if inquiry := len(d.payload) > 1 && d.payload[1] == 0x09; inquiry != (d.typ == typeInquiry) {
			control(d.seq, controlTypeError)
			return
		}
		if p.replies != nil && d.seq == p.last {
			for _, r := range p.replies {
				s.enqueue(r, from)
			}
			return
		}
		if !e.opts.LooseSequence && d.seq != p.last+1 {
			control(d.seq, controlSeqError)
			return
		}
		p.last, p.replies = d.seq, [][]byte{}
		e.execute(dest{s: s, to: from, seq: d.seq}, d.payload)
	default:
		control(d.seq, controlTypeError)
	}
}

// dest is where a command's replies go, including those sent later.
type dest struct {
	s   *session
	to  net.Addr // UDP sender
	seq uint32   // UDP sequence number to echo
}

// send frames and queues one VISCA reply. Called with e.mu held.
func (d dest) send(msg []byte) {
	b := msg
	if d.s.udp {
		b = appendDatagram(nil, typeReply, d.seq, msg)
		if p := d.s.peers[d.to.String()]; p != nil && p.replies != nil && p.last == d.seq {
			p.replies = append(p.replies, b)
		}
	}
	d.s.enqueue(b, d.to)
}
