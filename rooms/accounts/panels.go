package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store/kv"
)

// A room panel is a tablet at a room's door. It pairs without an account:
//
//  1. the panel asks for a pairing (CreatePairing) and shows its six-digit
//     code; it keeps the pairing's secret, the only credential to poll it;
//  2. an admin approves the code for a room (ApprovePairing): the panel
//     device exists from then on, still without a token;
//  3. the panel's next poll with the secret (ClaimPairing) makes the device
//     token, hands it over once and deletes the pairing.
//
// The token is made at the moment it is handed over, so no plaintext ever
// waits in the database. Only SHA-256 digests of tokens and secrets are kept.

// Panel is a paired panel device as admins see it.
type Panel struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Room     string    `json:"room"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	// Claimed: the panel has fetched its token (false between approval and
	// the panel's next poll).
	Claimed bool `json:"claimed"`
}

// Pairing is a panel waiting for an admin; the secret is never part of it.
type Pairing struct {
	ID       string    `json:"id"`
	Code     string    `json:"code"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	Approved string    `json:"approved,omitempty"` // the panel device's ID
	// Network is where the panel asked from, as a /24 (IPv4) or /64 (IPv6)
	// prefix: what admins see, and what MaxPendingPairingsPerNetwork counts.
	Network string `json:"network,omitempty"`
}

type pairingRecord struct {
	Pairing
	SecretHash []byte `json:"secret_hash"`
}

type panelRecord struct {
	Panel
	TokenHash []byte `json:"token_hash,omitempty"`
}

// Limits of pairing; named so tests and docs agree.
const (
	PairingTTL = 10 * time.Minute
	// MaxPendingPairings bounds unapproved pairings (an anonymous caller
	// cannot fill the database: at a few hundred bytes each, 200 are some
	// 60 KB). Past it the oldest unapproved one gives way to the new one,
	// so a flood can delay a real panel but never lock it out; a panel
	// whose pairing gave way finds it gone at its next poll and asks
	// again. 200 is several times every panel of a large town hall
	// pairing at once, and filling it takes 100 networks (see
	// MaxPendingPairingsPerNetwork).
	MaxPendingPairings = 200
	// MaxPendingPairingsPerNetwork bounds the unapproved pairings from one
	// /24 (IPv4) or /64 (IPv6), so one caller cannot hold the whole table.
	MaxPendingPairingsPerNetwork = 2
	pairingBurst                 = 10
	pairingEvery                 = 30 * time.Second
	panelTokenPrefix             = "kgp_"
	maxPanelNameLen              = 64
)

var (
	ErrNoSuchPairing = errors.New("no such pairing, or it expired")
	// ErrTooManyPairingsHere: MaxPendingPairingsPerNetwork from the
	// caller's network already wait. It comes wrapped in a
	// *PairingsWaitingError that says when the oldest of them expires.
	ErrTooManyPairingsHere = errors.New("too many panels from this network are waiting to be paired")
	ErrInvalidPanel        = errors.New("invalid panel token")
	ErrNoSuchPanel         = errors.New("no such panel")
	ErrInvalidPanelName    = fmt.Errorf("invalid panel name: 1 to %d characters, no control characters", maxPanelNameLen)
)

// PairingsWaitingError refuses a pairing past MaxPendingPairingsPerNetwork;
// RetryAfter is when the oldest waiting one from that network expires.
type PairingsWaitingError struct {
	RetryAfter time.Duration
}

func (e *PairingsWaitingError) Error() string { return ErrTooManyPairingsHere.Error() }

func (e *PairingsWaitingError) Unwrap() error { return ErrTooManyPairingsHere }

// CreatePairing starts pairing a panel from addr. It returns the pairing
// and its secret (shown to the panel once, stored as a digest). Rate
// limited per address; at most MaxPendingPairingsPerNetwork wait from one
// /24 or /64 (a *PairingsWaitingError past it), and MaxPendingPairings in
// all: past that the oldest waiting one gives way.
func (s *Service) CreatePairing(addr string) (Pairing, string, error) {
	now := s.now().UTC()
	network := Network(addr)
	res, wait, _ := s.pairAddrs.reserve(addrKey(addr), now)
	if wait > 0 {
		return Pairing{}, "", &RateLimitError{RetryAfter: wait}
	}
	secret, _ := newSecret()
	h := sha256.Sum256([]byte(secret))
	id, err := ulid.New(ulid.Timestamp(now), rand.Reader)
	if err != nil {
		return Pairing{}, "", err
	}
	p := Pairing{ID: id.String(), Created: now, Expires: now.Add(PairingTTL), Network: network}
	err = s.db.Update(func(tx *kv.Tx) error {
		pending, err := livePairings(tx, now, true)
		if err != nil {
			return err
		}
		var here []pairingRecord
		for _, q := range pending {
			if q.Network == network {
				here = append(here, q)
			}
		}
		if len(here) >= MaxPendingPairingsPerNetwork {
			first := slices.MinFunc(here, func(a, b pairingRecord) int { return a.Expires.Compare(b.Expires) })
			return &PairingsWaitingError{RetryAfter: first.Expires.Sub(now)}
		}
		// livePairings lists by id, a ULID: oldest first.
		for len(pending) >= MaxPendingPairings {
			if err := tx.Bucket(bucketPairings).Delete([]byte(pending[0].ID)); err != nil {
				return err
			}
			pending = pending[1:]
		}
		for {
			p.Code = randomCode()
			if !slices.ContainsFunc(pending, func(q pairingRecord) bool { return q.Code == p.Code }) {
				break
			}
		}
		return putPairing(tx, &pairingRecord{Pairing: p, SecretHash: h[:]})
	})
	if err != nil {
		res.cancel()
		return Pairing{}, "", err
	}
	return p, secret, nil
}

func randomCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func putPairing(tx *kv.Tx, r *pairingRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketPairings).Put([]byte(r.ID), v)
}

// livePairings deletes expired pairings and returns the others (only the
// unapproved ones if pendingOnly).
func livePairings(tx *kv.Tx, now time.Time, pendingOnly bool) ([]pairingRecord, error) {
	b := tx.Bucket(bucketPairings)
	var out []pairingRecord
	var stale [][]byte
	var unclaimed []string // panels approved but never fetched by their tablet
	err := b.ForEach(func(k, v []byte) error {
		var r pairingRecord
		if err := json.Unmarshal(v, &r); err != nil || !now.Before(r.Expires) {
			stale = append(stale, append([]byte(nil), k...))
			if err == nil && r.Approved != "" {
				unclaimed = append(unclaimed, r.Approved)
			}
			return nil
		}
		if !pendingOnly || r.Approved == "" {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if tx.Writable() {
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return nil, err
			}
		}
		// An approval the tablet never picked up would otherwise stay in
		// the admin's list forever as a panel nobody holds.
		for _, id := range unclaimed {
			p, err := getPanel(tx, id)
			if err != nil {
				return nil, err
			}
			if p != nil && !p.Claimed {
				if err := tx.Bucket(bucketPanels).Delete([]byte(id)); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// Pairings lists the pairings waiting for an admin, oldest first.
func (s *Service) Pairings() ([]Pairing, error) {
	var out []Pairing
	err := s.db.View(func(tx *kv.Tx) error {
		rs, err := livePairings(tx, s.now(), true)
		for _, r := range rs {
			out = append(out, r.Pairing)
		}
		return err
	})
	return out, err
}

// validPanelName: a label shown to admins and in the audit log.
func validPanelName(name string) bool {
	return strings.TrimSpace(name) != "" && len([]rune(name)) <= maxPanelNameLen && validLabel(name)
}

// ApprovePairing makes the panel device for the pending pairing with this
// code, bound to room (which the caller has checked exists). The panel
// receives its token at its next poll.
func (s *Service) ApprovePairing(code, room, name, by string) (Panel, error) {
	if !validPanelName(name) {
		return Panel{}, ErrInvalidPanelName
	}
	now := s.now().UTC()
	id, err := ulid.New(ulid.Timestamp(now), rand.Reader)
	if err != nil {
		return Panel{}, err
	}
	p := Panel{ID: id.String(), Name: name, Room: room, Created: now}
	err = s.db.Update(func(tx *kv.Tx) error {
		pending, err := livePairings(tx, now, true)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(pending, func(r pairingRecord) bool {
			return subtle.ConstantTimeCompare([]byte(r.Code), []byte(code)) == 1
		})
		if i < 0 {
			return ErrNoSuchPairing
		}
		pr := pending[i]
		pr.Approved = p.ID
		if err := putPairing(tx, &pr); err != nil {
			return err
		}
		return putPanel(tx, &panelRecord{Panel: p})
	})
	if err != nil {
		return Panel{}, err
	}
	s.audit(by, "panel.pair", fmt.Sprintf("id=%s name=%q room=%s", p.ID, name, room))
	return p, nil
}

func putPanel(tx *kv.Tx, r *panelRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketPanels).Put([]byte(r.ID), v)
}

func getPanel(tx *kv.Tx, id string) (*panelRecord, error) {
	v := tx.Bucket(bucketPanels).Get([]byte(id))
	if v == nil {
		return nil, ErrNoSuchPanel
	}
	var r panelRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, rooms.Damaged(bucketPanels, []byte(id), err)
	}
	return &r, nil
}

// ClaimPairing is the panel's poll. While no admin has approved it returns
// the pairing and no token; once approved, it returns the panel and its
// token, exactly once (the pairing is deleted). A wrong secret, an
// unknown or expired pairing: ErrNoSuchPairing.
//
// Anyone may poll, and a waiting panel polls every few seconds, so the
// lookup and the secret check run in a read transaction: only the claim of
// an approved pairing opens a write transaction (a commit is an fsync of the
// shared database), and checks everything again inside it.
func (s *Service) ClaimPairing(id, secret string) (Pairing, *Panel, string, error) {
	if id == "" || len(id) > maxTokenLen || len(secret) > maxTokenLen {
		return Pairing{}, nil, "", ErrNoSuchPairing
	}
	h := sha256.Sum256([]byte(secret))
	now := s.now().UTC()
	var pr pairingRecord
	err := s.db.View(func(tx *kv.Tx) error {
		var err error
		pr, err = checkPairing(tx, id, h[:], now)
		return err
	})
	if err != nil {
		return Pairing{}, nil, "", err
	}
	if pr.Approved == "" {
		return pr.Pairing, nil, "", nil
	}
	var (
		panel *Panel
		token string
	)
	err = s.db.Update(func(tx *kv.Tx) error {
		var err error
		// Again: a concurrent poll may have claimed it, or an admin
		// revoked the panel, since the read.
		pr, err = checkPairing(tx, id, h[:], now)
		if err != nil || pr.Approved == "" {
			return err
		}
		r, err := getPanel(tx, pr.Approved)
		if err != nil {
			return ErrNoSuchPairing // revoked before it was claimed
		}
		sec, _ := newSecret()
		token = panelTokenPrefix + sec
		th := sha256.Sum256([]byte(token))
		r.TokenHash, r.Claimed, r.LastSeen = th[:], true, now
		if err := putPanel(tx, r); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPanelTokens).Put(th[:], []byte(r.ID)); err != nil {
			return err
		}
		panel = &r.Panel
		return tx.Bucket(bucketPairings).Delete([]byte(id))
	})
	if err != nil {
		return Pairing{}, nil, "", err
	}
	return pr.Pairing, panel, token, nil
}

// checkPairing returns the live pairing id whose secret has the digest
// secretHash (compared in constant time), or ErrNoSuchPairing.
func checkPairing(tx *kv.Tx, id string, secretHash []byte, now time.Time) (pairingRecord, error) {
	var pr pairingRecord
	v := tx.Bucket(bucketPairings).Get([]byte(id))
	if v == nil {
		return pr, ErrNoSuchPairing
	}
	if err := json.Unmarshal(v, &pr); err != nil {
		return pr, rooms.Damaged(bucketPairings, []byte(id), err)
	}
	if subtle.ConstantTimeCompare(pr.SecretHash, secretHash) != 1 || !now.Before(pr.Expires) {
		return pr, ErrNoSuchPairing
	}
	return pr, nil
}

// PanelByToken returns the panel a device token belongs to; an unknown or
// revoked token is ErrInvalidPanel. LastSeen is written at most once a
// minute.
func (s *Service) PanelByToken(token string) (Panel, error) {
	if !strings.HasPrefix(token, panelTokenPrefix) || len(token) > maxTokenLen {
		return Panel{}, ErrInvalidPanel
	}
	h := sha256.Sum256([]byte(token))
	now := s.now().UTC()
	var (
		p     Panel
		touch bool
	)
	err := s.db.View(func(tx *kv.Tx) error {
		id := tx.Bucket(bucketPanelTokens).Get(h[:])
		if id == nil {
			return ErrInvalidPanel
		}
		r, err := getPanel(tx, string(id))
		if err != nil || subtle.ConstantTimeCompare(r.TokenHash, h[:]) != 1 {
			return ErrInvalidPanel
		}
		p, touch = r.Panel, now.Sub(r.LastSeen) >= lastUsedGranularity
		return nil
	})
	if err != nil {
		return Panel{}, err
	}
	if touch {
		_ = s.db.Update(func(tx *kv.Tx) error { // best effort, like TokenUser
			r, err := getPanel(tx, p.ID)
			if err != nil || now.Sub(r.LastSeen) < lastUsedGranularity {
				return nil
			}
			r.LastSeen = now
			return putPanel(tx, r)
		})
	}
	return p, nil
}

// PanelAlive reports whether a panel device still exists (open event
// streams check it).
func (s *Service) PanelAlive(id string) bool {
	err := s.db.View(func(tx *kv.Tx) error {
		_, err := getPanel(tx, id)
		return err
	})
	return err == nil
}

// Panels lists the panel devices, oldest first.
func (s *Service) Panels() ([]Panel, error) {
	out := []Panel{}
	err := s.db.View(func(tx *kv.Tx) error {
		return tx.Bucket(bucketPanels).ForEach(func(k, v []byte) error {
			var r panelRecord
			if err := json.Unmarshal(v, &r); err != nil {
				s.skip(rooms.Damaged(bucketPanels, k, err)) // the other panels still list
				return nil
			}
			out = append(out, r.Panel)
			return nil
		})
	})
	return out, err
}

// RevokePanel deletes a panel device and its token at once.
func (s *Service) RevokePanel(id, by string) (Panel, error) {
	var p Panel
	err := s.db.Update(func(tx *kv.Tx) error {
		r, err := getPanel(tx, id)
		if err != nil {
			return err
		}
		p = r.Panel
		if r.TokenHash != nil {
			if err := tx.Bucket(bucketPanelTokens).Delete(r.TokenHash); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketPanels).Delete([]byte(id))
	})
	if err != nil {
		return Panel{}, err
	}
	s.audit(by, "panel.revoke", fmt.Sprintf("id=%s name=%q room=%s", p.ID, p.Name, p.Room))
	return p, nil
}
