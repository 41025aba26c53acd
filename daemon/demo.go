package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// demoAdmin is the account demo mode creates on first start.
const demoAdmin = "admin"

// ensureDemoAdmin creates the demo admin on the first demo start and
// returns its password, which is printed once and stored only as a hash.
// Outside demo mode, and on later starts, it does nothing.
func (d *daemonProcess) ensureDemoAdmin() (string, error) {
	if !d.demo {
		return "", nil
	}
	n, err := d.accounts.Count()
	if err != nil || n > 0 {
		return "", err
	}
	password := accounts.GeneratePassword()
	if _, err := d.accounts.AddUser(demoAdmin, accounts.RoleAdmin, password); err != nil {
		return "", fmt.Errorf("creating the demo admin: %w", err)
	}
	if err := d.seedDemo(time.Now()); err != nil {
		d.log.Warn("demo data not created", "err", err) // the demo still runs, only emptier
	}
	return password, nil
}

// announce prints the banner a person running `go run ./daemon` looks for.
// It goes to stdout, not the log: the one-time password must not end up in
// log files.
func (d *daemonProcess) announce(addr, adminPassword string, joinLinks []string) {
	d.log.Info("kogge ready", "listen", addr, "demo", d.demo, "rooms", len(d.catalog.All()))
	if !d.demo {
		return
	}
	url := "http://" + addr + "/"
	var b strings.Builder
	rule := strings.Repeat("─", 72)
	fmt.Fprintf(&b, "\n%s\n  Kogge demo is running: %s\n", rule, url)
	fmt.Fprintf(&b, "  Data: ./%s   Rooms:", demoDataDir)
	for _, r := range d.catalog.All() {
		fmt.Fprintf(&b, " %s (%d seats)", r.Name, r.Capacity)
	}
	b.WriteString("\n")
	if adminPassword != "" {
		fmt.Fprintf(&b, "  Admin login: %s / %s\n  This password is shown only this once. Write it down.\n", demoAdmin, adminPassword)
	} else {
		fmt.Fprintf(&b, "  Admin login: %s (password shown on first start; reset: go run ./daemon user passwd %s)\n", demoAdmin, demoAdmin)
	}
	if len(joinLinks) == 2 {
		fmt.Fprintf(&b, "  Join by link (%q, open now; two browser windows):\n    host:  %s\n    guest: %s\n", demoMeetingTitle, joinLinks[0], joinLinks[1])
	}
	fmt.Fprintf(&b, "  Try: curl -c jar -H 'Content-Type: application/json' -d '{\"name\":\"%s\",\"password\":\"…\"}' %sapi/v1/session\n%s\n\n", demoAdmin, url, rule)
	fmt.Fprint(d.stdout, b.String())
}
