package sqlitestore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

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

	// wsem holds the in-process write turn: SQLite has one writer, and
	// waiting here (with ctx) is fairer and cheaper than polling in SQLite's
	// busy handler.
	wsem chan struct{}
}

// New returns a Store on db, after applying the schema migrations it lacks.
// db must be a SQLite database opened through a database/sql driver (for
// example modernc.org/sqlite, driver name "sqlite"); the caller keeps
// ownership and configures it: [Open] shows the recommended settings (WAL
// journal, a busy timeout, foreign keys). When db is in memory, limit it to
// one connection (db.SetMaxOpenConns(1)): each connection to ":memory:" is a
// database of its own.
//
// [Store.Close] does not close db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlitestore: new: nil *sql.DB")
	}
	s := newStore(db, db, false)
	if err := migrate(ctx, db); err != nil {
		return nil, fmt.Errorf("sqlitestore: new: %w", err)
	}
	return s, nil
}

func newStore(wdb, rdb *sql.DB, owned bool) *Store {
	return &Store{wdb: wdb, rdb: rdb, owned: owned, wsem: make(chan struct{}, 1)}
}

// Close releases the connections [Open] made. For a Store made by [New] it
// does nothing: the caller closes its own *sql.DB. Close must not be called
// while other methods are running.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	err := s.wdb.Close()
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: close: %w", err)
	}
	return nil
}

// querier is what the statements run on: a pool for reads, the write
// connection inside writes.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// writeConn runs fn on a write connection while holding the write turn. fn
// runs in autocommit mode: use it for a single statement whose effect is
// atomic by itself.
func (s *Store) writeConn(ctx context.Context, fn func(c *sql.Conn) error) error {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wsem }()
	c, err := s.wdb.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

// writeTx runs fn in a BEGIN IMMEDIATE transaction and commits if fn
// succeeds and ctx is still live. Otherwise it rolls back, and if even that
// fails it discards the connection, so that no pooled connection is ever
// left inside a transaction.
func (s *Store) writeTx(ctx context.Context, fn func(c *sql.Conn) error) error {
	return s.writeConn(ctx, func(c *sql.Conn) error {
		if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			rollback(ctx, c)
			return err
		}
		err := fn(c)
		if err == nil {
			// A call whose ctx ended must not be applied, even if its
			// statements happened to finish.
			err = ctx.Err()
		}
		if err != nil {
			rollback(ctx, c)
			return err
		}
		if _, err := c.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
			rollback(ctx, c)
			return err
		}
		return nil
	})
}

// rollback ends the transaction on c, if any. A failed ROLLBACK (SQLite
// already rolled back after an interrupt, or the connection is broken)
// retires the connection instead of returning it to the pool.
func rollback(ctx context.Context, c *sql.Conn) {
	if _, err := c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// SQLite primary result codes this package branches on.
const (
	sqliteConstraint = 19
)

// SQLite extended result codes for uniqueness violations.
const (
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

// wrapErr adds the package and operation to err, and makes sure it matches
// ctx.Err() when ctx ended and ErrConflict when a uniqueness constraint
// failed.
func wrapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	err = wrapCtx(ctx, err)
	switch sqliteCode(err) {
	case sqliteConstraintPrimaryKey, sqliteConstraintUnique:
		if !errors.Is(err, engine.ErrConflict) {
			err = fmt.Errorf("%w: %w", engine.ErrConflict, err)
		}
	}
	return fmt.Errorf("sqlitestore: %s: %w", op, err)
}
