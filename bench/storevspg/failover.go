package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kogge-project/kogge/bench/internal/benchstat"
	"github.com/kogge-project/kogge/daemon/cluster"
)

// The failover measurement runs each elector (daemon/cluster.Join, what a
// Kogge node runs) in a child process of the benchmark and kills the
// leading one with SIGKILL: a Close would resign and hand over at once,
// a kill leaves the lease to run out, as when a machine dies.

const electorEnv = "STOREVSPG_ELECTOR" // endpoints;prefix;name

// electorChild is the child's whole life: campaign, print "lead" on every
// term that starts, until killed.
func electorChild(spec string) {
	f := strings.SplitN(spec, ";", 3)
	if len(f) != 3 {
		fmt.Fprintln(os.Stderr, "elector: bad spec", spec)
		os.Exit(2)
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(f[0], ","), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "elector:", err)
		os.Exit(1)
	}
	n := cluster.Join(cli, f[1], f[2], slog.New(slog.DiscardHandler))
	n.While(context.Background(), func(ctx context.Context) {
		fmt.Println("lead")
		<-ctx.Done()
	})
}

type elector struct {
	cmd *exec.Cmd
}

type leadEvent struct {
	who int
	at  time.Time
}

func startElector(ec *etcdCluster, prefix string, who int, events chan<- leadEvent) (*elector, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), electorEnv+"="+strings.Join(ec.endpoints(), ",")+";"+prefix+";"+fmt.Sprintf("kogge%d", who))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func(r io.Reader) {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if sc.Text() == "lead" {
				events <- leadEvent{who, time.Now()}
			}
		}
	}(out)
	return &elector{cmd: cmd}, nil
}

func (e *elector) kill() {
	e.cmd.Process.Kill()
	e.cmd.Wait()
}

// failoverDeadline bounds one takeover (a failure bound, not a wait).
const failoverDeadline = 60 * time.Second

// failover kills the leading one of three electors kills times and
// measures from the kill until another prints that it leads. Each kill
// comes a random 0–LeaseTTL/3 after the election, so that it falls at
// any point of the lease's keep-alive cycle; the killed node is replaced
// by a new process before the next kill, so three always campaign.
func failover(ec *etcdCluster, kills int) error {
	const n = 3
	events := make(chan leadEvent, 64)
	nodes := make([]*elector, n)
	defer func() {
		for _, e := range nodes {
			if e != nil {
				e.kill()
			}
		}
	}()
	for i := range nodes {
		e, err := startElector(ec, "bench/failover/", i, events)
		if err != nil {
			return err
		}
		nodes[i] = e
	}
	next := func(not int) (leadEvent, error) {
		timeout := time.After(failoverDeadline)
		for {
			select {
			case ev := <-events:
				if ev.who != not {
					return ev, nil
				}
			case <-timeout:
				return leadEvent{}, fmt.Errorf("no node took over within %v", failoverDeadline)
			}
		}
	}
	lead, err := next(-1)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var took []time.Duration
	for k := range kills {
		time.Sleep(time.Duration(rng.Int64N(int64(cluster.LeaseTTL * time.Second / 3)))) // the kill's phase in the keep-alive cycle
		killed := lead.who
		t0 := time.Now()
		nodes[killed].kill()
		ev, err := next(killed)
		if err != nil {
			return err
		}
		d := ev.at.Sub(t0)
		took = append(took, d)
		fmt.Fprintf(os.Stderr, "kill %d: kogge%d killed, kogge%d leads after %v\n", k+1, killed, ev.who, d.Round(time.Millisecond))
		lead = ev
		if nodes[killed], err = startElector(ec, "bench/failover/", killed, events); err != nil {
			return err
		}
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
	fmt.Printf("\nLeader failover, %d SIGKILLs of the leading elector (daemon/cluster, lease %d s), from the kill until another node leads (ms):\n\n", kills, cluster.LeaseTTL)
	fmt.Println("| min | median | p99 | max |")
	fmt.Println("|---:|---:|---:|---:|")
	fmt.Printf("| %.0f | %.0f | %.0f | %.0f |\n", ms(took[0]), ms(benchstat.Quantile(took, .5)), ms(benchstat.Quantile(took, .99)), ms(took[len(took)-1]))
	return nil
}

// etcdVersion is the etcd binary's version line.
func etcdVersion() string {
	out, err := exec.Command("etcd", "--version").Output()
	if err != nil {
		return "?"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimPrefix(line, "etcd Version: ")
}

// fsType is the file system dir is on (from /proc/mounts): the etcd
// members' fsync cost depends on it, tmpfs has none.
func fsType(dir string) string {
	dir, _ = filepath.EvalSymlinks(dir)
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return "?"
	}
	best, typ := "", "?"
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		mp := f[1]
		if (dir == mp || strings.HasPrefix(dir, strings.TrimSuffix(mp, "/")+"/")) && len(mp) > len(best) {
			best, typ = mp, f[2]+" on "+f[0]
		}
	}
	return typ
}
