package mail

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const testICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kogge//test//DE\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:b1@kogge\r\nDTSTAMP:20260301T080000Z\r\nDTSTART:20260302T090000Z\r\n" +
	"DTEND:20260302T100000Z\r\nSUMMARY:Ausschuss für Umwelt\r\nSEQUENCE:0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func invitation() Message {
	return Message{
		To:      []string{"Jörg Müller <j.mueller@stadt.example>", "b@stadt.example"},
		Subject: "Einladung: Ausschuss für Umwelt – Sitzungssaal",
		Text:    "Guten Tag,\n\nSie sind eingeladen. Raum: Sitzungssaal 1 (Rathaus, Erdgeschoss, barrierefrei zugänglich über den Seiteneingang am Marktplatz).\n",
		ICS:     []byte(testICS),
		Method:  MethodRequest,
	}
}

func TestSendSTARTTLSAuth(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{Username: "kogge", Password: "geheim"})
	if err := Send(t.Context(), s.Config(), invitation()); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages, want 1", len(got))
	}
	m := got[0]
	if !m.TLS {
		t.Error("message arrived without TLS")
	}
	if m.From != "raumbuchung@stadt.example" {
		t.Errorf("MAIL FROM %q", m.From)
	}
	if strings.Join(m.To, ",") != "j.mueller@stadt.example,b@stadt.example" {
		t.Errorf("RCPT TO %q", m.To)
	}
}

func TestSendWrongPassword(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{Username: "kogge", Password: "geheim"})
	cfg := s.Config()
	cfg.Password = "falsch"
	err := Send(t.Context(), cfg, invitation())
	if err == nil || IsTemporary(err) || !strings.Contains(err.Error(), "535") {
		t.Fatalf("err = %v, want a permanent 535", err)
	}
}

func TestSendUntrustedCertificate(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	cfg := s.Config()
	cfg.TLS = nil // system roots do not know the test certificate
	err := Send(t.Context(), cfg, invitation())
	if err == nil || IsTemporary(err) {
		t.Fatalf("err = %v, want a permanent TLS error", err)
	}
	if len(s.Messages()) != 0 {
		t.Fatal("message sent despite an unverified certificate")
	}
}

func TestRefuseWithoutSTARTTLS(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{NoSTARTTLS: true})
	err := Send(t.Context(), s.Config(), invitation())
	if !errors.Is(err, ErrNoSTARTTLS) || !strings.Contains(err.Error(), "server offers no STARTTLS") {
		t.Fatalf("err = %v, want ErrNoSTARTTLS", err)
	}
	if IsTemporary(err) {
		t.Error("missing STARTTLS reported as temporary")
	}
	if n := len(s.Messages()); n != 0 {
		t.Fatalf("%d messages sent in the clear", n)
	}
}

func TestAllowPlain(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{NoSTARTTLS: true})
	cfg := s.Config()
	cfg.AllowPlain = true
	if err := Send(t.Context(), cfg, invitation()); err != nil {
		t.Fatal(err)
	}
	if got := s.Messages(); len(got) != 1 || got[0].TLS {
		t.Fatalf("messages %+v, want one in the clear", got)
	}
}

func TestAllowPlainNeverSendsCredentials(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{NoSTARTTLS: true, Username: "kogge", Password: "geheim"})
	cfg := s.Config()
	cfg.AllowPlain = true
	err := Send(t.Context(), cfg, invitation())
	if err == nil || !strings.Contains(err.Error(), "credentials without TLS") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

func TestAllowPlainStillUsesSTARTTLS(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	cfg := s.Config()
	cfg.AllowPlain = true
	if err := Send(t.Context(), cfg, invitation()); err != nil {
		t.Fatal(err)
	}
	if got := s.Messages(); len(got) != 1 || !got[0].TLS {
		t.Fatalf("messages %+v, want one over TLS", got)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	for name, mutate := range map[string]func(*Message){
		"subject CRLF":   func(m *Message) { m.Subject = "Einladung\r\nBcc: alle@example.org" },
		"subject LF":     func(m *Message) { m.Subject = "Einladung\nBcc: alle@example.org" },
		"to CRLF":        func(m *Message) { m.To = []string{"a@stadt.example\r\nBcc: alle@example.org"} },
		"to LF":          func(m *Message) { m.To = []string{"a@stadt.example\nX: y"} },
		"to invalid":     func(m *Message) { m.To = []string{"not an address"} },
		"to none":        func(m *Message) { m.To = nil },
		"to non-ASCII":   func(m *Message) { m.To = []string{"jörg@stadt.example"} },
		"method unknown": func(m *Message) { m.Method = "PUBLISH" },
		"method differs": func(m *Message) { m.Method = MethodCancel },
		"method no ics":  func(m *Message) { m.ICS = nil },
	} {
		t.Run(name, func(t *testing.T) {
			m := invitation()
			mutate(&m)
			err := Send(t.Context(), s.Config(), m)
			if !errors.Is(err, ErrInvalid) || IsTemporary(err) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	cfg := s.Config()
	cfg.From = "Kogge <raumbuchung@stadt.example>\r\nBcc: alle@example.org"
	if err := Send(t.Context(), cfg, invitation()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("From with CRLF: err = %v, want ErrInvalid", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Fatalf("%d messages sent", n)
	}
}

func TestSendConnectionRefusedIsTemporary(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	cfg := s.Config()
	s.close() // nothing listens on the port any more
	if err := Send(t.Context(), cfg, invitation()); !IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
}

func TestSendCancelled(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := Send(ctx, s.Config(), invitation())
	if err == nil || IsTemporary(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a permanent context.Canceled", err)
	}
}
