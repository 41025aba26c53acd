package tesira

import (
	"fmt"
	"strings"
)

// loginState is how far a login has come (docs/protocols/tesira.md §10).
type loginState struct {
	userSent, passSent bool
}

// isLoginPrompt says whether text (a line or an unfinished one) asks for
// a username or a password. The device's exact prompt words are not
// documented, so the test is loose: the last word before a colon.
func isLoginPrompt(text []byte) bool {
	return promptKind(string(text)) != ""
}

func promptKind(text string) string {
	s := strings.ToLower(strings.TrimSpace(text))
	if !strings.HasSuffix(s, ":") {
		return ""
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, ":"))
	switch {
	case strings.HasSuffix(s, "password"):
		return "password"
	case strings.HasSuffix(s, "login"), strings.HasSuffix(s, "username"), strings.HasSuffix(s, "user"):
		return "user"
	}
	return ""
}

// loginRefused are words a device uses when it turns a login down.
var loginRefused = []string{"incorrect", "denied", "invalid", "failed", "refused"}

// answerLogin handles one line before the banner: it answers a login
// prompt with the configured credentials, and ends the dial when there
// are none, when the device asks again (the first answer was wrong) or
// says it refused them.
func (c *Client) answerLogin(line string) error {
	switch promptKind(line) {
	case "user":
		if c.opts.Username == "" {
			return ErrLoginRequired
		}
		if c.login.userSent {
			return ErrLoginFailed // asked again: the last login did not work
		}
		c.login.userSent = true
		return c.sendLogin(c.opts.Username)
	case "password":
		if c.opts.Password == "" && c.opts.Username == "" {
			return ErrLoginRequired
		}
		if c.login.passSent {
			return ErrLoginFailed
		}
		c.login.passSent = true
		return c.sendLogin(c.opts.Password)
	}
	if c.login.userSent || c.login.passSent {
		l := strings.ToLower(line)
		for _, w := range loginRefused {
			if strings.Contains(l, w) {
				return ErrLoginFailed
			}
		}
	}
	return nil
}

// sendLogin queues one line of the login for the writer.
func (c *Client) sendLogin(s string) error {
	if strings.ContainsAny(s, "\r\n") {
		return fmt.Errorf("%w: the login must be one line", ErrInvalidArgument)
	}
	select {
	case c.out <- []byte(s + "\n"):
		return nil
	default:
		return fmt.Errorf("%w: the session is flooded", ErrProtocol)
	}
}
