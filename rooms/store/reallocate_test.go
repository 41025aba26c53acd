package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kogge-project/kogge/rooms"
)

// A booking stored before any allocator was installed gets its allocation
// when asked; a refusal leaves it alone.
func TestReallocate(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "k.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	b, err := st.Create(rooms.Booking{Room: "r1", Title: "x", Kind: rooms.KindMeeting, Organizer: "a", Start: start, End: start.Add(time.Hour),
		Status: rooms.StatusConfirmed, Hybrid: rooms.Hybrid{Enabled: true, ExpectedRemote: 3}}, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := st.Reallocate(b.ID); !errors.Is(err, errNoAllocator) {
		t.Fatalf("without allocator: %v", err)
	}
	no := errors.New("nothing fits")
	refuse := true
	st.SetAllocator(func(b rooms.Booking, prev *Allocation, busy BusyFunc) (*Allocation, error) {
		if refuse {
			return nil, no
		}
		return &Allocation{Provider: "builtin", From: b.Start, To: b.End, State: AllocReserved}, nil
	})
	if _, ok, refused, err := st.Reallocate(b.ID); err != nil || ok || !errors.Is(refused, no) {
		t.Fatalf("refused: %v %v %v", ok, refused, err)
	}
	refuse = false
	a, ok, refused, err := st.Reallocate(b.ID)
	if err != nil || refused != nil || !ok || a.Provider != "builtin" || a.Booking != b.ID {
		t.Fatalf("allocated: %+v %v %v %v", a, ok, refused, err)
	}
	if got, ok, _ := st.Allocation(b.ID); !ok || got.Provider != "builtin" {
		t.Fatalf("stored: %+v", got)
	}
}
