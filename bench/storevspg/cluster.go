package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/bench/internal/benchstat"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// clusterRun is one measured run through Kogge nodes on etcd.
type clusterRun struct {
	runResult
	etcdFsyncsPerOp  float64 // WAL fdatasyncs of all members per attempt
	proposalsPerOp   float64 // Raft proposals committed per attempt (refused compares included)
	commitsPerOp     float64 // etcd transactions that committed (revisions) per attempt
	localFsyncsPerOp float64 // bbolt fsyncs of all nodes' copies per attempt
	avail            []time.Duration
}

// clusterNodes are n Kogge stores on one etcd prefix, each with its own
// etcd client and its own local copy, as n Kogge processes would be.
type clusterNodes struct {
	stores  []*store.Store
	clients []*clientv3.Client
}

func (cn *clusterNodes) close() {
	for _, s := range cn.stores {
		s.Close()
	}
	for _, c := range cn.clients {
		c.Close()
	}
}

func openNodes(ec *etcdCluster, dir, prefix string, n int) (*clusterNodes, error) {
	cn := &clusterNodes{}
	for i := range n {
		cli, err := ec.client()
		if err != nil {
			cn.close()
			return nil, err
		}
		cn.clients = append(cn.clients, cli)
		s, err := store.Open(filepath.Join(dir, fmt.Sprintf("node%d.db", i)), store.Options{Etcd: cli, EtcdPrefix: prefix})
		if err != nil {
			cn.close()
			return nil, fmt.Errorf("node %d: %w", i, err)
		}
		if withProviders {
			if err := installBroker(s); err != nil {
				cn.close()
				return nil, err
			}
		}
		cn.stores = append(cn.stores, s)
	}
	return cn, nil
}

// clusterPreload stores size bookings through the first node (256
// goroutines, so that group commits carry hundreds per etcd transaction)
// and waits until every node's copy has them.
func clusterPreload(cn *clusterNodes, size int) error {
	s := cn.stores[0]
	if withProviders {
		if err := preloadHeld(s); err != nil {
			return err
		}
		if err := installBroker(s); err != nil {
			return err
		}
	}
	if err := fillStore(s, size); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, s := range cn.stores {
		if err := s.CatchUp(ctx); err != nil {
			return err
		}
	}
	return nil
}

var clusterRuns int

// clusterCreates measures attempts creates from writers goroutines spread
// over n nodes (writer i uses node i mod n), on a fresh prefix of the
// etcd cluster and fresh local copies. With probe, one more goroutine
// asks node 0 the availability query every probeEvery while the writers
// run.
func clusterCreates(ec *etcdCluster, dir string, n, size, attempts, writers int, mix string, probe bool) (clusterRun, error) {
	clusterRuns++
	prefix := fmt.Sprintf("bench/r%03d/", clusterRuns)
	runDir, err := os.MkdirTemp(dir, "nodes-")
	if err != nil {
		return clusterRun{}, err
	}
	defer os.RemoveAll(runDir)
	cn, err := openNodes(ec, runDir, prefix, n)
	if err != nil {
		return clusterRun{}, err
	}
	defer cn.close()
	defer func() {
		// Keep the cluster's keyspace small for the next runs.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cn.clients[0].Delete(ctx, prefix, clientv3.WithPrefix())
	}()
	if size > 0 {
		if err := clusterPreload(cn, size); err != nil {
			return clusterRun{}, err
		}
	}
	r, err := createsOn(cn.stores, size, attempts, writers, mix, probe, ec.counters)
	return r, err
}

// createsOn runs the writers over stores and counts commits; counters
// (nil for bbolt alone) reads etcd's WAL fsyncs and proposals.
func createsOn(stores []*store.Store, size, attempts, writers int, mix string, probe bool, counters func() (etcdCounters, error)) (clusterRun, error) {
	base := benchStart.Add(benchSpan(size))
	txids := func() (int, error) {
		sum := 0
		for _, s := range stores {
			id, err := txid(s)
			if err != nil {
				return 0, err
			}
			sum += id
		}
		return sum, nil
	}
	before, err := txids()
	if err != nil {
		return clusterRun{}, err
	}
	var c0 etcdCounters
	if counters != nil {
		if c0, err = counters(); err != nil {
			return clusterRun{}, err
		}
	}

	stop := make(chan struct{})
	var avail []time.Duration
	var probeDone sync.WaitGroup
	if probe {
		probeDone.Go(func() { avail = probeAvailability(stores[0], base, attempts, stop) })
	}
	won, elapsed, err := createFrom(stores, writers, attempts, base, mix)
	close(stop)
	probeDone.Wait()
	if err != nil {
		return clusterRun{}, err
	}
	after, err := txids()
	if err != nil {
		return clusterRun{}, err
	}
	r := clusterRun{
		runResult: runResult{
			rate:        float64(attempts) / elapsed.Seconds(),
			won:         won,
			attempts:    attempts,
			fsyncsPerOp: 2 * float64(after-before) / float64(attempts),
		},
		avail: avail,
	}
	r.localFsyncsPerOp = r.fsyncsPerOp
	if counters != nil {
		// The members report their counters a moment late; etcd's
		// /metrics are updated as the fsyncs happen, so no wait here.
		c1, err := counters()
		if err != nil {
			return clusterRun{}, err
		}
		r.etcdFsyncsPerOp = (c1.walFsyncs - c0.walFsyncs) / float64(attempts)
		r.proposalsPerOp = (c1.proposals - c0.proposals) / float64(attempts)
		r.commitsPerOp = (c1.revision - c0.revision) / float64(attempts)
	}
	return r, nil
}

// probeEvery paces the availability probe: a person opening a room's day
// now and then, not a second closed loop competing for the CPU.
const probeEvery = 5 * time.Millisecond

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()

// probeAvailability asks what GET /api/v1/rooms/{id}/availability asks of
// the store (daemon/web/api_rooms.go: Overlapping, then rooms.Availability)
// for a random room and day of the range being written, until stop.
func probeAvailability(s *store.Store, base time.Time, attempts int, stop <-chan struct{}) []time.Duration {
	rng := rand.New(rand.NewPCG(3, 4))
	days := max(int(benchSpan(attempts)/(24*time.Hour)), 1)
	hours := rooms.Hours{From: 7 * time.Hour, Until: 22 * time.Hour, Days: [7]bool{true, true, true, true, true, true, true}}
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	var durs []time.Duration
	for {
		select {
		case <-stop:
			return durs
		case <-tick.C:
		}
		room := rooms.Room{ID: benchRooms[rng.IntN(len(benchRooms))], Zone: berlin, Hours: hours}
		from := base.Add(time.Duration(rng.IntN(days)) * 24 * time.Hour)
		to := from.Add(24 * time.Hour)
		t := time.Now()
		bs, err := s.Overlapping(room.ID, from, to)
		if err == nil {
			rooms.Availability(room, bs, from, to)
		}
		durs = append(durs, time.Since(t))
	}
}

// bboltCreates is the same measurement on one bbolt file, no cluster.
func bboltCreates(src, dir string, size, attempts, writers int, mix string, probe bool) (clusterRun, error) {
	s, err := koggeOpenCopy(src, dir)
	if err != nil {
		return clusterRun{}, err
	}
	defer s.Close()
	return createsOn([]*store.Store{s}, size, attempts, writers, mix, probe, nil)
}

func sortedQuantile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(benchstat.Quantile(s, p).Nanoseconds()) / 1e3
}
