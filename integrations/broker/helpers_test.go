package broker

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/integrations/pexip"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// handlerTransport serves requests in-process (an httptest recorder), so
// that everything runs inside a synctest bubble: fake clock, no sleeps.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

// Default providers: builtin (small, confidential), GoTo (2 organizers,
// never confidential), Pexip VMRs (confidential, unlimited).
func builtinP(max int) Provider {
	return Provider{Name: "builtin", Kind: KindBuiltin, MaxParticipants: max, ConfidentialOK: true,
		FailoverAttempts: 3, FailoverAfter: time.Minute}
}

func gotoP(orgs ...string) Provider {
	return Provider{Name: "gotomeeting", Kind: KindGoToMeeting, MaxParticipants: 250, Licences: orgs,
		DialIn: true, MaxDuration: 8 * time.Hour, FailoverAttempts: 3, FailoverAfter: time.Minute}
}

func pexipP() Provider {
	return Provider{Name: "pexip", Kind: KindPexip, MaxParticipants: 100, ConfidentialOK: true,
		FailoverAttempts: 3, FailoverAfter: time.Minute}
}

// rotateRefresh makes the next newEnv's GoTo rotate refresh tokens.
var rotateRefresh bool

type move struct{ booking, from, to, reason string }

type env struct {
	t      *testing.T
	st     *store.Store
	br     *Broker
	gemu   *gotomeeting.Emulator
	gtok   gotomeeting.TokenStore
	gcfg   gotomeeting.Config
	pemu   *pexip.Emulator
	moves  chan move
	cancel context.CancelFunc
	done   chan struct{}
}

// newEnv must run inside a synctest bubble. backends may override the
// defaults (GoTo and Pexip emulators); tweak adjusts the GoTo config.
func newEnv(t *testing.T, providers []Provider, backends map[string]Backend, tweak func(*gotomeeting.Config)) *env {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "kogge.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st, moves: make(chan move, 16)}
	e.gemu = gotomeeting.NewEmulator(gotomeeting.EmulatorOptions{ClientID: "kogge", ClientSecret: "s3cret", RotateRefresh: rotateRefresh})
	e.gtok = &gotomeeting.MemoryTokenStore{}
	e.gcfg = gotomeeting.Config{
		BaseURL: "http://goto.test/G2M/rest",
		OAuth: gotomeeting.OAuthConfig{ClientID: "kogge", ClientSecret: "s3cret",
			TokenURL: "http://goto.test/oauth/token"},
		HTTPClient:     &http.Client{Transport: handlerTransport{e.gemu}},
		Limiter:        gotomeeting.NewLimiter(),
		MaxAttempts:    2,
		AttemptTimeout: 5 * time.Second,
		Jitter:         func() float64 { return 0.5 },
	}
	if tweak != nil {
		tweak(&e.gcfg)
	}
	if e.gcfg.Store != nil {
		e.gtok = e.gcfg.Store
	}
	e.gcfg.Store = e.gtok
	e.pemu = pexip.NewEmulator("admin", "pw")
	pc := pexip.New("http://pexip.test", "admin", "pw")
	pc.HTTP = &http.Client{Transport: handlerTransport{e.pemu}}
	pc.BaseBackoff, pc.MaxBackoff = 10*time.Millisecond, 50*time.Millisecond
	all := map[string]Backend{"pexip": NewPexipVMR(pc, "https://meet.example/webapp/m/")}
	for _, p := range providers {
		if p.Kind == KindGoToMeeting {
			all[p.Name] = NewGoTo(e.gotoClients(p.Licences))
		}
	}
	for k, v := range backends {
		all[k] = v
	}
	e.br, err = New(Options{
		Providers: providers, Backends: all, Store: st,
		Log: slog.New(slog.NewTextHandler(t.Output(), nil)),
		OnMove: func(b rooms.Booking, from, to, reason string) {
			e.moves <- move{b.ID, from, to, reason}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.br.jitter = func() float64 { return 0 }
	return e
}

func (e *env) gotoClients(orgs []string) map[string]*gotomeeting.Client {
	out := map[string]*gotomeeting.Client{}
	for _, o := range orgs {
		if _, err := e.gtok.Load(o); err != nil {
			if err := e.gtok.Save(o, e.gemu.IssueToken(o)); err != nil {
				e.t.Fatal(err)
			}
		}
		out[o] = gotomeeting.New(e.gcfg, o)
	}
	return out
}

// run starts the worker; stop (registered as cleanup) ends it.
func (e *env) run() {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan struct{})
	go func() { defer close(e.done); _ = e.br.Run(ctx) }()
	e.t.Cleanup(e.stop)
}

func (e *env) stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
		e.cancel = nil
	}
}

// hybrid is a confirmed hybrid meeting from `in` after now, 2 hours long,
// with 15 minutes of buffers each side.
func hybrid(title string, in time.Duration, remote int) rooms.Booking {
	start := time.Now().Add(in).Truncate(time.Minute)
	return rooms.Booking{
		Room: "ratssaal", Title: title, Kind: rooms.KindCommittee, Organizer: "Amt 10",
		Start: start, End: start.Add(2 * time.Hour), Setup: 15 * time.Minute, Teardown: 15 * time.Minute,
		Status: rooms.StatusConfirmed, Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: remote},
	}
}

func (e *env) create(b rooms.Booking) rooms.Booking {
	e.t.Helper()
	got, err := e.st.Create(b, "tester")
	if err != nil {
		e.t.Fatalf("Create %q: %v", b.Title, err)
	}
	return got
}

func (e *env) alloc(id string) store.Allocation {
	e.t.Helper()
	a, ok, err := e.st.Allocation(id)
	if err != nil || !ok {
		e.t.Fatalf("Allocation %s: ok=%v err=%v", id, ok, err)
	}
	return a
}

// waitFor advances the fake clock in small steps until cond holds.
func (e *env) waitFor(what string, limit time.Duration, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		synctest.Wait()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *env) provisioned(id string) func() bool {
	return func() bool { return e.alloc(id).State == store.AllocProvisioned }
}
