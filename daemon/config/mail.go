package config

import (
	"net"
	"net/mail"
	"os"
)

// Mail is the [mail] table: the SMTP relay invitations go through. An
// empty host sends no mail.
type Mail struct {
	Host string `toml:"host"`
	// Port defaults to 587 (submission with STARTTLS).
	Port int `toml:"port"`
	// Username and PasswordFile authenticate at the relay (after STARTTLS).
	Username     string `toml:"username"`
	PasswordFile string `toml:"password_file"`
	// From is the sender, e.g. "Raumbuchung <raumbuchung@stadt.example>".
	From string `toml:"from"`
	// AllowPlain permits a relay without STARTTLS; only on loopback.
	AllowPlain bool `toml:"allow_plain"`
}

func validateMail(m Mail, e *Errors) {
	if m.Host == "" {
		return
	}
	if m.Port < 0 || m.Port > 65535 {
		e.add("mail.port", "must be a port number, not %d", m.Port)
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		e.add("mail.from", "%q is not a mail address (e.g. \"Raumbuchung <raumbuchung@stadt.example>\")", m.From)
	}
	if m.PasswordFile != "" {
		if _, err := os.ReadFile(m.PasswordFile); err != nil {
			e.add("mail.password_file", "cannot read: %v", err)
		}
	}
	if m.AllowPlain {
		ip := net.ParseIP(m.Host)
		if m.Host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			e.add("mail.allow_plain", "only for a relay on this machine (localhost): mail must not cross the network unencrypted")
		}
	}
}
