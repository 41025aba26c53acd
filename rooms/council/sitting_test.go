package council

import (
	"errors"
	"testing"
	"time"
)

// TestMeetingActsOnlyWhileSitting: in the meeting, what the chair and the
// members do is refused outside the session's sitting, while the
// meeting's own notes (a member's link joined or left) are recorded.
func TestMeetingActsOnlyWhileSitting(t *testing.T) {
	f := newFixture(t)
	now := t0.Add(-time.Hour)
	sitting := Sitting{Opens: t0, Closes: t0.Add(time.Hour)}
	svc := NewService(Options{Store: f.st, Now: func() time.Time { return now },
		Sitting: func(string) (Sitting, error) { return sitting, nil }})
	booking := f.booking
	if _, err := svc.Update(booking, "sekretariat", func(s *Session, _ time.Time) error {
		if _, err := s.AddMember("Anna Arendt", ""); err != nil {
			return err
		}
		_, err := s.AddItem(ItemInput{Number: "1", Name: "Eröffnung", Public: true}, 0)
		return err
	}); err != nil {
		t.Fatalf("preparing before the sitting: %v", err)
	}
	code := func(err error) string {
		if e, ok := errors.AsType[*Error](err); ok {
			return e.Code
		}
		return ""
	}
	if _, err := svc.Act(booking, Action{Kind: "open_item", Item: 1}); code(err) != "session-not-begun" {
		t.Errorf("opening an item before the sitting: %v", err)
	}
	now = t0
	if _, err := svc.Act(booking, Action{Kind: "open_item", Item: 1}); err != nil {
		t.Fatalf("opening an item in the sitting: %v", err)
	}
	if _, err := svc.Act(booking, Action{Kind: "joined", Member: 1}); err != nil {
		t.Fatalf("a member joining: %v", err)
	}
	now = t0.Add(time.Hour)
	for _, a := range []Action{{Kind: "close_item"}, {Kind: "start_vote", Question: "Zustimmung?"}, {Kind: "speaker", Name: "Anna Arendt"}} {
		if _, err := svc.Act(booking, a); code(err) != "session-ended" {
			t.Errorf("%s after the sitting: %v", a.Kind, err)
		}
	}
	if v, err := svc.Act(booking, Action{Kind: "left", Member: 1}); err != nil || v.Quorum.Present != 0 {
		t.Errorf("a member leaving as the meeting closes: %+v %v", v.Quorum, err)
	}
	sitting.Off, now = true, t0
	if _, err := svc.Act(booking, Action{Kind: "close_item"}); code(err) != "session-cancelled" {
		t.Errorf("closing the item of a cancelled session: %v", err)
	}
}
