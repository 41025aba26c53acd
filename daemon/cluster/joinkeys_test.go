package cluster_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kogge-project/kogge/daemon/cluster"
	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

func joinKeys(t *testing.T, c *etcdtest.Cluster, prefix, file string) (*joinlink.Keyring, bool, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cluster.JoinKeys(ctx, c.Client(t), prefix, file)
}

// The join links' keys are the cluster's: the first node writes its key
// file to etcd (an installation moved from one machine keeps its links),
// a node without a file takes them and does not write one, and a node
// whose file differs refuses with a sentence that says what to do. Without
// any file the first node makes a random key.
func TestJoinKeysAreTheClusters(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	c := etcdtest.Start(t, 1)
	dir := t.TempDir()
	first := filepath.Join(dir, "first.keys")
	mine, err := joinlink.LoadKeyring(first) // a single machine's file
	if err != nil {
		t.Fatal(err)
	}
	kr, seeded, err := joinKeys(t, c, "kogge/", first)
	if err != nil || !seeded || !kr.Equal(mine) {
		t.Fatalf("first node: seeded %v, err %v; want its file's keys written", seeded, err)
	}
	link, err := kr.Sign(joinlink.Claims{Booking: "01JDZ3X8K0000000000000000A", Kind: joinlink.KindGuest, Generation: 1})
	if err != nil {
		t.Fatal(err)
	}

	none := filepath.Join(dir, "none.keys")
	kr2, seeded, err := joinKeys(t, c, "kogge/", none)
	if err != nil || seeded || !kr2.Equal(mine) {
		t.Fatalf("second node without a file: seeded %v, err %v; want the cluster's keys", seeded, err)
	}
	if _, err := kr2.Verify(link); err != nil {
		t.Fatalf("a link of the first node on the second: %v", err)
	}
	if _, err := os.Stat(none); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a key file was written on a cluster node: %v", err)
	}
	if _, _, err := joinKeys(t, c, "kogge/", first); err != nil {
		t.Fatalf("the first node again, same file: %v", err)
	}

	other := filepath.Join(dir, "other.keys")
	if _, err := joinlink.LoadKeyring(other); err != nil {
		t.Fatal(err)
	}
	_, _, err = joinKeys(t, c, "kogge/", other)
	if err == nil || !strings.Contains(err.Error(), "differs from the cluster's keys") || !strings.Contains(err.Error(), other) {
		t.Fatalf("a node with another key file: %v, want a refusal naming the file", err)
	}

	fresh, seeded, err := joinKeys(t, c, "elsewhere/", "")
	if err != nil || !seeded || fresh.Equal(mine) || len(fresh.Versions()) != 1 {
		t.Fatalf("a new cluster without a file: seeded %v, err %v", seeded, err)
	}
}
