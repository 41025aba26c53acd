package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/etcdrepl"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// On a cluster (Options.Etcd) the bbolt file is this node's copy of the
// shared store (rooms/store/etcdrepl). Each commit carries, besides its
// keys, what it means for the change feed — the bookings before and after,
// who did it, the series operation — so that every other node's listeners
// (timelines, open pages, meetings) hear the same changes in commit order
// without decoding keys. They hear them with Remote set.

// wireCommit is a commit's changes as other nodes receive them; bookings
// in the store's own record format.
type wireCommit struct {
	Changes []wireChange `json:"c,omitempty"`
	Series  []wireSeries `json:"s,omitempty"`
}

type wireChange struct {
	Before []byte `json:"b,omitempty"`
	After  []byte `json:"a,omitempty"`
	Actor  string `json:"u"`
	Action string `json:"o"`
}

type wireSeries struct {
	Series      rooms.Series `json:"s"`
	Template    []byte       `json:"t"`
	Occurrences [][]byte     `json:"occ"`
	Actor       string       `json:"u"`
	Action      string       `json:"o"`
	From        time.Time    `json:"f"`
}

// metaOf is what tx means for the change feed, for the other nodes.
func (s *Store) metaOf(tx *kv.Tx) []byte {
	v, ok := recording.Load(tx)
	if !ok {
		return nil // the accounts' transactions: no booking changes
	}
	tc := v.(*txChanges)
	if len(tc.list) == 0 && len(tc.series) == 0 {
		return nil
	}
	var w wireCommit
	for _, c := range tc.list {
		wc := wireChange{Actor: c.Actor, Action: c.Action}
		if c.Before != nil {
			wc.Before = encodeBooking(c.Before)
		}
		if c.After != nil {
			wc.After = encodeBooking(c.After)
		}
		w.Changes = append(w.Changes, wc)
	}
	for _, sc := range tc.series {
		ws := wireSeries{Series: sc.Series, Template: encodeBooking(&sc.Series.Template),
			Actor: sc.Actor, Action: sc.Action, From: sc.From}
		ws.Series.Template = rooms.Booking{}
		for i := range sc.Occurrences {
			ws.Occurrences = append(ws.Occurrences, encodeBooking(&sc.Occurrences[i]))
		}
		w.Series = append(w.Series, ws)
	}
	out, err := json.Marshal(w)
	if err != nil {
		s.log.Error("encoding a commit's changes for the cluster", "err", err)
		return nil
	}
	return out
}

// hearRemote publishes another node's commit to this node's listeners.
func (s *Store) hearRemote(meta []byte) {
	var w wireCommit
	if err := json.Unmarshal(meta, &w); err != nil {
		s.log.Error("a commit from the cluster could not be read; its changes are not shown here until restart", "err", err)
		return
	}
	var list []*rooms.Change
	for _, wc := range w.Changes {
		c := &rooms.Change{Actor: wc.Actor, Action: wc.Action, Remote: true}
		var err error
		if c.Before, err = decodeOptional(wc.Before); err == nil {
			c.After, err = decodeOptional(wc.After)
		}
		if err != nil {
			s.log.Error("a booking from the cluster could not be read", "err", err)
			continue
		}
		list = append(list, c)
	}
	s.publish(list)
	for _, ws := range w.Series {
		c := rooms.SeriesChange{Series: ws.Series, Actor: ws.Actor, Action: ws.Action, From: ws.From, Remote: true}
		if err := decodeBooking(ws.Template, &c.Series.Template); err != nil {
			s.log.Error("a series from the cluster could not be read", "err", err)
			continue
		}
		for _, o := range ws.Occurrences {
			var b rooms.Booking
			if err := decodeBooking(o, &b); err == nil {
				c.Occurrences = append(c.Occurrences, b)
			}
		}
		for _, l := range s.seriesChanges.current() {
			l(c)
		}
	}
}

func decodeOptional(v []byte) (*rooms.Booking, error) {
	if v == nil {
		return nil, nil
	}
	var b rooms.Booking
	if err := decodeBooking(v, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// joinCluster makes db this node's copy of the cluster's store and brings
// it up to date before the store is used.
func (s *Store) joinCluster(opts Options) error {
	s.repl = etcdrepl.New(etcdrepl.Options{
		Client: opts.Etcd, Prefix: opts.EtcdPrefix, OnRemote: s.hearRemote,
		Logger: s.log.With("component", "replication"),
	})
	db, err := kv.Replicated(s.db.Bolt(), s.repl, s.metaOf)
	if err != nil {
		return err
	}
	s.db = db
	ctx, cancel := context.WithTimeout(context.Background(), opts.SyncTimeout)
	defer cancel()
	if err := s.repl.Start(ctx, db); err != nil {
		s.repl.Close()
		return fmt.Errorf("store: joining the cluster: %w", err)
	}
	return nil
}

// reachTimeout bounds ClusterReachable's question to the cluster.
const reachTimeout = 2 * time.Second

// ClusterReachable says whether this node can serve (/readyz): nil on one
// machine; on a cluster, whether a quorum answers, the copy was not
// reloaded under the running node, and no newer Kogge migrated the store.
func (s *Store) ClusterReachable() error {
	if s.repl == nil {
		return nil
	}
	if s.repl.Reloaded() {
		return errors.New("this node's copy fell behind the cluster and was reloaded; restart the node so that every part reads it afresh")
	}
	var v uint64
	if err := s.db.View(func(tx *kv.Tx) error { v = schemaOf(tx); return nil }); err != nil {
		return err
	}
	if v > SchemaVersion {
		// Another node, a newer Kogge, migrated the shared store.
		return fmt.Errorf("the cluster's store has schema %d, this node knows only up to %d: update this node", v, SchemaVersion)
	}
	ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
	defer cancel()
	return s.repl.Reachable(ctx)
}

// Unavailable says whether err is the cluster not answering (nothing was
// written; trying later may succeed).
func Unavailable(err error) bool { return errors.Is(err, etcdrepl.ErrUnavailable) }

// CatchUp waits until this node's copy reflects every commit the cluster
// had made when it was called (a read after another node's write); nil at
// once on one machine.
func (s *Store) CatchUp(ctx context.Context) error {
	if s.repl == nil {
		return nil
	}
	rev, err := s.repl.Latest(ctx)
	if err != nil {
		return err
	}
	return s.db.WaitApplied(ctx, rev)
}

// caughtUp says whether err is worth one more try: on a cluster, a booking
// not found or with another version than the caller's may be a write made
// on another node a moment ago that this copy has not applied yet; the
// copy catches up first.
func (s *Store) caughtUp(err error) bool {
	if s.repl == nil || !(errors.Is(err, rooms.ErrNotFound) || errors.Is(err, rooms.ErrVersionMismatch)) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
	defer cancel()
	return s.CatchUp(ctx) == nil
}
