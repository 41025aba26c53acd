package store

import (
	"errors"
	"testing"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// One damaged feed token does not break the list of the others, and
// DamagedRecords names it.
func TestDamagedFeedTokenIsSkipped(t *testing.T) {
	s := MustOpen(t)
	bad, _, _ := s.CreateFeedToken(FeedToken{Kind: "room", Target: "ratssaal", Owner: "anna"})
	_, good, _ := s.CreateFeedToken(FeedToken{Kind: "room", Target: "foyer", Owner: "anna"})
	err := s.db.Update(func(tx *kv.Tx) error {
		b := tx.Bucket(bucketFeedTokens)
		k := feedHash(bad)
		v := append([]byte(nil), b.Get(k)...)
		v[0] ^= 1
		return b.Put(k, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.FeedTokens("anna")
	if err != nil || len(list) != 1 || list[0].ID != good.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	if _, err := s.FeedTokenFor(bad); !errors.Is(err, rooms.ErrDamagedRecord) {
		t.Fatalf("lookup of the damaged token: %v", err)
	}
	found, err := s.DamagedRecords()
	if err != nil || len(found) != 1 || found[0].Bucket != "feed_tokens" {
		t.Fatalf("damaged records: %v %v", found, err)
	}
}
