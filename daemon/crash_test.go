package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/store"
)

// TestKill9NeverLosesAnAcknowledgedBooking books from several clients at
// once, SIGKILLs the daemon after a random number of acknowledgements (so
// other requests are in flight), restarts it and checks that every booking
// whose 201 arrived is there, that nothing overlaps and that the file passes
// bbolt's consistency check. KOGGE_CRASH_ROUNDS raises the number of rounds
// (the security target asks for ≥ 1,000 in a soak run).
func TestKill9NeverLosesAnAcknowledgedBooking(t *testing.T) {
	rounds := 20
	if s := os.Getenv("KOGGE_CRASH_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("KOGGE_CRASH_ROUNDS=%q: want a positive number", s)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	acked := map[string]bool{}

	for round := 0; round < rounds; round++ {
		d := startDaemon(t, cfg, dir) // runs the integrity check first
		for id := range acked {
			if code, body := d.call("GET", "/api/v1/bookings/"+id, nil); code != 200 {
				t.Fatalf("round %d: acknowledged booking %s lost: %d %s", round, id, code, body)
			}
		}
		killAfter := 1 + rng.IntN(30)
		newAcks := bookUntilKilled(d, killAfter, rng.Uint64())
		for _, id := range newAcks {
			acked[id] = true
		}
		d.wait()
	}

	d := startDaemon(t, cfg, dir)
	for id := range acked {
		if code, _ := d.call("GET", "/api/v1/bookings/"+id, nil); code != 200 {
			t.Fatalf("acknowledged booking %s lost", id)
		}
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait()
	db := filepath.Join(dir, "kogge.db")
	if err := store.CheckFile(db, time.Second); err != nil {
		t.Fatalf("consistency check: %v", err)
	}
	assertNoOverlaps(t, db)
	if len(acked) < rounds {
		t.Fatalf("only %d bookings acknowledged in %d rounds: the test did not exercise the store", len(acked), rounds)
	}
	t.Logf("%d rounds, %d acknowledged bookings, all present", rounds, len(acked))
}

// bookUntilKilled runs 6 clients that book random slots (many collide, so
// the conflict path runs too) and SIGKILLs the daemon once killAfter
// bookings were acknowledged. It returns the acknowledged ids.
func bookUntilKilled(d *child, killAfter int, seed uint64) []string {
	var mu sync.Mutex
	var ids []string
	var kill sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			// Bookings go into the next months, whenever the test runs.
			base := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 7)
			client := d.local()
			for i := 0; i < 200; i++ {
				day := base.AddDate(0, 0, rng.IntN(90))
				start := day.Add(time.Duration(6+rng.IntN(14)) * time.Hour)
				room := []string{"ratssaal", "sitzungszimmer-2"}[rng.IntN(2)]
				body := fmt.Sprintf(`{"room":%q,"title":"Crash %d","start":%q,"end":%q}`, room, i,
					start.Format(time.RFC3339), start.Add(time.Duration(30+rng.IntN(120))*time.Minute).Format(time.RFC3339))
				resp, err := client.Post("http://kogge/api/v1/bookings", "application/json", strings.NewReader(body))
				if err != nil {
					return // killed
				}
				var v bookingView
				err = json.NewDecoder(resp.Body).Decode(&v)
				resp.Body.Close()
				if resp.StatusCode != 201 || err != nil {
					continue
				}
				mu.Lock()
				ids = append(ids, v.ID)
				n := len(ids)
				mu.Unlock()
				if n >= killAfter {
					kill.Do(func() { d.cmd.Process.Kill() })
				}
			}
		}(w)
	}
	wg.Wait()
	kill.Do(func() { d.cmd.Process.Kill() })
	mu.Lock()
	defer mu.Unlock()
	return ids
}

func assertNoOverlaps(t *testing.T, db string) {
	t.Helper()
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, room := range []string{"ratssaal", "sitzungszimmer-2"} {
		q := store.Query{Room: room, Limit: 500}
		var all []bookingSpan
		for {
			page, err := st.List(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range page.Bookings {
				if b.Status.Blocks() {
					all = append(all, bookingSpan{b.ID, b.OccupiedFrom(), b.OccupiedUntil()})
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		sort.Slice(all, func(i, j int) bool { return all[i].from.Before(all[j].from) })
		for i := 1; i < len(all); i++ {
			if all[i].from.Before(all[i-1].until) {
				t.Fatalf("room %s: %s overlaps %s", room, all[i].id, all[i-1].id)
			}
		}
	}
}

type bookingSpan struct {
	id          string
	from, until time.Time
}
