// Package demo is what `go run ./daemon` without a configuration adds to
// the daemon: emulators on loopback for the demo rooms' devices, the
// council system (OParl), GoToMeeting and Pexip, declared in the
// configuration as if they were real (Start); a demo admin and a town
// hall's week of bookings on the first start (Data.EnsureAdmin); a hybrid
// meeting open now with its join links (Data.OpenMeeting); and the banner
// a person running the demo looks for (Data.WriteBanner).
//
// It may import daemon/config, the rooms packages (rooms, rooms/store,
// rooms/accounts and the device emulators under rooms/av), the
// integrations' emulators and signaling/joinlink. It never imports the
// daemon: the daemon hands it its parts (Data) and, for join links, an
// implementation of JoinLinks.
package demo
