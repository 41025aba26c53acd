// Package oparl imports committee and council meetings from a council
// information system through its OParl 1.1 interface.
//
// The package has three parts that only meet in Sync:
//
//   - Client walks the OParl object graph (System → Body → Organization and
//     Meeting lists), following links.next and asking for modified_since
//     deltas. It tolerates the quirks real vendors ship: objects embedded
//     where the spec puts URLs and vice versa, date-only values, times
//     without an offset, numbers where strings belong, unknown fields.
//   - Mapping says which organizations to follow, which OParl location is
//     which Kogge room and which kind a meeting becomes.
//   - Sync turns meetings into bookings through the Store interface, keyed
//     by the Meeting's id, so that importing twice changes nothing and a
//     conflict is reported instead of overwritten.
//
// Emulator serves test data as an OParl server, for tests and the demo.
package oparl
