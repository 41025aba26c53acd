package demo

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
)

// admin is the account demo mode creates on first start.
const admin = "admin"

// Data is the daemon's parts the demo's account, bookings and meeting go
// into, and what the banner describes.
type Data struct {
	Config   *config.Config // the demo configuration (Start has added the emulators)
	Store    *store.Store
	Catalog  *rooms.Catalog
	Accounts *accounts.Service
	Log      *slog.Logger // warns when the demo data cannot be created
}

// EnsureAdmin creates the demo admin on the first demo start and returns
// its password, which is printed once and stored only as a hash. On later
// starts (there are accounts) it does nothing and returns "".
func (d Data) EnsureAdmin(now time.Time) (string, error) {
	n, err := d.Accounts.Count()
	if err != nil || n > 0 {
		return "", err
	}
	password := accounts.GeneratePassword()
	if _, err := d.Accounts.AddUser(admin, accounts.RoleAdmin, password); err != nil {
		return "", fmt.Errorf("creating the demo admin: %w", err)
	}
	if err := d.seed(now); err != nil {
		d.Log.Warn("demo data not created", "err", err) // the demo still runs, only emptier
	}
	return password, nil
}

// WriteBanner prints the banner a person running `go run ./daemon` looks
// for: where the demo listens (addr), the rooms, the admin login (the
// password only when EnsureAdmin just made it) and the open meeting's host
// and guest links (none if it could not be opened). The daemon writes it
// to stdout, not the log: the one-time password must not end up in log
// files.
func (d Data) WriteBanner(w io.Writer, addr, adminPassword string, joinLinks []string) {
	url := "http://" + addr + "/"
	var b strings.Builder
	rule := strings.Repeat("─", 72)
	fmt.Fprintf(&b, "\n%s\n  Kogge demo is running: %s\n", rule, url)
	fmt.Fprintf(&b, "  Data: ./%s   Rooms:", d.Config.Store.DataDir)
	for _, r := range d.Catalog.All() {
		fmt.Fprintf(&b, " %s (%d seats)", r.Name, r.Capacity)
	}
	b.WriteString("\n")
	if adminPassword != "" {
		fmt.Fprintf(&b, "  Admin login: %s / %s\n  This password is shown only this once. Write it down.\n", admin, adminPassword)
	} else {
		fmt.Fprintf(&b, "  Admin login: %s (password shown on first start; reset: go run ./daemon user passwd %s)\n", admin, admin)
	}
	if len(joinLinks) == 2 {
		fmt.Fprintf(&b, "  Join by link (%q, open now; two browser windows):\n    host:  %s\n    guest: %s\n", meetingTitle, joinLinks[0], joinLinks[1])
	}
	// The emulated discussion system's seat buttons: press one and the
	// speaker queue and the camera follow.
	for _, r := range d.Config.Rooms {
		for _, dev := range r.Devices {
			if dev.Kind == "cocon" {
				fmt.Fprintf(&b, "  %s, discussion system's seat buttons: http://%s/units\n", r.Name, dev.Address)
			}
		}
	}
	fmt.Fprintf(&b, "  Try: curl -c jar -H 'Content-Type: application/json' -d '{\"name\":\"%s\",\"password\":\"…\"}' %sapi/v1/session\n%s\n\n", admin, url, rule)
	fmt.Fprint(w, b.String())
}
