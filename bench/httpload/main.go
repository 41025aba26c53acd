// Command httpload measures the daemon's HTTP surface from outside the
// store: what an idle event stream and an idle WebSocket in a meeting's
// lobby cost the server, how fast a booking change reaches 1,000 open
// streams, and the booking API end to end (POST /api/v1/bookings with a
// session) beside the store-level create rate in the same run.
//
// It is a manual benchmark, never run in CI; see README.md beside it.
//
//	go build -o /tmp/httpload ./bench/httpload
//	taskset -c 1 /tmp/httpload -modes streams,lobby,floor,bookings
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/kogge-project/kogge/bench/internal/benchstat"
)

func main() {
	clientMode := flag.String("client", "", "internal: run as the client process of a connection mode")
	url := flag.String("url", "", "internal: the client's URL")
	cookie := flag.String("cookie", "", "internal: the client's session cookie")
	n := flag.Int("n", 1000, "connections per connection mode")
	modes := flag.String("modes", "floor,streams,lobby,bookings", "what to measure: floor (bare net/http stream), streams, lobby, bookings")
	reps := flag.Int("reps", 3, "repetitions; medians are reported")
	changes := flag.Int("changes", 20, "booking changes timed per streams repetition")
	clients := flag.Int("clients", 32, "bookings: concurrent API clients (and store writers)")
	creates := flag.Int("creates", 4000, "bookings: creates per run")
	flag.StringVar(&memProfile, "memprofile", "", "write a heap profile with the connections open (last repetition) to this file")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	roomList := flag.String("rooms", "", "internal: the bookings client's room ids")
	clientCPU := flag.String("client-cpus", "", "bookings: run the API clients pinned to these CPUs (taskset list, e.g. 1); empty: in this process")
	flag.Parse()
	if *cpuProfile != "" && *clientMode == "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *clientMode == "bookings" {
		if err := runBookingClient(*url, *cookie, *clients, *creates, strings.Split(*roomList, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "httpload client:", err)
			os.Exit(1)
		}
		return
	}
	if *clientMode != "" {
		if err := runClient(*clientMode, *url, *cookie, *n); err != nil {
			fmt.Fprintln(os.Stderr, "httpload client:", err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("# date %s\n# %s, GOMAXPROCS %d, CPUs %s; the client process runs unpinned unless taskset is put on this one\n",
		time.Now().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.GOMAXPROCS(0), benchstat.CPUsAllowed("self"))
	for m := range strings.SplitSeq(*modes, ",") {
		var err error
		switch m {
		case "floor", "streams", "lobby":
			err = reportConns(m, *n, *reps, *changes)
		case "bookings":
			err = reportBookings(*clients, *creates, *reps, *clientCPU)
		default:
			err = fmt.Errorf("unknown mode %q", m)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "httpload:", m+":", err)
			os.Exit(1)
		}
	}
}

func reportConns(mode string, n, reps, changes int) error {
	dir, err := os.MkdirTemp("", "httpload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e, err := startEnv(dir, n+10)
	if err != nil {
		return err
	}
	defer e.stop()
	if mode == "floor" {
		stop, err := startFloor()
		if err != nil {
			return err
		}
		defer stop()
	}
	var heap, stack, gor, p50, p99, max []float64
	missing := 0
	for rep := range reps {
		fmt.Fprintf(os.Stderr, "%s: repetition %d of %d, %d connections\n", mode, rep+1, reps, n)
		r, err := runConns(e, mode, n, changes)
		if err != nil {
			return err
		}
		heap, stack, gor = append(heap, r.heapPer), append(stack, r.stackPer), append(gor, r.goroutinesPer)
		if len(r.latencies) > 0 {
			l := r.latencies
			p50 = append(p50, ms(benchstat.Quantile(l, 0.5)))
			p99 = append(p99, ms(benchstat.Quantile(l, 0.99)))
			max = append(max, ms(l[len(l)-1]))
		}
		missing += r.missing
	}
	fmt.Printf("\n%s, %d connections, medians of %d:\n\n", mode, n, reps)
	fmt.Println("| per connection | heap in use | stack in use | heap + stack | goroutines |")
	fmt.Println("|---|---:|---:|---:|---:|")
	fmt.Printf("| %s | %.0f B | %.0f B | **%.1f KiB** | %.2f |\n", mode, benchstat.Median(heap), benchstat.Median(stack),
		(benchstat.Median(heap)+benchstat.Median(stack))/1024, benchstat.Median(gor))
	if len(p50) > 0 {
		fmt.Printf("\nA booking change reaching all %d streams (%d changes × %d, from before the store's Create to the client's read; ms): p50 %.1f, p99 %.1f, max %.1f; %d arrivals missing\n",
			n, changes, reps, benchstat.Median(p50), benchstat.Median(p99), benchstat.Median(max), missing)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
