package etcdrepl

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/kogge-project/kogge/rooms/store/kv"
)

// Key layout under the configured prefix P (docs/cluster.md shows it
// beside the bbolt layout):
//
//	P store/log                     the last commit: its revision is the
//	                                store's revision, its value what the
//	                                commit means (the store's change feed)
//	P store/d/<b1>/<b2>//           bucket b2 inside b1 exists
//	P store/d/<b1>/<b2>//<key>      a key of that bucket, value as in bbolt
//	P nonce                         the last commit's random nonce: after
//	                                an ambiguous failure, a node finds out
//	                                whether its commit landed (settle)
//
// Bucket names are escaped (every byte outside A–Z a–z 0–9 _ . - as %XX)
// so they never contain "/"; the first "//" ends the bucket path and
// everything after it is the bbolt key, byte for byte. A bucket's keys are
// one contiguous range, as in bbolt, and a bucket with everything in it is
// one prefix.

func escape(name []byte) string {
	var sb strings.Builder
	for _, c := range name {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, "%%%02X", c)
		}
	}
	return sb.String()
}

func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out = append(out, s[i])
			continue
		}
		var c byte
		if i+2 >= len(s) {
			return nil, fmt.Errorf("etcdrepl: bad escape in %q", s)
		}
		if _, err := fmt.Sscanf(s[i+1:i+3], "%02X", &c); err != nil {
			return nil, fmt.Errorf("etcdrepl: bad escape in %q", s)
		}
		out = append(out, c)
		i += 2
	}
	return out, nil
}

// layout turns bucket paths and keys into etcd keys and back.
type layout struct{ prefix string }

func (l layout) store() string { return l.prefix + "store/" }
func (l layout) log() string   { return l.prefix + "store/log" }
func (l layout) data() string  { return l.prefix + "store/d/" }

// nonce holds the nonce of the store's last commit (settle). It lies
// outside store/ so that the nodes' watch does not carry it.
func (l layout) nonce() string { return l.prefix + "nonce" }

func (l layout) bucketPath(path [][]byte) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = escape(p)
	}
	return l.data() + strings.Join(parts, "/")
}

// marker is the key saying the bucket exists; keys follow it directly.
func (l layout) marker(path [][]byte) string { return l.bucketPath(path) + "//" }

func (l layout) key(path [][]byte, key []byte) string { return l.marker(path) + string(key) }

// subtree is the prefix of a bucket with its keys and nested buckets.
func (l layout) subtree(path [][]byte) string { return l.bucketPath(path) + "/" }

// parse turns an etcd key back into a bucket path and a key (nil for the
// bucket's marker).
func (l layout) parse(k []byte) (path [][]byte, key []byte, err error) {
	rest, ok := bytes.CutPrefix(k, []byte(l.data()))
	if !ok {
		return nil, nil, fmt.Errorf("etcdrepl: key %q outside the data prefix", k)
	}
	p, key, ok := bytes.Cut(rest, []byte("//"))
	if !ok || len(p) == 0 {
		return nil, nil, fmt.Errorf("etcdrepl: key %q has no bucket path", k)
	}
	for _, part := range strings.Split(string(p), "/") {
		name, err := unescape(part)
		if err != nil {
			return nil, nil, err
		}
		path = append(path, name)
	}
	if len(key) == 0 {
		key = nil
	}
	return path, key, nil
}

// mutation is what an etcd event or snapshot entry does to a local copy.
func (l layout) mutation(k, v []byte, deleted bool) (kv.Mutation, error) {
	path, key, err := l.parse(k)
	if err != nil {
		return kv.Mutation{}, err
	}
	switch {
	case key == nil && deleted:
		return kv.Mutation{Op: kv.DeleteBucket, Bucket: path}, nil
	case key == nil:
		return kv.Mutation{Op: kv.CreateBucket, Bucket: path}, nil
	case deleted:
		return kv.Mutation{Op: kv.Delete, Bucket: path, Key: key}, nil
	}
	return kv.Mutation{Op: kv.Put, Bucket: path, Key: key, Value: v}, nil
}
