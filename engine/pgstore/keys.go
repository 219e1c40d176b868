package pgstore

import "context"

// PutKey implements [engine.KeyStore]. Putting a hash that is already
// stored records the new account for it.
func (s *Store) PutKey(ctx context.Context, hash, accountID string) error {
	const op = "put key"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, s.q.putKey, hash, accountID)
	return wrapErr(ctx, op, err)
}

// AccountForKey implements [engine.KeyStore].
func (s *Store) AccountForKey(ctx context.Context, hash string) (string, error) {
	const op = "account for key"
	if err := ctxErr(ctx, op); err != nil {
		return "", err
	}
	var account string
	if err := s.pool.QueryRow(ctx, s.q.accountForKey, hash).Scan(&account); err != nil {
		return "", wrapErr(ctx, op, err)
	}
	return account, nil
}

// CountKeys implements [engine.KeyStore].
func (s *Store) CountKeys(ctx context.Context) (int, error) {
	const op = "count keys"
	if err := ctxErr(ctx, op); err != nil {
		return 0, err
	}
	var n int64
	if err := s.pool.QueryRow(ctx, s.q.countKeys).Scan(&n); err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	return int(n), nil
}
