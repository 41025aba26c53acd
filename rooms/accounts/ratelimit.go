package accounts

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiters bounds each limiter map, so a flood of random names or
// addresses cannot grow memory without end.
const maxLimiters = 10_000

// maxAddrKeyLen bounds a non-IP address used as a limiter key.
const maxAddrKeyLen = 64

// RateLimitError says a login was refused before the password was checked.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	// Round up: "try again in 0s" would invite an immediate retry.
	secs := (e.RetryAfter + time.Second - 1) / time.Second
	return fmt.Sprintf("too many login attempts, try again in %ds", secs)
}

// limiterSet is a token bucket per key (account name or address). Limiters
// are driven by the Service clock (AllowN/ReserveN with an explicit now), so
// tests need no sleeps.
type limiterSet struct {
	limit rate.Limit
	burst int
	max   int
	// idleFull is how long a limiter must be idle to be full again; such a
	// limiter is indistinguishable from a new one and can be dropped freely.
	idleFull time.Duration

	mu sync.Mutex
	m  map[string]*limiterEntry
}

type limiterEntry struct {
	lim  *rate.Limiter
	last time.Time
	// limited remembers that the last attempt was refused, so a lockout is
	// audited once when it starts rather than for every refused attempt.
	limited bool
}

func newLimiterSet(limit rate.Limit, burst, max int) *limiterSet {
	idle := time.Hour
	if limit > 0 && limit != rate.Inf {
		idle = time.Duration(float64(burst)/float64(limit)*float64(time.Second)) + time.Second
	}
	return &limiterSet{limit: limit, burst: burst, max: max, idleFull: idle, m: make(map[string]*limiterEntry)}
}

// reservation is one attempt taken from a limiter, kept so it can be given
// back.
type reservation struct {
	r   *rate.Reservation
	now time.Time
}

// cancel gives the attempt back, for example when the other limiter refused.
// rate.Reservation does its own locking.
func (r reservation) cancel() {
	if r.r != nil {
		r.r.CancelAt(r.now)
	}
}

// reserve takes one attempt for key at now. If the bucket is empty it takes
// nothing and returns how long to wait, and whether this is the first refusal
// after allowed attempts (a new lockout).
func (ls *limiterSet) reserve(key string, now time.Time) (res reservation, wait time.Duration, newLockout bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	e := ls.m[key]
	if e == nil {
		if len(ls.m) >= ls.max {
			ls.prune(now)
		}
		e = &limiterEntry{lim: rate.NewLimiter(ls.limit, ls.burst)}
		ls.m[key] = e
	}
	e.last = now
	r := e.lim.ReserveN(now, 1)
	if !r.OK() {
		// Burst 0 or a zero limit: never allowed. Hour is a placeholder.
		return reservation{}, time.Hour, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		first := !e.limited
		e.limited = true
		return reservation{}, d, first
	}
	e.limited = false
	return reservation{r: r, now: now}, 0, false
}

// prune runs with mu held when the map is full. It first drops limiters that
// have refilled completely (no loss of protection), then, if that is not
// enough, the least recently used down to 90 % so pruning is not repeated on
// every insert. The second step can hand an attacker a fresh bucket for a
// key, which is the price of bounded memory; the per-address limit still
// applies.
func (ls *limiterSet) prune(now time.Time) {
	for k, e := range ls.m {
		if now.Sub(e.last) >= ls.idleFull {
			delete(ls.m, k)
		}
	}
	target := ls.max * 9 / 10
	if len(ls.m) <= target {
		return
	}
	type kv struct {
		k    string
		last time.Time
	}
	all := make([]kv, 0, len(ls.m))
	for k, e := range ls.m {
		all = append(all, kv{k, e.last})
	}
	slices.SortFunc(all, func(a, b kv) int { return a.last.Compare(b.last) })
	for _, x := range all[:len(all)-target] {
		delete(ls.m, x.k)
	}
}

func (ls *limiterSet) len() int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.m)
}

// addrKey normalises a client address for the per-address limiter: the
// address itself for IPv4, its /64 for IPv6 (one client usually owns a
// whole /64 and could rotate through it); a port is dropped (a caller
// passing r.RemoteAddr would otherwise get a fresh bucket per connection).
func addrKey(addr string) string { return AddressKey(addr) }

// AddressKey is addr as limits count one client: the address itself for
// IPv4, its /64 for IPv6, the port dropped (the login limits here, the
// meeting hub's join and lobby limits).
func AddressKey(addr string) string { return prefixKey(addr, 32) }

// Network is addr's network as limits treat one guesser or one site: its
// /24 (IPv4) or /64 (IPv6).
func Network(addr string) string { return prefixKey(addr, 24) }

// prefixKey is addr ("ip" or "ip:port") cut to v4bits (IPv4) or 64 bits
// (IPv6). Anything that is not an IP (a test name, a unix socket) is kept
// as given, bounded so that a header passed through cannot store
// megabytes.
func prefixKey(addr string, v4bits int) string {
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		ip = ap.Addr()
	} else if a, err := netip.ParseAddr(addr); err == nil {
		ip = a
	} else {
		return truncate(addr, maxAddrKeyLen)
	}
	ip = ip.Unmap().WithZone("")
	bits := v4bits
	if ip.Is6() {
		bits = 64
	}
	if bits == ip.BitLen() {
		return ip.String()
	}
	p, _ := ip.Prefix(bits)
	return p.String()
}

// Limiters is a token bucket per key for callers outside this package
// (the daemon's join PIN limits), with the same bounded memory as the
// login limits.
type Limiters struct{ set *limiterSet }

// NewLimiters allows burst attempts per key, then one per every; at most
// max keys are tracked.
func NewLimiters(every time.Duration, burst, max int) *Limiters {
	return &Limiters{set: newLimiterSet(rate.Every(every), burst, max)}
}

// Take takes one attempt for key at now. ok is false when the key must
// wait (nothing is taken then); giveBack returns a taken attempt.
func (l *Limiters) Take(key string, now time.Time) (giveBack func(), ok bool) {
	res, wait, _ := l.set.reserve(key, now)
	if wait > 0 {
		return func() {}, false
	}
	return res.cancel, true
}

// Queue takes one attempt for key at now even when the bucket is empty:
// the attempt then waits its turn, wait, instead of being refused. A turn
// further away than maxWait is not taken (ok false), so a queue cannot
// grow without bound; giveBack returns a taken attempt.
func (l *Limiters) Queue(key string, now time.Time, maxWait time.Duration) (wait time.Duration, giveBack func(), ok bool) {
	return l.set.queue(key, now, maxWait)
}

// queue is reserve that keeps a delayed reservation up to maxWait.
func (ls *limiterSet) queue(key string, now time.Time, maxWait time.Duration) (time.Duration, func(), bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	e := ls.m[key]
	if e == nil {
		if len(ls.m) >= ls.max {
			ls.prune(now)
		}
		e = &limiterEntry{lim: rate.NewLimiter(ls.limit, ls.burst)}
		ls.m[key] = e
	}
	e.last = now
	r := e.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Hour, func() {}, false
	}
	d := r.DelayFrom(now)
	if d > maxWait {
		r.CancelAt(now)
		return d, func() {}, false
	}
	// A queued entry is in use until its turn: pruning must not see it as
	// idle before then.
	e.last = now.Add(d)
	return d, reservation{r: r, now: now}.cancel, true
}
