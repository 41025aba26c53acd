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
// Importer runs Sync for the daemon and keeps its state in a StateStore
// (rooms/store's import bucket). Emulator serves test data as an OParl
// server, for tests and the demo.
//
// # What the import relies on
//
// Council information systems (SD.NET, SessionNet, more!rubin, ALLRIS and
// others) all speak OParl, but fill it differently. The import assumes:
//
//   - An end is often a placeholder. Nobody entered one, and the system
//     sends midnight of the meeting day, midnight after it, 23:59, a date
//     without a time, or the start itself. times.go takes an end as
//     missing when it is at or before the start, a bare date after a
//     timed start, or exactly midnight (23:59 and 23:59:59 count as
//     midnight) unless that midnight closes the start's day and the
//     meeting starts at 20:00 or later: an evening session until midnight
//     is believable, an afternoon one or one running into another day is
//     not. Such a meeting is booked for the room's default length
//     (room_lengths) or the import's (default_length, 2 h) and the booking
//     is marked EndAssumed; the booking page says "Ende nicht angegeben –
//     2 Stunden angenommen", the report lists it under assumed_ends. While
//     the source still gives no end and the start stays, an end Kogge
//     already has (a person's, or an earlier real one) is kept.
//   - Council or committee cannot be read from organizationType (it says
//     "Gremium" for both) and classification is free text: some vendors
//     put everything in one class "Gremien", others leave it empty.
//     kind.go decides: the override per organization id
//     (organization_kinds), the configured kinds per classification, the
//     words of the classification and the type, the words of the name
//     (Rat, Stadtrat, Kreistag, Bürgerschaft, Stadtverordnetenversammlung …
//     are councils; Ausschuss, Beirat, Kommission, Ortschaftsrat … are
//     committees, and win where both occur), else committee. The kind
//     brings the defaults a booking made by hand gets: a council session
//     is hybrid (booked without remote participation, with a problem
//     line, when no video conference is free), has a lobby and takes
//     place without a check-in.
//   - The place decides first. A meeting at a place no location rule
//     maps is counted as unmapped under that place, whatever else is
//     wrong with it, so that the list an administrator completes the
//     rules from is whole.
//   - modified_since is honest enough to move on. A meeting that cannot
//     be booked (a conflict, a room's rule, no start) is remembered with
//     its version (a fingerprint of everything read, modified included)
//     and reported once; the cursor moves past it. Every later import
//     tries it again from memory, so a slot freed in Kogge is taken
//     without the source changing; when the source changes it, the new
//     version comes with the delta and is reported anew. A changed
//     mapping starts a full import, so meetings passed over as unmapped
//     are read again.
//   - Agendas come embedded in the meeting (a URL instead is ignored);
//     they are stored with the cursor, so a restart serves them at once,
//     and dropped 30 days after the meeting.
//
// Each problem is one line in the report, naming the meeting, its local
// date and time and its source (the system's web page if it gives one,
// else the OParl object). The daemon log gets one line per import with
// the counts, and one per refused meeting at debug level.
package oparl
