package cluster

import "testing"

// Participants decide first, then CPU, then the name, so nodes deciding
// from one snapshot agree.
func TestLeastLoadedOrder(t *testing.T) {
	nodes := map[string]nodeEntry{
		"a": {name: "a", rec: NodeRecord{Load: 3, CPU: 0.1}},
		"b": {name: "b", rec: NodeRecord{Load: 2, CPU: 0.9}},
		"c": {name: "c", rec: NodeRecord{Load: 2, CPU: 0.4}},
		"d": {name: "d", rec: NodeRecord{Load: 2, CPU: 0.4}},
	}
	if got, _ := leastLoaded(nodes); got.name != "c" {
		t.Fatalf("picked %s, want c", got.name)
	}
	if _, ok := leastLoaded(nil); ok {
		t.Fatal("picked a node from none")
	}
}
