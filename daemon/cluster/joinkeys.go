package cluster

// The join links' keys on a cluster (docs/cluster.md, "Join links"): a
// link is signed by the node that made it and opened through whichever
// node the load balancer picks, so every node must hold the same keys.
// They are kept in etcd (meet/join-keys, the key file's text), written
// once like the relay key:
//
//   - etcd has none: the first node to start writes this node's key file
//     if it has one — an installation moved from one machine keeps the
//     links it has sent out — or else a new random key.
//   - etcd has them: a node without a key file uses them; a node whose
//     key file differs refuses to start. Silently preferring either side
//     would hide a mistake: the file's keys would leave this node's links
//     refused everywhere else (the fault this closes), and etcd's would
//     keep a key working that an operator removed from the file to
//     withdraw the links it signed.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kogge-project/kogge/signaling/joinlink"
)

// JoinKeysKey is where the cluster's join link keys are (under the
// installation's prefix).
const JoinKeysKey = "meet/join-keys"

// JoinKeys returns the cluster's join link keys, writing them first if
// etcd has none (from file if it exists, else a random key). file is
// [webrtc] key_file ("": none); it is never created on a cluster.
// seeded says whether this call wrote them.
func JoinKeys(ctx context.Context, c *clientv3.Client, prefix, file string) (kr *joinlink.Keyring, seeded bool, err error) {
	var local *joinlink.Keyring
	if file != "" {
		local, err = joinlink.ReadKeyFile(file)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("join link keys: %w", err)
		}
	}
	seed := local
	if seed == nil {
		if seed, err = joinlink.NewRandomKeyring(); err != nil {
			return nil, false, fmt.Errorf("join link keys: %w", err)
		}
	}
	key := prefix + JoinKeysKey
	resp, err := c.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, seed.Text())).Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return nil, false, fmt.Errorf("join link keys in etcd: %w", err)
	}
	if resp.Succeeded {
		return seed, true, nil
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return nil, false, errors.New("join link keys in etcd: vanished while read; start the node again")
	}
	kr, err = joinlink.ParseKeyring(kvs[0].Value)
	if err != nil {
		return nil, false, fmt.Errorf("the cluster's join link keys in etcd (%s) are damaged (%v): put a whole key file there (etcdctl put %s < join.keys) and start the nodes again", key, err, key)
	}
	if local != nil && !local.Equal(kr) {
		return nil, false, fmt.Errorf("the join link key file %s differs from the cluster's keys in etcd (%s), so links made on the other nodes would not open here: "+
			"remove the file from this node to use the cluster's keys, or, to change the keys, put the file into etcd (etcdctl put %s < %s) and give every node the same file or none", file, key, key, file)
	}
	return kr, false, nil
}
