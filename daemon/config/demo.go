package config

import "time"

// Demo is the configuration of `go run ./daemon` without a config file: a
// loopback listener, the given data dir and three rooms of a small town hall,
// enough to see booking rules (hours, buffers, maximum length) at work.
func Demo(dataDir string) *Config {
	c := defaults()
	c.Store.DataDir = dataDir
	c.Rooms = []Room{
		demoRoom("ratssaal", "Ratssaal", "Rathaus", 80, 30*time.Minute, 15*time.Minute,
			[]string{"mon", "tue", "wed", "thu", "fri", "sat"}, "07:00", "22:00", 10*time.Hour),
		demoRoom("sitzungszimmer-2", "Sitzungszimmer 2", "Rathaus", 20, 15*time.Minute, 10*time.Minute,
			[]string{"mon", "tue", "wed", "thu", "fri"}, "07:00", "20:00", 8*time.Hour),
		demoRoom("interviewraum", "Interviewraum", "Verwaltungsgebäude Nord", 8, 10*time.Minute, 10*time.Minute,
			[]string{"mon", "tue", "wed", "thu", "fri"}, "08:00", "18:00", 4*time.Hour),
	}
	c.deriveDefaults()
	return c
}

func demoRoom(id, name, building string, capacity int, setup, teardown time.Duration,
	days []string, from, until string, maxLen time.Duration) Room {
	r := defaultRoom() // zone Europe/Berlin
	r.ID, r.Name, r.Building, r.Capacity = id, name, building, capacity
	r.Setup, r.Teardown, r.MaxBooking = Duration{setup}, Duration{teardown}, Duration{maxLen}
	r.BookableDays, r.BookableFrom, r.BookableUntil = days, from, until
	return r
}
