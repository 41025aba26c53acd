package main

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// summary of the repetitions of one point: medians, and join percentiles
// over the joins of every repetition together.
type summary struct {
	pps, cpuPerM, memPerSub, sfuCPU float64
	p50, p99                        time.Duration
	joins                           int
}

func summarize(rs []result) summary {
	var s summary
	med := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	s.pps = med(func(r result) float64 { return r.pps })
	s.cpuPerM = med(func(r result) float64 { return r.cpuPerM })
	s.memPerSub = med(func(r result) float64 { return r.memPerSub })
	s.sfuCPU = med(func(r result) float64 { return r.sfuCPU })
	var joins []time.Duration
	for _, r := range rs {
		joins = append(joins, r.joins...)
	}
	s.p50, s.p99 = percentiles(joins)
	s.joins = len(joins)
	return s
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// percentiles by nearest rank.
func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(i, 0)]
	}
	return rank(0.50), rank(0.99)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0fms", float64(d)/1e6) }

func printTable(c *config, all map[string]map[int][]result) {
	fmt.Printf("\nMedians of %d repetitions; join p50/p99 over all joins of the repetitions.\n", c.reps)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "N\tSFU\tfwd pkt/s\tCPU s/Mpkt\tSFU CPU\tMB/sub\tjoin p50\tjoin p99\t")
	for _, n := range c.ns {
		sums := map[string]summary{}
		for _, s := range c.sfus {
			sm := summarize(all[s][n])
			sums[s] = sm
			fmt.Fprintf(w, "%d\t%s\t%.0f\t%.2f\t%.0f%%\t%.2f\t%s\t%s\t\n",
				n, s, sm.pps, sm.cpuPerM, 100*sm.sfuCPU, sm.memPerSub/1e6, ms(sm.p50), ms(sm.p99))
		}
		j, okJ := sums["janus"]
		for _, s := range c.sfus {
			k, okK := sums[s]
			if !okK || !okJ || s == "janus" {
				continue
			}
			// K/J for Kogge, K50/J for kogge-gogc50.
			label := "K/J"
			if g, ok := koggeGOGC(s); ok {
				label = "K" + g + "/J"
			}
			fmt.Fprintf(w, "%d\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", n, label,
				k.pps/j.pps, k.cpuPerM/j.cpuPerM, k.sfuCPU/j.sfuCPU, k.memPerSub/j.memPerSub,
				float64(k.p50)/float64(j.p50), float64(k.p99)/float64(j.p99))
		}
	}
	_ = w.Flush()
	if _, ok := all["kogge"]; ok {
		if _, ok := all["janus"]; ok {
			fmt.Println("\nTargets (issue 15): K/J CPU s/Mpkt <= 0.8, K/J MB/sub <= 1, Kogge join p99 <= 100 ms.")
		}
	}
}

// stageNote shows the percentiles of each join stage.
func stageNote(st [4][]time.Duration) string {
	names := [4]string{"to offer", "ICE", "DTLS", "to media"}
	var b strings.Builder
	for i, d := range st {
		p50, p99 := percentiles(d)
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %v/%v", names[i], ms(p50), ms(p99))
	}
	return b.String()
}
