package pexip

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 12, 16, 0, 0, 0, time.UTC)

func testPool(t *testing.T) *StaticPool {
	t.Helper()
	p, err := NewStaticPool([]StaticRoom{
		{Alias: "big", HostPIN: "1111", GuestPIN: "2222", JoinURL: "https://conf.dfn.de/webapp/conference/big", ParticipantLimit: 100},
		{Alias: "small", HostPIN: "3333", GuestPIN: "4444", JoinURL: "https://conf.dfn.de/webapp/conference/small", ParticipantLimit: 20},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewStaticPoolValidates(t *testing.T) {
	for name, rooms := range map[string][]StaticRoom{
		"empty alias": {{ParticipantLimit: 1}},
		"duplicate":   {{Alias: "a", ParticipantLimit: 1}, {Alias: "a", ParticipantLimit: 1}},
		"no limit":    {{Alias: "a"}},
	} {
		if _, err := NewStaticPool(rooms); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestStaticPoolAllocation(t *testing.T) {
	h := time.Hour
	tests := []struct {
		name         string
		start, end   time.Duration
		participants int
		wantAlias    string
		wantErr      error
	}{
		{"best fit picks small", 0, h, 10, "small", nil},
		{"small busy, big used", 30 * time.Minute, 2 * h, 10, "big", nil},
		{"both busy", 30 * time.Minute, 45 * time.Minute, 1, "", ErrNoFreeRoom},
		{"adjacent interval is free", h, 3 * h, 5, "small", nil},
		{"too many participants", 5 * h, 6 * h, 101, "", ErrNoFreeRoom},
		{"empty interval", 7 * h, 7 * h, 1, "", ErrInvalidInterval},
	}
	p := testPool(t)
	for i, tc := range tests {
		l, err := p.Allocate(fmt.Sprint("b", i), t0.Add(tc.start), t0.Add(tc.end), tc.participants)
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("%s: err %v, want %v", tc.name, err, tc.wantErr)
		}
		if err == nil && l.Room.Alias != tc.wantAlias {
			t.Fatalf("%s: got %s, want %s", tc.name, l.Room.Alias, tc.wantAlias)
		}
	}
	if n := p.InUse(t0.Add(40 * time.Minute)); n != 2 {
		t.Fatalf("InUse = %d, want 2", n)
	}
}

func TestStaticPoolReleaseAndRestore(t *testing.T) {
	p := testPool(t)
	if _, err := p.Allocate("a", t0, t0.Add(time.Hour), 50); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Allocate("a", t0.Add(5*time.Hour), t0.Add(6*time.Hour), 1); !errors.Is(err, ErrOwnerHasRoom) {
		t.Fatalf("second allocation for owner: %v", err)
	}
	if _, err := p.Allocate("b", t0, t0.Add(time.Hour), 50); !errors.Is(err, ErrNoFreeRoom) {
		t.Fatalf("want exhaustion, got %v", err)
	}
	if !p.Release("a") || p.Release("a") {
		t.Fatal("release should succeed exactly once")
	}
	if _, err := p.Allocate("b", t0, t0.Add(time.Hour), 50); err != nil {
		t.Fatalf("after release: %v", err)
	}
	if _, err := p.Restore("c", "big", t0, t0.Add(time.Minute)); !errors.Is(err, ErrNoFreeRoom) {
		t.Fatalf("restore overlap: %v", err)
	}
	if _, err := p.Restore("c", "nope", t0, t0.Add(time.Minute)); !errors.Is(err, ErrUnknownRoom) {
		t.Fatalf("restore unknown: %v", err)
	}
	if l, err := p.Restore("c", "small", t0, t0.Add(time.Minute)); err != nil || l.Room.HostPIN != "3333" {
		t.Fatalf("restore: %v %+v", err, l)
	}
	if got := len(p.Leases()); got != 2 {
		t.Fatalf("leases = %d", got)
	}
	if _, ok := p.Lookup("c"); !ok {
		t.Fatal("lookup c")
	}
}

// Concurrent allocations of the same interval must never hand out more
// rooms than exist.
func TestStaticPoolConcurrent(t *testing.T) {
	p := testPool(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := p.Allocate(fmt.Sprint(i), t0, t0.Add(time.Hour), 1)
			if err == nil {
				mu.Lock()
				got[l.Room.Alias]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != 2 || got["big"] != 1 || got["small"] != 1 {
		t.Fatalf("allocations %v", got)
	}
}
