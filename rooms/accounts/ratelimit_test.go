package accounts

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// defaultLimits restores the production login limits in a test env.
func defaultLimits(o *Options) {
	o.AccountRate, o.AccountBurst, o.AddressRate, o.AddressBurst = 0, 0, 0, 0
}

func wantRateLimited(t *testing.T, err error, maxWait time.Duration) *RateLimitError {
	t.Helper()
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want *RateLimitError", err)
	}
	if rl.RetryAfter <= 0 || rl.RetryAfter > maxWait {
		t.Fatalf("RetryAfter = %v, want in (0, %v]", rl.RetryAfter, maxWait)
	}
	return rl
}

// TestRateLimitPerAccountAndAddress: wrong passwords use up the burst of
// one account from one address; the same account from another address is
// not affected.
func TestRateLimitPerAccountAndAddress(t *testing.T) {
	e := newEnv(t, defaultLimits)
	e.mustAddUser(t, "anna", RoleAdmin)

	// Five attempts from one address use up the pair's burst...
	for i := range defaultAccountBurst {
		_, _, _, err := e.svc.Login("anna", "wrong password!", "", fmt.Sprintf("192.0.2.1:%d", 40000+i))
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// ...and then even the right password is refused there, before hashing.
	_, _, _, err := e.svc.Login("anna", goodPassword, "", "192.0.2.1")
	rl := wantRateLimited(t, err, defaultAccountEvery)
	if !strings.HasPrefix(rl.Error(), "too many login attempts, try again in 12s") {
		t.Errorf("message %q", rl.Error())
	}
	// Case does not give a second bucket.
	_, _, _, err = e.svc.Login("ANNA", goodPassword, "", "192.0.2.1")
	wantRateLimited(t, err, defaultAccountEvery)
	// Another account from that address is not affected.
	if _, _, _, err := e.svc.Login("bernd", goodPassword, "", "192.0.2.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("other account: %v", err)
	}
	// Nor is the account from another address.
	if _, _, _, err := e.svc.Login("anna", goodPassword, "", "203.0.113.1"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	// One token refills after 12 s of the injected clock.
	e.clock.Advance(defaultAccountEvery)
	if _, _, _, err := e.svc.Login("anna", goodPassword, "", "192.0.2.1"); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	// A success resets nothing: the next attempt is limited again.
	_, _, _, err = e.svc.Login("anna", goodPassword, "", "192.0.2.1")
	wantRateLimited(t, err, defaultAccountEvery)

	// Two lockouts (before and after the refill), each audited once, not
	// once per refused attempt.
	if n := e.audit.count("login.lockout"); n != 2 {
		t.Errorf("lockout audited %d times, want 2: %+v", n, e.audit.all())
	}
	if len(e.sleeps()) != 0 {
		t.Errorf("slowed down: %v", e.sleeps())
	}
}

// TestGuesserCannotLockTheAccount is the lockout attack: one address sends
// one wrong password a second for ten minutes; the real user, from
// another address, logs in at once with the right password.
func TestGuesserCannotLockTheAccount(t *testing.T) {
	e := newEnv(t, defaultLimits)
	e.mustAddUser(t, "anna", RoleAdmin)
	refused := 0
	for range 600 {
		_, _, _, err := e.svc.Login("anna", "wrong password!", "", "192.0.2.66:51000")
		var rl *RateLimitError
		switch {
		case errors.As(err, &rl):
			refused++
		case !errors.Is(err, ErrInvalidCredentials):
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
	}
	// The guesser got the burst and one try per 12 s, no more.
	if tried := 600 - refused; tried > defaultAccountBurst+600/int(defaultAccountEvery/time.Second)+1 {
		t.Fatalf("the guesser tried %d passwords in 10 minutes", tried)
	}
	if _, _, _, err := e.svc.Login("anna", goodPassword, "", "198.51.100.7:443"); err != nil {
		t.Fatalf("the real user from another address: %v", err)
	}
	if len(e.sleeps()) != 0 {
		t.Fatalf("the login was slowed: %v", e.sleeps())
	}
}

// TestAccountCeilingOnlySlows: guessing spread over many addresses meets
// the account's own ceiling, which delays each further attempt by a
// bounded time and never refuses the right password.
func TestAccountCeilingOnlySlows(t *testing.T) {
	e := newEnv(t, defaultLimits)
	e.mustAddUser(t, "anna", RoleAdmin)
	for i := range accountSlowBurst {
		_, _, _, err := e.svc.Login("anna", "wrong password!", "", fmt.Sprintf("10.0.%d.1", i))
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if len(e.sleeps()) != 0 {
		t.Fatalf("slowed within the burst: %v", e.sleeps())
	}
	for i := range 3 {
		_, _, _, err := e.svc.Login("anna", "wrong password!", "", fmt.Sprintf("10.1.%d.1", i))
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("past the ceiling %d: %v", i, err)
		}
	}
	if _, _, _, err := e.svc.Login("anna", goodPassword, "", "198.51.100.7"); err != nil {
		t.Fatalf("the right password past the ceiling: %v", err)
	}
	got := e.sleeps()
	if len(got) != 4 {
		t.Fatalf("slow-downs %v, want one per attempt past the ceiling", got)
	}
	for _, d := range got {
		if d <= 0 || d > accountSlowdown {
			t.Fatalf("slow-down %v, want in (0, %v]", d, accountSlowdown)
		}
	}
	if n := e.audit.count("login.slowed"); n != 1 {
		t.Errorf("slow-down audited %d times, want once: %+v", n, e.audit.all())
	}
}

func TestRateLimitPerAddress(t *testing.T) {
	e := newEnv(t, defaultLimits)
	const addr = "198.51.100.23"
	for i := range defaultAddressBurst {
		_, _, _, err := e.svc.Login(fmt.Sprintf("user%d", i), goodPassword, "", fmt.Sprintf("%s:%d", addr, 40000+i))
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// A new port does not make a new client.
	_, _, _, err := e.svc.Login("fresh", goodPassword, "", addr+":50000")
	wantRateLimited(t, err, defaultAddressEvery)
	// The refused attempt consumed nothing from the account limiter: the
	// account still has its full burst from another address.
	for i := range defaultAccountBurst {
		if _, _, _, err := e.svc.Login("fresh", goodPassword, "", fmt.Sprintf("192.0.2.%d", i)); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("account attempt %d after address refusal: %v", i, err)
		}
	}
	e.clock.Advance(defaultAddressEvery)
	if _, _, _, err := e.svc.Login("other", goodPassword, "", addr); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("after refill: %v", err)
	}
}

func TestRateLimitIPv6Prefix(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AddressRate, o.AddressBurst = rate.Every(time.Minute), 2 })
	for i := range 2 {
		_, _, _, err := e.svc.Login("nobody", "x", "", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatal(err)
		}
	}
	_, _, _, err := e.svc.Login("nobody2", "x", "", "[2001:db8:1:2:ffff::9]:443")
	wantRateLimited(t, err, time.Minute)
	if _, _, _, err := e.svc.Login("nobody2", "x", "", "2001:db8:1:3::1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("another /64 was limited: %v", err)
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":                  "192.0.2.1",
		"192.0.2.1:8080":             "192.0.2.1",
		"::ffff:192.0.2.1":           "192.0.2.1",
		"2001:db8::1":                "2001:db8::/64",
		"[2001:db8::abcd]:443":       "2001:db8::/64",
		"fe80::1%eth0":               "fe80::/64",
		"unix":                       "unix",
		strings.Repeat("x", 200):     strings.Repeat("x", maxAddrKeyLen),
		"2001:db8:aaaa:bbbb:cccc::1": "2001:db8:aaaa:bbbb::/64",
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTOTPRequiredCostsOneAttempt: asking for the code is not a failure, so
// the usual two-step login uses one account attempt, not two.
func TestTOTPRequiredCostsOneAttempt(t *testing.T) {
	e := newEnv(t, defaultLimits)
	secret := enrolTOTP(t, e, "anna")
	for i := range 2 * defaultAccountBurst {
		_, _, _, err := e.svc.Login("anna", goodPassword, "", fmt.Sprintf("192.0.2.%d", i))
		if !errors.Is(err, ErrTOTPRequired) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	e.clock.Advance(totpPeriod * time.Second)
	if _, _, _, err := e.svc.Login("anna", goodPassword, codeAt(t, secret, e.clock.Now()), "192.0.2.99"); err != nil {
		t.Fatal(err)
	}
}

func TestLimiterSetBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ls := newLimiterSet(rate.Every(time.Second), 2, 100)

	// "victim" is locked out and recently used; the flood that follows is
	// made of keys that will have refilled completely by the time the map
	// fills, so pruning must drop those first and keep the lockout.
	for range 3 {
		ls.reserve("victim", now)
	}
	for i := range 98 {
		ls.reserve(fmt.Sprintf("old%d", i), now)
	}
	later := now.Add(ls.idleFull)
	for range 3 {
		ls.reserve("victim", later)
	}
	for i := range 10_000 {
		ls.reserve(fmt.Sprintf("flood%d", i), later)
		if n := ls.len(); n > 100 {
			t.Fatalf("map grew to %d", n)
		}
		if i == 0 {
			if _, wait, _ := ls.reserve("victim", later); wait <= 0 {
				t.Fatal("victim's lockout was lost to pruning of idle entries")
			}
		}
	}
}
