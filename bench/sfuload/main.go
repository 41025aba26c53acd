// Command sfuload loads Kogge's SFU and Janus VideoRoom with the same pion
// peers: one publisher (synthetic VP8 at about 1.5 Mbit/s and Opus) and N
// subscribers. For each SFU and N it reports forwarded packets per second,
// the SFU process's CPU seconds per million forwarded packets, its memory
// per subscriber and the subscribers' join time, and Kogge/Janus ratios.
//
// It is a manual benchmark, never run in CI; see README.md beside it.
//
//	go run ./bench/sfuload [-pin] [-n 5,10,25] [-duration 20s] [-reps 3] [-dtls-retransmit 100ms]
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

type config struct {
	ns             []int
	sfus           []string
	duration       time.Duration
	warmup         time.Duration
	settle         time.Duration
	reps           int
	pin            bool
	dtlsRetransmit time.Duration
	srtp           string
	joinPar        int
	janusBin       string
	hostIP         net.IP
	koggeIP        net.IP
	koggeBin       string
	pprofOut       string
	verbose        bool
	netns          bool
	simulcast      bool
}

func main() {
	var c config
	var ns, sfus, hostIP, koggeIP string
	quick := flag.Bool("quick", false, "short run: N=5,10, 5 s per point, 1 s warm-up, 1 repetition (explicit flags win)")
	flag.StringVar(&ns, "n", "5,10,25", "subscriber counts")
	flag.StringVar(&sfus, "sfu", "kogge,janus", "SFUs to measure: kogge (with the daemon's GC target, GOGC=50 unless set), janus, and kogge-gogcNN (Kogge with GOGC=NN, e.g. kogge-gogc100 for Go's default)")
	flag.DurationVar(&c.duration, "duration", 20*time.Second, "measurement window per point")
	flag.DurationVar(&c.warmup, "warmup", 3*time.Second, "wait after the last join before measuring")
	flag.DurationVar(&c.settle, "settle", time.Second, "time the publisher alone sends before the baseline RSS (what fills up with the publisher's packets, such as Kogge's packet cache per video layer, is the publisher's, not the subscribers')")
	flag.IntVar(&c.reps, "reps", 3, "repetitions of every point; medians are reported")
	flag.BoolVar(&c.pin, "pin", false, "pin the SFU to core "+sfuCore+" and the load generator to core "+loadCore+" (taskset)")
	flag.DurationVar(&c.dtlsRetransmit, "dtls-retransmit", 0, "pion DTLS retransmission interval of the load peers (0: pion's default, 1s)")
	flag.StringVar(&c.srtp, "srtp", "aes128gcm", "SRTP profile the load peers offer: aes128gcm, aes256gcm, aes128cm or pion (pion's list, each SFU picks)")
	flag.IntVar(&c.joinPar, "join-par", 5, "subscribers joining at once")
	flag.StringVar(&c.janusBin, "janus", "/usr/bin/janus", "Janus binary")
	flag.StringVar(&hostIP, "ip", "", "the host's non-loopback IPv4 for Janus media (default: first of hostname -I)")
	flag.StringVar(&koggeIP, "kogge-ip", "127.0.0.1", "address of Kogge's media (UDP mux)")
	flag.StringVar(&c.koggeBin, "koggesfu", "", "prebuilt koggesfu binary (default: go build ./bench/sfuload/koggesfu)")
	flag.StringVar(&c.pprofOut, "pprof", "", "write a CPU profile of koggesfu during the first repetition of the last N to this file (a heap profile to <file>.heap, goroutines to <file>.goroutine)")
	flag.BoolVar(&c.verbose, "v", false, "print every point")
	flag.BoolVar(&c.netns, "netns", true, "run everything in a network namespace of its own with a veth pair on "+netnsAddr+" (needs root; false: Janus on the host's own address)")
	flag.BoolVar(&c.simulcast, "simulcast", false, "the publisher sends VP8 as three simulcast encodings (rids l, m, h); subscribers ask for l, m, h in turn")
	flag.Parse()
	if c.netns && !inNetns() {
		code, err := runInNetns()
		if err != nil {
			fmt.Fprintln(os.Stderr, "sfuload:", err)
			os.Exit(1)
		}
		os.Exit(code)
	}
	if *quick {
		// Only where the flag is not given explicitly.
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["n"] {
			ns = "5,10"
		}
		if !set["duration"] {
			c.duration = 5 * time.Second
		}
		if !set["warmup"] {
			c.warmup = time.Second
		}
		if !set["reps"] {
			c.reps = 1
		}
	}
	if err := c.parse(ns, sfus, hostIP, koggeIP); err != nil {
		fmt.Fprintln(os.Stderr, "sfuload: bad flags:", err)
		os.Exit(2)
	}
	if err := run(&c); err != nil {
		fmt.Fprintln(os.Stderr, "sfuload:", err)
		os.Exit(1)
	}
}

func (c *config) parse(ns, sfus, hostIP, koggeIP string) error {
	for f := range strings.SplitSeq(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-n: %q", f)
		}
		c.ns = append(c.ns, n)
	}
	for f := range strings.SplitSeq(sfus, ",") {
		f = strings.TrimSpace(f)
		if _, ok := koggeGOGC(f); !ok && f != "kogge" && f != "janus" {
			return fmt.Errorf("-sfu: %q", f)
		}
		c.sfus = append(c.sfus, f)
	}
	if _, ok := srtpProfiles[c.srtp]; !ok {
		return fmt.Errorf("-srtp: %q", c.srtp)
	}
	if c.reps < 1 || c.joinPar < 1 || c.duration <= 0 {
		return fmt.Errorf("-reps, -join-par and -duration must be positive")
	}
	if hostIP == "" {
		out, err := exec.Command("hostname", "-I").Output()
		if err != nil {
			return fmt.Errorf("hostname -I: %v", err)
		}
		for f := range strings.FieldsSeq(string(out)) {
			if ip := net.ParseIP(f); ip != nil && ip.To4() != nil && !ip.IsLoopback() {
				hostIP = f
				break
			}
		}
	}
	if c.hostIP = net.ParseIP(hostIP).To4(); c.hostIP == nil || c.hostIP.IsLoopback() {
		return fmt.Errorf("-ip: need a non-loopback IPv4, have %q", hostIP)
	}
	if c.koggeIP = net.ParseIP(koggeIP).To4(); c.koggeIP == nil {
		return fmt.Errorf("-kogge-ip: %q", koggeIP)
	}
	return nil
}

func run(c *config) error {
	if c.pin {
		if err := pinSelf(); err != nil {
			return err
		}
	}
	if slices.ContainsFunc(c.sfus, func(s string) bool { return s != "janus" }) && c.koggeBin == "" {
		dir, err := os.MkdirTemp("", "sfuload-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.koggeBin = filepath.Join(dir, "koggesfu")
		build := exec.Command("go", "build", "-o", c.koggeBin, "./bench/sfuload/koggesfu")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building koggesfu (run from the module root): %w", err)
		}
	}
	dtls := "pion default (1s)"
	if c.dtlsRetransmit > 0 {
		dtls = c.dtlsRetransmit.String()
	}
	media := "one VP8 stream (1.5 Mbit/s)"
	if c.simulcast {
		media = "VP8 simulcast l/m/h (0.15/0.5/1.5 Mbit/s), subscribers ask for l, m, h in turn"
	}
	where := "host network"
	if ns := os.Getenv(inNetnsEnv); ns != "" {
		where = "network namespace " + ns
	}
	fmt.Printf("sfuload: N=%v, publisher alone %v, %v per point after %v warm-up, %d repetitions, pinned=%v, DTLS retransmission %s, SRTP %s, joins %d at a time, %s, %s, Janus media on %v, Kogge media on %v\n",
		c.ns, c.settle, c.duration, c.warmup, c.reps, c.pin, dtls, c.srtp, c.joinPar, media, where, c.hostIP, c.koggeIP)

	all := map[string]map[int][]result{}
	for _, s := range c.sfus {
		all[s] = map[int][]result{}
	}
	for ni, n := range c.ns {
		for rep := range c.reps {
			// Interleave the SFUs so drift hits both alike.
			for _, s := range c.sfus {
				prof := ""
				if s == "kogge" && ni == len(c.ns)-1 && rep == 0 {
					prof = c.pprofOut
				}
				r, err := runPoint(c, c.newTarget(s), n, prof)
				if err != nil {
					return fmt.Errorf("%s N=%d rep %d: %w", s, n, rep+1, err)
				}
				if c.verbose {
					p50, p99 := percentiles(r.joins)
					fmt.Printf("  %-5s N=%-3d rep %d: %8.0f pkt/s (%5.1f per sub) %6.2f CPU s/Mpkt (SFU %4.0f%%, load %4.0f%% of a core) %6.2f MB/sub join p50 %v p99 %v; sent %d frames, %d keyframes on request\n",
						s, n, rep+1, r.pps, r.pps/float64(n), r.cpuPerM, 100*r.sfuCPU, 100*r.loadCPU, r.memPerSub/1e6, ms(p50), ms(p99), r.frames, r.forcedKeys)
				}
				if c.verbose && c.simulcast {
					fmt.Printf("    video received per subscriber (median, kbit/s) asking for l %.0f, m %.0f, h %.0f\n",
						r.layerKbps[0], r.layerKbps[1], r.layerKbps[2])
				}
				if c.verbose {
					fmt.Printf("    join stages p50/p99: %s\n", stageNote(r.stages))
				}
				if c.verbose && r.note != "" {
					fmt.Println("    " + r.note)
				}
				all[s][n] = append(all[s][n], r)
			}
		}
	}
	printTable(c, all)
	return nil
}

func (c *config) newTarget(s string) target {
	if s == "janus" {
		return &janus{bin: c.janusBin, ip: c.hostIP}
	}
	k := &kogge{bin: c.koggeBin, ip: c.koggeIP, pprofOn: c.pprofOut != ""}
	if g, ok := koggeGOGC(s); ok {
		k.label, k.env = s, []string{"GOGC=" + g}
	}
	return k
}

// koggeGOGC reads an -sfu name "kogge-gogcNN": Kogge with the garbage
// collector's GOGC=NN, so that the setting's memory and CPU are measured
// in the same run as the default and Janus.
func koggeGOGC(s string) (string, bool) {
	g, ok := strings.CutPrefix(s, "kogge-gogc")
	if !ok {
		return "", false
	}
	if n, err := strconv.Atoi(g); err != nil || n < 1 {
		return "", false
	}
	return g, true
}
