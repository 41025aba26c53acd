package mail

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// readPart returns a part's headers and its body decoded by hand, so that
// the Content-Transfer-Encoding is checked rather than undone silently.
func readPart(t *testing.T, r *multipart.Reader) (multipart.Part, []byte) {
	t.Helper()
	p, err := r.NextRawPart()
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	return *p, body
}

func mediaType(t *testing.T, v string) (string, map[string]string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", v, err)
	}
	return mt, params
}

func TestMessageFormat(t *testing.T) {
	s := NewTestServer(t, TestServerOptions{})
	in := invitation()
	if err := Send(t.Context(), s.Config(), in); err != nil {
		t.Fatal(err)
	}
	data := s.Messages()[0].Data
	for i, line := range strings.Split(string(data), "\r\n") {
		if len(line) > 78 || strings.ContainsRune(line, '\n') {
			t.Errorf("line %d too long or with a bare LF", i+1)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Fatalf("line %d has 8-bit data: %q", i+1, line)
			}
		}
	}

	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(h.Get("Subject")); err != nil || subj != in.Subject {
		t.Errorf("Subject %q decodes to %q (%v)", h.Get("Subject"), subj, err)
	}
	if !strings.HasPrefix(h.Get("Subject"), "=?utf-8?q?") {
		t.Errorf("Subject %q not RFC 2047 encoded", h.Get("Subject"))
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Kogge" || from[0].Address != "raumbuchung@stadt.example" {
		t.Errorf("From %q: %v %v", h.Get("From"), from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Jörg Müller" || to[1].Address != "b@stadt.example" {
		t.Errorf("To %q: %v %v", h.Get("To"), to, err)
	}
	if d, err := h.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@stadt.example>") {
		t.Errorf("Message-ID %q", id)
	}
	if v := h.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version %q", v)
	}

	mt, params := mediaType(t, h.Get("Content-Type"))
	if mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q", mt)
	}
	mixed := multipart.NewReader(msg.Body, params["boundary"])
	altPart, altBody := readPart(t, mixed)
	mt, params = mediaType(t, altPart.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("first part %q", mt)
	}
	alt := multipart.NewReader(bytes.NewReader(altBody), params["boundary"])

	textPart, textBody := readPart(t, alt)
	mt, params = mediaType(t, textPart.Header.Get("Content-Type"))
	if mt != "text/plain" || params["charset"] != "utf-8" || textPart.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Errorf("text part %v", textPart.Header)
	}
	text, err := io.ReadAll(newQP(textBody))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(in.Text, "\n", "\r\n"); string(text) != want {
		t.Errorf("text %q, want %q", text, want)
	}

	calPart, calBody := readPart(t, alt)
	mt, params = mediaType(t, calPart.Header.Get("Content-Type"))
	if mt != "text/calendar" || params["method"] != "REQUEST" || params["charset"] != "utf-8" ||
		calPart.Header.Get("Content-Transfer-Encoding") != "base64" {
		t.Errorf("calendar part %v", calPart.Header)
	}
	if got := unbase64(t, calBody); got != testICS {
		t.Errorf("calendar part %q", got)
	}
	if _, err := alt.NextRawPart(); err != io.EOF {
		t.Errorf("alternative has a third part (%v)", err)
	}

	att, attBody := readPart(t, mixed)
	mt, params = mediaType(t, att.Header.Get("Content-Type"))
	if mt != "application/ics" || params["name"] != "invite.ics" {
		t.Errorf("attachment %v", att.Header)
	}
	if disp, dparams := mediaType(t, att.Header.Get("Content-Disposition")); disp != "attachment" || dparams["filename"] != "invite.ics" {
		t.Errorf("attachment disposition %q", att.Header.Get("Content-Disposition"))
	}
	if got := unbase64(t, attBody); got != testICS {
		t.Errorf("attachment %q", got)
	}
	if _, err := mixed.NextRawPart(); err != io.EOF {
		t.Errorf("mixed has a third part (%v)", err)
	}
}

func TestMessageCancelMethod(t *testing.T) {
	from, _ := Config{From: "raumbuchung@stadt.example", Host: "x", Port: 25}.validate()
	m := invitation()
	m.ICS = bytes.Replace(m.ICS, []byte("METHOD:REQUEST"), []byte("METHOD:CANCEL"), 1)
	m.Method = MethodCancel
	env, err := m.build(from, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(env.data, []byte("text/calendar; charset=utf-8; method=CANCEL")) {
		t.Error("no text/calendar part with method=CANCEL")
	}
}

func TestMessageTextOnly(t *testing.T) {
	from, _ := Config{From: "raumbuchung@stadt.example", Host: "x", Port: 25}.validate()
	env, err := Message{To: []string{"a@stadt.example"}, Subject: "Hallo", Text: "Grüße"}.build(from, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(env.data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Subject") != "Hallo" {
		t.Errorf("ASCII subject encoded: %q", msg.Header.Get("Subject"))
	}
	if mt, _ := mediaType(t, msg.Header.Get("Content-Type")); mt != "text/plain" {
		t.Errorf("Content-Type %q", mt)
	}
	body, _ := io.ReadAll(newQP(mustRead(t, msg.Body)))
	if string(body) != "Grüße\r\n" {
		t.Errorf("body %q", body)
	}
}

func TestLongSubjectFolded(t *testing.T) {
	from, _ := Config{From: "raumbuchung@stadt.example", Host: "x", Port: 25}.validate()
	subj := strings.Repeat("Änderung der Sitzung ", 20)
	env, err := Message{To: []string{"a@stadt.example"}, Subject: subj}.build(from, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(env.data))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(env.data), "\r\n") {
		if len(line) > 78 {
			t.Fatalf("header line of %d octets: %q", len(line), line)
		}
	}
	if got, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); got != subj {
		t.Errorf("Subject decodes to %q", got)
	}
}

func unbase64(t *testing.T, b []byte) string {
	t.Helper()
	for _, line := range strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n") {
		if len(line) > 76 {
			t.Errorf("base64 line of %d characters", len(line))
		}
	}
	out, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func mustRead(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newQP(b []byte) io.Reader { return quotedprintable.NewReader(bytes.NewReader(b)) }
