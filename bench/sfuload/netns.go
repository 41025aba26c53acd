package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// The benchmark's own network namespace (-netns, the default): Janus
// leaves loopback out of its ICE candidates, so its media needs a real
// interface address. Rather than the host's own address, the run gets a
// namespace with a veth pair whose first end has 198.18.0.1/24, from the
// range set aside for benchmarking (RFC 2544, RFC 6890). Both SFUs and
// all load peers run inside it; the host's interfaces are untouched. See
// docs/benchmarks.md §2.
const (
	netnsPrefix = "sfuload-"
	netnsAddr   = "198.18.0.1"
	netnsPeer   = "198.18.0.2"
	// inNetnsEnv marks the re-executed benchmark inside the namespace.
	inNetnsEnv = "SFULOAD_IN_NETNS"
)

// inNetns reports whether this process is the copy started inside the
// namespace.
func inNetns() bool { return os.Getenv(inNetnsEnv) != "" }

// runInNetns creates the namespace, runs this program again inside it
// with the same flags (and -ip set to the namespace's address), and
// deletes the namespace afterwards, also on SIGINT or SIGTERM. It returns
// the child's exit code.
func runInNetns() (int, error) {
	if os.Geteuid() != 0 {
		return 0, errors.New("-netns needs root (CAP_NET_ADMIN for ip netns add); run as root or with -netns=false to use the host's own address")
	}
	removeStaleNetns()
	name := netnsPrefix + strconv.Itoa(os.Getpid())
	if err := setupNetns(name); err != nil {
		_ = ipCmd("netns", "del", name)
		return 0, err
	}
	defer func() {
		if err := ipCmd("netns", "del", name); err != nil {
			fmt.Fprintln(os.Stderr, "sfuload: removing the namespace:", err)
		}
	}()
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	args := append([]string{"netns", "exec", name, self}, os.Args[1:]...)
	args = append(args, "-ip", netnsAddr)
	cmd := exec.Command("ip", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), inNetnsEnv+"="+name)
	// The child gets the terminal's signals itself; we only wait for it
	// and must outlive it to clean up.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}

// setupNetns: the namespace, its loopback (Janus's HTTP API, Kogge's
// WebSocket and by default Kogge's media) and the veth pair.
func setupNetns(name string) error {
	steps := [][]string{
		{"netns", "add", name},
		{"-n", name, "link", "set", "lo", "up"},
		{"-n", name, "link", "add", "sl0", "type", "veth", "peer", "name", "sl1"},
		{"-n", name, "addr", "add", netnsAddr + "/24", "dev", "sl0"},
		{"-n", name, "addr", "add", netnsPeer + "/24", "dev", "sl1"},
		{"-n", name, "link", "set", "sl0", "up"},
		{"-n", name, "link", "set", "sl1", "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			return err
		}
	}
	return nil
}

// removeStaleNetns deletes namespaces that an earlier run left behind
// when it was killed (its pid no longer exists).
func removeStaleNetns() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], netnsPrefix) {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimPrefix(f[0], netnsPrefix))
		if err != nil {
			continue
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			continue // a run still going
		}
		_ = ipCmd("netns", "del", f[0])
	}
}

func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
