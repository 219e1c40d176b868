// Package sqlitestore is an [engine.Store] (and [engine.KeyStore]) kept in a
// single SQLite database file: the embedded default for running nlcron on one
// machine.
//
// # Opening
//
// [Open] opens (or creates) a database file with the settings this store is
// built for, through the pure-Go driver modernc.org/sqlite (no cgo):
//
//   - journal_mode=WAL, so readers never wait for the writer;
//   - synchronous=NORMAL: a committed write survives the process being killed
//     at any moment; after a power failure the last few commits may be lost,
//     but the file is never corrupt;
//   - busy_timeout=10s and foreign_keys=on;
//   - a pool of one connection for writes and a small read-only pool for
//     reads.
//
// [New] wraps a *sql.DB the caller opened and configured (any database/sql
// SQLite driver). Both apply the embedded schema migrations before returning.
//
// # Concurrency
//
// SQLite has one writer at a time. The store serialises its own writes in
// process (so they queue instead of spinning in SQLite's busy handler), and
// every multi-statement write runs in a BEGIN IMMEDIATE transaction, which
// takes the write lock up front: a transaction never has to upgrade a read
// snapshot to a write, the case where WAL mode fails with SQLITE_BUSY at once.
// [Store.ClaimDue] therefore runs in one write transaction, which is what makes
// concurrent callers, in this process or in others, exclusive.
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
// # Errors
//
// Errors are wrapped with "sqlitestore: <operation>: " and match the engine's
// sentinels: [engine.ErrNotFound], [engine.ErrConflict] (an id or a
// (schedule, fire time) already taken, or a lost compare-and-swap),
// [engine.ErrLeaseLost], [engine.ErrRunNotCompleted], and [engine.ErrInvalid]
// for a malformed cursor. A cancelled context yields an error wrapping
// ctx.Err(), and nothing of the interrupted call is applied.
package sqlitestore
