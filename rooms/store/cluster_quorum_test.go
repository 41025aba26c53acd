package store

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/internal/etcdtest"
)

// Without a quorum a write fails as Unavailable; with the quorum back,
// writes go on. The refused write is not confirmed, not undone: the
// member that took it may have it in its log, and the log commits once the
// others are back (docs/cluster.md, "Losing the cluster"). So it is in the
// store then either whole, as the one booking of its slot, or not at all.
func TestClusterWriteWithoutQuorumIsUnavailable(t *testing.T) {
	c := etcdtest.Start(t, 3)
	nodes := clusterStores(t, c, 1)
	mustCreate(t, nodes[0], at("a", t0, time.Hour))
	c.Kill(1)
	c.Kill(2)
	unconfirmed := at("a", t0.Add(2*time.Hour), time.Hour)
	_, err := nodes[0].Create(unconfirmed, "anna")
	if !Unavailable(err) {
		t.Fatalf("without a quorum: %v, want Unavailable", err)
	}
	c.Restart(1)
	c.Restart(2)
	c.WaitHealthy()
	mustCreate(t, nodes[0], at("a", t0.Add(4*time.Hour), time.Hour))
	got, err := nodes[0].Overlapping("a", unconfirmed.Start, unconfirmed.End)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > 1 || (len(got) == 1 && (!got[0].Start.Equal(unconfirmed.Start) || got[0].Title != unconfirmed.Title)) {
		t.Fatalf("the unconfirmed write's slot holds %+v, want it whole or nothing", got)
	}
	t.Logf("the unconfirmed write landed: %v", len(got) == 1)
}
