package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A user record with one flipped byte: the daemon still starts, the other
// users log in, the damaged one gets a problem in words, `kogge user list`
// lists the others, `passwd` names the record, and `kogge check-db` lists
// it, with the daemon stopped and running.
func TestDamagedUserRecord(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, testRoomsTOML)
	for _, name := range []string{"anna", "bernd"} {
		if code, _, errOut := kogge(t, "a long enough passphrase\n", "user", "add", name, "-config", cfg); code != 0 {
			t.Fatalf("add %s: %s", name, errOut)
		}
	}
	db, err := bolt.Open(filepath.Join(dir, "kogge.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("users"))
		v := append([]byte(nil), b.Get([]byte("anna"))...)
		v[0] ^= 1
		return b.Put([]byte("anna"), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	checkDB := func(when string) {
		t.Helper()
		code, out, errOut := kogge(t, "", "check-db", "-config", cfg)
		if code == 0 || !strings.Contains(out, `bucket users, key "anna"`) || strings.Contains(out, "bernd") {
			t.Fatalf("check-db %s: %d %q %q", when, code, out, errOut)
		}
	}
	checkDB("with the daemon stopped")
	if code, out, errOut := kogge(t, "", "user", "list", "-config", cfg); code != 0 || !strings.Contains(out, "bernd") {
		t.Fatalf("list: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := kogge(t, "another long passphrase\n", "user", "passwd", "anna", "-config", cfg); code == 0 ||
		!strings.Contains(errOut, "users") || !strings.Contains(errOut, "anna") {
		t.Fatalf("passwd: %d %q", code, errOut)
	}

	d := startDaemon(t, cfg, dir)
	login := func(name string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+d.addr+"/api/v1/session",
			strings.NewReader(`{"name":"`+name+`","password":"a long enough passphrase"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "en")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(body, &m)
		return resp.StatusCode, m
	}
	if code, _ := login("bernd"); code != http.StatusCreated {
		t.Fatalf("bernd's login: %d", code)
	}
	code, p := login("anna")
	if code != http.StatusInternalServerError || p["type"] != "/problems/damaged-record" ||
		!strings.Contains(p["detail"].(string), "damaged; nothing was changed") {
		t.Fatalf("anna's login: %d %v", code, p)
	}
	checkDB("over the control socket")
	if code, out, errOut := kogge(t, "", "user", "list", "-config", cfg); code != 0 || !strings.Contains(out, "bernd") {
		t.Fatalf("list over the socket: %d %q %q", code, out, errOut)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.wait()
}
