// Package sqlitestore is an [engine.Store] (and [engine.KeyStore]) kept in a
// single SQLite database file: the embedded default for running nlcron on one
// machine.
//
// # Opening
//
// [Open] opens (or creates) a database file with the settings this store is
// built for, through the pure-Go driver modernc.org/sqlite (no cgo), which
// this package therefore imports:
//
//   - journal_mode=WAL, so readers never wait for the writer;
//   - synchronous=NORMAL: a committed write survives the process being killed
//     at any moment; after a power failure the last few commits may be lost,
//     but the file is never corrupt;
//   - busy_timeout=10s, foreign_keys=on, temp_store=memory, and a page cache
//     of up to 32 MB per connection;
//   - a pool of one connection for writes and a small read-only pool for
//     reads.
//
// Open also runs SQLite's quick_check, which reads the whole file (0.1-0.8 s
// for 100,000 schedules on a loaded 2-core machine), so that a damaged file
// is refused at once with an error matching [ErrCorrupt] rather than failing
// some later call. A file it cannot write gives an error matching
// [ErrReadOnly].
//
// [New] wraps a *sql.DB the caller opened and configured (any database/sql
// SQLite driver). Both apply the embedded schema migrations before returning.
//
// # Concurrency
//
// SQLite has one writer at a time. The store serialises its own writes in
// process, so that they queue instead of spinning in SQLite's busy handler,
// and every write transaction holds the write lock from its start (BEGIN
// IMMEDIATE, or with [New] a no-op write first): a transaction never has to
// upgrade a read snapshot to a write, the case where WAL mode fails with
// SQLITE_BUSY at once. [Store.ClaimDue] runs in one such transaction, which is
// what makes concurrent callers, in this process or in others, exclusive.
//
// Single-item writes (creating, updating or deleting a schedule, creating,
// finishing or renewing a run, re-queueing one, putting a key) that arrive
// while another write holds the lock are committed together in one
// transaction (group commit), each with its own outcome: with many
// concurrent callers most of the cost of a commit is shared. Every statement
// is prepared once per connection.
//
// # Schema
//
// Migrations live in migrations/NNNN_name.sql, embedded in the binary, and are
// recorded in the schema_migrations table. Opening applies the missing ones in
// one transaction, so opening an up-to-date database twice, or from two
// processes at once, is harmless. A database whose schema is newer than the
// binary is refused.
//
// Times are stored as INTEGER unix microseconds in UTC (the zero time as
// NULL where a column may be unset), so they round-trip exactly. Vars and
// Results are JSON text, with NULL for a nil map or slice.
//
// The indexes keep every query the dispatcher repeats O(log n): due
// schedules (a partial index of active schedules by next fire time), queued
// runs, leases, the runs not ended of a schedule, and the newest-first
// listings by account and by schedule. A span of occurrences (a paused
// period) is one row, with its last fire time and count; a partial index of
// spans lets ListOccurrences find one that began before the window without
// reading the schedule's older occurrences. PruneBefore walks the old end of
// a partial index of ended runs by finished_at and of an index of
// occurrences by their last fire time (coalesce(through_time, fire_time)),
// deleting at most its limit per write transaction.
//
// The idempotency_keys table holds the demo server's Idempotency-Key
// records ([engine.IdempotencyRecord]): [Store.ReserveIdempotencyKey],
// [Store.CompleteIdempotencyKey] and [Store.ReleaseIdempotencyKey]. A
// reservation is one write transaction (an upsert that replaces only an
// expired record), so processes sharing the file never both reserve one
// key; it also deletes up to 10 expired records, oldest first, through an
// index on expires_at, so the table holds little more than its live
// records.
//
// # Errors
//
// Errors are wrapped with "sqlitestore: <operation>: " and match the engine's
// sentinels: [engine.ErrNotFound], [engine.ErrConflict] (an id or a
// (schedule, fire time) already taken, or a lost compare-and-swap),
// [engine.ErrLeaseLost], [engine.ErrRunNotCompleted], and [engine.ErrInvalid]
// for a malformed cursor; and [ErrCorrupt] or [ErrReadOnly] for trouble with
// the file. A context cancelled before a call's write starts yields an error
// wrapping ctx.Err() and nothing of the call is applied; a write already
// running in a group commit is not interrupted, and reports the commit's
// outcome.
package sqlitestore
