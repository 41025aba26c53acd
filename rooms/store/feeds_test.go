package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/rooms"
)

func TestFeedTokens(t *testing.T) {
	s := MustOpen(t)
	plain, ft, err := s.CreateFeedToken(FeedToken{Kind: "room", Target: "ratssaal", Owner: "anna"})
	if err != nil || !strings.HasPrefix(plain, "kgf_") || ft.ID == "" {
		t.Fatalf("create: %q %+v %v", plain, ft, err)
	}
	got, err := s.FeedTokenFor(plain)
	if err != nil || got.Target != "ratssaal" || got.Owner != "anna" {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	for _, bad := range []string{"", "kgf_", plain + "x", strings.Replace(plain, "kgf_", "kgt_", 1)} {
		if _, err := s.FeedTokenFor(bad); !errors.Is(err, rooms.ErrNotFound) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if list, _ := s.FeedTokens("anna"); len(list) != 1 {
		t.Fatalf("list %+v", list)
	}
	if list, _ := s.FeedTokens("bernd"); len(list) != 0 {
		t.Fatalf("bernd sees %+v", list)
	}
	if err := s.RevokeFeedToken(ft.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FeedTokenFor(plain); !errors.Is(err, rooms.ErrNotFound) {
		t.Fatalf("revoked token still works: %v", err)
	}
	if err := s.RevokeFeedToken(ft.ID); !errors.Is(err, rooms.ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
}
