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
		// Bookable around the clock: the demo keeps its video meeting
		// open here (daemon/demo/meeting.go), and its panel's extend and
		// book now must work whenever someone tries the demo. The other
		// two rooms show the hours rules.
		demoRoom("interviewraum", "Interviewraum", "Verwaltungsgebäude Nord", 8, 10*time.Minute, 10*time.Minute,
			[]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, "00:00", "24:00", 4*time.Hour),
	}
	// Meeting rooms release bookings nobody checked in to; the council
	// chamber does not.
	c.Rooms[1].CheckinRequired = true
	c.Rooms[2].CheckinRequired = true
	c.Closures = []Closure{{From: "2026-12-24", To: "2026-12-26", Reason: "Weihnachten"}, {From: "2027-01-01", Reason: "Neujahr"}}
	backups := dataDir + "/backups"
	c.Jobs = []Job{
		{Name: "nightly-backup", Schedule: "30 1 * * *", Action: "backup", Zone: "Europe/Berlin", Dir: backups, Keep: 7},
		{Name: "series-horizon", Schedule: "15 4 * * *", Action: "extend-series", Zone: "Europe/Berlin", Keep: DefaultBackupKeep},
		{Name: "purge", Schedule: "45 4 * * 0", Action: "purge", Zone: "Europe/Berlin", Keep: DefaultBackupKeep},
	}
	c.deriveDefaults()
	return c
}

func demoRoom(id, name, building string, capacity int, setup, teardown time.Duration,
	days []string, from, until string, maxLen time.Duration) Room {
	r := defaultRoom() // zone Europe/Berlin
	r.ID, r.Name, r.Building, r.Capacity = id, name, building, capacity
	r.Setup, r.Teardown, r.MaxBooking = Duration{Duration: setup}, Duration{Duration: teardown}, Duration{Duration: maxLen}
	r.BookableDays, r.BookableFrom, r.BookableUntil = days, from, until
	return r
}
