// Package store keeps Kogge's data in one bbolt file: the bookings and
// their indexes, recurring series, each booking's join link settings and
// licence allocation, iCalendar feed tokens, opaque secrets, and the
// append-only audit log. rooms/accounts keeps its own buckets in the same
// file (DB), so there is one lock and one backup.
//
// Besides reads and conflict-checked writes of bookings (bookings.go,
// list.go) and series (series.go, series_edit.go), the store serves the
// timeline (Pending, Transition), the provider allocator and its worker
// (allocations*.go, Reallocate), retention (Purge, RecomputeSpans), hot
// backups (WriteBackup) and the start-up integrity check (CheckFile).
//
// # Layout
//
// Top-level buckets (rooms/accounts adds its own beside them in the same
// file):
//
//	bookings            id (16-byte ULID)                    -> booking, binary (codec.go)
//	bookings_by_room    room | 0x00 | occStart | id          -> occUntil
//	bookings_by_time    occStart | id                        -> occUntil
//	bookings_by_series  series id (16 bytes) | start | id    -> (empty)
//	bookings_by_external external reference                  -> id (16 bytes)
//	series              series id (16-byte ULID)             -> rooms.Series as JSON
//	join_settings       booking id (16-byte ULID)            -> join link settings as JSON
//	allocations         booking id (16-byte ULID)            -> licence allocation as JSON
//	allocations_by_licence provider | 0x00 | licence | 0x00 | from | id -> to
//	allocations_due     due | id                             -> (empty)
//	feed_tokens         SHA-256 of the token                 -> FeedToken as JSON
//	secrets             name                                 -> opaque bytes
//	imports             import name (nested bucket): key     -> the import's own value
//	audit               audit id (16-byte ULID)              -> AuditEntry as JSON
//	audit_by_booking    booking or series id string | 0x00 | audit id -> (empty)
//	usage_digests       UTC date | 0x00 | room               -> purged bookings' report figures as JSON (usage.go)
//	meta                schema_version -> uint64 (big-endian)
//	                    max_span       -> longest occupied span of any room
//	                    room_spans/    room -> longest occupied span in that room
//	                    status_counts/ status -> number of bookings (uint64)
//	                    alloc_spans/   provider | 0x00 | licence -> longest held span
//
// occStart and occUntil are a booking's occupied interval (buffers
// included), encoded as 8-byte big-endian Unix nanoseconds with the sign bit
// flipped, so that byte order equals time order; nanoseconds keep the
// instant exact and cover the years 1678 to 2262. Spans are nanoseconds too.
// Ids are ULIDs from crypto/rand (ids.go); times are stored as UTC
// instants.
//
// Bookings use a compact binary codec (codec.go): every availability query
// and conflict check decodes its candidates, and JSON made that the
// dominant cost. Audit entries stay JSON: they are written once and read
// rarely, and so do series: one record per series, read by the horizon job
// and series edits, never by availability.
//
// Join settings (joinlinks.go) are a booking's join link generations,
// guest PIN, lobby setting and interview candidates; a booking that kept
// the defaults has none. A licence allocation (allocations.go) is a hybrid
// booking's hold on a meeting provider's licence, decided by the installed
// Allocator and stored in the booking's own write transaction.
// allocations_by_licence holds every allocation that is not released (from
// and to are the held interval, encoded like occStart); its overlap bound
// is alloc_spans, per provider and licence, so a licence check is one
// bounded range scan. allocations_due lists only allocations with work for
// the provisioning worker: due is minimal while Cleanup is left, else the
// NextAttempt of a reserved allocation.
//
// Feed tokens (feeds.go) let a calendar client read one iCalendar feed
// without logging in; only the token's SHA-256 is kept, the token itself is
// shown once. Secrets (secrets.go) are opaque values their owners encrypt
// before storing them, such as GoTo organizers' refresh tokens; the store
// never sees them in the clear. Import state (imports.go) is opaque to the
// store too: each import keeps its keys in its own nested bucket.
//
// # Schema versions
//
// The file records its schema version (SchemaVersion, migrate.go). Open
// migrates an older file one version at a time, each step in the
// transaction that records the new version, so a crash mid-migration
// leaves the old file; a file from a newer Kogge is refused
// (ErrSchemaTooNew).
//
//	1  bookings, the room and time indexes, audit, meta
//	2  bookings re-encoded from JSON to the binary codec
//	3  series and bookings_by_series, which is ordered by Start rather than
//	   the occupied start (index.go, seriesKey, says why)
//	4  feed_tokens
//	5  bookings_by_external: the reference a booking mirrors (an OParl
//	   meeting, an imported iCalendar event) maps to the one booking that
//	   has it. Create checks and writes the entry in the transaction that
//	   stores the booking, so two imports of one record cannot both book
//	   it; the reference never changes afterwards.
//	6  join_settings
//	7  allocations, allocations_by_licence, allocations_due, alloc_spans
//	   and secrets
//	8  imports: an import's state between runs (imports.go), e.g. the
//	   council import's delta cursor, the meetings it refused and their
//	   agendas; and codecV5 (the EndAssumed flag), which a schema 7 kogge
//	   could not read
//
// The codec has its own format byte per record, apart from the schema
// version: codecV2 added the series link, the exception mark and the
// check-in fields, codecV3 the external reference. Decode reads every
// format (older ones with the newer fields zero) and every write stores
// the newest, so a file holds several formats and no migration rewrites
// it; an older kogge cannot read newer records, which the schema version
// bump of the same release (2→3 for v2, 4→5 for v3) already keeps it from
// trying.
//
// # The overlap bound
//
// The room and time indexes are ordered by occupied start, but an overlap
// query asks about occupied intervals. To find what overlaps [s, e) in room
// R, a scan starts at s - maxSpan(R) and stops before e, where maxSpan(R)
// is the longest occupied span (OccupiedUntil - OccupiedFrom) ever stored
// in R. A booking
// overlapping [s, e) starts before e and ends after s; since it is at most
// maxSpan(R) long it starts after s - maxSpan(R). So the scan visits only
// bookings whose occupied start lies in [s-maxSpan(R), e), and misses none.
// maxSpan is raised in the same transaction that stores a longer booking and
// never lowered by a write (lowering it needs a scan of the room; a
// too-large bound only costs a longer scan, a too-small one would miss
// bookings). RecomputeSpans, run by the purge job, scans everything in one
// write transaction and sets each bound to what the room holds.
// Room-less listings use the global max_span the same way.
//
// # Concurrency and durability
//
// Every conflict check runs inside the write transaction that stores the
// booking, so no interleaving can double-book a room; the check of the
// chosen licence too, so none can double-book a licence. Create asks the
// same questions first in a read transaction (create_check.go): a refused
// booking never reaches the write transaction and costs no fsync, and the
// allocator's choice is made there, leaving one licence to re-check. Every change
// raises the record's Version; Update, Cancel and the series edits take the
// version the caller read and refuse a stale one (rooms.ErrVersionMismatch).
// The audit entry of a change is written in the same transaction.
// Concurrent creates share a commit (group.go). NoSync is never set:
// a booking is on disk when Create returns.
//
// # Retention, backups and integrity
//
// Purge (purge.go) deletes what is past its retention (docs/security.md
// §4): bookings with their index entries, status counts, join settings,
// allocations and audit entries (keeping a digest of each booking's
// report figures, without its title, in usage_digests, so the
// utilisation report over purged months still works); series with
// nothing left; audit entries
// about no booking (logins, account changes) after their own cutoff. It
// works in small transactions and can be run again to continue. Feed
// tokens stay until revoked and secrets until replaced.
//
// WriteBackup writes a compacted copy of the live file, accounts included,
// while the store stays usable: bbolt leaves freed pages' bytes in the
// file, and a byte copy would carry purged text into the backup.
// CheckFile runs bbolt's consistency check; a damaged file can crash the
// process inside the memory map, so the daemon runs it in a child process.
package store
