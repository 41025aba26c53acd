package config

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kogge-project/kogge/rooms"
)

// Limits checked by Validate.
const (
	maxNameLen = 100 // characters, for room names and buildings: they must fit the door panel

	minShutdownTimeout = 2 * time.Second
	maxShutdownTimeout = 10 * time.Second // the promise: exit within 10 s of SIGTERM; TimeoutStopSec stays above it
	maxOpenTimeout     = time.Minute
	minSessionTTL      = 5 * time.Minute
	maxSessionTTL      = 7 * 24 * time.Hour
	maxBuffer          = rooms.MaxBuffer // setup and teardown, as for one booking
	maxBooking         = 7 * 24 * time.Hour
)

// Validate checks the whole configuration and returns every problem as
// Errors, or nil. It reads the TLS files but does not look at the data dir:
// that is created by systemd (StateDirectory) or the daemon.
func (c *Config) Validate() error {
	var e Errors
	c.Server.validate(&e)
	c.Store.validate(&e)
	c.Log.validate(&e)
	c.Auth.validate(&e)
	validateRooms(c.Rooms, &e)
	validateSchedule(c, &e)
	validateOParl(c, &e)
	validateMail(c.Mail, &e)
	c.WebRTC.validate(&e)
	c.validateProviders(&e)
	for i, j := range c.Jobs {
		for k, id := range j.Rooms {
			if !c.hasRoom(id) {
				e.add(fmt.Sprintf("jobs[%d].rooms[%d]", i, k), "%q is not a room", id)
			}
		}
	}
	return e.err()
}

func (s Server) validate(e *Errors) {
	host, port, err := net.SplitHostPort(s.Listen)
	_, portErr := strconv.ParseUint(port, 10, 16)
	_, ipErr := netip.ParseAddr(host)
	switch {
	case err != nil:
		e.add("server.listen", "%q is not host:port (e.g. %q)", s.Listen, DefaultListen)
	case portErr != nil:
		e.add("server.listen", "port %q must be a number 0..65535", port)
	case host != "" && ipErr != nil && !validHostname(host):
		e.add("server.listen", "host %q is neither an IP address nor a host name", host)
	}
	validatePublicURL(s.PublicURL, e)
	switch {
	case s.TLSCert != "" && s.TLSKey == "":
		e.add("server.tls_key", "required when tls_cert is set")
	case s.TLSCert == "" && s.TLSKey != "":
		e.add("server.tls_cert", "required when tls_key is set")
	case s.TLSCert != "":
		certOK := readable("server.tls_cert", s.TLSCert, e)
		keyOK := readable("server.tls_key", s.TLSKey, e)
		if certOK && keyOK {
			if _, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey); err != nil {
				e.add("server.tls_cert", "not a usable certificate and key pair: %v", err)
			}
		}
	}
	for i, p := range s.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			hint := ""
			if a, err := netip.ParseAddr(p); err == nil {
				hint = fmt.Sprintf(" (for one address write %s/%d)", p, a.BitLen())
			}
			e.add(fmt.Sprintf("server.trusted_proxies[%d]", i), "%q is not a CIDR prefix such as 10.0.0.0/8%s", p, hint)
		}
	}
	inRange(e, "server.shutdown_timeout", s.ShutdownTimeout, minShutdownTimeout, maxShutdownTimeout)
	s.validateCaps(e)
}

func validatePublicURL(raw string, e *Errors) {
	const path = "server.public_url"
	u, err := url.Parse(raw)
	switch {
	case err != nil || raw == "":
		e.add(path, "%q is not an absolute http(s) URL such as https://raeume.stadt.example", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		e.add(path, "%q must start with https:// or http://", raw)
	case u.Host == "" || u.Hostname() == "":
		e.add(path, "%q has no host", raw)
	case u.User != nil:
		e.add(path, "%q must not contain credentials", raw)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		// Kogge's routes (/api, /j/, /ws) are absolute; serving under a
		// prefix would need the proxy to strip it, which we do not support.
		e.add(path, "%q must not have a path, query or fragment", raw)
	}
}

// readable checks that a file the daemon will need can be opened now, so a
// typo fails check-config instead of the first TLS handshake.
func readable(path, name string, e *Errors) bool {
	f, err := os.Open(name)
	if err != nil {
		e.add(path, "cannot read %s: %v", name, unwrapPathError(err))
		return false
	}
	defer f.Close()
	// A directory or a device (/dev/zero) would fail or never end when read.
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		e.add(path, "%s is not a regular file", name)
		return false
	}
	return true
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func (s Store) validate(e *Errors) {
	if s.DataDir == "" {
		e.add("store.data_dir", "required (e.g. %s)", DefaultDataDir)
	}
	if s.OpenTimeout.Duration <= 0 || s.OpenTimeout.Duration > maxOpenTimeout {
		e.add("store.open_timeout", "must be > 0 and at most %s, not %s", shortDuration(maxOpenTimeout), s.OpenTimeout)
	}
}

func (l Log) validate(e *Errors) {
	switch l.Format {
	case "auto", "text", "json":
	default:
		e.add("log.format", "%q must be auto, text or json", l.Format)
	}
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		e.add("log.level", "%q must be debug, info, warn or error", l.Level)
	}
}

func (a Auth) validate(e *Errors) {
	inRange(e, "auth.session_ttl", a.SessionTTL, minSessionTTL, maxSessionTTL)
}

func validateRooms(rs []Room, e *Errors) {
	if len(rs) == 0 {
		e.add("rooms", "at least one [[rooms]] table is required")
	}
	first := map[string]int{} // id -> index of its first room
	for i, r := range rs {
		p := func(key string) string { return fmt.Sprintf("rooms[%d].%s", i, key) }
		switch j, dup := first[r.ID]; {
		case r.ID == "":
			e.add(p("id"), "required")
		case !rooms.ValidSlug(r.ID):
			e.add(p("id"), "%q is not a valid id: lower-case letters, digits and inner hyphens, at most 64 characters", r.ID)
		case dup:
			e.add(p("id"), "%q is already the id of rooms[%d]", r.ID, j)
		default:
			first[r.ID] = i
		}
		switch n := utf8.RuneCountInString(r.Name); {
		case n == 0:
			e.add(p("name"), "required")
		case n > maxNameLen:
			e.add(p("name"), "must be at most %d characters, not %d", maxNameLen, n)
		}
		if n := utf8.RuneCountInString(r.Building); n > maxNameLen {
			e.add(p("building"), "must be at most %d characters, not %d", maxNameLen, n)
		}
		if r.Capacity <= 0 {
			e.add(p("capacity"), "must be > 0")
		}
		if _, err := loadZone(r.Zone); err != nil {
			e.add(p("zone"), "%v", err)
		}
		inRange(e, p("setup"), r.Setup, 0, maxBuffer)
		inRange(e, p("teardown"), r.Teardown, 0, maxBuffer)
		inRange(e, p("prep_lead"), r.PrepLead, 0, 2*time.Hour)
		inRange(e, p("checkin_grace"), r.CheckinGrace, time.Minute, 2*time.Hour)
		for _, f := range []struct {
			key string
			d   Duration
		}{{"setup", r.Setup}, {"teardown", r.Teardown}, {"max_booking", r.MaxBooking}} {
			if f.d.Duration%time.Minute != 0 {
				e.add(p(f.key), "must be whole minutes (bookings are), not %s", f.d)
			}
		}
		if r.MaxBooking.Duration <= 0 || r.MaxBooking.Duration > maxBooking {
			e.add(p("max_booking"), "must be > 0 and at most %s (7 days), not %s", shortDuration(maxBooking), r.MaxBooking)
		}
		r.validateHours(e, p)
		validateDevices(i, r, e)
	}
}

func (r Room) validateHours(e *Errors, p func(string) string) {
	if _, err := parseDays(r.BookableDays); err != nil {
		e.add(p("bookable_days"), "%v", err)
	}
	from, errFrom := parseClock(r.BookableFrom, false)
	if errFrom != nil {
		e.add(p("bookable_from"), "%v", errFrom)
	}
	until, errUntil := parseClock(r.BookableUntil, true)
	if errUntil != nil {
		e.add(p("bookable_until"), "%v", errUntil)
	}
	if errFrom == nil && errUntil == nil && until <= from {
		e.add(p("bookable_until"), "%s must be after bookable_from %s", r.BookableUntil, r.BookableFrom)
	}
}

func inRange(e *Errors, path string, d Duration, lo, hi time.Duration) {
	if d.Duration < lo || d.Duration > hi {
		e.add(path, "must be between %s and %s, not %s", shortDuration(lo), shortDuration(hi), d)
	}
}

// validHostname accepts DNS names for the listen address ("localhost").
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
