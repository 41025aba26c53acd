package store

import (
	"testing"
	"time"

	"github.com/kogge-project/kogge/internal/etcdtest"
)

// Without a quorum a write fails as Unavailable and nothing is written;
// with it back, writes go on.
func TestClusterWriteWithoutQuorumIsUnavailable(t *testing.T) {
	c := etcdtest.Start(t, 3)
	nodes := clusterStores(t, c, 1)
	mustCreate(t, nodes[0], at("a", t0, time.Hour))
	c.Kill(1)
	c.Kill(2)
	_, err := nodes[0].Create(at("a", t0.Add(2*time.Hour), time.Hour), "anna")
	if !Unavailable(err) {
		t.Fatalf("without a quorum: %v, want Unavailable", err)
	}
	c.Restart(1)
	c.Restart(2)
	c.WaitHealthy()
	mustCreate(t, nodes[0], at("a", t0.Add(2*time.Hour), time.Hour))
}
