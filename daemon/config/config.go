// Package config reads Kogge's TOML configuration in one pass: defaults, then
// the file, then validation. Nothing here is global: the daemon loads a
// *Config and hands each component only its own sub-struct.
//
// Every problem in a file is reported at once, each located by the path of the
// key to edit ("rooms[2].capacity: must be > 0"); unknown keys are errors,
// because a misspelt key silently falling back to its default is how a
// production room ends up bookable around the clock.
package config

import (
	"fmt"
	"net"
	"path/filepath"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/robfig/cron/v3"
)

// Config is the whole configuration file.
type Config struct {
	Server Server `toml:"server"`
	Store  Store  `toml:"store"`
	Log    Log    `toml:"log"`
	Auth   Auth   `toml:"auth"`
	Rooms  []Room `toml:"rooms"`

	Closures  []Closure `toml:"closures"`
	Series    Series    `toml:"series"`
	Retention Retention `toml:"retention"`
	Jobs      []Job     `toml:"jobs"`
	OParl     OParl     `toml:"oparl"`
	Mail      Mail      `toml:"mail"`
	WebRTC    WebRTC    `toml:"webrtc"`
	Providers Providers `toml:"providers"`
}

// Server is the HTTP listener and how the daemon is reached from outside.
type Server struct {
	// Listen is the host:port the HTTP server binds.
	Listen string `toml:"listen"`
	// PublicURL is the absolute URL users reach the daemon at (join links,
	// iCal feeds, origin checks); it defaults to one derived from Listen.
	PublicURL string `toml:"public_url"`
	// TLSCert and TLSKey are PEM files; both or neither. Without them the
	// daemon speaks plain HTTP, which is right only behind a reverse proxy.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// TrustedProxies are CIDR prefixes whose X-Forwarded-For headers
	// are believed; from anyone else those headers are ignored.
	TrustedProxies []string `toml:"trusted_proxies"`
	// ShutdownTimeout bounds the graceful drain after the first SIGTERM.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// MaxConnections and MaxConnectionsPerAddress cap the open connections
	// of the public listener, in all and per client address (trusted
	// proxies count only in all); MaxEventStreamsPerLogin caps the open
	// event streams of one login (server_caps.go).
	MaxConnections           int `toml:"max_connections"`
	MaxConnectionsPerAddress int `toml:"max_connections_per_address"`
	MaxEventStreamsPerLogin  int `toml:"max_event_streams_per_login"`
}

// Store is where the bbolt database lives, and whether it is shared with
// other nodes through etcd (cluster.go).
type Store struct {
	DataDir string `toml:"data_dir"`
	// Backend is "bbolt" (default: one machine) or "etcd".
	Backend string `toml:"backend"`
	Etcd    Etcd   `toml:"etcd"`
	// OpenTimeout bounds waiting for the database file lock, so a second
	// daemon on the same data dir fails fast instead of hanging.
	OpenTimeout Duration `toml:"open_timeout"`
}

// Log selects the slog handler.
type Log struct {
	// Format is "auto" (text on a terminal, JSON otherwise), "text" or "json".
	Format string `toml:"format"`
	// Level is "debug", "info", "warn" or "error".
	Level string `toml:"level"`
}

// Auth is the login policy.
type Auth struct {
	// RequireTOTP makes a second factor mandatory for every account.
	RequireTOTP bool `toml:"require_totp"`
	// SessionTTL is how long a login lasts.
	SessionTTL Duration `toml:"session_ttl"`
}

// Defaults. Named so the example file, the tests and the validation messages
// cannot drift apart.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultDataDir         = "/var/lib/kogge"
	DefaultShutdownTimeout = 10 * time.Second
	DefaultOpenTimeout     = 2 * time.Second
	DefaultSessionTTL      = 12 * time.Hour
	DefaultMaxBooking      = 12 * time.Hour
)

// defaults is the configuration before the file is read.
func defaults() *Config {
	return &Config{
		Server: withCaps(Server{Listen: DefaultListen, ShutdownTimeout: Duration{Duration: DefaultShutdownTimeout}}),
		Store: Store{DataDir: DefaultDataDir, OpenTimeout: Duration{Duration: DefaultOpenTimeout},
			Backend: BackendBBolt, Etcd: Etcd{Prefix: DefaultEtcdPrefix, DialTimeout: Duration{Duration: DefaultEtcdDialTimeout}}},
		Log:  Log{Format: "auto", Level: "info"},
		Auth: Auth{SessionTTL: Duration{Duration: DefaultSessionTTL}},

		Series:    defaultSeries(),
		Retention: defaultRetention(),
		WebRTC:    defaultWebRTC(),
		Providers: defaultProviders(),
	}
}

// defaultJob is what each [[jobs]] table starts from.
func defaultJob() Job { return Job{Zone: rooms.DefaultZone, Keep: DefaultBackupKeep} }

// defaultRoom is what each [[rooms]] table starts from before its keys apply.
func defaultRoom() Room {
	return Room{
		Zone:          rooms.DefaultZone,
		MaxBooking:    Duration{Duration: DefaultMaxBooking},
		BookableDays:  []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
		BookableFrom:  "00:00",
		BookableUntil: "24:00",
		PrepLead:      Duration{Duration: rooms.DefaultPrepLead},
		CheckinGrace:  Duration{Duration: rooms.DefaultCheckinGrace},
	}
}

// deriveDefaults fills defaults that depend on other keys, after the file.
func (c *Config) deriveDefaults() {
	if c.Server.PublicURL == "" {
		c.Server.PublicURL = defaultPublicURL(c.Server.Listen, c.Server.TLSCert != "")
	}
	if c.Providers.Builtin.MaxParticipants == 0 {
		c.Providers.Builtin.MaxParticipants = c.WebRTC.ParticipantLimit
	}
	if c.WebRTC.KeyFile == "" {
		c.WebRTC.KeyFile = filepath.Join(c.Store.DataDir, "join.keys")
	}
}

// defaultPublicURL is "http://" + listen, except that a wildcard host (":8080",
// "0.0.0.0:8080") is no address a browser can open, so localhost stands in, and
// a TLS listener is reached over https.
func defaultPublicURL(listen string, tls bool) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return scheme + listen // validation reports the bad listen address
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + net.JoinHostPort(host, port)
}

// Warnings are things in a valid configuration an admin should know.
func (c *Config) Warnings() []Problem {
	var w []Problem
	for i, j := range c.Jobs {
		s, err := ParseSchedule(j.Schedule)
		if err != nil {
			continue
		}
		if spec, ok := s.(*cron.SpecSchedule); ok && spec.Hour&(1<<2) != 0 && spec.Hour&allHours != allHours {
			w = append(w, Problem{Path: fmt.Sprintf("jobs[%d].schedule", i),
				Message: "runs between 02:00 and 03:00 local time, which the spring-forward day skips: this job will not run that day"})
		}
	}
	return w
}

// ClosureList converts the configured closures (validated) to domain ones.
func (c *Config) ClosureList() []rooms.Closure {
	out := make([]rooms.Closure, 0, len(c.Closures))
	for _, cl := range c.Closures {
		from, _ := parseDay(cl.From)
		to := from
		if cl.To != "" {
			to, _ = parseDay(cl.To)
		}
		out = append(out, rooms.Closure{From: from, To: to, Building: cl.Building, Reason: cl.Reason})
	}
	return out
}

// withCaps is s with the default caps.
func withCaps(s Server) Server {
	s.MaxConnections, s.MaxConnectionsPerAddress = DefaultMaxConnections, DefaultMaxConnectionsPerAddress
	s.MaxEventStreamsPerLogin = DefaultMaxEventStreamsPerLogin
	return s
}

// RoomList converts the configured rooms to domain rooms, in file order. It
// is meant for a validated configuration; the error is a safety net.
func (c *Config) RoomList() ([]rooms.Room, error) {
	out := make([]rooms.Room, 0, len(c.Rooms))
	for i, r := range c.Rooms {
		dr, err := r.Domain()
		if err != nil {
			return nil, fmt.Errorf("rooms[%d]: %w", i, err)
		}
		out = append(out, dr)
	}
	return out, nil
}
