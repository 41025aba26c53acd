// Package meetings runs the meetings on Kogge's built-in SFU: join by link
// from the browser to the media.
//
// It owns
//   - the pion engine (signaling/sfu) on the configured UDP port, and in
//     demo mode the move to a free port when that one is taken;
//   - the signaling hub (signaling), its origin check, its ICE servers
//     (signaling/admission's ICEServers) and its wiring to join admission
//     (the hub asks admission.Joins who may enter; admission asks the hub
//     whether a meeting was ended);
//   - the meeting audit: every host action written to the store before the
//     meeting goes on, and a host's "end for all" kept with the booking;
//   - the speaker-queue and active-speaker hooks, through which a
//     council session's queue and who speaks remotely reach the events
//     stream (SetQueue, SetSpeaker);
//   - keeping an open meeting in step with its booking (BookingChanged,
//     called from the store's change feed);
//   - its Prometheus gauges and counters (Collectors).
//
// It imports signaling, signaling/sfu, signaling/admission, rooms,
// rooms/store and prometheus; never the daemon or its configuration: the
// daemon translates its [webrtc] section into Options
// (docs/architecture.md §2).
package meetings
