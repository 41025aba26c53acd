package mail

import (
	"crypto/tls"
	"net/mail"
	"strings"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultPort    = 587 // message submission (RFC 6409), STARTTLS
	DefaultTimeout = 30 * time.Second
)

// Config says how to reach the mail server.
type Config struct {
	Host string
	// Port defaults to 587 (submission). Port 465 (implicit TLS) is not
	// supported: STARTTLS is what municipal relays offer.
	Port     int
	Username string
	Password string
	// From is the sender, e.g. "Kogge <raumbuchung@stadt.example>"; its
	// domain also names the Message-IDs.
	From string
	// AllowPlain permits a server without STARTTLS: only for a relay on
	// localhost. Credentials are never sent in the clear even then.
	AllowPlain bool
	// Timeout bounds one whole SMTP conversation; default 30 s.
	Timeout time.Duration
	// TLS is cloned for STARTTLS; ServerName defaults to Host. Tests set
	// RootCAs to TestServer.RootCAs().
	TLS *tls.Config
}

func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// validate checks c (with defaults applied) and returns the parsed sender.
func (c Config) validate() (*mail.Address, error) {
	if c.Host == "" {
		return nil, invalid("no SMTP host configured")
	}
	if c.Port < 1 || c.Port > 65535 {
		return nil, invalid("SMTP port %d out of range", c.Port)
	}
	if (c.Username == "") != (c.Password == "") {
		return nil, invalid("SMTP username and password must be set together")
	}
	if c.From == "" {
		return nil, invalid("no sender (From) configured")
	}
	from, err := parseAddress("From", c.From)
	if err != nil {
		return nil, err
	}
	if strings.LastIndexByte(from.Address, '@') < 0 {
		return nil, invalid("From %q has no domain", c.From)
	}
	return from, nil
}
