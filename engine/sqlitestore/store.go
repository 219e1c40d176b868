package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/nlcron/nlcron/engine"
)

var (
	_ engine.Store    = (*Store)(nil)
	_ engine.KeyStore = (*Store)(nil)
)

// Store is an [engine.Store] and [engine.KeyStore] backed by SQLite. Create
// one with [Open] or [New]. All methods are safe for concurrent use.
type Store struct {
	wdb   *sql.DB // writes
	rdb   *sql.DB // reads; the same pool as wdb when built by New
	owned bool    // Close closes the pools (Open made them)

	// lockFirst is set when BeginTx may start a deferred transaction (New:
	// the caller's DSN is unknown). Every write transaction then starts
	// with a no-op write, which takes the write lock at once, as BEGIN
	// IMMEDIATE would.
	lockFirst bool

	// wsem holds the in-process write turn: SQLite has one writer, and
	// waiting here (with ctx) is fairer and cheaper than polling in SQLite's
	// busy handler.
	wsem chan struct{}

	pmu     sync.Mutex
	pending []*groupOp // writes waiting for a group commit; see groupWrite

	wst, rst *stmtCache // prepared statements on wdb and rdb
}

// New returns a Store on db, after applying the schema migrations it lacks.
// db must be a SQLite database opened through a database/sql driver (for
// example modernc.org/sqlite, driver name "sqlite"); the caller keeps
// ownership and configures it: [Open] shows the recommended settings (WAL
// journal, a busy timeout, foreign keys). When db is in memory, limit it to
// one connection (db.SetMaxOpenConns(1)): each connection to ":memory:" is a
// database of its own.
//
// [Store.Close] releases the store's prepared statements but does not close
// db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlitestore: new: nil *sql.DB")
	}
	if err := migrate(ctx, db); err != nil {
		return nil, wrapErr(ctx, "new", err)
	}
	s, err := newStore(ctx, db, db, false)
	if err != nil {
		return nil, wrapErr(ctx, "new", err)
	}
	s.lockFirst = true
	return s, nil
}

// newStore builds the store on migrated pools and prepares the statements
// write transactions use (they cannot be prepared later on wdb while a
// transaction holds its only connection).
func newStore(ctx context.Context, wdb, rdb *sql.DB, owned bool) (*Store, error) {
	s := &Store{wdb: wdb, rdb: rdb, owned: owned, wsem: make(chan struct{}, 1)}
	s.wst = newStmtCache(wdb)
	s.rst = s.wst
	if rdb != wdb {
		s.rst = newStmtCache(rdb)
	}
	for _, q := range writeQueries {
		if _, err := s.wst.get(ctx, q); err != nil {
			s.wst.close()
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
	}
	return s, nil
}

// Close releases the store's prepared statements and, for a Store made by
// [Open], its connections. For a Store made by [New] the caller closes its
// own *sql.DB afterwards. Close must not be called while other methods are
// running.
func (s *Store) Close() error {
	err := s.wst.close()
	if s.rst != s.wst {
		err = errors.Join(err, s.rst.close())
	}
	if s.owned {
		err = errors.Join(err, s.wdb.Close())
		if s.rdb != s.wdb {
			err = errors.Join(err, s.rdb.Close())
		}
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: close: %w", err)
	}
	return nil
}

// lockSQL changes nothing but, as a write, takes the database write lock.
const lockSQL = `UPDATE schema_migrations SET version = version WHERE 0`

// writeQueries are the statements that run inside write transactions,
// prepared once by newStore.
var writeQueries = []string{
	lockSQL,
	insertScheduleSQL, updateScheduleSQL, scheduleVersionSQL, insertOccurrenceSQL,
	deleteScheduleSQL, deleteOccurrencesSQL,
	claimSelectSQL, activeRunSQL, occurrenceExistsSQL, runExistsSQL, advanceScheduleSQL,
	insertRunSQL, requeueSelectSQL, requeueUpdateSQL, acquireRunsSQL, renewLeaseSQL,
	finishRunSQL, expireLeasesSQL, putKeySQL, pruneRunsSQL, pruneOccurrencesSQL,
	idemPruneSQL, idemReserveSQL, idemGetSQL, idemCompleteSQL, idemReleaseSQL,
}

// writeTx runs fn in a write transaction of its own that holds the write
// lock from the start, and commits if fn succeeds and ctx is still live.
// database/sql rolls back (and retires the connection) if ctx ends first.
func (s *Store) writeTx(ctx context.Context, fn func(q querier) error) error {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wsem }()
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	q := querier{ctx: ctx, tx: tx, c: s.wst}
	if s.lockFirst {
		if _, err := q.exec(lockSQL); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := fn(q); err != nil {
		_ = tx.Rollback()
		return err
	}
	// Commit refuses (and rolls back) if ctx has ended: a call whose ctx
	// was cancelled is not applied, even if its statements ran.
	return tx.Commit()
}

// read returns the querier for a read outside any transaction.
func (s *Store) read(ctx context.Context) querier { return querier{ctx: ctx, c: s.rst} }

// rollback ends the transaction on c, if any. A failed ROLLBACK (SQLite
// already rolled back after an interrupt, or the connection is broken)
// retires the connection instead of returning it to the pool.
func rollback(ctx context.Context, c *sql.Conn) {
	if _, err := c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// Errors about the database file itself, which Open (and any call, if the
// file is damaged later) returns wrapped.
var (
	// ErrCorrupt: the file is not a SQLite database, or is damaged.
	ErrCorrupt = errors.New("database file is corrupt or not a SQLite database")
	// ErrReadOnly: the database cannot be written (a read-only file or
	// directory), or the file cannot be created.
	ErrReadOnly = errors.New("database cannot be written")
)

// SQLite primary result codes this package branches on.
const (
	sqlitePerm       = 3
	sqliteBusy       = 5
	sqliteReadOnly   = 8
	sqliteCorrupt    = 11
	sqliteCantOpen   = 14
	sqliteConstraint = 19
	sqliteNotADB     = 26
)

// SQLite extended result codes for constraint violations.
const (
	sqliteConstraintCheck      = sqliteConstraint | 1<<8
	sqliteConstraintPrimaryKey = sqliteConstraint | 6<<8
	sqliteConstraintUnique     = sqliteConstraint | 8<<8
)

// sqliteCode returns the SQLite (extended) result code carried by err, or
// 0. It relies only on a Code() int method, which modernc.org/sqlite's
// *Error has.
func sqliteCode(err error) int {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code()
	}
	return 0
}

// classify makes err match the sentinel its SQLite result code stands for:
// ErrConflict for a uniqueness violation, ErrInvalid for a value the schema
// refuses (a run status that is none of the four), ErrCorrupt, ErrReadOnly.
func classify(err error) error {
	code := sqliteCode(err)
	var sentinel error
	switch {
	case code == sqliteConstraintPrimaryKey || code == sqliteConstraintUnique:
		sentinel = engine.ErrConflict
	case code == sqliteConstraintCheck:
		sentinel = engine.ErrInvalid
	case code&0xff == sqliteCorrupt || code&0xff == sqliteNotADB:
		sentinel = ErrCorrupt
	case code&0xff == sqliteReadOnly || code&0xff == sqliteCantOpen || code&0xff == sqlitePerm:
		sentinel = ErrReadOnly
	default:
		return err
	}
	if errors.Is(err, sentinel) {
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// wrapErr adds the package and operation to err, and makes sure it matches
// ctx.Err() when ctx ended, and the sentinel its SQLite code stands for.
func wrapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sqlitestore: %s: %w", op, classify(wrapCtx(ctx, err)))
}
