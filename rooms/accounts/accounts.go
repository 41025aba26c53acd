package accounts

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kogge-project/kogge/rooms/store/kv"
	"golang.org/x/time/rate"
)

// Bucket names inside the shared database.
var (
	bucketUsers    = []byte("users")
	bucketSessions = []byte("sessions")
	bucketTokens   = []byte("api_tokens")
	// Room panels (panels.go): devices by ID, their token digests, and
	// pairings waiting for an admin.
	bucketPanels      = []byte("panel_devices")
	bucketPanelTokens = []byte("panel_tokens")
	bucketPairings    = []byte("panel_pairings")
)

// Role says what a user may do; the daemon maps roles to routes.
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleSecretary Role = "secretary"
	// RolePanel is a room's touch panel: a paired device bound to one room,
	// never a user account (Valid refuses it for users).
	RolePanel Role = "panel"
)

// Valid reports whether r is one of the roles a user account may have.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleSecretary }

// User is the public view of an account. It deliberately has no hash or
// secret field, so it can be marshalled to clients and logs without care;
// the stored record is userRecord.
type User struct {
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	Disabled    bool      `json:"disabled"`
	TOTPEnabled bool      `json:"totp_enabled"`
	Created     time.Time `json:"created"`
	LastLogin   time.Time `json:"last_login,omitzero"`
}

// Sentinel errors; daemon/web/problem.go maps each to what the caller sees.
var (
	ErrUserExists   = errors.New("a user with that name already exists")
	ErrNoSuchUser   = errors.New("no such user")
	ErrInvalidName  = errors.New("invalid user name: use 2 to 64 characters a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
	ErrWeakPassword = errors.New("password too weak: use at least 12 characters, not all the same")
	// ErrInvalidCredentials is returned alike for an unknown user, a wrong
	// password, a disabled account and a wrong or reused TOTP code, so that a
	// login attempt cannot tell which accounts exist.
	ErrInvalidCredentials = errors.New("invalid name, password or code")
	// ErrTOTPRequired means the password was right and the account has TOTP:
	// the client should ask for the code and log in again with it.
	ErrTOTPRequired   = errors.New("two-factor code required")
	ErrInvalidSession = errors.New("invalid or expired session")
	ErrInvalidToken   = errors.New("invalid API token")
	ErrTOTPNotPending = errors.New("no two-factor setup in progress")
	// ErrInvalidLabel: an API token label is too long or has control characters.
	ErrInvalidLabel = fmt.Errorf("invalid token label: at most %d characters, no control characters", maxLabelLen)
)

// Options configures a Service. The zero value gives production defaults.
type Options struct {
	// Now is the clock; tests inject one. Default time.Now.
	Now func() time.Time
	// RequireTOTP makes two-factor mandatory: users without TOTP still log
	// in, but their session is marked MustEnrolTOTP.
	RequireTOTP bool
	// SessionTTL is the absolute lifetime of a session. Default 12h.
	SessionTTL time.Duration
	// Audit, if set, receives login successes and failures, lockouts, user
	// changes and token creation and revocation. actor is the account the
	// event concerns (the caller of an admin action is not known here, the
	// daemon audits that). It never receives passwords, codes, tokens or
	// hashes.
	Audit func(actor, action, detail string)
	// Argon2 sets the password hashing cost; zero fields take the production
	// defaults (see Argon2Params).
	Argon2 Argon2Params
	// Login rate limits. AccountRate and AccountBurst limit one account
	// from one client address (the pair: a guesser at one address cannot
	// lock the account for anybody else); AddressRate and AddressBurst
	// limit one address across all accounts (password spraying). Zero
	// takes the defaults: pair burst 5, one more every 12 s; address burst
	// 20, one more every 3 s. Past the account's own, much higher ceiling
	// (all addresses together) attempts are slowed, never refused
	// (docs/security.md, Limits).
	AccountRate  rate.Limit
	AccountBurst int
	AddressRate  rate.Limit
	AddressBurst int
	// Sleep waits out the slow-down of an account under attack from many
	// addresses; tests inject one. Default time.Sleep.
	Sleep func(time.Duration)
	// CodeBurst is how many wrong second-factor codes an account may send
	// before it waits codeEvery per further code. Zero takes 5.
	CodeBurst int
	// Logger hears of damaged records that lists skip, once per record
	// (damaged.go). Default discards.
	Logger *slog.Logger
}

// Wrong TOTP codes per account: codeBurst, then one every codeEvery (480
// a day at most, against 7,200 login attempts; a right code costs nothing).
const (
	codeBurst = 5
	codeEvery = 3 * time.Minute
)

// An account's ceiling over all addresses: accountSlowBurst attempts, then
// one per accountSlowEvery at full speed; every attempt beyond waits
// accountSlowdown before its password is checked. It slows a guesser
// spread over many addresses and never refuses anybody.
const (
	accountSlowBurst = 30
	accountSlowEvery = 2 * time.Second
	accountSlowdown  = 2 * time.Second
)

const (
	defaultSessionTTL   = 12 * time.Hour
	defaultAccountBurst = 5
	defaultAccountEvery = 12 * time.Second
	defaultAddressBurst = 20
	defaultAddressEvery = 3 * time.Second
)

// Service is safe for concurrent use. It starts no goroutines and needs no
// Close: the database belongs to the caller.
type Service struct {
	db    *kv.DB
	now   func() time.Time
	opts  Options
	argon Argon2Params
	// dummyHash is verified for unknown users so that a login for a name
	// that does not exist costs the same time as one that does.
	dummyHash string
	// hashSem bounds concurrent argon2 runs: each takes Memory KiB, and a
	// login flood from many addresses must not exhaust RAM.
	hashSem chan struct{}
	// pairs limits one account from one address (refuses); addrs one
	// address across accounts (refuses); accounts one account across
	// addresses (only slows: accountSlowdown).
	pairs    *limiterSet
	accounts *limiterSet
	addrs    *limiterSet
	// pairAddrs limits how often one address may start a panel pairing.
	pairAddrs *limiterSet
	// codes limits wrong second-factor codes per account, apart from the
	// login limit: whoever has the password may otherwise guess codes at
	// the login rate.
	codes *limiterSet
	// reported holds the damaged records already logged (bucket, key).
	reported sync.Map
}

// Open creates the buckets if needed and returns a Service using db.
func Open(db *kv.DB, opts Options) (*Service, error) {
	if db == nil {
		return nil, errors.New("accounts: nil database")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Sleep == nil {
		opts.Sleep = time.Sleep
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = defaultSessionTTL
	}
	if opts.AccountRate == 0 {
		opts.AccountRate = rate.Every(defaultAccountEvery)
	}
	if opts.AccountBurst <= 0 {
		opts.AccountBurst = defaultAccountBurst
	}
	if opts.AddressRate == 0 {
		opts.AddressRate = rate.Every(defaultAddressEvery)
	}
	if opts.AddressBurst <= 0 {
		opts.AddressBurst = defaultAddressBurst
	}
	argon, err := opts.Argon2.withDefaults()
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *kv.Tx) error {
		for _, b := range [][]byte{bucketUsers, bucketSessions, bucketTokens, bucketPanels, bucketPanelTokens, bucketPairings} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("accounts: create bucket %s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s := &Service{
		db:        db,
		now:       opts.Now,
		opts:      opts,
		argon:     argon,
		hashSem:   make(chan struct{}, maxConcurrentHashes),
		pairs:     newLimiterSet(opts.AccountRate, opts.AccountBurst, maxLimiters),
		accounts:  newLimiterSet(rate.Every(accountSlowEvery), accountSlowBurst, maxLimiters),
		addrs:     newLimiterSet(opts.AddressRate, opts.AddressBurst, maxLimiters),
		pairAddrs: newLimiterSet(rate.Every(pairingEvery), pairingBurst, maxLimiters),
		codes:     newLimiterSet(rate.Every(codeEvery), cmp.Or(opts.CodeBurst, codeBurst), maxLimiters),
	}
	// The dummy hash has the current parameters, so verifying against it
	// costs what a real check costs, but is not computed: a random key
	// with a random salt is what the hash of an unknown random password
	// looks like. Computing it cost an argon2 run (64 MiB with the default
	// parameters) at every start, most of an idle daemon's memory.
	s.dummyHash, err = dummyPHC(argon)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// audit calls the optional audit callback.
func (s *Service) audit(actor, action, detail string) {
	if s.opts.Audit != nil {
		s.opts.Audit(actor, action, detail)
	}
}
