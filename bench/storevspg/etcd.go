package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// etcdCluster is a 3-member etcd cluster of Debian's etcd-server, started
// by the benchmark as child processes on loopback. Unlike
// internal/etcdtest (tests about agreement, data in /dev/shm) its data
// directories are on disk, as in production: every commit pays a WAL
// fdatasync on each member.
type etcdCluster struct {
	dir     string
	members []*etcdMember
}

type etcdMember struct {
	name, client, peer string
	cmd                *exec.Cmd
}

// startEtcd starts n members with data under dir (which must be on the
// disk being measured) and waits until a quorum answers.
func startEtcd(dir string, n int) (*etcdCluster, error) {
	bin, err := exec.LookPath("etcd")
	if err != nil {
		return nil, fmt.Errorf("etcd not found (apt-get install etcd-server): %w", err)
	}
	c := &etcdCluster{dir: dir}
	var initial []string
	for i := range n {
		cl, err := freeAddr()
		if err != nil {
			return nil, err
		}
		pe, err := freeAddr()
		if err != nil {
			return nil, err
		}
		m := &etcdMember{name: fmt.Sprintf("m%d", i), client: "http://" + cl, peer: "http://" + pe}
		c.members = append(c.members, m)
		initial = append(initial, m.name+"="+m.peer)
	}
	for _, m := range c.members {
		// etcd's own defaults for heartbeat (100 ms) and election
		// (1 s), as a production cluster on a LAN would run; the limits
		// docs/cluster.md asks for (group commits write more than 128
		// operations in one transaction).
		m.cmd = exec.Command(bin,
			"--name", m.name, "--data-dir", filepath.Join(dir, m.name),
			"--listen-client-urls", m.client, "--advertise-client-urls", m.client,
			"--listen-peer-urls", m.peer, "--initial-advertise-peer-urls", m.peer,
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-state", "new",
			"--initial-cluster-token", "kogge-bench",
			"--max-txn-ops", "10000", "--max-request-bytes", "10485760",
			"--quota-backend-bytes", strconv.Itoa(8<<30),
			"--logger", "zap", "--log-outputs", filepath.Join(dir, m.name+".log"))
		m.cmd.Env = append(os.Environ(), "ETCD_UNSUPPORTED_ARCH=")
		if err := m.cmd.Start(); err != nil {
			c.stop()
			return nil, fmt.Errorf("etcd member %s: %w", m.name, err)
		}
	}
	if err := c.waitHealthy(30 * time.Second); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (c *etcdCluster) endpoints() []string {
	var eps []string
	for _, m := range c.members {
		eps = append(eps, m.client)
	}
	return eps
}

// client is one Kogge node's connection to the whole cluster.
func (c *etcdCluster) client() (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{Endpoints: c.endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
}

func (c *etcdCluster) waitHealthy(within time.Duration) error {
	cli, err := c.client()
	if err != nil {
		return err
	}
	defer cli.Close()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cli.Get(ctx, "health")
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("etcd cluster not healthy within %v: %v (logs in %s)", within, err, c.dir)
		}
		time.Sleep(100 * time.Millisecond) // polling child processes while they start
	}
}

func (c *etcdCluster) stop() {
	for _, m := range c.members {
		if m.cmd != nil && m.cmd.Process != nil {
			m.cmd.Process.Kill()
			m.cmd.Wait()
		}
	}
}

// etcdCounters are summed over the members from their /metrics: WAL
// fdatasyncs, and the Raft proposals committed (read on every member,
// divided by the member count: each member commits every proposal).
type etcdCounters struct {
	walFsyncs, proposals float64
	revision             float64 // the store's revision: one per successful write transaction
}

func (c *etcdCluster) counters() (etcdCounters, error) {
	var sum etcdCounters
	cli, err := c.client()
	if err != nil {
		return sum, err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, "revision")
	if err != nil {
		return sum, err
	}
	sum.revision = float64(resp.Header.Revision)
	for _, m := range c.members {
		resp, err := http.Get(m.client + "/metrics")
		if err != nil {
			return sum, err
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				continue
			}
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				continue
			}
			switch f[0] {
			case "etcd_disk_wal_fsync_duration_seconds_count":
				sum.walFsyncs += v
			case "etcd_server_proposals_committed_total":
				sum.proposals += v / float64(len(c.members))
			}
		}
		resp.Body.Close()
	}
	return sum, nil
}
