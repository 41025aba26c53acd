// Package accounts keeps who may use Kogge beyond a join link: staff
// accounts with their passwords and second factor, their browser sessions
// and API tokens, the room panels paired at the doors, and the rate limits
// that protect all of it.
//
// # Storage
//
// Records live in their own buckets of the bbolt file that rooms/store owns
// (Open is given its DB), so one lock and one backup cover both:
//
//	users           name                          -> user record as JSON
//	sessions        hex SHA-256 of the token      -> session record as JSON
//	api_tokens      SHA-256 of the token          -> Token and its hash as JSON
//	panel_devices   panel id (ULID)               -> Panel and its token hash as JSON
//	panel_tokens    SHA-256 of the panel token    -> panel id
//	panel_pairings  pairing id (ULID)             -> Pairing and its secret hash as JSON
//
// No secret in the clear reaches the database or the audit callback
// (Options.Audit): passwords are stored as argon2id hashes, session, API
// and panel tokens and pairing secrets as SHA-256 digests, and a token's
// plaintext is handed out once, when it is made. The exception is the TOTP
// seed, which the server must know to check codes. See docs/security.md
// §5.
//
// # Users and passwords
//
// A user has a lower-case name (2 to 64 characters), a role (admin or
// secretary; RolePanel is for panel devices and never a user's), and may be
// disabled. Passwords are hashed with argon2id (passwords.go gives the
// parameters and why); a bounded number of hashes run at once, so a login
// flood cannot exhaust memory, and an unknown name is checked against a
// dummy hash, so the time taken does not tell which names exist.
// GeneratePassword makes initial and reset passwords. Changing a password
// or disabling a user ends the user's sessions.
//
// # Logins, sessions and the second factor
//
// Login (login.go) checks the rate limits before any hashing, then the
// password, then the TOTP code. Unknown users, wrong passwords, disabled
// accounts and wrong codes all get the same ErrInvalidCredentials. A session
// lives SessionTTL (12 h by default) from its creation; PruneSessions
// deletes expired ones.
//
// TOTP (totp.go) is what authenticator apps expect: SHA-1, six digits,
// 30 s steps, one step of clock drift either way. A code for a step already
// used is refused, so an observed code cannot be replayed. Enrolment is
// begun with the password and stays pending for 15 minutes, visible to and
// confirmable by only the session that began it. With RequireTOTP a user
// without TOTP gets a session that may only enrol.
//
// # API tokens
//
// API tokens (tokens.go) belong to a user and carry a label; they look like
// "kgt_" followed by 32 random bytes, so a leaked one is recognisable. They
// are refused while their owner is disabled, and record when they were last
// used (at most once a minute, to spare the disk).
//
// # Room panels
//
// A panel is a tablet at a room's door that pairs without an account
// (panels.go): it shows a six-digit code, an admin approves the code for a
// room, and the panel's next poll collects its device token ("kgp_…"),
// which binds it to that room until it is revoked. Pairings expire after
// PairingTTL; at most MaxPendingPairings wait at once (past it the oldest
// gives way to the new one), and MaxPendingPairingsPerNetwork from one /24
// (IPv4) or /64 (IPv6).
//
// # Rate limits
//
// Token buckets, driven by the Service clock so tests need no sleeps
// (ratelimit.go): per account name from one client address (5 attempts,
// then one every 12 s), per client address across accounts (20, then one
// every 3 s; an IPv6 client counts by its /64), wrong second-factor codes
// per account (5, then one every 3 minutes), and pairing requests per
// address. An account's attempts from all addresses together meet a
// ceiling (30, then one every 2 s) that only slows, by at most 2 s an
// attempt: failures from one address never refuse the account to another
// (docs/security.md, Limits). Each set of limiters holds
// at most maxLimiters keys: full limiters are dropped first, then the least
// recently used. Limiters offers the same bounded limiter to the daemon
// (its join PIN limits).
//
// A Service is safe for concurrent use, starts no goroutines and needs no
// Close: the database belongs to the caller.
package accounts
