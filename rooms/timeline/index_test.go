package timeline

import (
	"fmt"
	"testing"
)

// The index finds every id it was given, in order or not, keeps the first
// record of an id given twice, and forgets what it is told to, also after
// compacting.
func TestIndex(t *testing.T) {
	var x index
	x.reserve(4)
	id := func(i int) string { return fmt.Sprintf("id-%05d", i) }
	const n = 3000
	for i := 0; i < n; i += 2 { // in order: the sorted slice
		if !x.put(id(i), int32(i)) {
			t.Fatalf("put %s refused", id(i))
		}
	}
	for i := n - 1; i > 0; i -= 2 { // out of order: the map
		if !x.put(id(i), int32(i)) {
			t.Fatalf("put %s refused", id(i))
		}
	}
	if x.put(id(4), 99) || x.put(id(5), 99) {
		t.Fatal("an id given twice was taken")
	}
	if x.len() != n {
		t.Fatalf("len %d, want %d", x.len(), n)
	}
	for i := range n {
		if rec, ok := x.get(id(i)); !ok || rec != int32(i) {
			t.Fatalf("get %s = %d, %v", id(i), rec, ok)
		}
	}
	for i := range n - 10 { // forgets most: sorted is compacted on the way
		x.del(id(i))
	}
	x.del(id(0)) // twice: nothing happens
	if x.len() != 10 || len(x.sorted) >= n/2 {
		t.Fatalf("len %d, sorted %d after forgetting", x.len(), len(x.sorted))
	}
	seen := 0
	x.each(func(s string, rec int32) {
		if s != id(int(rec)) || int(rec) < n-10 {
			t.Errorf("each: %s → %d", s, rec)
		}
		seen++
	})
	if seen != 10 {
		t.Fatalf("each saw %d", seen)
	}
	if _, ok := x.get(id(3)); ok {
		t.Fatal("a forgotten id is found")
	}
	if !x.put(id(2), 7) { // a forgotten id comes back
		t.Fatal("put of a forgotten id refused")
	}
	if rec, ok := x.get(id(2)); !ok || rec != 7 {
		t.Fatalf("get %s = %d, %v", id(2), rec, ok)
	}
}
