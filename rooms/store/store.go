package store

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/etcdrepl"
	"github.com/kogge-project/kogge/rooms/store/kv"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// DefaultOpenTimeout is how long Open waits for another process's lock.
const DefaultOpenTimeout = 2 * time.Second

// maxBatchDelay is how long a group of concurrent creates (group.go) waits
// at most for creates still in their read phase before it commits; a
// group whose creates have all joined commits at once. 2ms (the earlier
// setting, when bbolt's Batch always waited it out) cut bursts into
// several commits once the allocator moved into the read phase; 5ms still
// did on the loaded bench machine, 10ms did not (bench/storevspg).
var maxBatchDelay = 10 * time.Millisecond

// Sentinel errors; wrap with %w and test with errors.Is.
var (
	ErrLocked       = errors.New("stop it first, or give this one another data_dir")
	ErrSchemaTooNew = errors.New("database schema is newer than this kogge")
	ErrBadCursor    = errors.New("invalid pagination cursor")
	// ErrExternalExists: Create was given an external reference another
	// booking already has (the error names the reference and that booking).
	ErrExternalExists = errors.New("external reference belongs to another booking")
)

// Options tune a Store. The zero value is valid.
type Options struct {
	// OpenTimeout bounds the wait for the file lock (default 2s). Zero would
	// mean "forever" to bbolt, which would hang a second kogge silently.
	OpenTimeout time.Duration
	// Now is the clock for Created/Updated, audit times and IDs (default time.Now).
	Now func() time.Time
	// ObserveTx, if set, is called after every transaction with its kind
	// and duration (a metrics hook).
	ObserveTx func(op string, d time.Duration)
	// Logger receives migration notes; default discards.
	Logger *slog.Logger
	// Etcd, if set, makes the file this node's copy of a store shared
	// through an etcd cluster (replica.go), under the keys EtcdPrefix….
	Etcd       *clientv3.Client
	EtcdPrefix string
	// SyncTimeout bounds bringing the copy up to date at open (default
	// DefaultSyncTimeout).
	SyncTimeout time.Duration
}

// DefaultSyncTimeout is how long Open waits for a cluster's store.
const DefaultSyncTimeout = 30 * time.Second

// Store is the booking store. It is safe for concurrent use.
type Store struct {
	db      *kv.DB
	path    string
	now     func() time.Time
	observe func(op string, d time.Duration)
	log     *slog.Logger
	ids     *idSource

	// creating counts Create calls in flight: a lone create commits at once
	// instead of waiting out maxBatchDelay for company that isn't coming.
	creating atomic.Int64
	// onWrite, if set (benchmarks only), is called inside every write
	// transaction; it lets a benchmark count commits.
	onWrite func(*kv.Tx)
	// afterCheck, if set (tests only), runs between Create's read phase
	// and its write transaction.
	afterCheck func()
	// allocator is the licence allocator (SetAllocator), nil if none.
	allocator atomic.Pointer[Allocator]
	// group gathers concurrent creates into one commit (group.go).
	group group
	// claims are the licences creates in flight chose (create_check.go).
	claims claims
	// changes is the change feed (Subscribe).
	changes listeners[rooms.Change]
	// seriesChanges is the series operations' feed (SubscribeSeries).
	seriesChanges listeners[rooms.SeriesChange]
	// reported holds the damaged records already logged (damaged.go).
	reported sync.Map
	// diskFull: the last commit failed for want of space (diskfull.go).
	diskFull atomic.Bool
	// repl replicates through etcd (replica.go); nil on one machine.
	repl *etcdrepl.Replicator
}

// Open opens or creates the store at path (mode 0600), migrates it to
// SchemaVersion and refuses files written by a newer kogge.
func Open(path string, opts Options) (*Store, error) {
	if opts.OpenTimeout <= 0 {
		opts.OpenTimeout = DefaultOpenTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.OpenTimeout})
	if err != nil {
		return nil, openError(path, err)
	}
	s := &Store{
		db:      kv.Wrap(db),
		path:    path,
		now:     opts.Now,
		observe: opts.ObserveTx,
		log:     opts.Logger,
		ids:     newIDSource(),
	}
	if opts.Etcd != nil {
		if opts.SyncTimeout <= 0 {
			opts.SyncTimeout = DefaultSyncTimeout
		}
		if err := s.joinCluster(opts); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := s.migrate(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openError(path string, err error) error {
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("data dir %s is in use by another kogge: %w", filepath.Dir(path), ErrLocked)
	}
	if _, ok := errors.AsType[*fs.PathError](err); ok {
		return err // already names the file
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// Close closes the file; it waits for running transactions.
func (s *Store) Close() error {
	if s.repl != nil {
		s.repl.Close()
	}
	return s.db.Close()
}

// Clustered says whether the store is shared through etcd.
func (s *Store) Clustered() bool { return s.repl != nil }

// DB exposes the bbolt handle so that rooms/accounts can keep its buckets
// in the same file (one lock, one backup).
func (s *Store) DB() *kv.DB { return s.db }

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// view and update run a closure transaction and report its duration.
func (s *Store) view(op string, fn func(*kv.Tx) error) error {
	defer s.timed(op)()
	return s.db.View(fn)
}

// update is one timed write transaction (writeTx, group.go).
func (s *Store) update(op string, fn func(*kv.Tx) error) error {
	defer s.timed(op)()
	return s.writeTx(fn)
}

func (s *Store) timed(op string) func() {
	if s.observe == nil {
		return func() {}
	}
	start := time.Now()
	return func() { s.observe(op, time.Since(start)) }
}
