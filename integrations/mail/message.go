package mail

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// iTIP methods for Message.Method (the same values as ical.Method).
const (
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
)

// Message is one e-mail: a plain-text body and, for an invitation, the
// iCalendar object written by ical.WriteInvitation.
type Message struct {
	To      []string // RFC 5322 addresses, "Name <addr>" or "addr"
	Subject string
	Text    string
	// ICS, when set, is sent twice, the way Outlook and Thunderbird expect
	// iTIP mail: as the text/calendar alternative of the body, which they
	// show as an invitation with accept/decline, and as invite.ics for
	// clients that only offer attachments.
	ICS []byte
	// Method is REQUEST or CANCEL and must match the METHOD in ICS.
	Method string
}

// ErrInvalid is wrapped by every error about a message or a configuration
// that no retry can fix.
var ErrInvalid = errors.New("invalid message")

func invalid(format string, args ...any) error {
	return fmt.Errorf("mail: %w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// parseAddress refuses what could smuggle headers or need SMTPUTF8.
func parseAddress(field, s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n\x00") {
		return nil, invalid("%s %q contains a line break", field, s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, invalid("%s %q: %v", field, s, err)
	}
	// Non-ASCII mailbox names would need SMTPUTF8, which Kogge does not
	// negotiate; display names are fine (RFC 2047).
	for i := 0; i < len(a.Address); i++ {
		if a.Address[i] >= utf8.RuneSelf {
			return nil, invalid("%s %q: non-ASCII address", field, s)
		}
	}
	return a, nil
}

// envelope is a message ready for the SMTP transaction.
type envelope struct {
	from string   // MAIL FROM
	to   []string // RCPT TO
	data []byte   // DATA, CRLF line endings
}

// build validates m and renders it. now is the Date header.
func (m Message) build(from *mail.Address, now time.Time) (*envelope, error) {
	if len(m.To) == 0 {
		return nil, invalid("no recipients")
	}
	env := &envelope{from: from.Address}
	var toHeader []string
	for _, s := range m.To {
		a, err := parseAddress("To", s)
		if err != nil {
			return nil, err
		}
		env.to = append(env.to, a.Address)
		toHeader = append(toHeader, a.String())
	}
	if strings.ContainsAny(m.Subject, "\r\n\x00") {
		return nil, invalid("subject contains a line break")
	}
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) {
		return nil, invalid("subject or text is not UTF-8")
	}
	if m.ICS == nil {
		if m.Method != "" {
			return nil, invalid("method %q without a calendar object", m.Method)
		}
	} else if err := checkMethod(m.ICS, m.Method); err != nil {
		return nil, err
	}

	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	// One recipient a line keeps long lists under the 78-column advice.
	header("To", strings.Join(toHeader, ",\r\n "))
	header("Subject", encodeSubject(m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address, now))
	header("MIME-Version", "1.0")
	if m.ICS == nil {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		env.data = b.Bytes()
		return env, nil
	}

	// multipart/mixed { multipart/alternative { text/plain, text/calendar },
	// invite.ics } is what Google Calendar and Exchange send themselves.
	mixed := multipart.NewWriter(&b)
	if err := mixed.SetBoundary(randomBoundary()); err != nil {
		return nil, err
	}
	header("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	b.WriteString("\r\n")

	alt := randomBoundary()
	w, err := mixed.CreatePart(textproto.MIMEHeader{
		"Content-Type": {mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": alt})},
	})
	if err != nil {
		return nil, err
	}
	inner := multipart.NewWriter(w)
	if err := inner.SetBoundary(alt); err != nil {
		return nil, err
	}
	if w, err = inner.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	}); err != nil {
		return nil, err
	}
	if err := writeQP(w, m.Text); err != nil {
		return nil, err
	}
	if w, err = inner.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/calendar; charset=utf-8; method=" + m.Method},
		"Content-Transfer-Encoding": {"base64"},
	}); err != nil {
		return nil, err
	}
	writeBase64(w, m.ICS)
	if err := inner.Close(); err != nil {
		return nil, err
	}
	if w, err = mixed.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {`application/ics; name="invite.ics"`},
		"Content-Disposition":       {`attachment; filename="invite.ics"`},
		"Content-Transfer-Encoding": {"base64"},
	}); err != nil {
		return nil, err
	}
	writeBase64(w, m.ICS)
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	env.data = b.Bytes()
	return env, nil
}

// checkMethod insists that the Content-Type's method parameter and the
// object's METHOD agree: clients trust one or the other, and a mismatch
// shows a cancellation as an invitation or the other way round.
func checkMethod(ics []byte, method string) error {
	if method != MethodRequest && method != MethodCancel {
		return invalid("method %q: want REQUEST or CANCEL", method)
	}
	sc := bufio.NewScanner(bytes.NewReader(ics))
	sc.Buffer(nil, len(ics)+1)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if v, ok := strings.CutPrefix(line, "METHOD:"); ok {
			if v != method {
				return invalid("method %s but the calendar says METHOD:%s", method, v)
			}
			return nil
		}
	}
	return invalid("calendar object has no METHOD (an iTIP message needs one)")
}

// encodeSubject uses RFC 2047 Q-encoding only when needed. mime's encoder
// makes 75-character words, which after "Subject: " break RFC 2047's
// 76-column limit; shorter words, one a line, keep every line within it.
func encodeSubject(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] < ' ' || s[i] == 0x7f {
			ascii = false
			break
		}
	}
	// Long ASCII subjects are encoded too, so that they fold safely.
	if ascii && len(s) <= 60 && !strings.Contains(s, "=?") {
		return s
	}
	const prefix, suffix, maxWord = "=?utf-8?q?", "?=", 66
	var words []string
	var w strings.Builder
	for _, r := range s {
		var enc string
		switch {
		case r == ' ':
			enc = "_"
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("!*+-/", r)):
			enc = string(r)
		default:
			var buf [utf8.UTFMax]byte
			for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
				enc += fmt.Sprintf("=%02X", c)
			}
		}
		// A word never splits a character (RFC 2047 section 5).
		if w.Len() > 0 && len(prefix)+w.Len()+len(enc)+len(suffix) > maxWord {
			words = append(words, prefix+w.String()+suffix)
			w.Reset()
		}
		w.WriteString(enc)
	}
	words = append(words, prefix+w.String()+suffix)
	return strings.Join(words, "\r\n ")
}

// messageID is unique without any state: time plus 96 random bits, at the
// sender's domain as RFC 5322 recommends.
func messageID(from string, now time.Time) string {
	domain := from[strings.LastIndexByte(from, '@')+1:]
	var r [12]byte
	rand.Read(r[:])
	return fmt.Sprintf("<%d.%s@%s>", now.UnixNano(), hex.EncodeToString(r[:]), domain)
}

// randomBoundary starts with "=_", which can occur neither in base64 nor
// in quoted-printable, and is short enough for a Content-Type line to stay
// within 78 columns.
func randomBoundary() string {
	var r [12]byte
	rand.Read(r[:])
	return "=_" + hex.EncodeToString(r[:])
}

type writer interface{ Write([]byte) (int, error) }

// writeQP writes text as quoted-printable with CRLF line breaks, so that
// long lines and umlauts survive 7-bit relays.
func writeQP(w writer, text string) error {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(text)); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	if text == "" || strings.HasSuffix(text, "\n") {
		return nil
	}
	_, err := w.Write([]byte("\r\n"))
	return err
}

// writeBase64 wraps at 76 columns (RFC 2045).
func writeBase64(w writer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		w.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	w.Write([]byte(enc + "\r\n"))
}
