package gotomeeting

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// handlerTransport serves requests in-process so that everything runs
// inside a synctest bubble (fake clock, no real sleeps).
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		return nil, err // the handler hung until the client gave up
	}
	return rec.Result(), nil
}

const (
	testClientID = "kogge-app"
	testSecret   = "s3cret"
	testHost     = "http://goto.test"
)

type fixture struct {
	emu   *Emulator
	store *MemoryTokenStore
	cfg   Config
	c     *Client
}

// newFixture must be called inside the synctest bubble: limiters and
// token expiries read the (fake) clock.
func newFixture(t *testing.T, opt EmulatorOptions, tweak func(*Config)) *fixture {
	t.Helper()
	opt.ClientID, opt.ClientSecret = testClientID, testSecret
	emu := NewEmulator(opt)
	store := &MemoryTokenStore{}
	if err := store.Save("org1", emu.IssueToken("org1")); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		BaseURL: testHost + "/G2M/rest",
		OAuth: OAuthConfig{ClientID: testClientID, ClientSecret: testSecret,
			RedirectURI: "https://kogge.test/cb", AuthURL: testHost + "/oauth/authorize",
			TokenURL: testHost + "/oauth/token"},
		Store:          store,
		HTTPClient:     &http.Client{Transport: handlerTransport{emu}},
		AttemptTimeout: 2 * time.Second,
		Jitter:         func() float64 { return 0.5 },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	return &fixture{emu: emu, store: store, cfg: cfg, c: New(cfg, "org1")}
}

func (f *fixture) client(org string) *Client {
	if _, err := f.store.Load(org); err != nil {
		_ = f.store.Save(org, f.emu.IssueToken(org))
	}
	return New(f.cfg, org)
}

// meetingAt is a 2 h meeting starting in `in` from the (fake) now.
func meetingAt(subject string, in time.Duration) MeetingRequest {
	start := time.Now().Add(in).Truncate(time.Minute)
	return MeetingRequest{Subject: subject, Start: start, End: start.Add(2 * time.Hour)}
}

var bg = context.Background()
