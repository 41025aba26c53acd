package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// login posts the bench user's name and password to /api/v1/session and
// returns the session cookie ("name=value"). Cookie-authenticated writes
// need no token of their own: the cross-origin protection passes a
// request without Origin and Sec-Fetch-Site (not a browser).
func login(url string) (string, error) {
	body, _ := json.Marshal(map[string]string{"name": benchUser, "password": benchPassword})
	resp, err := http.Post(url+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("login: %s", resp.Status)
	}
	for _, c := range resp.Cookies() {
		return c.Name + "=" + c.Value, nil
	}
	return "", fmt.Errorf("login: no cookie")
}

// memory is the server's heap and stack in use and its goroutines, after
// two collections.
type memory struct {
	heap, stack uint64
	goroutines  int
}

func measure() memory {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memory{ms.HeapInuse, ms.StackInuse, runtime.NumGoroutine()}
}

// settle waits (bounded) until the goroutine count stops changing: the
// server side of the last connections may still be starting.
func settle() {
	last, same := -1, 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && same < 5; {
		time.Sleep(50 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == last {
			same++
		} else {
			last, same = n, 0
		}
	}
}

// connResult is one repetition: bytes and goroutines per connection, and
// for streams the latencies of booking changes reaching every stream.
type connResult struct {
	heapPer, stackPer float64
	goroutinesPer     float64
	latencies         []time.Duration
	missing           int
}

// child starts the client process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

func startChild(mode, url, cookie string, n int) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-client", mode, "-url", url, "-cookie", cookie, "-n", strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
	if !c.lines.Scan() || c.lines.Text() != "ready" {
		c.stop()
		return nil, fmt.Errorf("client process did not get its %d connections open", n)
	}
	return c, nil
}

func (c *child) stop() {
	c.stdin.Close()
	_ = c.cmd.Wait()
}

// runConns opens n connections of one mode from the child, measures the
// server's memory per connection, and for streams publishes `changes`
// booking changes and times their arrival at every stream.
func runConns(e *env, mode string, n, changes int) (connResult, error) {
	cookie, err := login(e.url)
	if err != nil {
		return connResult{}, err
	}
	url := e.url
	switch mode {
	case "streams":
		url += "/api/v1/events"
	case "floor":
		url = floorURL
	}
	settle()
	before := measure()
	ch, err := startChild(mode, url, cookie, n)
	if err != nil {
		return connResult{}, err
	}
	defer ch.stop()
	settle()
	after := measure()
	if memProfile != "" {
		if f, err := os.Create(memProfile); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	r := connResult{
		heapPer:       (float64(after.heap) - float64(before.heap)) / float64(n),
		stackPer:      (float64(after.stack) - float64(before.stack)) / float64(n),
		goroutinesPer: float64(after.goroutines-before.goroutines) / float64(n),
	}
	if mode == "streams" && changes > 0 {
		r.latencies, r.missing, err = timeChanges(e, ch, n, changes)
	}
	return r, err
}

var slot int

// memProfile is -memprofile: a heap profile taken with the connections open.
var memProfile string

// timeChanges creates `changes` bookings one after another through the
// store (its change feed reaches the streams as in the daemon) and reads
// the child's arrival times: latency is arrival minus the moment before
// Create, so it includes the commit.
func timeChanges(e *env, ch *child, n, changes int) ([]time.Duration, int, error) {
	sent := map[string]time.Time{}
	got := make(chan string, 1024)
	go func() {
		for ch.lines.Scan() {
			got <- ch.lines.Text()
		}
		close(got)
	}()
	var lat []time.Duration
	base := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	for i := range changes {
		slot++ // across repetitions: every change is a new booking
		start := base.Add(time.Duration(slot) * time.Hour)
		b := rooms.Booking{Room: e.cat.All()[0].ID, Title: "Änderung " + strconv.Itoa(i), Kind: rooms.KindMeeting,
			Organizer: "Amt 10", Start: start, End: start.Add(30 * time.Minute), Status: rooms.StatusConfirmed}
		t0 := time.Now()
		created, err := e.st.Create(b, "bench")
		if err != nil {
			return nil, 0, err
		}
		sent[created.ID] = t0
		deadline := time.After(10 * time.Second)
		for seen := 0; seen < n; {
			select {
			case line, ok := <-got:
				if !ok {
					return nil, 0, fmt.Errorf("client process ended")
				}
				f := strings.Fields(line)
				if len(f) != 3 || f[0] != "ev" {
					continue
				}
				at, _ := strconv.ParseInt(f[2], 10, 64)
				if t, ok := sent[f[1]]; ok {
					lat = append(lat, time.Unix(0, at).Sub(t))
					if f[1] == created.ID {
						seen++
					}
				}
			case <-deadline:
				return lat, n*changes - len(lat), nil
			}
		}
	}
	slices.Sort(lat)
	return lat, 0, nil
}

// floorURL serves the floor mode: a bare http.Server whose handler sends
// the headers and a comment, then waits for the client to go — what any
// streaming response costs in net/http, before Kogge adds anything.
var floorURL string

func startFloor() (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, ": floor\n\n")
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	floorURL = "http://" + ln.Addr().String() + "/"
	return func() { srv.Close() }, nil
}
