package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/rooms/store/etcdrepl"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// BenchmarkClusterCreate is bench/storevspg -cluster's create run in
// miniature (32 writers spread over 1 or 3 nodes, creates after the
// preloaded range), to find what grows with the store's size on the
// cluster path. It reports creates/s and the CPU per create of this
// process (the nodes) and of the etcd members. By default the preload is
// copied into etcd the way `kogge store copy` does and etcd keeps its
// data in memory (internal/etcdtest); the environment brings it closer to
// bench/storevspg:
//
//	KOGGE_BENCH_PRELOAD=create   preload through node 0's Create from 256
//	                             goroutines, every node following
//	KOGGE_ETCDTEST_DIR=/var/tmp  etcd's data on a disk
//	KOGGE_BENCH_DELETE=1         delete the prefix after a run while its
//	                             nodes still watch, as storevspg does
//	KOGGE_BENCH_CPUPROFILE=FILE  profile the measured creates only
//	                             (FILE.<size>-<nodes>)
//
//	taskset -c 1 go test -run '^$' -bench ClusterCreate -benchtime 2000x ./rooms/store
func BenchmarkClusterCreate(b *testing.B) {
	c := etcdtest.Start(b, 3)
	run := 0
	for _, size := range []int{0, 10_000, 100_000} {
		for _, nodes := range []int{1, 3} {
			b.Run(fmt.Sprintf("existing=%d/nodes=%d", size, nodes), func(b *testing.B) {
				run++
				prefix := fmt.Sprintf("bench%d/", run)
				cli := c.Client(b)
				throughCreate := os.Getenv("KOGGE_BENCH_PRELOAD") == "create"
				if size > 0 && !throughCreate {
					src := preloaded(b, size)
					muts, err := kv.Dump(src.db.Bolt())
					if err != nil {
						b.Fatal(err)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
					_, err = etcdrepl.Load(ctx, cli, prefix, muts, 5000, 1<<20, nil)
					cancel()
					if err != nil {
						b.Fatal(err)
					}
				}
				if os.Getenv("KOGGE_BENCH_DELETE") != "" {
					// As bench/storevspg leaves the cluster after a run:
					// the prefix deleted in one request while the nodes
					// still watch (cleanups run last first).
					b.Cleanup(func() {
						ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
						defer cancel()
						if _, err := cli.Delete(ctx, prefix, clientv3.WithPrefix()); err != nil {
							b.Log(err)
						}
					})
				}
				var stores []*Store
				for i := range nodes {
					s, err := Open(filepath.Join(b.TempDir(), fmt.Sprintf("node%d.db", i)), Options{
						Etcd: c.Client(b), EtcdPrefix: prefix, SyncTimeout: 5 * time.Minute,
					})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { s.Close() })
					stores = append(stores, s)
				}
				if size > 0 && throughCreate {
					// As bench/storevspg preloads: through node 0's Create
					// from 256 goroutines, every node following.
					fillThrough(b, stores[0], size)
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					for _, s := range stores {
						if err := s.CatchUp(ctx); err != nil {
							b.Fatal(err)
						}
					}
					cancel()
				}
				base := benchStart.Add(benchSpan(size))
				var next atomic.Int64
				const writers = 32
				if f := os.Getenv("KOGGE_BENCH_CPUPROFILE"); f != "" {
					// Only the measured creates, not the preload.
					out, err := os.Create(fmt.Sprintf("%s.%d-%d", f, size, nodes))
					if err != nil {
						b.Fatal(err)
					}
					pprof.StartCPUProfile(out)
					defer func() { pprof.StopCPUProfile(); out.Close() }()
				}
				e0, k0 := etcdCPU(), selfCPU()
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				var todo atomic.Int64
				todo.Store(int64(b.N))
				for w := range writers {
					s := stores[w%nodes]
					wg.Go(func() {
						for todo.Add(-1) >= 0 {
							i := int(next.Add(1) - 1)
							bk := benchBooking(i)
							bk.Start = base.Add(time.Duration(i/len(benchRooms)) * benchSpacing)
							bk.End = bk.Start.Add(time.Hour)
							if _, err := s.Create(bk, "bench"); err != nil {
								b.Error(err)
							}
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
				b.ReportMetric(float64(etcdCPU()-e0)/float64(b.N)/1e6, "etcd-cpu-ms/op")
				b.ReportMetric(float64(selfCPU()-k0)/float64(b.N)/1e6, "kogge-cpu-ms/op")
			})
		}
	}
}

// fillThrough creates bookings 0..n-1 through s from 256 goroutines.
func fillThrough(b *testing.B, s *Store, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 256 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if _, err := s.Create(benchBooking(i), "preload"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// etcdCPU is the CPU time (ns) the etcd members of this machine's tests
// used so far (their data dirs are named kogge-etcd-*).
func etcdCPU() int64 {
	ents, _ := os.ReadDir("/proc")
	var ticks int64
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(cmd), "kogge-etcd-") || !strings.Contains(string(cmd), "kogge-test") {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return ticks * 1e7 // 100 ticks a second
}

func selfCPU() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
