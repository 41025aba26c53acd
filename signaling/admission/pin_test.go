package admission

import (
	"fmt"
	"testing"
	"time"
)

// Guessing spread over many networks meets the booking's pace, which
// delays (up to PINMaxWait) and only then refuses; right PINs cost
// nothing.
func TestPINPaceAcrossNetworks(t *testing.T) {
	p := newPINLimiter()
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	for range 100 {
		try, wait, ok := p.take("b", 8, "192.0.2.1:1", now)
		if !ok || wait != 0 {
			t.Fatal("right PINs must not use the pace up")
		}
		try.giveBack()
	}
	var waits []time.Duration
	for i := range 200 {
		if _, wait, ok := p.take("b", 8, fmt.Sprintf("10.%d.0.1:1", i), now); ok {
			waits = append(waits, wait)
		}
	}
	queued := int(PINMaxWait / pinBookingEvery)
	if len(waits) != pinBookingBurst+queued {
		t.Fatalf("%d checks from 200 networks at once, want the burst %d and %d queued", len(waits), pinBookingBurst, queued)
	}
	if waits[pinBookingBurst-1] != 0 || waits[pinBookingBurst] != pinBookingEvery || waits[len(waits)-1] != PINMaxWait {
		t.Fatalf("waits %v", waits)
	}
}

// The pace per PIN length keeps the odds over the longest meeting below
// 1 % (docs/security.md, Limits).
func TestPINOdds(t *testing.T) {
	const life = 7*24*time.Hour + 2*time.Hour + 4*time.Hour // max_booking, prep_lead, end_grace at their maxima
	for n := pinShortLen; n <= 10; n++ {
		every, burst := pinPace(n)
		checks := float64(burst) + float64(life/every)
		space := 1.0
		for range n {
			space *= 10
		}
		if odds := checks / space; odds >= 0.01 {
			t.Errorf("%d digits: %.0f checks, odds %.2f %%", n, checks, odds*100)
		}
	}
}

func TestPINNetwork(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.77:1":            "192.0.2.0/24",
		"::ffff:192.0.2.1":        "192.0.2.0/24",
		"[2001:db8:1:2ff::1]:443": "2001:db8:1:200::/56",
		"2001:db8:1:2aa:ffff::9":  "2001:db8:1:200::/56",
		"unix":                    "unix",
	} {
		if got := PINNetwork(in); got != want {
			t.Errorf("PINNetwork(%q) = %q, want %q", in, got, want)
		}
	}
}
