package config

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
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
	c.validateAdvertise(&e)
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

func (s Store) validate(e *Errors) {
	if s.DataDir == "" {
		e.add("store.data_dir", "required (e.g. %s)", DefaultDataDir)
	}
	if s.OpenTimeout.Duration <= 0 || s.OpenTimeout.Duration > maxOpenTimeout {
		e.add("store.open_timeout", "must be > 0 and at most %s, not %s", shortDuration(maxOpenTimeout), s.OpenTimeout)
	}
	s.validateBackend(e)
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

func (c *Config) validateProviders(e *Errors) {
	p := c.Providers
	seen := map[string]bool{}
	if len(p.Order) == 0 {
		e.add("providers.order", "name at least one provider (e.g. [\"builtin\"])")
	}
	for i, name := range p.Order {
		path := fmt.Sprintf("providers.order[%d]", i)
		switch {
		case !slices.Contains(providerNames, name):
			e.add(path, "%q is not a provider (%s)", name, strings.Join(providerNames, ", "))
		case seen[name]:
			e.add(path, "%q is named twice", name)
		}
		seen[name] = true
	}
	if p.FailoverAttempts < 1 || p.FailoverAttempts > 100 {
		e.add("providers.failover_attempts", "must be between 1 and 100, not %d", p.FailoverAttempts)
	}
	if d := p.FailoverAfter.Duration; d < time.Minute || d > 24*time.Hour {
		e.add("providers.failover_after", "must be between 1m and 24h, not %s", d)
	}
	if d := p.HealthCheckEvery.Duration; d < time.Second || d > 10*time.Minute {
		e.add("providers.health_check_every", "must be between 1s and 10m, not %s", d)
	}
	if d := p.ProvisionLead.Duration; d < 0 || d > 30*24*time.Hour {
		e.add("providers.provision_lead", "must be between 0s and 720h, not %s", d)
	}
	limits := func(name string, l ProviderLimits) {
		if l.MaxParticipants < 0 || l.MaxParticipants > 100000 {
			e.add("providers."+name+".max_participants", "must be between 1 and 100000, not %d", l.MaxParticipants)
		}
		if l.MaxDuration.Duration < 0 {
			e.add("providers."+name+".max_duration", "must not be negative")
		}
		if l.YearlyCost < 0 || l.YearlyCost > 1_000_000_000 {
			e.add("providers."+name+".yearly_cost", "must be between 0 and 1000000000 (EUR a year), not %d", l.YearlyCost)
		}
	}
	limits("builtin", p.Builtin.ProviderLimits)
	limits("gotomeeting", p.GoToMeeting.ProviderLimits)
	limits("pexip", p.Pexip.ProviderLimits)
	if p.GoToMeeting.ConfidentialOK {
		e.add("providers.gotomeeting.confidential_ok", "must be false: GoToMeeting is a US service (a meeting there leaves the EU), and interviews and confidential meetings go only to providers under our control, on failover too")
	}
	if p.Uses("gotomeeting") {
		validateGoTo(p.GoToMeeting, e)
	}
	if p.Uses("pexip") {
		validatePexip(p.Pexip, e)
	}
}

func validateOParl(c *Config, e *Errors) {
	o := c.OParl
	if o.Endpoint == "" {
		if o.Body != "" || len(o.Locations) > 0 {
			e.add("oparl.endpoint", "required when [oparl] is configured")
		}
		return
	}
	if u, err := url.Parse(o.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		e.add("oparl.endpoint", "%q is not an http(s) URL", o.Endpoint)
	}
	if o.Body == "" {
		e.add("oparl.body", "required: the body's AGS or OParl id")
	}
	if len(o.Locations) == 0 {
		e.add("oparl.locations", "at least one rule mapping a location to a room is required")
	}
	for i, l := range o.Locations {
		if strings.TrimSpace(l.Match) == "" {
			e.add(fmt.Sprintf("oparl.locations[%d].match", i), "required")
		}
		if !c.hasRoom(l.Room) {
			e.add(fmt.Sprintf("oparl.locations[%d].room", i), "%q is not a room", l.Room)
		}
	}
	for k, v := range o.Kinds {
		if !rooms.Kind(v).Valid() {
			e.add("oparl.kinds."+k, "%q is not a booking kind (council, committee, interview, meeting)", v)
		}
	}
	for k, v := range o.OrganizationKinds {
		if !rooms.Kind(v).Valid() {
			e.add("oparl.organization_kinds."+k, "%q is not a booking kind (council, committee, interview, meeting)", v)
		}
	}
	if d := o.DefaultLength.Duration; d < 0 || d > 12*time.Hour {
		e.add("oparl.default_length", "must be between 0s and 12h, not %s", o.DefaultLength)
	}
	for room, d := range o.RoomLengths {
		if !c.hasRoom(room) {
			e.add("oparl.room_lengths."+room, "%q is not a room", room)
		}
		if d.Duration <= 0 || d.Duration > 12*time.Hour {
			e.add("oparl.room_lengths."+room, "must be between 1m and 12h, not %s", d)
		}
	}
}

func validateSchedule(c *Config, e *Errors) {
	if c.Series.HorizonMonths < 1 || c.Series.HorizonMonths > 120 {
		e.add("series.horizon_months", "must be between 1 and 120, not %d", c.Series.HorizonMonths)
	}
	for _, f := range []struct {
		key string
		d   Duration
	}{{"council", c.Retention.Council}, {"committee", c.Retention.Committee}, {"meeting", c.Retention.Meeting}, {"interview", c.Retention.Interview}} {
		if f.d.Duration < day {
			e.add("retention."+f.key, "must be at least 24h, not %s", f.d)
		}
	}
	for i, cl := range c.Closures {
		p := func(k string) string { return fmt.Sprintf("closures[%d].%s", i, k) }
		_, err := parseDay(cl.From)
		if err != nil {
			e.add(p("from"), "%v", err)
		}
		if cl.To != "" {
			_, err2 := parseDay(cl.To)
			switch {
			case err2 != nil:
				e.add(p("to"), "%v", err2)
			case err == nil && cl.To < cl.From: // ISO dates sort as text
				e.add(p("to"), "%s is before from %s", cl.To, cl.From)
			}
		}
	}
	names := map[string]int{}
	for i, j := range c.Jobs {
		p := func(k string) string { return fmt.Sprintf("jobs[%d].%s", i, k) }
		switch k, dup := names[j.Name]; {
		case !rooms.ValidSlug(j.Name):
			e.add(p("name"), "%q is not a valid name: lower-case letters, digits and inner hyphens", j.Name)
		case dup:
			e.add(p("name"), "%q is already the name of jobs[%d]", j.Name, k)
		default:
			names[j.Name] = i
		}
		if _, err := ParseSchedule(j.CronSpec()); err != nil {
			e.add(p("schedule"), "%v", err)
		}
		known := false
		for _, a := range JobActions {
			known = known || a == j.Action
		}
		if !known {
			e.add(p("action"), "%q is not an action; use %s", j.Action, strings.Join(JobActions, ", "))
		}
		if _, err := loadZone(j.Zone); err != nil {
			e.add(p("zone"), "%v", err)
		}
		if j.Action == "backup" && j.Dir == "" {
			e.add(p("dir"), "required for a backup job (the folder for the copies)")
		}
		if j.Keep < 1 || j.Keep > 1000 {
			e.add(p("keep"), "must be between 1 and 1000, not %d", j.Keep)
		}
	}
}

func (c *Config) hasRoom(id string) bool {
	for _, r := range c.Rooms {
		if r.ID == id {
			return true
		}
	}
	return false
}

func (s Server) validateCaps(e *Errors) {
	if s.MaxConnections < 1 || s.MaxConnections > maxMaxConnections {
		e.add("server.max_connections", "must be between 1 and %d, not %d", maxMaxConnections, s.MaxConnections)
	}
	if s.MaxConnectionsPerAddress < 1 || s.MaxConnectionsPerAddress > s.MaxConnections {
		e.add("server.max_connections_per_address", "must be between 1 and max_connections (%d), not %d", s.MaxConnections, s.MaxConnectionsPerAddress)
	}
	if s.MaxEventStreamsPerLogin < 1 || s.MaxEventStreamsPerLogin > maxMaxEventStreamsPerLogin {
		e.add("server.max_event_streams_per_login", "must be between 1 and %d, not %d", maxMaxEventStreamsPerLogin, s.MaxEventStreamsPerLogin)
	}
}
