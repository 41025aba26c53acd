package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate and its key as PEM files.
func writePair(t *testing.T, dir, name string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "raeume.stadt.example"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	write(t, cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	write(t, key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	return cert, key
}

func write(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTLSFiles(t *testing.T) {
	dir := t.TempDir()
	certA, keyA := writePair(t, dir, "a")
	_, keyB := writePair(t, dir, "b")
	garbage := filepath.Join(dir, "garbage.pem")
	write(t, garbage, []byte("not pem"))

	server := func(cert, key string) string {
		return "[server]\ntls_cert = \"" + cert + "\"\ntls_key = \"" + key + "\"\n" + room
	}
	c, err := Parse([]byte(server(certA, keyA)))
	if err != nil {
		t.Fatalf("valid pair rejected: %v", err)
	}
	if c.Server.PublicURL != "https://127.0.0.1:8080" {
		t.Errorf("with TLS the default public_url is %q, want https", c.Server.PublicURL)
	}
	if got := problems(t, server(dir, keyA)); len(got) != 1 || got[0] != (Problem{"server.tls_cert", dir + " is not a regular file"}) {
		t.Errorf("directory as cert: got %v", got)
	}
	for name, src := range map[string]string{
		"mismatched key": server(certA, keyB),
		"garbage cert":   server(garbage, keyA),
	} {
		got := problems(t, src)
		if len(got) != 1 || got[0].Path != "server.tls_cert" ||
			!strings.HasPrefix(got[0].Message, "not a usable certificate and key pair: ") {
			t.Errorf("%s: got %v", name, got)
		}
	}
}
