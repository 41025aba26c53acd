package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The process tests run the real daemon as a child: the test binary
// re-executes itself as kogge when KOGGE_RUN_MAIN is set.
func TestMain(m *testing.M) {
	if os.Getenv("KOGGE_RUN_MAIN") == "1" && !isTestInvocation(os.Args[1:]) {
		os.Exit(runCommand(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	// Children of the test process, including the integrity checker that
	// in-process commands start via os.Executable, must run kogge too.
	os.Setenv("KOGGE_RUN_MAIN", "1")
	os.Exit(m.Run())
}

// isTestInvocation tells the test binary run by `go test` (and the fuzz
// engine's workers, which inherit KOGGE_RUN_MAIN) from a kogge child.
func isTestInvocation(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-test.") {
			return true
		}
	}
	return false
}

// processDeadline bounds every wait on a child; it is a failure bound, not a sleep.
const processDeadline = 20 * time.Second

const testRoomsTOML = `
[[rooms]]
id = "ratssaal"
name = "Ratssaal"
capacity = 80
setup = "30m"
teardown = "15m"

[[rooms]]
id = "sitzungszimmer-2"
name = "Sitzungszimmer 2"
capacity = 20
`

// writeConfig writes a config for a daemon on a free loopback port.
func writeConfig(t *testing.T, dataDir, rooms string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kogge.toml")
	// Media on a free port too: children run side by side.
	cfg := fmt.Sprintf("[server]\nlisten = \"127.0.0.1:0\"\nshutdown_timeout = \"5s\"\n\n[store]\ndata_dir = %q\n\n[log]\nformat = \"json\"\nlevel = \"debug\"\n\n[webrtc]\nudp_port = 0\nlisten_ip = \"127.0.0.1\"\n%s", dataDir, rooms)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// child is a running kogge process and the log lines it writes.
type child struct {
	t       *testing.T
	cmd     *exec.Cmd
	lines   chan map[string]any
	stderr  *syncBuffer
	done    chan error
	addr    string
	dataDir string
}

func startChild(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "KOGGE_RUN_MAIN=1"), env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, lines: make(chan map[string]any, 1000), stderr: &syncBuffer{}, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			c.stderr.Write(append(sc.Bytes(), '\n'))
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				select {
				case c.lines <- line:
				default:
				}
			}
		}
		close(c.lines)
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-c.done })
	return c
}

// syncBuffer is the child's stderr: written by the reader goroutine, read
// by the test (also while the child still runs, in a failure message).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startDaemon starts `kogge serve` and waits until it is ready.
func startDaemon(t *testing.T, cfgPath, dataDir string, env ...string) *child {
	t.Helper()
	c := startChild(t, env, "serve", "-config", cfgPath)
	c.dataDir = dataDir
	line := c.waitLog("kogge ready")
	c.addr = line["listen"].(string)
	return c
}

// waitLog returns the next log line whose message starts with msg.
func (c *child) waitLog(msg string) map[string]any {
	c.t.Helper()
	timeout := time.After(processDeadline)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("kogge exited before logging %q:\n%s", msg, c.stderr)
			}
			if m, _ := line["msg"].(string); strings.HasPrefix(m, msg) {
				return line
			}
		case <-timeout:
			c.t.Fatalf("no log line %q within %s:\n%s", msg, processDeadline, c.stderr)
		}
	}
}

// wait returns the exit error once the child has ended; a child still
// running after processDeadline fails the test (and is killed by cleanup).
func (c *child) wait() error {
	c.t.Helper()
	deadline := time.After(processDeadline)
	for {
		select {
		case _, ok := <-c.lines:
			if ok {
				continue
			}
		case <-deadline:
			c.t.Fatalf("kogge did not exit within %s:\n%s", processDeadline, c.stderr)
			return nil
		}
		break
	}
	select {
	case err := <-c.done:
		c.done <- err // for the cleanup
		return err
	case <-deadline:
		c.t.Fatalf("kogge did not exit within %s:\n%s", processDeadline, c.stderr)
		return nil
	}
}

// bookingsRootPage finds the page that holds the root of the bookings
// bucket, and the file's page size.
func bookingsRootPage(path string) (int64, int, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	var page int64
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("bookings"))
		if b == nil {
			return errors.New("no bookings bucket")
		}
		if page = int64(b.Root()); page == 0 {
			return errors.New("the bookings bucket is inline: book more")
		}
		return nil
	})
	return page, db.Info().PageSize, err
}

// local is an HTTP client on the daemon's control socket (acts as admin).
func (c *child) local() *http.Client { return controlClient(c.dataDir) }

func (c *child) call(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, "http://kogge"+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.local().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// ahead is an instant days from now at hour:00 UTC, for the tests that run
// a real daemon on the real clock (the API refuses the past). The test
// rooms have no bookable-hour limits, so any day and hour will do.
func ahead(days, hour int) string {
	d := time.Now().UTC().AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, time.UTC).Format(time.RFC3339)
}

// create books a room over the control socket and fails the test unless
// the daemon acknowledged it.
func (c *child) create(room, title, start, end string) bookingView {
	c.t.Helper()
	code, body := c.call("POST", "/api/v1/bookings", map[string]any{"room": room, "title": title, "start": start, "end": end})
	if code != 201 {
		c.t.Fatalf("create: %d %s", code, body)
	}
	var v bookingView
	if err := json.Unmarshal(body, &v); err != nil {
		c.t.Fatal(err)
	}
	return v
}

func TestServeNotifiesSystemdAndShutsDownOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	sockPath := filepath.Join(t.TempDir(), "notify.sock")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	messages := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := notify.Read(buf)
			if err != nil {
				close(messages)
				return
			}
			messages <- string(buf[:n])
		}
	}()
	expect := func(want string) {
		t.Helper()
		deadline := time.After(processDeadline)
		for {
			select {
			case m := <-messages:
				if strings.Contains(m, want) {
					return
				}
			case <-deadline:
				t.Fatalf("no %q from sd_notify", want)
			}
		}
	}
	d := startDaemon(t, writeConfig(t, dir, testRoomsTOML), dir, "NOTIFY_SOCKET="+sockPath, "WATCHDOG_USEC=100000")
	expect("READY=1")
	expect("WATCHDOG=1")

	resp, err := http.Get("http://" + d.addr + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", err, resp)
	}
	resp.Body.Close()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	expect("STOPPING=1")
	if err := d.wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.stderr)
	}
}

func TestSecondDaemonOnTheSameDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	startDaemon(t, cfg, dir)
	second := startChild(t, nil, "serve", "-config", cfg)
	if err := second.wait(); err == nil {
		t.Fatal("second kogge started on the same data dir")
	}
	if want := "data dir " + dir + " is in use by another kogge"; !strings.Contains(second.stderr.String(), want) {
		t.Fatalf("message %q lacks %q", second.stderr, want)
	}
}

func TestDamagedDatabaseIsRefusedWithoutCrashLoop(t *testing.T) {
	for name, damage := range map[string]func(path string) error{
		"garbage": func(path string) error {
			return os.WriteFile(path, bytes.Repeat([]byte("kogge"), 10000), 0o600)
		},
		"truncated": func(path string) error { return os.Truncate(path, 6000) },
		// A page the bookings live on, not whichever page happens to be
		// at some offset (a free page can be overwritten harmlessly).
		"page overwritten": func(path string) error {
			page, size, err := bookingsRootPage(path)
			if err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt(bytes.Repeat([]byte{0xff}, size), page*int64(size))
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeConfig(t, dir, testRoomsTOML)
			d := startDaemon(t, cfg, dir)
			for i := 0; i < 30; i++ {
				d.create("ratssaal", strings.Repeat("Ausschuss ", 10),
					ahead(30+i, 10), ahead(30+i, 11))
			}
			d.cmd.Process.Signal(syscall.SIGTERM)
			d.wait()
			db := filepath.Join(dir, "kogge.db")
			if err := damage(db); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(db)
			again := startChild(t, nil, "serve", "-config", cfg)
			if err := again.wait(); err == nil {
				t.Fatal("kogge started on a damaged database")
			}
			msg := again.stderr.String()
			if !strings.Contains(msg, db) || !strings.Contains(msg, "restore") {
				t.Fatalf("message names no file or remedy:\n%s", msg)
			}
			if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
				t.Fatal("the damaged file was changed")
			}
		})
	}
}

func TestSIGHUPReloadsRoomsButKeepsBookedOnes(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	d := startDaemon(t, cfg, dir)
	b := d.create("sitzungszimmer-2", "Personalrat", ahead(60, 10), ahead(60, 11))

	onlyRatssaal := testRoomsTOML[:strings.Index(testRoomsTOML, "[[rooms]]\nid = \"sitzungszimmer-2\"")]
	os.WriteFile(cfg, []byte(strings.Replace(mustRead(t, cfg), testRoomsTOML, onlyRatssaal, 1)), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	refused := d.waitLog("reload refused")
	if msg := fmt.Sprint(refused["err"]); !strings.Contains(msg, b.ID) || strings.Contains(msg, "Personalrat") {
		t.Fatalf("refusal does not name the booking: %s", msg)
	}
	if code, _ := d.call("GET", "/api/v1/rooms/sitzungszimmer-2", nil); code != 200 {
		t.Fatalf("room vanished after a refused reload: %d", code)
	}

	withThird := mustRead(t, cfg) + testRoomsTOML[strings.Index(testRoomsTOML, "[[rooms]]\nid = \"sitzungszimmer-2\""):] +
		"\n[[rooms]]\nid = \"trauzimmer\"\nname = \"Trauzimmer\"\ncapacity = 12\n"
	os.WriteFile(cfg, []byte(withThird), 0o600)
	// A keep-alive connection opened before the reload must survive it.
	client := &http.Client{}
	ready := func() {
		resp, err := client.Get("http://" + d.addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	ready()
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitLog("config reloaded")
	ready()
	if code, body := d.call("GET", "/api/v1/rooms/trauzimmer", nil); code != 200 {
		t.Fatalf("new room missing: %d %s", code, body)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoginAddressesStayOutOfTheAuditBucket(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	if code, _, errOut := kogge(t, "a long enough passphrase\n", "user", "add", "anna", "-config", cfg); code != 0 {
		t.Fatal(errOut)
	}
	d := startDaemon(t, cfg, dir)
	resp, err := http.Post("http://"+d.addr+"/api/v1/session", "application/json", strings.NewReader(`{"name":"anna","password":"wrong password!"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	line := d.waitLog("security: login.failure")
	if !strings.Contains(fmt.Sprint(line["detail"]), `addr="127.0.0.1"`) {
		t.Fatalf("security log lacks the address: %v", line)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait()
	raw, err := os.ReadFile(filepath.Join(dir, "kogge.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("127.0.0.1")) {
		t.Fatal("the database holds a client address")
	}
	if !bytes.Contains(raw, []byte("login.failure")) {
		t.Fatal("the failure was not audited")
	}
}

// TestEventsStream checks the timeline's wiring end to end: a booking made
// inside its prep lead fires its prep event at once, and the room's SSE
// stream carries it.
func TestEventsStream(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, writeConfig(t, dir, testRoomsTOML), dir)
	req, _ := http.NewRequest("GET", "http://kogge/api/v1/events?room=ratssaal", nil)
	resp, err := d.local().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, ct)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	start := time.Now().UTC().Truncate(time.Minute).Add(3 * time.Minute)
	b := d.create("ratssaal", "Ältestenrat", start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
	deadline := time.After(processDeadline)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("stream ended before the prep event")
			}
			if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"kind":"prep"`) {
				if !strings.Contains(line, b.ID) || strings.Contains(line, "Ältestenrat") {
					t.Fatalf("prep event %s: want the booking id and no title", line)
				}
				return
			}
		case <-deadline:
			t.Fatal("no prep event")
		}
	}
}
