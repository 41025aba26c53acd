package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/bench/internal/benchstat"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// The booking API end to end: `clients` goroutines POST /api/v1/bookings
// with the bench user's session cookie over keep-alive connections to the
// in-process server (handler, booking service, store with fsync), every
// booking in a slot of its own. Beside it, in the same repetition, the
// same count of creates straight into a fresh store from as many
// goroutines: the store-level rate the target is a share of.

type bookingRun struct {
	rate      float64
	latencies []time.Duration // API only
}

func reportBookings(clients, creates, reps int, clientCPUs string) error {
	var api, direct, p50, p99 []float64
	for rep := range reps {
		fmt.Fprintf(os.Stderr, "bookings: repetition %d of %d, %d clients, %d creates\n", rep+1, reps, clients, creates)
		// Alternate which goes first: the machine's load drifts.
		var a, d bookingRun
		var err error
		if rep%2 == 0 {
			if a, err = apiCreates(clients, creates, clientCPUs); err == nil {
				d, err = storeCreates(clients, creates)
			}
		} else {
			if d, err = storeCreates(clients, creates); err == nil {
				a, err = apiCreates(clients, creates, clientCPUs)
			}
		}
		if err != nil {
			return err
		}
		api, direct = append(api, a.rate), append(direct, d.rate)
		p50 = append(p50, ms(benchstat.Quantile(a.latencies, 0.5)))
		p99 = append(p99, ms(benchstat.Quantile(a.latencies, 0.99)))
	}
	ratios := make([]float64, len(api))
	for i := range api {
		ratios[i] = api[i] / direct[i]
	}
	where := "in this process"
	if clientCPUs != "" {
		where = "in a child process on CPUs " + clientCPUs
	}
	fmt.Printf("\nbookings, %d clients (%s), %d creates per run, medians of %d:\n\n", clients, where, creates, reps)
	fmt.Println("| path | creates/s | p50 | p99 |")
	fmt.Println("|---|---:|---:|---:|")
	fmt.Printf("| POST /api/v1/bookings (session, HTTP/1.1 keep-alive) | %.0f | %.1f ms | %.1f ms |\n", benchstat.Median(api), benchstat.Median(p50), benchstat.Median(p99))
	fmt.Printf("| Store.Create, same run | %.0f | | |\n", benchstat.Median(direct))
	fmt.Printf("| API / store | **%.2f** (%.2f–%.2f) | | |\n", benchstat.Median(ratios), slices.Min(ratios), slices.Max(ratios))
	return nil
}

// slotBookingAt is booking i: room i%3, the (i/3)-th two-hour slot from
// base (weekdays 08:00–18:00 in Berlin, the demo rooms' hours).
func slotBookingAt(roomIDs []string, base time.Time, i int) rooms.Booking {
	k := i / len(roomIDs)
	day := base
	for n := k / 5; ; day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		if n == 0 {
			break
		}
		n--
	}
	start := day.Add(time.Duration(8+2*(k%5)) * time.Hour)
	return rooms.Booking{Room: roomIDs[i%len(roomIDs)], Title: fmt.Sprintf("Ausschuss für Stadtentwicklung, Sitzung %d", i),
		Kind: rooms.KindMeeting, Organizer: "Amt 10", Start: start, End: start.Add(time.Hour), Status: rooms.StatusConfirmed,
		Notes: "Beamer, Mikrofone"}
}

// benchBase is midnight in Berlin two days ahead.
func benchBase() time.Time {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.UTC
	}
	y, m, d := time.Now().In(berlin).AddDate(0, 0, 2).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, berlin)
}

func apiCreates(clients, creates int, clientCPUs string) (bookingRun, error) {
	dir, err := os.MkdirTemp("", "httpload-api-")
	if err != nil {
		return bookingRun{}, err
	}
	defer os.RemoveAll(dir)
	e, err := startEnv(dir, 10)
	if err != nil {
		return bookingRun{}, err
	}
	defer e.stop()
	cookie, err := login(e.url)
	if err != nil {
		return bookingRun{}, err
	}
	var roomIDs []string
	for _, r := range e.cat.All()[:3] {
		roomIDs = append(roomIDs, r.ID)
	}
	if clientCPUs != "" {
		return childBookings(e.url, cookie, clients, creates, roomIDs, clientCPUs)
	}
	return postBookings(e.url, cookie, clients, creates, roomIDs)
}

// postBookings is the API clients: clients goroutines POST creates
// bookings over keep-alive connections.
func postBookings(url, cookie string, clients, creates int, roomIDs []string) (bookingRun, error) {
	base := benchBase()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lat := make([]time.Duration, creates)
	elapsed, err := benchstat.Spread(clients, creates, func(_, i int) error {
		b := slotBookingAt(roomIDs, base, i)
		body, _ := json.Marshal(map[string]any{"room": b.Room, "title": b.Title, "kind": b.Kind, "organizer": b.Organizer,
			"start": b.Start.Format(time.RFC3339), "end": b.End.Format(time.RFC3339), "notes": b.Notes})
		req, _ := http.NewRequest("POST", url+"/api/v1/bookings", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cookie", cookie)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err == nil {
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				err = fmt.Errorf("booking %d: %s: %s", i, resp.Status, msg)
			}
		}
		lat[i] = time.Since(t0)
		return err
	})
	if err != nil {
		return bookingRun{}, err
	}
	slices.Sort(lat)
	return bookingRun{rate: float64(creates) / elapsed.Seconds(), latencies: lat}, nil
}

// childResult is what the bookings client process prints.
type childResult struct {
	Rate      float64         `json:"rate"`
	Latencies []time.Duration `json:"latencies"`
}

// childBookings runs the API clients in a child process pinned to cpus
// (the same binary, -client bookings), so that they do not take the
// server's CPU: on a small machine the clients in the same process were
// most of the load.
func childBookings(url, cookie string, clients, creates int, roomIDs []string, cpus string) (bookingRun, error) {
	exe, err := os.Executable()
	if err != nil {
		return bookingRun{}, err
	}
	cmd := exec.Command("taskset", "-c", cpus, exe, "-client", "bookings", "-url", url, "-cookie", cookie,
		"-clients", strconv.Itoa(clients), "-creates", strconv.Itoa(creates), "-rooms", strings.Join(roomIDs, ","))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return bookingRun{}, fmt.Errorf("bookings client: %w", err)
	}
	var r childResult
	if err := json.Unmarshal(out, &r); err != nil {
		return bookingRun{}, fmt.Errorf("bookings client said %q: %w", out, err)
	}
	return bookingRun{rate: r.Rate, latencies: r.Latencies}, nil
}

// runBookingClient is the child's side of childBookings.
func runBookingClient(url, cookie string, clients, creates int, roomIDs []string) error {
	r, err := postBookings(url, cookie, clients, creates, roomIDs)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(childResult{Rate: r.rate, Latencies: r.latencies})
}

func storeCreates(clients, creates int) (bookingRun, error) {
	dir, err := os.MkdirTemp("", "httpload-store-")
	if err != nil {
		return bookingRun{}, err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(filepath.Join(dir, "kogge.db"), store.Options{})
	if err != nil {
		return bookingRun{}, err
	}
	defer st.Close()
	roomIDs := []string{"a", "b", "c"}
	base := benchBase()
	elapsed, err := benchstat.Spread(clients, creates, func(_, i int) error {
		_, err := st.Create(slotBookingAt(roomIDs, base, i), "bench")
		return err
	})
	return bookingRun{rate: float64(creates) / elapsed.Seconds()}, err
}
