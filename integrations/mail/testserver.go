package mail

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServerOptions configures a TestServer.
type TestServerOptions struct {
	// NoSTARTTLS starts a server that cannot encrypt, to test refusal.
	NoSTARTTLS bool
	// Username and Password, when set, require AUTH PLAIN before MAIL.
	// AUTH is offered only after STARTTLS (or always, with NoSTARTTLS).
	Username, Password string
}

// Received is a message the TestServer accepted.
type Received struct {
	From string   // MAIL FROM
	To   []string // RCPT TO
	Data []byte   // as sent, CRLF line endings, dot-stuffing removed
	TLS  bool     // whether it arrived after STARTTLS
}

// TestServer is a small ESMTP server on loopback for tests of this package
// and of the daemon. It is closed by t's cleanup.
type TestServer struct {
	Host string // 127.0.0.1
	Port int

	opts  TestServerOptions
	ln    net.Listener
	tls   *tls.Config
	roots *x509.CertPool

	mu       sync.Mutex
	msgs     []Received
	failN    int
	failCode int
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
}

// NewTestServer listens on 127.0.0.1:0 with a fresh self-signed
// certificate for 127.0.0.1 and localhost.
func NewTestServer(t testing.TB, opts TestServerOptions) *TestServer {
	t.Helper()
	cert, roots, err := selfSigned()
	if err != nil {
		t.Fatalf("mail test server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mail test server: %v", err)
	}
	s := &TestServer{
		Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		opts: opts, ln: ln, roots: roots,
		tls:   &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		conns: map[net.Conn]struct{}{},
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.close)
	return s
}

// RootCAs trusts the server's certificate.
func (s *TestServer) RootCAs() *x509.CertPool { return s.roots }

// Config is a client configuration for this server.
func (s *TestServer) Config() Config {
	return Config{
		Host: s.Host, Port: s.Port,
		Username: s.opts.Username, Password: s.opts.Password,
		From:    "Kogge <raumbuchung@stadt.example>",
		Timeout: 10 * time.Second,
		TLS:     &tls.Config{RootCAs: s.roots},
	}
}

// Messages returns what was accepted so far.
func (s *TestServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// FailNext answers the next n messages' DATA with code: 451 (temporary)
// or 550 (permanent). Failed messages are not recorded.
func (s *TestServer) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failCode = n, code
}

func (s *TestServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *TestServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				c.Close()
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
			s.session(c)
		}()
	}
}

// session speaks just enough RFC 5321: EHLO, STARTTLS, AUTH PLAIN, MAIL,
// RCPT, DATA, RSET, NOOP, QUIT.
func (s *TestServer) session(raw net.Conn) {
	conn := raw
	r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
	reply := func(lines ...string) bool {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		return w.Flush() == nil
	}
	var (
		encrypted, greeted, authed bool
		from                       string
		to                         []string
		inMail                     bool
	)
	reset := func() { from, to, inMail = "", nil, false }
	offerAuth := func() bool { return s.opts.Username != "" && (encrypted || s.opts.NoSTARTTLS) }

	if !reply("220 kogge-test ESMTP") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			greeted = true
			reset()
			ext := []string{"250-kogge-test", "250-8BITMIME"}
			if !encrypted && !s.opts.NoSTARTTLS {
				ext = append(ext, "250-STARTTLS")
			}
			if offerAuth() {
				ext = append(ext, "250-AUTH PLAIN")
			}
			ext = append(ext, "250 SIZE 10485760")
			if !reply(ext...) {
				return
			}
		case "STARTTLS":
			if encrypted || s.opts.NoSTARTTLS {
				reply("502 5.5.1 not available")
				continue
			}
			if !reply("220 2.0.0 ready") {
				return
			}
			tc := tls.Server(raw, s.tls)
			if tc.Handshake() != nil {
				return
			}
			// RFC 3207: forget everything said before the handshake.
			conn, encrypted, greeted, authed = tc, true, false, false
			r, w = bufio.NewReader(conn), bufio.NewWriter(conn)
			reset()
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			if !offerAuth() || !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 mechanism not available")
				continue
			}
			if initial == "" {
				if !reply("334 ") {
					return
				}
				if initial, err = r.ReadString('\n'); err != nil {
					return
				}
				initial = strings.TrimRight(initial, "\r\n")
			}
			dec, err := base64.StdEncoding.DecodeString(initial)
			if err == nil && string(dec) == "\x00"+s.opts.Username+"\x00"+s.opts.Password {
				authed = true
				reply("235 2.7.0 authenticated")
			} else {
				reply("535 5.7.8 authentication failed")
			}
		case "MAIL":
			switch {
			case !greeted:
				reply("503 5.5.1 EHLO first")
			case s.opts.Username != "" && !authed:
				reply("530 5.7.0 authentication required")
			default:
				reset()
				from, inMail = between(arg), true
				reply("250 2.1.0 ok")
			}
		case "RCPT":
			if !inMail {
				reply("503 5.5.1 MAIL first")
				continue
			}
			to = append(to, between(arg))
			reply("250 2.1.5 ok")
		case "DATA":
			if len(to) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			if !reply("354 end with <CRLF>.<CRLF>") {
				return
			}
			data, err := readDot(r)
			if err != nil {
				return
			}
			s.mu.Lock()
			code := 0
			if s.failN > 0 {
				s.failN--
				code = s.failCode
			} else {
				s.msgs = append(s.msgs, Received{From: from, To: to, Data: data, TLS: encrypted})
			}
			s.mu.Unlock()
			reset()
			if code != 0 {
				reply(fmt.Sprintf("%d %d.0.0 failing as told", code, code/100))
			} else {
				reply("250 2.0.0 queued")
			}
		case "RSET":
			reset()
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognized")
		}
	}
}

// between returns the address in "FROM:<a@b> BODY=8BITMIME".
func between(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// readDot reads DATA up to the lone dot, keeping CRLFs and undoing dot
// stuffing (RFC 5321 4.5.2).
func readDot(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" {
			return b.Bytes(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}

// selfSigned makes a certificate valid since 1970, so that it also verifies
// under testing/synctest's fake clock (which starts in 2000).
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "kogge test smtp"},
		NotBefore:             time.Unix(0, 0),
		NotAfter:              time.Now().AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots, nil
}
