package oparl

import (
	"net/http/httptest"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zones these tests use, whatever the machine has
)

// testNow is the clock of every test: the demo data lies in the weeks after it.
var testNow = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func testZone(t testing.TB) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal("no tzdata:", err)
	}
	return z
}

// fakeClock is a settable clock shared by the emulator and Sync.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is an emulator on an httptest server with a client for it.
type fixture struct {
	em     *Emulator
	srv    *httptest.Server
	client *Client
	clock  *fakeClock
}

func newFixture(t *testing.T, mutate func(*EmulatorData)) *fixture {
	t.Helper()
	zone := testZone(t)
	clock := &fakeClock{t: testNow}
	data := DemoData(testNow, zone)
	data.Now = clock.Now
	if mutate != nil {
		mutate(&data)
	}
	em := NewEmulator(data)
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+EmulatorSystemPath, Options{HTTPClient: srv.Client(), Zone: zone})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{em: em, srv: srv, client: c, clock: clock}
}

func (f *fixture) id(key string) string { return MeetingID(f.srv.URL, key) }
