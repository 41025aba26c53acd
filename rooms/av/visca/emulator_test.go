package visca

import (
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// rawUDP talks to the emulator datagram by datagram, with no client logic.
type rawUDP struct {
	t    *testing.T
	conn *pipeConn
}

func newRawUDP(t *testing.T, e *Emulator) *rawUDP {
	conn, err := e.Dialer()(t.Context(), "udp", "camera")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawUDP{t: t, conn: conn.(*pipeConn)}
}

func (r *rawUDP) send(s string) { r.conn.Write(unhex(r.t, s)) }

// expect checks the replies that have arrived, once everything is idle.
func (r *rawUDP) expect(want ...string) {
	r.t.Helper()
	synctest.Wait()
	var got []string
	for len(r.conn.recv) > 0 {
		got = append(got, spaced(<-r.conn.recv))
	}
	if len(got) != len(want) {
		r.t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			r.t.Errorf("reply %d: %s, want %s", i, got[i], want[i])
		}
	}
}

func TestEmulatorUDP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEmulator(EmulatorOptions{MoveTime: 2 * time.Second})
		defer e.Close()
		r := newRawUDP(t, e)

		r.send("02 00 00 01 00 00 00 00 01")
		r.expect("02 01 00 01 00 00 00 00 01")

		// ACK at once, completion when the move ends.
		r.send("01 00 00 07 00 00 00 01 81 01 04 3F 02 05 FF")
		r.expect("01 11 00 03 00 00 00 01 90 41 FF")
		time.Sleep(2*time.Second - 1)
		r.expect()
		time.Sleep(1)
		r.expect("01 11 00 03 00 00 00 01 90 51 FF")

		// A repeat of the last sequence number is a retransmission:
		// answered from the cache, not run again.
		r.send("01 00 00 07 00 00 00 01 81 01 04 3F 02 05 FF")
		r.expect("01 11 00 03 00 00 00 01 90 41 FF", "01 11 00 03 00 00 00 01 90 51 FF")
		if st := e.State(); st.Busy != 0 {
			t.Errorf("retransmission ran again: %+v", st)
		}

		// Out of order: 0F 01 with the offending number.
		r.send("01 10 00 05 00 00 00 05 81 09 04 00 FF")
		r.expect("02 01 00 02 00 00 00 05 0F 01")
		// Inquiry sent as a command, and the reverse: 0F 02.
		r.send("01 00 00 05 00 00 00 02 81 09 04 00 FF")
		r.expect("02 01 00 02 00 00 00 02 0F 02")
		r.send("01 10 00 06 00 00 00 02 81 01 04 00 02 FF")
		r.expect("02 01 00 02 00 00 00 02 0F 02")
		// Length field disagreeing with the datagram: 0F 02.
		r.send("01 10 00 09 00 00 00 02 81 09 04 00 FF")
		r.expect("02 01 00 02 00 00 00 02 0F 02")
		// Shorter than a header: ignored.
		r.send("01 10 00")
		r.expect()

		r.send("01 10 00 05 00 00 00 02 81 09 04 00 FF")
		r.expect("01 11 00 04 00 00 00 02 90 50 02 FF")
		// Syntax errors: unknown command, preset beyond 127, bad speed.
		r.send("01 00 00 05 00 00 00 03 81 01 7E 01 FF")
		r.expect("01 11 00 04 00 00 00 03 90 60 02 FF")
		r.send("01 00 00 07 00 00 00 04 81 01 04 3F 02 80 FF")
		r.expect("01 11 00 04 00 00 00 04 90 60 02 FF")
		r.send("01 00 00 09 00 00 00 05 81 01 06 01 19 01 03 03 FF")
		r.expect("01 11 00 04 00 00 00 05 90 60 02 FF")

		// RESET restarts the count.
		r.send("02 00 00 01 00 00 00 00 01")
		r.expect("02 01 00 01 00 00 00 00 01")
		r.send("01 00 00 06 00 00 00 01 81 01 04 00 03 FF")
		r.expect("01 11 00 03 00 00 00 01 90 41 FF", "01 11 00 03 00 00 00 01 90 51 FF")
		// In standby, motion is not executable; inquiries still work.
		r.send("01 00 00 07 00 00 00 02 81 01 04 3F 02 05 FF")
		r.expect("01 11 00 04 00 00 00 02 90 61 41 FF")
		r.send("01 10 00 05 00 00 00 03 81 09 04 00 FF")
		r.expect("01 11 00 04 00 00 00 03 90 50 03 FF")
	})
}

func TestEmulatorLooseSequence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEmulator(EmulatorOptions{LooseSequence: true})
		defer e.Close()
		r := newRawUDP(t, e)
		r.send("01 10 00 05 00 00 00 07 81 09 04 00 FF")
		r.expect("01 11 00 04 00 00 00 07 90 50 02 FF")
		r.send("01 10 00 05 00 00 00 03 81 09 04 00 FF")
		r.expect("01 11 00 04 00 00 00 03 90 50 02 FF")
	})
}

func TestEmulatorTCP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEmulator(EmulatorOptions{MoveTime: time.Second})
		defer e.Close()
		client, server := net.Pipe()
		defer client.Close()
		if err := e.ServeConn(server); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 16)
		go func() {
			var f framer
			buf := make([]byte, 64)
			for {
				n, err := client.Read(buf)
				f.feed(buf[:n], func(m []byte, _ error) { got <- spaced(m) })
				if err != nil {
					close(got)
					return
				}
			}
		}()
		expect := func(want ...string) {
			t.Helper()
			synctest.Wait()
			for _, w := range want {
				select {
				case g := <-got:
					if g != w {
						t.Errorf("got %s, want %s", g, w)
					}
				default:
					t.Errorf("nothing, want %s", w)
				}
			}
			select {
			case g := <-got:
				t.Errorf("unexpected %s", g)
			default:
			}
		}
		send := func(s string) { client.Write(unhex(t, s)) }

		send("81 01 04 3F 02 05 FF")
		expect("90 41 FF")
		time.Sleep(time.Second)
		expect("90 51 FF")
		// Two messages in one write, one split over two.
		send("81 09 04 00 FF 81 09 04 47")
		expect("90 50 02 FF")
		send("FF")
		expect("90 50 00 00 00 00 FF")
		// No FF within 16 bytes: message length error, then back in step.
		send("81 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 FF 81 09 04 00 FF")
		expect("90 60 01 FF", "90 50 02 FF")
		// A drive cancels the move it overrides.
		send("81 01 06 02 01 01 00 00 00 01 00 00 00 01 FF")
		expect("90 41 FF")
		send("81 01 06 01 01 01 03 03 FF")
		expect("90 61 04 FF", "90 41 FF", "90 51 FF")
	})
}

// Close ends everything, listeners included, with clients still attached.
func TestEmulatorCloseWithClients(t *testing.T) {
	e := NewEmulator(EmulatorOptions{})
	if err := e.StartTCP("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c, err := DialTCP(t.Context(), e.Addr(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.PowerState(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if _, err := c.PowerState(t.Context()); err == nil {
		t.Error("inquiry answered by a closed emulator")
	}
	if err := e.StartUDP("127.0.0.1:0"); err == nil {
		t.Error("closed emulator started again")
	}
}
