package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/nlcron/nlcron/engine"
)

// PutKey implements [engine.KeyStore]. Putting a hash again records the
// latest account for it.
func (s *Store) PutKey(ctx context.Context, hash, accountID string) error {
	err := s.writeConn(ctx, func(c *sql.Conn) error {
		_, err := c.ExecContext(ctx, `INSERT INTO api_keys (hash, account_id) VALUES (?, ?)
			ON CONFLICT (hash) DO UPDATE SET account_id = excluded.account_id`, hash, accountID)
		return err
	})
	return wrapErr(ctx, "put key", err)
}

// AccountForKey implements [engine.KeyStore].
func (s *Store) AccountForKey(ctx context.Context, hash string) (string, error) {
	var account string
	err := s.rdb.QueryRowContext(ctx, `SELECT account_id FROM api_keys WHERE hash = ?`, hash).Scan(&account)
	if errors.Is(err, sql.ErrNoRows) {
		err = engine.ErrNotFound
	}
	if err != nil {
		return "", wrapErr(ctx, "account for key", err)
	}
	return account, nil
}

// CountKeys implements [engine.KeyStore].
func (s *Store) CountKeys(ctx context.Context) (int, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM api_keys`).Scan(&n); err != nil {
		return 0, wrapErr(ctx, "count keys", err)
	}
	return n, nil
}
