// Command koggesfu runs Kogge's signaling hub and SFU alone, for
// bench/sfuload: one meeting without lobby, token "host-N" joins as host,
// any other token as guest. It prints its WebSocket URL on stdout and runs
// until SIGTERM or SIGINT.
//
//	koggesfu [-addr 127.0.0.1:0] [-media-ip 127.0.0.1] [-udp-port 0] [-pprof 127.0.0.1:0]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // on the -pprof listener only
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"strings"
	"syscall"
	"time"

	"github.com/kogge-project/kogge/internal/gctarget"
	"github.com/kogge-project/kogge/signaling"
	"github.com/kogge-project/kogge/signaling/sfu"
)

// Origin is the origin the bench's WebSocket clients send.
const Origin = "http://sfuload.test"

func main() {
	gctarget.Apply() // as the daemon: GOGC=50 unless the environment says otherwise
	addr := flag.String("addr", "127.0.0.1:0", "HTTP listener for /ws and /stats")
	mediaIP := flag.String("media-ip", "127.0.0.1", "address of the UDP mux (ICE)")
	udpPort := flag.Int("udp-port", 0, "UDP mux port (0: any free port)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address")
	level := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()
	if *pprofAddr != "" {
		// A finer heap profile than Go's default (one sample per 512 kB):
		// per-connection state is a few kB per subscriber.
		runtime.MemProfileRate = 4 << 10
	}
	if err := run(*addr, *mediaIP, *udpPort, *pprofAddr, *level); err != nil {
		fmt.Fprintln(os.Stderr, "koggesfu:", err)
		os.Exit(1)
	}
}

func run(addr, mediaIP string, udpPort int, pprofAddr, level string) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	ip := net.ParseIP(mediaIP)
	if ip == nil {
		return fmt.Errorf("bad -media-ip %q", mediaIP)
	}
	engine, err := sfu.NewEngine(sfu.Config{
		UDPPort:         udpPort,
		ListenIP:        mediaIP,
		IncludeLoopback: ip.IsLoopback(),
	}, log.With("component", "sfu"))
	if err != nil {
		return err
	}
	defer engine.Close()
	hub := signaling.NewHub(signaling.Config{AllowedOrigins: []string{Origin}, Log: log}, benchAuth{}, signaling.SFU(engine))
	defer hub.Close()

	mux := http.NewServeMux()
	mux.Handle("/ws", hub)
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.Header().Set("Content-Type", "application/json")
		m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}}
		metrics.Read(m)
		_ = json.NewEncoder(w).Encode(stats{engine.Stats(), runtime.NumGoroutine(),
			ms.HeapInuse, m[0].Value.Uint64(), ms.StackInuse, ms.Sys, m[1].Value.Float64(), memoryClasses()})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	if pprofAddr != "" {
		pl, err := net.Listen("tcp", pprofAddr)
		if err != nil {
			return err
		}
		go func() { _ = http.Serve(pl, http.DefaultServeMux) }()
		fmt.Printf("pprof http://%s/debug/pprof/\n", pl.Addr())
	}
	fmt.Printf("ws ws://%s/ws udp %s\n", ln.Addr(), engine.UDPAddr())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// stats is what /stats reports: the SFU's totals and the Go runtime's view
// of memory.
type stats struct {
	sfu.Stats
	Goroutines int
	HeapInuse  uint64
	// HeapLive is what the last GC found reachable: the memory the
	// program really holds, without the GC's headroom.
	HeapLive   uint64
	StackInuse uint64
	Sys        uint64
	// GCSeconds is the CPU time the garbage collector has used so far
	// (an estimate of the runtime's), so that a GOGC setting's cost
	// shows apart from the noise of the whole process's CPU.
	GCSeconds float64
	// Memory is every /memory/classes/ metric of the runtime (without
	// the prefix), what the Go runtime has mapped and for what: with
	// "heap/free" (free pages not yet returned to the OS) it accounts for
	// the RSS beyond the live heap and the stacks.
	Memory map[string]uint64
}

func memoryClasses() map[string]uint64 {
	var m []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") && d.Kind == metrics.KindUint64 {
			m = append(m, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(m)
	out := make(map[string]uint64, len(m))
	for _, s := range m {
		if s.Value.Kind() == metrics.KindUint64 {
			out[strings.TrimSuffix(strings.TrimPrefix(s.Name, "/memory/classes/"), ":bytes")] = s.Value.Uint64()
		}
	}
	return out
}

// benchAuth admits everyone into one meeting without lobby.
type benchAuth struct{}

func (benchAuth) Authorize(ctx context.Context, req signaling.JoinRequest) (signaling.Ticket, error) {
	role := signaling.RoleGuest
	if strings.HasPrefix(req.Token, "host-") {
		role = signaling.RoleHost
	}
	return signaling.Ticket{
		Meeting: signaling.MeetingSpec{
			ID: "bench", Title: "sfuload", Closes: time.Now().Add(24 * time.Hour),
		},
		Role: role,
	}, nil
}
