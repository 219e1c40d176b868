package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/nlcron/nlcron/engine"
)

const (
	putKeySQL = `INSERT INTO api_keys (hash, account_id) VALUES (?, ?)
		ON CONFLICT (hash) DO UPDATE SET account_id = excluded.account_id`
	accountForKeySQL = `SELECT account_id FROM api_keys WHERE hash = ?`
	countKeysSQL     = `SELECT count(*) FROM api_keys`
)

// PutKey implements [engine.KeyStore]. Putting a hash again records the
// latest account for it.
func (s *Store) PutKey(ctx context.Context, hash, accountID string) error {
	err := s.groupWrite(ctx, func(q querier) error {
		_, err := q.exec(putKeySQL, hash, accountID)
		return err
	})
	return wrapErr(ctx, "put key", err)
}

// AccountForKey implements [engine.KeyStore].
func (s *Store) AccountForKey(ctx context.Context, hash string) (string, error) {
	var account string
	err := s.read(ctx).queryRow(accountForKeySQL, hash).Scan(&account)
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
	if err := s.read(ctx).queryRow(countKeysSQL).Scan(&n); err != nil {
		return 0, wrapErr(ctx, "count keys", err)
	}
	return n, nil
}
