package gotomeeting

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

func TestMeetingCRUD(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		req := meetingAt("Bauausschuss", 24*time.Hour)
		created, err := f.c.CreateMeeting(bg, "booking-1", req)
		if err != nil {
			t.Fatal(err)
		}
		if created.MeetingID < 100000000 || created.MeetingID > 999999999 {
			t.Fatalf("meeting id %d is not 9 digits", created.MeetingID)
		}
		if created.JoinURL != DefaultJoinURLBase+created.MeetingID.String() || created.MaxParticipants != 250 ||
			created.ConferenceCallInfo != CallVoIP || created.Recovered {
			t.Fatalf("created = %+v", created)
		}
		m, err := f.c.GetMeeting(bg, created.MeetingID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != "Bauausschuss [kogge:booking-1]" || !m.StartTime.Equal(req.Start) ||
			!m.EndTime.Equal(req.End) || m.Duration != 120 || m.Status != "INACTIVE" || m.MeetingType != TypeScheduled {
			t.Fatalf("get = %+v", m)
		}

		req.End = req.End.Add(time.Hour)
		req.PasswordRequired = true
		if err := f.c.UpdateMeeting(bg, created.MeetingID, "booking-1", req); err != nil {
			t.Fatal(err)
		}
		m, _ = f.c.GetMeeting(bg, created.MeetingID)
		if m.Duration != 180 || !m.PasswordRequired {
			t.Fatalf("after update = %+v", m)
		}

		if err := f.c.DeleteMeeting(bg, created.MeetingID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.c.GetMeeting(bg, created.MeetingID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get after delete: %v", err)
		}
		if err := f.c.DeleteMeeting(bg, created.MeetingID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := f.c.CreateMeeting(bg, "", req); err == nil {
			t.Fatal("create without reference accepted")
		}
	})
}

func TestOtherOrganizersMeetingIsNotFound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		created, err := f.c.CreateMeeting(bg, "b1", meetingAt("x", time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.client("org2").GetMeeting(bg, created.MeetingID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("org2 sees org1's meeting: %v", err)
		}
	})
}

func TestRefreshOnceOnInvalidToken(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, EmulatorOptions{InvalidTokenStatus: status}, nil)
				before, _ := f.store.Load("org1")
				f.emu.RevokeAccessTokens()
				if _, err := f.c.UpcomingMeetings(bg); err != nil {
					t.Fatal(err)
				}
				after, _ := f.store.Load("org1")
				if after.AccessToken == before.AccessToken {
					t.Fatal("new access token not saved")
				}
				if after.RefreshToken != before.RefreshToken {
					t.Fatal("refresh token changed although GoTo did not rotate it")
				}
				if got := f.emu.Hits(status); got != 1 {
					t.Fatalf("%d rejected requests, want 1", got)
				}
			})
		})
	}
}

func TestRefreshOnlyOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		f.emu.Inject(3, Fault{Status: http.StatusUnauthorized})
		_, err := f.c.UpcomingMeetings(bg)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Fatalf("err = %v", err)
		}
		if n := f.emu.Requests(); n != 2 {
			t.Fatalf("%d requests, want 2 (one refresh)", n)
		}
	})
}

func TestPlainForbiddenDoesNotRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		before, _ := f.store.Load("org1")
		f.emu.Inject(1, Fault{Status: http.StatusForbidden, IntErrCode: "Forbidden"})
		if _, err := f.c.UpcomingMeetings(bg); err == nil {
			t.Fatal("403 not returned")
		}
		if after, _ := f.store.Load("org1"); after != before {
			t.Fatal("refreshed on a non-token 403")
		}
	})
}

func TestRotatedRefreshTokenIsSaved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{RotateRefresh: true}, nil)
		before, _ := f.store.Load("org1")
		// Expiry (fake clock) rather than revocation triggers this refresh.
		time.Sleep(time.Hour)
		if _, err := f.c.UpcomingMeetings(bg); err != nil {
			t.Fatal(err)
		}
		after, _ := f.store.Load("org1")
		if after.RefreshToken == before.RefreshToken || after.RefreshToken == "" {
			t.Fatal("rotated refresh token not saved")
		}
		if f.emu.ValidRefreshTokens("org1") != 1 {
			t.Fatal("old refresh token still valid")
		}
		// A client starting from the store works with the newest token.
		if err := New(f.cfg, "org1").RefreshNow(bg); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInvalidGrant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		_ = f.store.Save("org9", Token{RefreshToken: "rt-unknown"})
		if _, err := New(f.cfg, "org9").UpcomingMeetings(bg); !errors.Is(err, ErrInvalidGrant) {
			t.Fatalf("err = %v", err)
		}
		if _, err := New(f.cfg, "nobody").UpcomingMeetings(bg); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing token: %v", err)
		}
	})
}

func TestAuthorizationCodeFlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		hc := &http.Client{Transport: handlerTransport{f.emu},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.Get(f.cfg.OAuth.AuthCodeURL("st8") + "&user=org3")
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := resp.Location()
		if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st8" {
			t.Fatalf("authorize: %d %v", resp.StatusCode, loc)
		}
		code := loc.Query().Get("code")
		c := New(f.cfg, "org3")
		tok, err := c.Exchange(bg, code)
		if err != nil {
			t.Fatal(err)
		}
		if saved, _ := f.store.Load("org3"); saved != tok || tok.RefreshToken == "" || tok.Principal != "org3@example.org" {
			t.Fatalf("saved %+v", saved)
		}
		if _, err := c.Exchange(bg, code); !errors.Is(err, ErrInvalidGrant) {
			t.Fatalf("code reuse: %v", err)
		}
		bad := f.cfg
		bad.OAuth.ClientSecret = "wrong"
		if _, err := New(bad, "org3").Exchange(bg, f.emu.IssueCode("org3", bad.OAuth.RedirectURI)); err == nil ||
			!strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("bad secret: %v", err)
		}
	})
}

func TestRetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		f.emu.Inject(2, Fault{Status: http.StatusTooManyRequests, RetryAfter: "3"})
		start := time.Now()
		if _, err := f.c.UpcomingMeetings(bg); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 6*time.Second {
			t.Fatalf("waited %v, want 6s", got)
		}
		// A 429 means "not processed", so even a POST is retried.
		f.emu.Inject(1, Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"})
		if _, err := f.c.CreateMeeting(bg, "b-429", meetingAt("x", time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n := f.emu.MeetingCount("org1"); n != 1 {
			t.Fatalf("%d meetings", n)
		}
		// A Retry-After beyond the cap is handed back instead of waited.
		f.emu.Inject(1, Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600"})
		if _, err := f.c.UpcomingMeetings(bg); err == nil {
			t.Fatal("hour-long Retry-After was waited out")
		}
	})
}

func TestServerErrorsBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		f.emu.Inject(3, Fault{Status: http.StatusInternalServerError})
		start := time.Now()
		if _, err := f.c.UpcomingMeetings(bg); err != nil {
			t.Fatal(err)
		}
		// Jitter pinned at 0.5: 3/4 of 250ms, 500ms, 1s.
		want := (250*time.Millisecond + 500*time.Millisecond + time.Second) * 3 / 4
		if got := time.Since(start); got != want {
			t.Fatalf("backed off %v, want %v", got, want)
		}
		// Bounded: after MaxAttempts it gives up.
		f.emu.Inject(10, Fault{Status: http.StatusBadGateway})
		before := f.emu.Requests()
		if _, err := f.c.UpcomingMeetings(bg); err == nil {
			t.Fatal("no error after persistent 502")
		}
		if n := f.emu.Requests() - before; n != 5 {
			t.Fatalf("%d attempts, want 5", n)
		}
	})
}

func TestBackoffIsBoundedAndJittered(t *testing.T) {
	c := New(Config{Jitter: func() float64 { return 0 }}, "o")
	if d := c.backoff(0); d != 125*time.Millisecond {
		t.Fatalf("backoff(0) = %v", d)
	}
	if d := c.backoff(40); d != 5*time.Second {
		t.Fatalf("backoff(40) = %v, want capped at half of 10s", d)
	}
	c.cfg.Jitter = func() float64 { return 0.999 }
	if d := c.backoff(40); d >= 10*time.Second || d < 9*time.Second {
		t.Fatalf("backoff(40) = %v", d)
	}
}

func TestTimeoutRetriedForIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		created, _ := f.c.CreateMeeting(bg, "b1", meetingAt("x", time.Hour))
		f.emu.Inject(1, Fault{Hang: true})
		start := time.Now()
		if _, err := f.c.GetMeeting(bg, created.MeetingID); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 2*time.Second+250*time.Millisecond*3/4 {
			t.Fatalf("took %v", got)
		}
	})
}

func TestAmbiguousCreateIsLookedUpNotRepeated(t *testing.T) {
	for name, fault := range map[string]Fault{
		"500 after commit":  {Status: http.StatusInternalServerError, AfterCommit: true},
		"hang after commit": {Hang: true, AfterCommit: true},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, EmulatorOptions{}, nil)
				f.emu.Inject(1, fault)
				created, err := f.c.CreateMeeting(bg, "booking-7", meetingAt("Rat", time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				if n := f.emu.MeetingCount("org1"); n != 1 {
					t.Fatalf("%d meetings, want exactly 1", n)
				}
				if !created.Recovered || created.JoinURL != DefaultJoinURLBase+created.MeetingID.String() ||
					created.MaxParticipants != 250 {
					t.Fatalf("created = %+v", created)
				}
			})
		})
	}
}

func TestFailedCreateIsRetriedAfterLookup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		f.emu.Inject(1, Fault{Status: http.StatusInternalServerError}) // before commit
		created, err := f.c.CreateMeeting(bg, "booking-8", meetingAt("Rat", time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if created.Recovered || f.emu.MeetingCount("org1") != 1 {
			t.Fatalf("created = %+v, %d meetings", created, f.emu.MeetingCount("org1"))
		}
	})
}

func TestCreateStaysAmbiguousWhenLookupFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		f.emu.Inject(1, Fault{Status: http.StatusInternalServerError, AfterCommit: true})
		f.emu.Inject(5, Fault{Status: http.StatusServiceUnavailable})
		_, err := f.c.CreateMeeting(bg, "booking-9", meetingAt("Rat", time.Hour))
		if !errors.Is(err, ErrAmbiguous) {
			t.Fatalf("err = %v", err)
		}
		// Later (reconciler) the reference finds it; nothing was duplicated.
		up, err := f.c.FindByReference(bg, "booking-9")
		if err != nil || f.emu.MeetingCount("org1") != 1 {
			t.Fatalf("find: %+v %v", up, err)
		}
		if _, err := f.c.FindByReference(bg, "booking-10"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown reference: %v", err)
		}
	})
}

func TestClientRateLimitAvoids429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		start := time.Now()
		for range 35 {
			if _, err := f.c.UpcomingMeetings(bg); err != nil {
				t.Fatal(err)
			}
		}
		if f.emu.Hits(http.StatusTooManyRequests) != 0 {
			t.Fatalf("%d × 429", f.emu.Hits(http.StatusTooManyRequests))
		}
		if got := time.Since(start); got < 2500*time.Millisecond {
			t.Fatalf("35 requests in %v: faster than 10/s", got)
		}
	})
}

func TestEmulatorRateLimitAndRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, func(c *Config) { c.Limiter = rate.NewLimiter(rate.Inf, 1) })
		for range 15 {
			if _, err := f.c.UpcomingMeetings(bg); err != nil {
				t.Fatal(err)
			}
		}
		if f.emu.Hits(http.StatusTooManyRequests) == 0 {
			t.Fatal("emulator did not rate limit 15 requests in an instant")
		}
	})
}

func TestOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{}, nil)
		f.emu.SetOutage(true)
		if _, err := f.c.UpcomingMeetings(bg); err == nil {
			t.Fatal("no error during outage")
		}
		if _, err := f.c.CreateMeeting(bg, "b-out", meetingAt("x", time.Hour)); !errors.Is(err, ErrAmbiguous) {
			t.Fatalf("create during outage: %v", err)
		}
		f.emu.SetOutage(false)
		if _, err := f.c.CreateMeeting(bg, "b-out", meetingAt("x", time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
}

// With refresh-token rotation, two goroutines refreshing the same stale
// token would burn the refresh token (the second gets invalid_grant). The
// client must refresh once and share the result.
func TestConcurrentCallsRefreshOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, EmulatorOptions{RotateRefresh: true}, nil)
		if _, err := f.c.UpcomingMeetings(bg); err != nil { // warm the in-memory token
			t.Fatal(err)
		}
		f.emu.RevokeAccessTokens()
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				_, err := f.c.UpcomingMeetings(bg)
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if n := f.emu.Refreshes(); n != 1 {
			t.Fatalf("%d refreshes, want 1", n)
		}
		if n := f.emu.ValidRefreshTokens("org1"); n != 1 {
			t.Fatalf("%d valid refresh tokens, want 1", n)
		}
	})
}
