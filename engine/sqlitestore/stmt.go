package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache holds the statements prepared on one pool, by query text.
// Parsing a statement costs about as much as running it, so every query of
// this package is prepared once; database/sql then prepares it again on
// each connection that runs it, and keeps it there.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

var errClosed = errors.New("store is closed")

// get returns the statement for query, preparing it if needed. Preparing
// may need a connection of the pool, so get must not be called inside a
// transaction on a pool of one connection; it does not hold c.mu meanwhile,
// for a transaction may need c.mu to finish and free the connection.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	closed := c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return nil, errClosed
	case ok:
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.Join(errClosed, st.Close())
	}
	if prev, ok := c.m[query]; ok { // prepared concurrently
		return prev, st.Close()
	}
	c.m[query] = st
	return st, nil
}

// lookup returns the statement for query if it is prepared already.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for q, st := range c.m {
		err = errors.Join(err, st.Close())
		delete(c.m, q)
	}
	c.closed = true
	return err
}

// querier runs the statements of one store call: inside the write
// transaction tx, or on the pool of c when tx is nil.
type querier struct {
	ctx context.Context
	tx  *sql.Tx
	c   *stmtCache
}

// stmt returns the prepared statement for query, bound to the transaction
// if there is one; nil inside a transaction if query was not prepared by
// newStore (the caller then runs it unprepared).
func (q querier) stmt(query string) (*sql.Stmt, error) {
	if q.tx != nil {
		if st := q.c.lookup(query); st != nil {
			return q.tx.StmtContext(q.ctx, st), nil
		}
		return nil, nil
	}
	return q.c.get(q.ctx, query)
}

func (q querier) exec(query string, args ...any) (sql.Result, error) {
	st, err := q.stmt(query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return q.tx.ExecContext(q.ctx, query, args...)
	}
	return st.ExecContext(q.ctx, args...)
}

// execCount runs query and returns how many rows it changed.
func (q querier) execCount(query string, args ...any) (int64, error) {
	res, err := q.exec(query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier) query(query string, args ...any) (*sql.Rows, error) {
	st, err := q.stmt(query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return q.tx.QueryContext(q.ctx, query, args...)
	}
	return st.QueryContext(q.ctx, args...)
}

// rowScanner is the single-row result of querier.queryRow.
type rowScanner struct {
	row *sql.Row
	err error
}

func (r rowScanner) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

func (q querier) queryRow(query string, args ...any) rowScanner {
	st, err := q.stmt(query)
	if err != nil {
		return rowScanner{err: err}
	}
	if st == nil {
		return rowScanner{row: q.tx.QueryRowContext(q.ctx, query, args...)}
	}
	return rowScanner{row: st.QueryRowContext(q.ctx, args...)}
}
