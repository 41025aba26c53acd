package config

import (
	"testing"

	"github.com/kogge-project/kogge/systemd"
)

// FuzzParse: Parse never panics, and whatever it accepts converts to rooms.
// The decoder walks an arbitrary TOML tree by reflection, the place where a
// missed type would panic.
func FuzzParse(f *testing.F) {
	f.Add(systemd.ExampleConfig)
	f.Add([]byte(room))
	f.Add([]byte("rooms = [{id = \"a\", name = \"A\", capacity = 1, bookable_days = [1, [2]]}]\nserver = [1]"))
	f.Add([]byte("[server]\ntrusted_proxies = \"10.0.0.0/8\"\n[[rooms]]\nbookable_from = 1979-05-27\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := c.RoomList(); err != nil {
			t.Fatalf("accepted config does not convert: %v", err)
		}
	})
}
