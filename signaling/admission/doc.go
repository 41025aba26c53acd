// Package admission decides who may enter which meeting when: by link, by
// slot and by PIN.
//
// It owns
//   - the join links a booking shows (Joins.Link, Joins.InviteJoinURL for
//     calendars and invitations, Joins.InviteDialIn for the phone), signed
//     with the keys of signaling/joinlink;
//   - resolving a link against the booking as it is now (Joins.Resolve):
//     the link's generation (a rotated link stops at once, LinkValid), the
//     join window from the room's preparation to the end plus grace
//     (Joins.Window), a candidate's interview slot, meetings ended early
//     or handed to an outside provider;
//   - what link holders see and get (Title, LobbyOn, Joins.Spec): lobby
//     defaults by kind and confidentiality, the participant limit;
//   - the guest PIN and its limits: per booking and client network
//     (PINBurst, PINEvery, PINNetwork), which refuse that network only,
//     and a pace per booking that delays checks (up to PINMaxWait)
//     rather than refusing them; wrong PINs in the audit log;
//   - Joins.Authorize, the signaling hub's Authorizer;
//   - STUN and TURN servers with per-participant coturn credentials
//     (ICEServers).
//
// It imports rooms, rooms/store (types, and the Store interface it reads
// through), rooms/accounts (the rate limiters), signaling (the hub's
// types) and signaling/joinlink; never the daemon or its configuration:
// the daemon passes the few values it needs in Options and ICEOptions
// (docs/architecture.md §2).
package admission
