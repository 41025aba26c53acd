package systemd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kogge-project/kogge/internal/testdeps"
)

// maxExposure is the highest `systemd-analyze security` score we accept
// (0 = locked down, 10 = fully exposed; systemd calls up to 2.0 "OK").
const maxExposure = 2.0

const installedBinary = "/usr/local/bin/kogge"

// analyze returns the path of systemd-analyze (installed when missing, see
// testdeps). Its absence fails the test: a skipped hardening check is one
// nobody notices is gone.
func analyze(t *testing.T) string {
	t.Helper()
	return testdeps.Command(t, "systemd-analyze", "systemd")
}

// testUnit writes the unit to a temporary kogge.service whose ExecStart runs
// /bin/true with the same arguments: verify insists that the binary exists,
// and the daemon's binary is not installed here (nor need it be: what is
// checked is the unit, not the program).
func testUnit(t *testing.T) string {
	t.Helper()
	if !bytes.Contains(Unit, []byte("ExecStart="+installedBinary+" ")) {
		t.Fatalf("unit no longer starts %s", installedBinary)
	}
	unit := bytes.ReplaceAll(Unit, []byte("ExecStart="+installedBinary+" "), []byte("ExecStart=/bin/true "))
	path := filepath.Join(t.TempDir(), "kogge.service")
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(analyze(t), args...)
	// Plain output regardless of the terminal: no colours, no pager.
	cmd.Env = append(os.Environ(), "SYSTEMD_COLORS=0", "SYSTEMD_PAGER=", "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestUnitVerifies(t *testing.T) {
	out, err := run(t, "verify", testUnit(t))
	var problems []string
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		// verify also loads units the machine has installed and complains
		// about those; only lines about our unit count.
		if strings.Contains(line, "kogge.service") {
			problems = append(problems, line)
		} else {
			t.Logf("ignored: %s", line)
		}
	}
	if len(problems) > 0 {
		t.Errorf("systemd-analyze verify reports:\n%s", strings.Join(problems, "\n"))
	}
	if err != nil && len(problems) == 0 {
		t.Logf("systemd-analyze verify exited with %v on other units' problems", err)
	}
}

var exposureLine = regexp.MustCompile(`Overall exposure level for kogge\.service: (\d+\.\d+)`)

func TestUnitSecurityExposure(t *testing.T) {
	out, err := run(t, "security", "--offline=true", "--no-pager", testUnit(t))
	m := exposureLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in systemd-analyze security output (%v):\n%s", err, out)
	}
	score, _ := strconv.ParseFloat(m[1], 64)
	t.Logf("systemd-analyze security: exposure %.1f (limit %.1f)", score, maxExposure)
	if score > maxExposure {
		t.Errorf("exposure %.1f above %.1f; what is still open:\n%s", score, maxExposure, openItems(out))
	}
}

// openItems keeps the ✗ lines of the security table: what raises the score.
func openItems(out string) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "✗") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// The daemon relies on these lines; the hardening test would not notice if
// one went missing, so they are checked by name.
func TestUnitDirectives(t *testing.T) {
	want := []string{
		"Type=notify",
		"NotifyAccess=main",
		"ExecStart=/usr/local/bin/kogge serve -config /etc/kogge/kogge.toml",
		"ExecReload=/bin/kill -HUP $MAINPID",
		"WatchdogSec=30s",
		"Restart=on-failure",
		"RestartSec=5s",
		"TimeoutStopSec=15s",
		"DynamicUser=yes",
		"StateDirectory=kogge",
		"StateDirectoryMode=0700",
		"ConfigurationDirectory=kogge",
		"UMask=0077",
		"SystemCallFilter=@system-service",
	}
	lines := map[string]bool{}
	for line := range strings.Lines(string(Unit)) {
		lines[strings.TrimSpace(line)] = true
	}
	for _, w := range want {
		if !lines[w] {
			t.Errorf("kogge.service lacks %q", w)
		}
	}
}
