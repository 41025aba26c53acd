package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clkTck is the unit of utime and stime in /proc/<pid>/stat.
var clkTck = func() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && n > 0 {
			return float64(n)
		}
	}
	return 100
}()

// cpuSeconds is utime+stime of a process (all its threads).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return float64(ut+st) / clkTck, nil
}

// rssBytes is the resident set of a process.
func rssBytes(pid int) (int64, error) {
	v, err := procStatus(pid, "VmRSS")
	if err == nil && v < 0 {
		err = fmt.Errorf("/proc/%d/status: no VmRSS", pid)
	}
	return v, err
}

// rssParts says how the resident set splits into anonymous memory (heap,
// stacks) and mapped files (the binary's pages it has touched), for -v:
// the first subscribers run code the publisher never ran, and those
// pages count in the RSS too.
func rssParts(pid int) string {
	anon, err1 := procStatus(pid, "RssAnon")
	file, err2 := procStatus(pid, "RssFile")
	if err1 != nil || err2 != nil || anon < 0 || file < 0 {
		return "?"
	}
	return fmt.Sprintf("anon %.1f + file %.1f", float64(anon)/1e6, float64(file)/1e6)
}

// procStatus reads one "kB" line of /proc/<pid>/status in bytes, -1 if
// the line is missing.
func procStatus(pid int, key string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return -1, sc.Err()
}

// child is an SFU under test running as its own process.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startChild runs argv, on core 0 under taskset when pin is set, with
// stdout and stderr going to log.
func startChild(argv, env []string, pin bool, log io.Writer) (*child, error) {
	if pin {
		argv = append([]string{"taskset", "-c", sfuCore}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	return c, nil
}

// pid is the SFU's pid: taskset execs the program, so it is the same.
func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop asks politely, then kills.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

const (
	sfuCore  = "0"
	loadCore = "1"
)

// pinSelf moves every thread of this process to the load core; threads
// started later inherit it.
func pinSelf() error {
	out, err := exec.Command("taskset", "-a", "-p", "-c", loadCore, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset: %v: %s", err, out)
	}
	return nil
}
