// Package etcdtest starts a real etcd cluster for tests: Debian's
// etcd-server (installed by internal/testdeps), each member a child
// process on loopback with its own data directory, killed at cleanup.
// Members can be killed (SIGKILL), stopped and started again to test what
// Kogge does when a machine dies or the cluster loses its quorum.
package etcdtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kogge-project/kogge/internal/testdeps"
)

// startDeadline bounds a member's start (a failure bound, not a wait).
const startDeadline = 30 * time.Second

// Cluster is a running etcd cluster.
type Cluster struct {
	t       testing.TB
	bin     string
	dir     string
	members []*member
}

type member struct {
	name, client, peer string
	mu                 sync.Mutex
	cmd                *exec.Cmd
	exited             chan struct{}
}

// Start starts an n-member cluster and waits until it answers.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t, bin: testdeps.Command(t, "etcd", "etcd-server"), dir: dataDir(t)}
	var initial []string
	for i := range n {
		m := &member{name: fmt.Sprintf("m%d", i), client: "http://" + freeAddr(t), peer: "http://" + freeAddr(t)}
		c.members = append(c.members, m)
		initial = append(initial, m.name+"="+m.peer)
	}
	for _, m := range c.members {
		m.cmd = c.command(m, strings.Join(initial, ","))
	}
	for i := range c.members {
		c.launch(i)
	}
	t.Cleanup(func() {
		for i := range c.members {
			c.Kill(i)
		}
	})
	c.WaitHealthy()
	return c
}

// dataDir is where the members keep their data: in memory (/dev/shm)
// where there is one, since an fsync there costs nothing and the tests
// are about agreement, not disks; removed at cleanup.
func dataDir(t testing.TB) string {
	if dir := os.Getenv("KOGGE_ETCDTEST_DIR"); dir != "" {
		// A benchmark that wants etcd's disk costs (its WAL and backend
		// fsyncs) names a directory on a disk.
		d, err := os.MkdirTemp(dir, "kogge-etcd-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "kogge-etcd-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (c *Cluster) command(m *member, initial string) *exec.Cmd {
	cmd := exec.Command(c.bin,
		"--name", m.name,
		"--data-dir", filepath.Join(c.dir, m.name),
		"--listen-client-urls", m.client, "--advertise-client-urls", m.client,
		"--listen-peer-urls", m.peer, "--initial-advertise-peer-urls", m.peer,
		"--initial-cluster", initial, "--initial-cluster-state", "new",
		"--initial-cluster-token", "kogge-test",
		// What docs/cluster.md asks of a production cluster: Kogge's
		// group commits and series write more than etcd's default 128
		// operations per transaction.
		"--max-txn-ops", "10000", "--max-request-bytes", "10485760",
		// Loopback: elect quickly so the tests of a lost member are short.
		"--heartbeat-interval", "50", "--election-timeout", "500",
		"--logger", "zap", "--log-outputs", filepath.Join(c.dir, m.name+".log"),
	)
	cmd.Env = append(os.Environ(), "ETCD_UNSUPPORTED_ARCH=")
	return cmd
}

func (c *Cluster) launch(i int) {
	m := c.members[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.cmd.Start(); err != nil {
		c.t.Fatalf("etcd member %s: %v", m.name, err)
	}
	exited := make(chan struct{})
	m.exited = exited
	go func(cmd *exec.Cmd) { cmd.Wait(); close(exited) }(m.cmd)
}

// Endpoints are the members' client URLs.
func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, m := range c.members {
		eps = append(eps, m.client)
	}
	return eps
}

// Client is a client of the whole cluster, closed at cleanup.
func (c *Cluster) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// ClientOf is a client of member i alone, closed at cleanup: killing that
// member cuts it off from the cluster (which keeps its quorum), and
// restarting it brings it back — a node that loses etcd for a while.
func (c *Cluster) ClientOf(t testing.TB, i int) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.members[i].client}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// Kill kills member i at once (SIGKILL) and waits for it to be gone.
func (c *Cluster) Kill(i int) {
	m := c.members[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd.Process == nil || m.exited == nil {
		return
	}
	select {
	case <-m.exited:
		return
	default:
	}
	m.cmd.Process.Kill()
	select {
	case <-m.exited:
	case <-time.After(startDeadline):
		c.t.Errorf("etcd member %s did not exit", m.name)
	}
}

// Restart starts a killed member again on its data directory.
func (c *Cluster) Restart(i int) {
	c.Kill(i)
	m := c.members[i]
	var initial []string
	for _, o := range c.members {
		initial = append(initial, o.name+"="+o.peer)
	}
	m.mu.Lock()
	m.cmd = c.command(m, strings.Join(initial, ","))
	m.mu.Unlock()
	c.launch(i)
}

// WaitHealthy waits until a quorum answers a linearizable read.
func (c *Cluster) WaitHealthy() {
	c.t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		c.t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startDeadline)
	defer cancel()
	for {
		attempt, stop := context.WithTimeout(ctx, time.Second)
		_, err := cli.Get(attempt, "health")
		stop()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("etcd cluster not healthy within %v: %v (logs in %s)", startDeadline, err, c.dir)
		case <-time.After(50 * time.Millisecond): // polling a child process, not timing
		}
	}
}

// Leader is the index of the member that leads the cluster now, -1 if
// none answers as leader within startDeadline.
func (c *Cluster) Leader() int {
	c.t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		c.t.Fatal(err)
	}
	defer cli.Close()
	deadline := time.Now().Add(startDeadline)
	for time.Now().Before(deadline) {
		for i, m := range c.members {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			st, err := cli.Status(ctx, m.client)
			cancel()
			if err == nil && st.Leader != 0 && st.Leader == st.Header.MemberId {
				return i
			}
		}
		time.Sleep(50 * time.Millisecond) // polling child processes, not timing
	}
	return -1
}
