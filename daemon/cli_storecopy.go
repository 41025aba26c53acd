package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/store/etcdrepl"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// `kogge store copy --from SRC --to DST` moves an installation between one
// machine's bbolt file and an etcd cluster, in either direction. The etcd
// side is always the config file's [store.etcd] (endpoints, TLS, prefix):
// the same settings the nodes will use, so the copy lands where they look.
// The store is held in memory while it is copied (Kogge's stores are tens
// of megabytes).

// etcdTxnBytes keeps each transaction under etcd's default request limit
// (--max-request-bytes, 1.5 MiB).
const etcdTxnBytes = 1 << 20

func runStore(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		return errors.New("usage: kogge store copy --from bbolt:PATH|etcd --to etcd|bbolt:PATH [-config FILE]")
	}
	return runStoreCopy(args[1:], stdout, stderr)
}

// storeEnd is one side of a copy: a bbolt file, or etcd (path empty).
type storeEnd struct{ bbolt string }

func (e storeEnd) String() string {
	if e.bbolt == "" {
		return "etcd"
	}
	return e.bbolt
}

func parseStoreEnd(flagName, v string) (storeEnd, error) {
	switch {
	case v == "etcd" || v == "etcd:":
		return storeEnd{}, nil
	case strings.HasPrefix(v, "etcd:"):
		return storeEnd{}, fmt.Errorf("--%s %s: the etcd cluster is the one in the config file's [store.etcd] (endpoints, certificates, prefix); write just etcd", flagName, v)
	case strings.HasPrefix(v, "bbolt:") && len(v) > len("bbolt:"):
		return storeEnd{bbolt: strings.TrimPrefix(v, "bbolt:")}, nil
	}
	return storeEnd{}, fmt.Errorf("--%s must be bbolt:PATH (a Kogge database file) or etcd (the cluster of the config file), not %q", flagName, v)
}

func runStoreCopy(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("store copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fromFlag := fs.String("from", "", "bbolt:PATH or etcd")
	toFlag := fs.String("to", "", "etcd or bbolt:PATH")
	cfgPath := fs.String("config", "", "config file whose [store.etcd] names the cluster")
	txnOps := fs.Int("txn-ops", 128, "operations per etcd transaction (at most the cluster's --max-txn-ops)")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	from, err := parseStoreEnd("from", *fromFlag)
	if err != nil {
		return err
	}
	to, err := parseStoreEnd("to", *toFlag)
	if err != nil {
		return err
	}
	if (from.bbolt == "") == (to.bbolt == "") {
		return errors.New("one side of a copy is a bbolt file (bbolt:PATH), the other etcd; to copy a file, use kogge backup")
	}
	if *cfgPath == "" {
		return errors.New("-config FILE is required: its [store.etcd] names the cluster and the prefix")
	}
	cfg, _, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	ecfg := cfg.Store.Etcd
	if len(ecfg.Endpoints) == 0 {
		return fmt.Errorf("%s names no etcd cluster: set endpoints in [store.etcd]", *cfgPath)
	}
	cli, err := etcdClient(ecfg)
	if err != nil {
		return fmt.Errorf("store.etcd: %w", err)
	}
	defer cli.Close()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ctx, stop := context.WithTimeout(ctx, *timeout)
	defer stop()
	where := fmt.Sprintf("etcd (%s, prefix %q)", strings.Join(ecfg.Endpoints, ", "), ecfg.Prefix)
	if to.bbolt == "" {
		return copyToEtcd(ctx, cli, ecfg.Prefix, where, from.bbolt, *txnOps, stdout)
	}
	return copyFromEtcd(ctx, cli, ecfg.Prefix, where, to.bbolt, stdout)
}

// lockedByDaemon says in words why a bbolt file cannot be copied now.
func lockedByDaemon(path string) error {
	return fmt.Errorf("%s is held by a running Kogge daemon (its file lock is taken): stop it first (systemctl stop kogge); the daemon must not run on the file while it is copied", path)
}

func copyToEtcd(ctx context.Context, cli *clientv3.Client, prefix, where, path string, txnOps int, stdout io.Writer) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	if err := checkIntegrity(path, time.Second); err != nil {
		if errors.Is(err, store.ErrLocked) {
			return lockedByDaemon(path)
		}
		return fmt.Errorf("%s cannot be copied: %w", path, err)
	}
	// Read-only under a shared lock, held until the copy is verified: a
	// daemon started meanwhile waits for it instead of writing.
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return lockedByDaemon(path)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	muts, err := kv.Dump(db)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	n, err := etcdrepl.Occupied(ctx, cli, prefix)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if n > 0 {
		return fmt.Errorf("%s already holds %d keys: a store is copied only into an empty prefix. "+
			"Stop every Kogge node of that cluster, then give [store.etcd] prefix an unused value, "+
			"or remove the old keys deliberately (etcdctl del --prefix %q)", where, n, prefix)
	}
	rev, err := etcdrepl.Load(ctx, cli, prefix, muts, txnOps, etcdTxnBytes, nil)
	if err != nil {
		return fmt.Errorf("copying into %s stopped: %w; the prefix now holds part of the store and no node may use it: remove it (etcdctl del --prefix %q) and copy again", where, err, prefix)
	}
	_, got, err := etcdrepl.Snapshot(ctx, cli, prefix)
	if err != nil {
		return fmt.Errorf("reading the copy back from %s: %w", where, err)
	}
	fmt.Fprintf(stdout, "copied %s into %s; the store's revision is %d\n", path, where, rev)
	if err := printVerification(stdout, muts, got); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "start the nodes with [store] backend = \"etcd\"; remove a kogge-cluster.db left on a node from an earlier cluster first, so that it loads this store")
	return nil
}

func copyFromEtcd(ctx context.Context, cli *clientv3.Client, prefix, where, path string, stdout io.Writer) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists: a copy writes only a new file; move the old one away or name another", path)
	}
	rev, muts, err := etcdrepl.Snapshot(ctx, cli, prefix)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if rev == 0 && len(muts) == 0 {
		return fmt.Errorf("%s holds no Kogge store: check [store.etcd] prefix", where)
	}
	// Written beside the target and linked into place once verified: the
	// target is a whole, checked store or absent.
	tmp := path + ".partial"
	os.Remove(tmp)
	defer os.Remove(tmp)
	db, err := bbolt.Open(tmp, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	if err := kv.Load(db, muts, 0); err != nil {
		db.Close()
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	got, err := kv.Dump(db)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reading the copy back from %s: %w", tmp, err)
	}
	fmt.Fprintf(stdout, "copied the store of %s at revision %d into %s\n", where, rev, path)
	if err := printVerification(stdout, muts, got); err != nil {
		return err
	}
	// A link, unlike a rename, never replaces a file that appeared meanwhile.
	if err := os.Link(tmp, path); err != nil {
		return fmt.Errorf("putting the copy in place: %w", err)
	}
	fmt.Fprintln(stdout, "it is a single-machine store: put it in the data dir as kogge.db and start Kogge with [store] backend = \"bbolt\"")
	return nil
}

// errCopyMismatch makes the command exit non-zero after the table.
var errCopyMismatch = errors.New("the copy differs from its source (see the table): do not use it")

// printVerification prints, per top-level bucket, the number of keys and a
// SHA-256 over the sorted buckets, keys and values on both sides.
func printVerification(w io.Writer, from, to []kv.Mutation) error {
	a, b := sumsByName(kv.Summarize(from)), sumsByName(kv.Summarize(to))
	names := slices.Sorted(maps.Keys(a))
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BUCKET\tKEYS\tKEYS (COPY)\tSHA-256\tSHA-256 (COPY)\tRESULT")
	bad, keys := 0, 0
	for _, n := range names {
		sa, okA := a[n]
		sb, okB := b[n]
		verdict := "same"
		if !okA || !okB || sa != sb {
			verdict, bad = "DIFFERENT", bad+1
		}
		keys += sa.Keys
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", n, sa.Keys, sb.Keys, shortSum(sa, okA), shortSum(sb, okB), verdict)
	}
	tw.Flush()
	if bad > 0 {
		fmt.Fprintf(w, "%d of %d buckets differ\n", bad, len(names))
		return errCopyMismatch
	}
	fmt.Fprintf(w, "verified: %d buckets, %d keys, the same on both sides\n", len(names), keys)
	return nil
}

func sumsByName(list []kv.BucketSum) map[string]kv.BucketSum {
	m := make(map[string]kv.BucketSum, len(list))
	for _, s := range list {
		m[s.Name] = s
	}
	return m
}

func shortSum(s kv.BucketSum, ok bool) string {
	if !ok {
		return "missing"
	}
	return hex.EncodeToString(s.SHA256[:8])
}
