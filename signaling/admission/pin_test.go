package admission

import (
	"fmt"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms/accounts"
)

// Guessing spread over many networks meets the booking's ceiling; right
// PINs cost nothing.
func TestPINLimitAcrossNetworks(t *testing.T) {
	p := newPINLimiter()
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	for range 100 {
		try, ok := p.take("b", "192.0.2.1:1", now)
		if !ok {
			t.Fatal("right PINs must not use the limit up")
		}
		try.giveBack()
	}
	wrong := 0
	for i := range 200 {
		if _, ok := p.take("b", fmt.Sprintf("10.%d.0.1:1", i), now); ok {
			wrong++
		}
	}
	if wrong != pinBookingBurst {
		t.Fatalf("%d wrong PINs from 200 networks, want the ceiling %d", wrong, pinBookingBurst)
	}
	if accounts.Network("[2001:db8::1]:443") != "2001:db8::/64" || accounts.Network("192.0.2.77:1") != "192.0.2.0/24" {
		t.Fatal(accounts.Network("[2001:db8::1]:443"), accounts.Network("192.0.2.77:1"))
	}
}
