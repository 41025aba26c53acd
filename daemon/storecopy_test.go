package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kogge-project/kogge/internal/etcdtest"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// etcdConfig writes a config whose [store.etcd] is cluster c under prefix;
// clustered makes it a node's config ([store] backend = "etcd").
func etcdConfig(t *testing.T, dataDir string, c *etcdtest.Cluster, prefix string, clustered bool) string {
	t.Helper()
	var eps []string
	for _, ep := range c.Endpoints() {
		eps = append(eps, fmt.Sprintf("%q", ep))
	}
	// writeConfig ends with the rooms; a [store.etcd] table may follow them.
	path := writeConfig(t, dataDir, testRoomsTOML+fmt.Sprintf("\n[store.etcd]\nendpoints = [%s]\nprefix = %q\nnode_name = \"copy-test\"\n", strings.Join(eps, ", "), prefix))
	if clustered {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		raw = []byte(strings.Replace(string(raw), "[store]\n", "[store]\nbackend = \"etcd\"\n", 1))
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// singleMachineStore writes a store with bookings, a series, accounts and,
// beside Kogge's own nested buckets, one of deeper nesting with names
// that need escaping in etcd; it returns the bookings and users.
func singleMachineStore(t *testing.T, path string) ([]rooms.Booking, []string) {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	for i := range 3 {
		b := rooms.Booking{Room: "ratssaal", Title: fmt.Sprintf("Sitzung %d", i), Kind: rooms.KindMeeting, Organizer: "Amt 10",
			Start: start.Add(time.Duration(i) * 3 * time.Hour), End: start.Add(time.Duration(i)*3*time.Hour + 2*time.Hour), Status: rooms.StatusConfirmed}
		if _, err := st.Create(b, "test"); err != nil {
			t.Fatal(err)
		}
	}
	var occ []rooms.Booking
	for i := range 5 {
		s := start.Add(time.Duration(i) * 7 * 24 * time.Hour)
		occ = append(occ, rooms.Booking{Room: "sitzungszimmer-2", Title: "Jour fixe", Kind: rooms.KindMeeting, Organizer: "Amt 20",
			Start: s, End: s.Add(time.Hour), Status: rooms.StatusConfirmed})
	}
	if _, _, _, err := st.CreateSeries(rooms.Series{Template: occ[0], Rule: "FREQ=WEEKLY;COUNT=5"}, occ, false, "test"); err != nil {
		t.Fatal(err)
	}
	acc, err := accounts.Open(st.DB(), accounts.Options{Argon2: accounts.Argon2Params{Time: 1, Memory: 64, Threads: 1, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"anna", "bernd"} {
		if _, err := acc.AddUser(u, accounts.RoleSecretary, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := acc.CreateToken("anna", "kalender"); err != nil {
		t.Fatal(err)
	}
	err = st.DB().Bolt().Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("zz test/nested%"))
		if err == nil {
			b, err = b.CreateBucket([]byte("a/b"))
		}
		if err == nil {
			b, err = b.CreateBucket([]byte("c"))
		}
		if err == nil {
			err = b.Put([]byte("key//with/slashes"), []byte{0, 1, 2})
		}
		if err == nil {
			err = b.Put([]byte{0xff, 0}, nil)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.List(store.Query{Limit: store.MaxLimit})
	if err != nil || len(page.Bookings) != 8 {
		t.Fatalf("source store: %d bookings, %v", len(page.Bookings), err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return page.Bookings, []string{"anna", "bernd"}
}

// openedStore lists what a file holds when opened as a store.
func openedStore(t *testing.T, path string) ([]rooms.Booking, []string) {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	page, err := st.List(store.Query{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := accounts.Open(st.DB(), accounts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	users, err := acc.Users()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	slices.Sort(names)
	return page.Bookings, names
}

// dumpSums is what a file holds, bucket by bucket, for comparison.
func dumpSums(t *testing.T, path string) ([]kv.BucketSum, bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var hasReplica bool
	db.View(func(tx *bolt.Tx) error {
		hasReplica = tx.Bucket([]byte(kv.ReplicaBucket)) != nil
		return nil
	})
	muts, err := kv.Dump(db)
	if err != nil {
		t.Fatal(err)
	}
	return kv.Summarize(muts), hasReplica
}

// A single machine's store goes into etcd and back out unchanged: every
// bucket (nested ones too), the bookings, the series, the accounts.
func TestStoreCopyBBoltToEtcdAndBack(t *testing.T) {
	c := etcdtest.Start(t, 3)
	dir := t.TempDir()
	src := filepath.Join(dir, "kogge.db")
	bookings, users := singleMachineStore(t, src)
	cfg := etcdConfig(t, dir, c, "kogge/", false)

	// Small transactions, so that the store takes many of them.
	code, out, errOut := kogge(t, "", "store", "copy", "--from", "bbolt:"+src, "--to", "etcd", "-config", cfg, "-txn-ops", "7")
	if code != 0 || !strings.Contains(out, "verified: ") || strings.Contains(out, "DIFFERENT") {
		t.Fatalf("copy into etcd: %d\n%s\n%s", code, out, errOut)
	}
	if !regexpLine(out, "zz test/nested%", " 2 ", " 2 ", "same") {
		t.Errorf("the table lacks the nested test bucket:\n%s", out)
	}

	// The prefix holds a store now: a second copy is refused, nothing written.
	code, _, errOut = kogge(t, "", "store", "copy", "--from", "bbolt:"+src, "--to", "etcd", "-config", cfg)
	if code == 0 || !strings.Contains(errOut, "a store is copied only into an empty prefix") {
		t.Fatalf("copy into a non-empty prefix: %d %s", code, errOut)
	}

	back := filepath.Join(t.TempDir(), "kogge.db")
	code, out, errOut = kogge(t, "", "store", "copy", "--from", "etcd", "--to", "bbolt:"+back, "-config", cfg)
	if code != 0 || !strings.Contains(out, "verified: ") {
		t.Fatalf("copy out of etcd: %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(back + ".partial"); !os.IsNotExist(err) {
		t.Error("the partial file was left behind")
	}
	code, _, errOut = kogge(t, "", "store", "copy", "--from", "etcd", "--to", "bbolt:"+back, "-config", cfg)
	if code == 0 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("copy onto an existing file: %d %s", code, errOut)
	}

	want, _ := dumpSums(t, src)
	got, hasReplica := dumpSums(t, back)
	if !reflect.DeepEqual(got, want) || hasReplica {
		t.Fatalf("round trip changed the file (replica bucket %v):\n%v\n%v", hasReplica, got, want)
	}
	gotBookings, gotUsers := openedStore(t, back)
	if !reflect.DeepEqual(gotBookings, bookings) || !reflect.DeepEqual(gotUsers, users) {
		t.Fatalf("the copy opens with other bookings or users:\n%v %v\nwant\n%v %v", gotBookings, gotUsers, bookings, users)
	}
}

// The file of a running daemon is not copied, and the refusal says why.
func TestStoreCopyRefusesAFileInUse(t *testing.T) {
	c := etcdtest.Start(t, 1)
	dir := t.TempDir()
	src := filepath.Join(dir, "kogge.db")
	singleMachineStore(t, src)
	held, err := store.Open(src, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, _, errOut := kogge(t, "", "store", "copy", "--from", "bbolt:"+src, "--to", "etcd", "-config", etcdConfig(t, dir, c, "kogge/", false))
	if code == 0 || !strings.Contains(errOut, "held by a running Kogge daemon") || !strings.Contains(errOut, "stop it first") {
		t.Fatalf("copy of a held file: %d %s", code, errOut)
	}
	if code, _, errOut := kogge(t, "", "store", "copy", "--from", "bbolt:"+src, "--to", "bbolt:/tmp/x.db", "-config", "x"); code == 0 || !strings.Contains(errOut, "one side of a copy is a bbolt file") {
		t.Fatalf("bbolt to bbolt: %d %s", code, errOut)
	}
}

// A backup of a cluster node, hot from its store or cold through the
// command line, is a single-machine store: no node-local bucket, the
// cluster's bookings and accounts.
func TestBackupOfAClusterNodeIsASingleMachineStore(t *testing.T) {
	c := etcdtest.Start(t, 3)
	node := newTestEnv(t, withClusterNode(c, "kogge1", true))
	anna := node.login("anna")
	if r := anna.do("POST", "/api/v1/bookings", booking(nil)); r.status != 201 {
		t.Fatalf("booking on the node: %d %s", r.status, r.body)
	}

	hot := filepath.Join(t.TempDir(), "hot.db")
	f, err := os.Create(hot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := node.store.WriteBackup(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, hasReplica := dumpSums(t, hot); hasReplica {
		t.Fatal("the node's backup carries its _replica bucket")
	}
	assertSingleMachine(t, hot)

	// Cold, from a node whose data dir has no copy yet: it loads the
	// cluster's store at one revision, then writes the backup.
	dir := t.TempDir()
	cfg := etcdConfig(t, dir, c, "kogge/", true)
	cold := filepath.Join(t.TempDir(), "cold.db")
	if code, out, errOut := kogge(t, "", "backup", "-o", cold, "-config", cfg); code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("backup from the cluster: %d %s %s", code, out, errOut)
	}
	if _, hasReplica := dumpSums(t, cold); hasReplica {
		t.Fatal("the cold backup carries the _replica bucket")
	}
	assertSingleMachine(t, cold)
	if code, _, errOut := kogge(t, "", "restore", "-from", cold, "-config", cfg); code == 0 || !strings.Contains(errOut, "store copy") {
		t.Fatalf("restore on a cluster: %d %s", code, errOut)
	}
}

// assertSingleMachine opens path as one machine's store: one booking, the
// accounts newTestEnv made.
func assertSingleMachine(t *testing.T, path string) {
	t.Helper()
	if err := store.CheckFile(path, time.Second); err != nil {
		t.Fatal(err)
	}
	bookings, users := openedStore(t, path)
	if len(bookings) != 1 || bookings[0].Title != "Hauptausschuss" || !reflect.DeepEqual(users, []string{"admin", "anna"}) {
		t.Fatalf("backup holds %v and users %v", bookings, users)
	}
}
