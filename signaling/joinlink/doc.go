// Package joinlink signs and verifies the tokens in meeting join links.
//
// # Why signed, not random
//
// A join token is HMAC-SHA256-signed, not a random value looked up in the
// store. The booking UI must be able to show a booking's links again at
// any time (the organiser lost the mail, a host wants the guest link), so
// a link must be derivable from what is stored with the booking; and a
// join attempt is checked by one MAC computation before any database read,
// so a flood of made-up tokens costs no store access.
//
// # What the token says, and what it does not
//
// The token carries Claims: the booking, the kind of link (host, guest,
// or one interview candidate's slot) and the link's generation. It carries
// no expiry: a link already mailed out must survive the booking being
// extended, so the caller checks validity at verification time against the
// booking's current end (plus grace). Rotation is a per-link generation
// counter stored with the booking (rooms/store JoinSettings): rotating
// bumps the counter, and a token of an older generation is rejected at
// once because the caller compares Claims.Generation with the stored one.
// Verify only proves that this Keyring signed the claims; the caller must
// still check that the booking exists, is not cancelled, is within its
// window, and that the generation is the current one.
//
// # Format
//
// Token bytes, encoded with base64.RawURLEncoding (55 characters, URL-safe):
//
//	format version  1 byte  (1)
//	key version     1 byte  (1–255, which Keyring key signed)
//	booking         16 bytes (the ULID, binary)
//	kind            1 byte  (KindHost, KindGuest, KindCandidate)
//	candidate       2 bytes big-endian (0 unless KindCandidate)
//	generation      4 bytes big-endian
//	MAC             16 bytes: HMAC-SHA256(key, all bytes above), truncated
//
// The base64 decoding is strict (padding bits must be zero), so exactly one
// string encodes a given token: flipping any bit of a token is rejected.
//
// # Why a 128-bit tag is enough
//
// A forger who does not know the key must guess the tag; each guess
// succeeds with probability 2^-128, and guesses can only be checked online,
// one join attempt at a time. Even at a million attempts a second for
// centuries the chance stays negligible. Birthday bounds do not apply: the
// attacker cannot compute tags, and a collision between two honest tags
// gives nothing. Truncating HMAC-SHA256 to 128 bits is within what
// NIST SP 800-107 and RFC 2104 allow (at least half the output, at least 80
// bits), and keeps links short.
//
// # Keys
//
// A Keyring holds key versions 1–255; the newest (highest) version signs,
// every present version verifies. To rotate the key, add a line with a
// higher version to the key file and restart: new links use it, old ones
// keep working. Removing a version invalidates every link signed with it
// (the UI shows freshly signed links). The key file (LoadKeyring) is
// created with one random key on first start and must not be readable by
// group or others.
package joinlink
