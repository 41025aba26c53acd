package accounts

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/store/kv"
	"go.etcd.io/bbolt"
	"golang.org/x/time/rate"
)

// tinyArgon2 keeps tests fast; production parameters are tested only for
// their defaults.
var tinyArgon2 = Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32}

const (
	goodPassword  = "correct horse battery"
	otherPassword = "another long secret"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type auditEntry struct{ actor, action, detail string }

type auditLog struct {
	mu      sync.Mutex
	entries []auditEntry
}

func (a *auditLog) record(actor, action, detail string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, auditEntry{actor, action, detail})
}

func (a *auditLog) all() []auditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]auditEntry(nil), a.entries...)
}

func (a *auditLog) count(action string) int {
	n := 0
	for _, e := range a.all() {
		if e.action == action {
			n++
		}
	}
	return n
}

// assertNotContains fails if any audit entry contains one of secrets.
func (a *auditLog) assertNotContains(t *testing.T, secrets ...string) {
	t.Helper()
	for _, e := range a.all() {
		line := e.actor + " " + e.action + " " + e.detail
		for _, s := range secrets {
			if s != "" && strings.Contains(line, s) {
				t.Errorf("audit entry %q contains a secret", line)
			}
		}
	}
}

type env struct {
	svc   *Service
	clock *fakeClock
	audit *auditLog
	db    *kv.DB
	path  string
	// slept records the login slow-downs, which no test waits out.
	mu    sync.Mutex
	slept []time.Duration
}

func (e *env) sleep(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.slept = append(e.slept, d)
}

func (e *env) sleeps() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.slept...)
}

// mustOpenDB opens a bbolt file in a temporary directory, closed at cleanup.
func mustOpenDB(t *testing.T) (*kv.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kogge.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return kv.Wrap(db), path
}

// newEnv returns a Service with tiny argon2 params, a fake clock, an audit
// recorder and generous rate limits; adjust changes the options first.
func newEnv(t *testing.T, adjust func(*Options)) *env {
	t.Helper()
	db, path := mustOpenDB(t)
	e := &env{
		clock: &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		audit: &auditLog{},
		db:    db,
		path:  path,
	}
	opts := Options{
		Now:          e.clock.Now,
		Audit:        e.audit.record,
		Argon2:       tinyArgon2,
		AccountRate:  rate.Inf,
		AccountBurst: 1,
		AddressRate:  rate.Inf,
		AddressBurst: 1,
		Sleep:        e.sleep,
	}
	if adjust != nil {
		adjust(&opts)
	}
	svc, err := Open(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

func (e *env) mustAddUser(t *testing.T, name string, role Role) User {
	t.Helper()
	u, err := e.svc.AddUser(name, role, goodPassword)
	if err != nil {
		t.Fatalf("AddUser(%q): %v", name, err)
	}
	return u
}

func (e *env) mustLogin(t *testing.T, name, code string) (string, Session) {
	t.Helper()
	tok, sess, _, err := e.svc.Login(name, goodPassword, code, "192.0.2.1")
	if err != nil {
		t.Fatalf("Login(%q): %v", name, err)
	}
	return tok, sess
}

func countKeys(t *testing.T, db *kv.DB, bucket []byte) int {
	t.Helper()
	n := 0
	err := db.View(func(tx *kv.Tx) error {
		return tx.Bucket(bucket).ForEach(func(_, _ []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func storedUser(t *testing.T, s *Service, name string) *userRecord {
	t.Helper()
	var r *userRecord
	err := s.db.View(func(tx *kv.Tx) error {
		var err error
		r, err = getUser(tx, name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
