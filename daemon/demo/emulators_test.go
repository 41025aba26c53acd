package demo

import (
	"net/http"
	"testing"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
)

// Start declares every emulator in the demo configuration, and they answer
// there until Close.
func TestStartDeclaresTheEmulators(t *testing.T) {
	cfg := config.Demo(t.TempDir())
	e, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if n := len(cfg.Rooms[0].Devices); n != 4 || cfg.Rooms[0].PrepScene != "hybrid" || len(cfg.Rooms[1].Devices) != 1 {
		t.Errorf("rooms' devices: %d in the chamber (prep scene %q), %d in the small room", n, cfg.Rooms[0].PrepScene, len(cfg.Rooms[1].Devices))
	}
	if got := cfg.Providers.Order; len(got) != 3 || got[0] != "builtin" {
		t.Errorf("provider order %v", got)
	}
	jobs := map[string]bool{}
	for _, j := range cfg.Jobs {
		jobs[j.Name] = true
	}
	if !jobs["council-import"] || !jobs["reconcile-providers"] {
		t.Errorf("jobs %v lack the council import or the provider reconcile", jobs)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	r, err := client.Get(cfg.OParl.Endpoint)
	if err != nil {
		t.Fatalf("the council system does not answer at %s: %v", cfg.OParl.Endpoint, err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Errorf("the council system answers %s", r.Status)
	}
	e.Close()
	if _, err := client.Get(cfg.OParl.Endpoint); err == nil {
		t.Error("the council system still answers after Close")
	}
}
