package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error is a failed delivery. Temporary says whether the same message may
// succeed later: 4xx replies and network trouble are temporary; 5xx
// replies, invalid messages, TLS verification and missing STARTTLS are not.
type Error struct {
	Op        string // "dial", "starttls", "auth", "mail", "rcpt", "data", …
	Temporary bool
	Err       error
}

func (e *Error) Error() string { return "mail: " + e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying.
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// ErrNoSTARTTLS is returned when the server cannot encrypt and AllowPlain
// is off: Kogge then sends neither credentials nor mail.
var ErrNoSTARTTLS = errors.New("server offers no STARTTLS")

func failure(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Temporary: temporary(err), Err: err}
}

func permanent(op string, err error) error { return &Error{Op: op, Err: err} }

func temporary(err error) bool {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 400 && tp.Code < 500
	}
	// A certificate that does not verify will not verify on retry either;
	// that needs an administrator.
	var (
		verr *tls.CertificateVerificationError
		uerr x509.UnknownAuthorityError
		herr x509.HostnameError
		cerr x509.CertificateInvalidError
	)
	if errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &cerr) {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrInvalid) {
		return false
	}
	// Everything else is the network: refused, reset, timed out, EOF.
	return true
}

// Send delivers m synchronously. It returns an *Error (see IsTemporary),
// or an error wrapping ErrInvalid for a message or config that is wrong.
func Send(ctx context.Context, cfg Config, m Message) error {
	cfg = cfg.withDefaults()
	from, err := cfg.validate()
	if err != nil {
		return err
	}
	env, err := m.build(from, time.Now())
	if err != nil {
		return err
	}
	return deliver(ctx, cfg, env)
}

func deliver(ctx context.Context, cfg Config, env *envelope) error {
	// Timeout bounds the whole conversation, not just the dial: a server
	// that accepts and then stalls must not hold the sender forever.
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	d := net.Dialer{Timeout: cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return failure("dial", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// net/smtp knows no context; a past deadline makes any blocked read or
	// write return at once when ctx is cancelled.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	err = converse(conn, cfg, env)
	if err != nil && ctx.Err() != nil {
		var e *Error
		if errors.As(err, &e) {
			// Report why the conversation stopped rather than the i/o
			// timeout it caused; a caller's cancel is not retried.
			e.Err = fmt.Errorf("%w (%v)", context.Cause(ctx), e.Err)
			e.Temporary = !errors.Is(ctx.Err(), context.Canceled)
		}
	}
	return err
}

func converse(conn net.Conn, cfg Config, env *envelope) error {
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		return failure("greeting", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return failure("ehlo", err)
	}
	encrypted := false
	if ok, _ := c.Extension("STARTTLS"); ok {
		tc := &tls.Config{}
		if cfg.TLS != nil {
			tc = cfg.TLS.Clone()
		}
		if tc.ServerName == "" {
			tc.ServerName = cfg.Host
		}
		if tc.MinVersion == 0 {
			tc.MinVersion = tls.VersionTLS12
		}
		if err := c.StartTLS(tc); err != nil {
			return failure("starttls", err)
		}
		encrypted = true
	} else if !cfg.AllowPlain {
		return permanent("starttls", ErrNoSTARTTLS)
	}

	if cfg.Username != "" {
		if !encrypted {
			return permanent("auth", errors.New("refusing to send credentials without TLS"))
		}
		_, mechs := c.Extension("AUTH")
		var a smtp.Auth
		switch fields := strings.Fields(strings.ToUpper(mechs)); {
		case slices.Contains(fields, "PLAIN"):
			a = plainAuth{cfg.Username, cfg.Password}
		case slices.Contains(fields, "LOGIN"):
			a = &loginAuth{user: cfg.Username, pass: cfg.Password}
		default:
			return permanent("auth", fmt.Errorf("server offers neither AUTH PLAIN nor LOGIN (%q)", mechs))
		}
		if err := c.Auth(a); err != nil {
			return failure("auth", err)
		}
	}

	if err := c.Mail(env.from); err != nil {
		return failure("mail", err)
	}
	for _, to := range env.to {
		if err := c.Rcpt(to); err != nil {
			return failure("rcpt", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return failure("data", err)
	}
	if _, err := w.Write(env.data); err != nil {
		return failure("data", err)
	}
	// Close returns the server's verdict on the message.
	if err := w.Close(); err != nil {
		return failure("data", err)
	}
	// The message is accepted; a failing QUIT changes nothing about that.
	_ = c.Quit()
	return nil
}

// plainAuth is RFC 4616 PLAIN. net/smtp's PlainAuth would do, but its
// host check duplicates ours and would reject a relay addressed by IP.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(s *smtp.ServerInfo) (string, []byte, error) {
	if !s.TLS {
		return "", nil, errors.New("refusing to send credentials without TLS")
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next([]byte, bool) ([]byte, error) { return nil, nil }

// loginAuth is the obsolete LOGIN mechanism that Exchange still prefers;
// net/smtp lacks it.
type loginAuth struct {
	user, pass string
	step       int
}

func (a *loginAuth) Start(s *smtp.ServerInfo) (string, []byte, error) {
	if !s.TLS {
		return "", nil, errors.New("refusing to send credentials without TLS")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, io.ErrUnexpectedEOF
}
