// Command storevspg sets Kogge's booking store beside PostgreSQL's classic
// conflict-free booking table (btree_gist exclusion constraint): creates
// with conflict check at several table sizes, 1 and 32 writers, with and
// without collisions, and a one-day availability query.
//
// It is a manual benchmark, never run in CI; see README.md beside it.
//
//	taskset -c 1 go run ./bench/storevspg [-sizes 0,10000,100000] [-reps 3]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/bench/internal/benchstat"
)

type config struct {
	sizes, writers []int
	mixes          []string
	reps, attempts int
	overlapSize    int
	queries        int
	pgOn           bool
	pgJobs         int
	keepDB         bool
}

func main() {
	if spec := os.Getenv(electorEnv); spec != "" {
		electorChild(spec) // a child of -cluster's failover measurement
		return
	}
	var c config
	var cc clusterConfig
	var nodes string
	var sizes, writers, mixes string
	p := &pg{}
	flag.StringVar(&sizes, "sizes", "0,10000,100000", "existing bookings before the measured creates")
	flag.StringVar(&writers, "writers", "1,32", "concurrent writers (Kogge goroutines, pgbench clients)")
	flag.StringVar(&mixes, "mixes", mixFree+","+mixCollide, "create mixes: free (no collisions), collide50 (every second attempt collides)")
	flag.IntVar(&c.reps, "reps", 3, "repetitions of every point; medians are reported")
	flag.IntVar(&c.attempts, "n", 5000, "create attempts per run (pgbench: n/clients per client)")
	flag.IntVar(&c.overlapSize, "overlap-size", 100000, "table size for the one-day availability query; 0 skips it")
	flag.IntVar(&c.queries, "queries", 10000, "availability queries per run")
	flag.BoolVar(&c.pgOn, "pg", true, "measure PostgreSQL too")
	flag.BoolVar(&withProviders, "providers", false, "Kogge with [providers] configured: hybrid bookings, GoTo pool of 100 (40 held) and Pexip")
	flag.StringVar(&p.host, "pghost", "/var/run/postgresql", "PostgreSQL host or socket directory")
	flag.StringVar(&p.port, "pgport", "5432", "PostgreSQL port")
	flag.StringVar(&p.runAs, "pgrunas", defaultRunAs(), "run psql and pgbench as this OS user via runuser (\"\" = as is)")
	flag.IntVar(&c.pgJobs, "pgbench-jobs", 2, "pgbench threads (-j) for more than one client")
	flag.BoolVar(&c.keepDB, "keepdb", false, "keep the koggebench database afterwards")
	clusterMode := flag.Bool("cluster", false, "measure the etcd backend: creates through 1 and 3 nodes beside bbolt and PostgreSQL, availability while writing, leader failover")
	flag.StringVar(&nodes, "nodes", "1,3", "-cluster: Kogge nodes on the etcd cluster")
	flag.StringVar(&cc.etcdDir, "etcd-dir", os.TempDir(), "-cluster: where the etcd members keep their data (a disk, as in production)")
	flag.IntVar(&cc.kills, "kills", 20, "-cluster: leader kills for the failover time; 0 skips it")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "storevspg:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}

	var err error
	if c.sizes, err = ints(sizes); err == nil {
		c.writers, err = ints(writers)
	}
	if err == nil {
		cc.nodes, err = ints(nodes)
	}
	c.mixes = strings.Split(mixes, ",")
	if err != nil || c.reps < 1 || c.attempts < 2 {
		fmt.Fprintln(os.Stderr, "storevspg: bad flags:", err)
		os.Exit(2)
	}
	run := run
	if *clusterMode {
		run = func(c config, p *pg) error { return runCluster(c, cc, p) }
	}
	if err := run(c, p); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "storevspg:", err)
		os.Exit(1)
	}
}

// As root, psql and pgbench run as postgres, which peer authentication
// maps to the superuser role; root has no role of its own on Debian.
func defaultRunAs() string {
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		return "postgres"
	}
	return ""
}

func ints(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q: not a count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// point is one size × writers × mix with its repetitions.
type point struct {
	size, writers int
	mix           string
	kogge, pg     []runResult
}

func run(c config, p *pg) error {
	dir, err := os.MkdirTemp("", "storevspg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// runuser'd pgbench reads its scripts and writes its -l logs here.
	if err := os.Chmod(dir, 0o777); err != nil {
		return err
	}
	p.dir = dir

	notes := []string{
		"date " + time.Now().Format("2006-01-02 15:04 MST"),
		fmt.Sprintf("%s, GOMAXPROCS %d, this process (Kogge and pgbench) on CPUs %s", runtime.Version(), runtime.GOMAXPROCS(0), benchstat.CPUsAllowed("self")),
		fmt.Sprintf("%d attempts per run, %d reps, medians", c.attempts, c.reps),
	}
	if c.pgOn {
		if err := p.check(); err != nil {
			return err
		}
		notes = append(notes, p.info())
		if err := p.setup(); err != nil {
			return err
		}
		if !c.keepDB {
			defer p.dropDB()
		}
	}
	for _, n := range notes {
		fmt.Println("# " + n)
	}

	var points []*point
	preloads := map[int]string{}
	for _, size := range c.sizes {
		if err := preload(c, p, dir, size, preloads); err != nil {
			return err
		}
		var here []*point
		for _, w := range c.writers {
			for _, m := range c.mixes {
				here = append(here, &point{size: size, writers: w, mix: m})
			}
		}
		for rep := range c.reps {
			for _, pt := range here {
				if err := measure(c, p, dir, preloads[size], pt, rep); err != nil {
					return err
				}
			}
		}
		points = append(points, here...)
	}
	printCreates(c, points)

	if c.overlapSize > 0 {
		if err := preload(c, p, dir, c.overlapSize, preloads); err != nil {
			return err
		}
		if err := overlap(c, p, dir, preloads[c.overlapSize]); err != nil {
			return err
		}
	}
	return nil
}

// preload builds Kogge's file and fills the PostgreSQL table for size,
// unless the table already holds that size (the last one preloaded).
func preload(c config, p *pg, dir string, size int, files map[int]string) error {
	if _, ok := files[size]; ok && size == lastPreloaded {
		return nil
	}
	t := time.Now()
	if _, ok := files[size]; !ok {
		f, err := koggePreload(dir, size)
		if err != nil {
			return err
		}
		files[size] = f
	}
	tk := time.Since(t)
	t = time.Now()
	if c.pgOn {
		if err := p.preload(size); err != nil {
			return err
		}
	}
	lastPreloaded = size
	fmt.Fprintf(os.Stderr, "preloaded %d bookings: Kogge %v, PostgreSQL %v\n", size, tk.Round(time.Millisecond), time.Since(t).Round(time.Millisecond))
	return nil
}

var lastPreloaded = -1

// measure runs one repetition of a point on both stores, alternating which
// goes first so that a drift of the machine does not favour either.
func measure(c config, p *pg, dir, file string, pt *point, rep int) error {
	kogge := func() error {
		r, err := koggeCreates(file, dir, pt.size, c.attempts, pt.writers, pt.mix)
		pt.kogge = append(pt.kogge, r)
		return err
	}
	postgres := func() error {
		if !c.pgOn {
			return nil
		}
		jobs := min(c.pgJobs, pt.writers)
		r, err := p.creates(pt.size, c.attempts, pt.writers, jobs, pt.mix)
		pt.pg = append(pt.pg, r)
		return err
	}
	order := []func() error{kogge, postgres}
	if rep%2 == 1 {
		slices.Reverse(order)
	}
	for _, f := range order {
		if err := f(); err != nil {
			return fmt.Errorf("existing=%d writers=%d %s: %w", pt.size, pt.writers, pt.mix, err)
		}
	}
	k := pt.kogge[len(pt.kogge)-1]
	line := fmt.Sprintf("existing=%d writers=%d %s rep %d: Kogge %.0f/s (won %d/%d, %.2f fsyncs/op)",
		pt.size, pt.writers, pt.mix, rep+1, k.rate, k.won, k.attempts, k.fsyncsPerOp)
	if c.pgOn {
		g := pt.pg[len(pt.pg)-1]
		line += fmt.Sprintf(", PG %.0f tps (won %d/%d, %.2f WAL syncs/tx), ratio %.2f", g.rate, g.won, g.attempts, g.fsyncsPerOp, k.rate/g.rate)
	}
	fmt.Fprintln(os.Stderr, line)
	return nil
}

func field(rs []runResult, f func(runResult) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

// printCreates prints a Markdown table. The ratio is the median of the
// per-repetition ratios (each from runs back to back), with their range.
func printCreates(c config, points []*point) {
	fmt.Println()
	fmt.Println("| existing | writers | mix | Kogge creates/s | PG tps | Kogge/PG (min–max) | won Kogge / PG | Kogge fsyncs/op | PG WAL syncs/tx |")
	fmt.Println("|---:|---:|---|---:|---:|---|---|---:|---:|")
	rate := func(r runResult) float64 { return r.rate }
	for _, pt := range points {
		k := benchstat.Median(field(pt.kogge, rate))
		kf := benchstat.Median(field(pt.kogge, func(r runResult) float64 { return r.fsyncsPerOp }))
		kw := benchstat.Median(field(pt.kogge, func(r runResult) float64 { return float64(r.won) / float64(r.attempts) }))
		if !c.pgOn {
			fmt.Printf("| %d | %d | %s | %.0f | – | – | %.0f%% / – | %.2f | – |\n", pt.size, pt.writers, pt.mix, k, 100*kw, kf)
			continue
		}
		ratios := make([]float64, len(pt.kogge))
		for i := range ratios {
			ratios[i] = pt.kogge[i].rate / pt.pg[i].rate
		}
		g := benchstat.Median(field(pt.pg, rate))
		gf := benchstat.Median(field(pt.pg, func(r runResult) float64 { return r.fsyncsPerOp }))
		gw := benchstat.Median(field(pt.pg, func(r runResult) float64 { return float64(r.won) / float64(r.attempts) }))
		fmt.Printf("| %d | %d | %s | %.0f | %.0f | **%.2f** (%.2f–%.2f) | %.0f%% / %.0f%% | %.2f | %.2f |\n",
			pt.size, pt.writers, pt.mix, k, g, benchstat.Median(ratios), slices.Min(ratios), slices.Max(ratios), 100*kw, 100*gw, kf, gf)
	}
}

// overlap compares the one-day availability query: Kogge in-process,
// PostgreSQL through pgbench over the Unix socket, one query at a time.
func overlap(c config, p *pg, dir, file string) error {
	var k50, k99, kmean, g50, g99, gmean []float64
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	for rep := range c.reps {
		d, err := koggeOverlap(file, dir, c.overlapSize, c.queries)
		if err != nil {
			return err
		}
		slices.Sort(d)
		k50, k99, kmean = append(k50, us(benchstat.Quantile(d, .5))), append(k99, us(benchstat.Quantile(d, .99))), append(kmean, us(benchstat.Mean(d)))
		line := fmt.Sprintf("overlap rep %d: Kogge p50 %.0fµs p99 %.0fµs", rep+1, k50[rep], k99[rep])
		if c.pgOn {
			if err := p.reset(benchStart.Add(benchSpan(c.overlapSize))); err != nil {
				return err
			}
			d, err := p.overlap(c.overlapSize, c.queries)
			if err != nil {
				return err
			}
			slices.Sort(d)
			g50, g99, gmean = append(g50, us(benchstat.Quantile(d, .5))), append(g99, us(benchstat.Quantile(d, .99))), append(gmean, us(benchstat.Mean(d)))
			line += fmt.Sprintf(", PG p50 %.0fµs p99 %.0fµs", g50[rep], g99[rep])
		}
		fmt.Fprintln(os.Stderr, line)
	}
	fmt.Printf("\nOne-day availability query at %d bookings, %d queries × %d reps, 1 client, medians (µs):\n\n", c.overlapSize, c.queries, c.reps)
	fmt.Println("| | p50 | p99 | mean |")
	fmt.Println("|---|---:|---:|---:|")
	fmt.Printf("| Kogge Overlapping (in-process) | %.0f | %.0f | %.0f |\n", benchstat.Median(k50), benchstat.Median(k99), benchstat.Median(kmean))
	if c.pgOn {
		fmt.Printf("| PostgreSQL SELECT (pgbench, Unix socket) | %.0f | %.0f | %.0f |\n", benchstat.Median(g50), benchstat.Median(g99), benchstat.Median(gmean))
		fmt.Printf("| PG / Kogge | %.1f× | %.1f× | %.1f× |\n", benchstat.Median(g50)/benchstat.Median(k50), benchstat.Median(g99)/benchstat.Median(k99), benchstat.Median(gmean)/benchstat.Median(kmean))
	}
	return nil
}
