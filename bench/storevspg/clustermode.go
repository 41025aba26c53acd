package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kogge-project/kogge/bench/internal/benchstat"
)

// clusterConfig is what -cluster measures beside config's sizes,
// writers, mixes and reps.
type clusterConfig struct {
	nodes   []int
	etcdDir string
	kills   int
}

// cpoint is one size × writers × mix: bbolt alone, each node count on
// etcd, PostgreSQL, with their repetitions.
type cpoint struct {
	size, writers int
	mix           string
	bbolt         []clusterRun
	etcd          map[int][]clusterRun
	pg            []runResult
}

// runCluster is -cluster: creates through 1 and 3 Kogge nodes on a
// 3-member etcd cluster beside bbolt alone and PostgreSQL in the same
// run, the availability query while writes run, and leader failover.
func runCluster(c config, cc clusterConfig, p *pg) error {
	dir, err := os.MkdirTemp("", "storevspg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o777); err != nil {
		return err
	}
	p.dir = dir
	etcdDir, err := os.MkdirTemp(cc.etcdDir, "storevspg-etcd-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(etcdDir)
	ec, err := startEtcd(etcdDir, 3)
	if err != nil {
		return err
	}
	defer ec.stop()

	fmt.Println("# date " + time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Printf("# etcd: 3 members (etcd %s), data in %s (%s), this process on CPUs %s\n",
		etcdVersion(), etcdDir, fsType(etcdDir), benchstat.CPUsAllowed("self"))
	fmt.Printf("# %d attempts per run, %d reps, medians; load average at start %s\n", c.attempts, c.reps, loadAvg())
	if c.pgOn {
		if err := p.check(); err != nil {
			return err
		}
		fmt.Println("# " + p.info())
		if err := p.setup(); err != nil {
			return err
		}
		if !c.keepDB {
			defer p.dropDB()
		}
	}

	var points []*cpoint
	preloads := map[int]string{}
	for _, size := range c.sizes {
		if err := preload(c, p, dir, size, preloads); err != nil {
			return err
		}
		var here []*cpoint
		for _, w := range c.writers {
			for _, m := range c.mixes {
				here = append(here, &cpoint{size: size, writers: w, mix: m, etcd: map[int][]clusterRun{}})
			}
		}
		for rep := range c.reps {
			for _, pt := range here {
				if err := measureCluster(c, cc, p, ec, dir, preloads[size], pt, rep); err != nil {
					return err
				}
			}
		}
		points = append(points, here...)
	}
	printCluster(c, cc, points)

	if err := availabilityUnderWrites(c, cc, ec, dir, preloads[c.sizes[0]]); err != nil {
		return err
	}
	if cc.kills > 0 {
		return failover(ec, cc.kills)
	}
	return nil
}

// measureCluster runs one repetition of a point on every store, rotating
// the order by repetition so that a drift of the machine favours none.
func measureCluster(c config, cc clusterConfig, p *pg, ec *etcdCluster, dir, file string, pt *cpoint, rep int) error {
	var steps []func() error
	steps = append(steps, func() error {
		r, err := bboltCreates(file, dir, pt.size, c.attempts, pt.writers, pt.mix, false)
		pt.bbolt = append(pt.bbolt, r)
		return err
	})
	for _, n := range cc.nodes {
		steps = append(steps, func() error {
			r, err := clusterCreates(ec, dir, n, pt.size, c.attempts, pt.writers, pt.mix, false)
			pt.etcd[n] = append(pt.etcd[n], r)
			return err
		})
	}
	if c.pgOn {
		steps = append(steps, func() error {
			r, err := p.creates(pt.size, c.attempts, pt.writers, min(c.pgJobs, pt.writers), pt.mix)
			pt.pg = append(pt.pg, r)
			return err
		})
	}
	for i := range steps {
		if err := steps[(i+rep)%len(steps)](); err != nil {
			return fmt.Errorf("existing=%d writers=%d %s: %w", pt.size, pt.writers, pt.mix, err)
		}
	}
	b := pt.bbolt[len(pt.bbolt)-1]
	line := fmt.Sprintf("existing=%d writers=%d %s rep %d: bbolt %.0f/s (%.2f fsyncs per op)", pt.size, pt.writers, pt.mix, rep+1, b.rate, b.fsyncsPerOp)
	for _, n := range cc.nodes {
		r := pt.etcd[n][len(pt.etcd[n])-1]
		line += fmt.Sprintf(", etcd×%d %.0f/s (won %d/%d; per op %.2f commits, %.2f proposals, %.2f WAL fsyncs, %.2f copy fsyncs)",
			n, r.rate, r.won, r.attempts, r.commitsPerOp, r.proposalsPerOp, r.etcdFsyncsPerOp, r.localFsyncsPerOp)
	}
	if c.pgOn {
		line += fmt.Sprintf(", PG %.0f tps", pt.pg[len(pt.pg)-1].rate)
	}
	fmt.Fprintln(os.Stderr, line)
	return nil
}

func crate(r clusterRun) float64 { return r.rate }

func cfield(rs []clusterRun, f func(clusterRun) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

func printCluster(c config, cc clusterConfig, points []*cpoint) {
	fmt.Println()
	head := "| existing | writers | mix | bbolt alone |"
	align := "|---:|---:|---|---:|"
	for _, n := range cc.nodes {
		head += fmt.Sprintf(" etcd, %d node(s) |", n)
		align += "---:|"
	}
	head += " PG tps | won (each) |"
	align += "---:|---|"
	for _, n := range cc.nodes {
		head += fmt.Sprintf(" %d node(s) per op: commits / proposals / WAL fsyncs / copy fsyncs |", n)
		align += "---|"
	}
	fmt.Println(head)
	fmt.Println(align)
	for _, pt := range points {
		line := fmt.Sprintf("| %d | %d | %s | %.0f |", pt.size, pt.writers, pt.mix, benchstat.Median(cfield(pt.bbolt, crate)))
		won := []string{fmt.Sprintf("%.0f%%", 100*benchstat.Median(cfield(pt.bbolt, wonShare)))}
		for _, n := range cc.nodes {
			line += fmt.Sprintf(" %.0f |", benchstat.Median(cfield(pt.etcd[n], crate)))
			won = append(won, fmt.Sprintf("%.0f%%", 100*benchstat.Median(cfield(pt.etcd[n], wonShare))))
		}
		if c.pgOn {
			line += fmt.Sprintf(" %.0f |", benchstat.Median(field(pt.pg, func(r runResult) float64 { return r.rate })))
			won = append(won, fmt.Sprintf("%.0f%%", 100*benchstat.Median(field(pt.pg, func(r runResult) float64 { return float64(r.won) / float64(r.attempts) }))))
		} else {
			line += " – |"
		}
		line += " " + strings.Join(won, " / ") + " |"
		for _, n := range cc.nodes {
			rs := pt.etcd[n]
			line += fmt.Sprintf(" %.2f / %.2f / %.2f / %.2f |",
				benchstat.Median(cfield(rs, func(r clusterRun) float64 { return r.commitsPerOp })),
				benchstat.Median(cfield(rs, func(r clusterRun) float64 { return r.proposalsPerOp })),
				benchstat.Median(cfield(rs, func(r clusterRun) float64 { return r.etcdFsyncsPerOp })),
				benchstat.Median(cfield(rs, func(r clusterRun) float64 { return r.localFsyncsPerOp })))
		}
		fmt.Println(line)
	}
}

func wonShare(r clusterRun) float64 { return float64(r.won) / float64(r.attempts) }

// availabilityUnderWrites measures the availability query on a node
// while the largest writer count creates free bookings, on bbolt alone
// and through each node count.
func availabilityUnderWrites(c config, cc clusterConfig, ec *etcdCluster, dir, file string) error {
	size, writers := c.sizes[0], c.writers[len(c.writers)-1]
	type row struct {
		name            string
		p50, p99, rates []float64
		n               int
	}
	rows := []*row{{name: "bbolt alone"}}
	for _, n := range cc.nodes {
		rows = append(rows, &row{name: fmt.Sprintf("etcd, %d node(s), asked on node 1", n)})
	}
	for rep := range c.reps {
		for i, r := range rows {
			var res clusterRun
			var err error
			if i == 0 {
				res, err = bboltCreates(file, dir, size, c.attempts, writers, mixFree, true)
			} else {
				res, err = clusterCreates(ec, dir, cc.nodes[i-1], size, c.attempts, writers, mixFree, true)
			}
			if err != nil {
				return fmt.Errorf("availability under writes, %s: %w", r.name, err)
			}
			r.p50 = append(r.p50, sortedQuantile(res.avail, .5))
			r.p99 = append(r.p99, sortedQuantile(res.avail, .99))
			r.rates = append(r.rates, res.rate)
			r.n += len(res.avail)
			fmt.Fprintf(os.Stderr, "availability rep %d, %s: p50 %.0fµs p99 %.0fµs over %d queries, writes %.0f/s\n",
				rep+1, r.name, r.p50[rep], r.p99[rep], len(res.avail), res.rate)
		}
	}
	fmt.Printf("\nAvailability query (Overlapping + rooms.Availability, one room's day) every %v on one node while %d writers create %d free bookings; medians of %d reps (µs):\n\n",
		probeEvery, writers, c.attempts, c.reps)
	fmt.Println("| store | p50 | p99 | queries | creates/s meanwhile |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Printf("| %s | %.0f | %.0f | %d | %.0f |\n", r.name, benchstat.Median(r.p50), benchstat.Median(r.p99), r.n, benchstat.Median(r.rates))
	}
	return nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
