package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/jobs"
	"github.com/kogge-project/kogge/rooms/av/pjlink"
)

// TestSIGHUPAppliesClosuresJobsAndDevices reloads a running daemon with a
// new closure, a new job list and another device in one room: all three
// take effect, the untouched room keeps its AV, and a [webrtc] change is
// named as needing a restart. A config with errors before that changes
// nothing and names every problem.
func TestSIGHUPAppliesClosuresJobsAndDevices(t *testing.T) {
	beamer := pjlink.NewEmulator(pjlink.EmulatorOptions{Name: "Beamer"})
	display := pjlink.NewEmulator(pjlink.EmulatorOptions{Name: "Display", NoLamp: true})
	small := pjlink.NewEmulator(pjlink.EmulatorOptions{Name: "Kleiner Bildschirm", NoLamp: true})
	for _, e := range []*pjlink.Emulator{beamer, display, small} {
		if err := e.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
	}
	roomsTOML := func(ratssaalDevices string) string {
		return fmt.Sprintf(`
[[rooms]]
id = "ratssaal"
name = "Ratssaal"
capacity = 80
%s
[[rooms]]
id = "sitzungszimmer-2"
name = "Sitzungszimmer 2"
capacity = 20

[[rooms.devices]]
id = "display"
kind = "pjlink"
address = %q
`, ratssaalDevices, small.Addr())
	}
	device := func(id, addr string) string {
		return fmt.Sprintf("\n[[rooms.devices]]\nid = %q\nkind = \"pjlink\"\naddress = %q\n", id, addr)
	}
	job := func(name, action, schedule string) string {
		return fmt.Sprintf("\n[[jobs]]\nname = %q\naction = %q\nschedule = %q\n", name, action, schedule)
	}
	// The series below runs weekly from the first day; the closure takes
	// its second occurrence's day.
	first := time.Now().UTC().AddDate(0, 0, 30)
	first = time.Date(first.Year(), first.Month(), first.Day(), 10, 0, 0, 0, time.UTC)
	closed := first.AddDate(0, 0, 7).Format("2006-01-02")
	closure := fmt.Sprintf("\n[[closures]]\nfrom = %q\nreason = \"Betriebsausflug\"\n", closed)

	dir := t.TempDir()
	cfg := writeConfig(t, dir, roomsTOML(device("beamer", beamer.Addr()))+job("nightly-purge", "purge", "0 3 * * *"))
	original := mustRead(t, cfg)
	d := startDaemon(t, cfg, dir)

	jobNames := func() []string {
		t.Helper()
		code, body := d.call("GET", "/api/v1/jobs", nil)
		if code != 200 {
			t.Fatalf("jobs: %d %s", code, body)
		}
		var out struct{ Jobs []jobs.Status }
		json.Unmarshal(body, &out)
		var names []string
		for _, j := range out.Jobs {
			names = append(names, j.Name)
		}
		return names
	}
	devices := func(room string) []string {
		t.Helper()
		code, body := d.call("GET", "/api/v1/rooms/"+room+"/devices", nil)
		if code != 200 {
			t.Fatalf("devices of %s: %d %s", room, code, body)
		}
		var out struct {
			Devices []struct{ ID string }
		}
		json.Unmarshal(body, &out)
		var ids []string
		for _, dv := range out.Devices {
			ids = append(ids, dv.ID)
		}
		slices.Sort(ids)
		return ids
	}
	if got := jobNames(); !slices.Equal(got, []string{"nightly-purge"}) {
		t.Fatalf("jobs before: %v", got)
	}
	if got := devices("ratssaal"); !slices.Equal(got, []string{"beamer"}) {
		t.Fatalf("devices before: %v", got)
	}

	// Two problems at once: both are named, nothing changes.
	broken := original + job("broken", "purge", "not a schedule") + "\n[[closures]]\nfrom = \"someday\"\n"
	os.WriteFile(cfg, []byte(broken), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	refused := d.waitLog("reload refused: config has errors")
	problems, _ := refused["problems"].([]any)
	if len(problems) < 2 || !strings.Contains(fmt.Sprint(problems), "jobs[1]") || !strings.Contains(fmt.Sprint(problems), "closures[0]") {
		t.Fatalf("refusal does not list every problem: %v", refused)
	}
	if got := jobNames(); !slices.Equal(got, []string{"nightly-purge"}) {
		t.Fatalf("jobs after a refused reload: %v", got)
	}

	req, _ := http.NewRequest("GET", "http://kogge/api/v1/events?room=ratssaal", nil)
	resp, err := d.local().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", err, resp)
	}
	defer resp.Body.Close()
	stream := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			select {
			case stream <- sc.Text():
			default:
			}
		}
		close(stream)
	}()

	// The new config: another device in the Ratssaal, other jobs, a
	// closure, and a [webrtc] setting that needs a restart.
	next := strings.Replace(original, roomsTOML(device("beamer", beamer.Addr()))+job("nightly-purge", "purge", "0 3 * * *"),
		roomsTOML(device("beamer", beamer.Addr())+device("display", display.Addr()))+
			job("series", "extend-series", "0 4 * * *")+job("standby", "power-off", "0 22 * * *")+closure, 1)
	next = strings.Replace(next, "listen_ip = \"127.0.0.1\"\n", "listen_ip = \"127.0.0.1\"\nparticipant_limit = 7\n", 1)
	if next == original {
		t.Fatal("config not changed")
	}
	os.WriteFile(cfg, []byte(next), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	warn := d.waitLog("reload: changes to [webrtc] take effect on restart")
	if warn["section"] != "webrtc" {
		t.Fatalf("warning: %v", warn)
	}
	done := d.waitLog("config reloaded")
	if rebuilt := fmt.Sprint(done["av_rooms_rebuilt"]); rebuilt != "[ratssaal]" {
		t.Fatalf("rooms whose AV was rebuilt: %s, want only the Ratssaal", rebuilt)
	}

	if got := jobNames(); !slices.Equal(got, []string{"series", "standby"}) {
		t.Fatalf("jobs after reload: %v", got)
	}
	if got := devices("ratssaal"); !slices.Equal(got, []string{"beamer", "display"}) {
		t.Fatalf("Ratssaal devices after reload: %v", got)
	}
	if got := devices("sitzungszimmer-2"); !slices.Equal(got, []string{"display"}) {
		t.Fatalf("Sitzungszimmer devices after reload: %v", got)
	}
	code, body := d.call("POST", "/api/v1/series", map[string]any{
		"room": "ratssaal", "title": "Bauausschuss", "kind": "committee",
		"start": first.Format(time.RFC3339), "end": first.Add(time.Hour).Format(time.RFC3339),
		"rule": "FREQ=WEEKLY;COUNT=3",
	})
	var sv seriesView
	json.Unmarshal(body, &sv)
	if code != 201 || len(sv.Occurrences) != 2 || len(sv.Skipped) != 1 || sv.Skipped[0].Reason != "closure: Betriebsausflug" {
		t.Fatalf("series after reload: %d %s", code, body)
	}
	// The stream opened before the reload hears the new device come
	// online: the device hub outlives the rebuild.
	deadline := time.After(processDeadline)
wait:
	for {
		select {
		case line, ok := <-stream:
			if !ok {
				t.Fatal("events stream ended at the reload")
			}
			if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"room":"ratssaal"`) &&
				strings.Contains(line, `"id":"display"`) && strings.Contains(line, `"health":"online"`) {
				break wait
			}
		case <-deadline:
			t.Fatal("no device event for the Ratssaal's new display")
		}
	}
	// A clean exit: under -race the child would exit non-zero on a race.
	resp.Body.Close()
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.wait(); err != nil {
		t.Fatalf("exit after the reload: %v\n%s", err, d.stderr)
	}
}
