package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nlcron/nlcron/engine"
)

// idemPruneLimit bounds how many expired idempotency records one
// ReserveIdempotencyKey deletes: more than the one it may add, so the
// table does not grow beyond its live records plus a few.
const idemPruneLimit = 10

// ReserveIdempotencyKey stores rec, a reservation (its Status is ignored
// and stored as 0), unless a live record (ExpiresAt after now) has rec.Key.
// It returns rec and true, or the live record and false; see
// [engine.IdempotencyRecord]. Replicas reserving one key at once are
// serialised by its row: exactly one of them gets true. The same
// transaction deletes a few expired records, skipping any another caller
// holds.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, rec engine.IdempotencyRecord, now time.Time) (engine.IdempotencyRecord, bool, error) {
	const op = "reserve idempotency key"
	if err := ctxErr(ctx, op); err != nil {
		return engine.IdempotencyRecord{}, false, err
	}
	var got engine.IdempotencyRecord
	var reserved bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		got, reserved = engine.IdempotencyRecord{}, false
		if _, err := tx.Exec(ctx, s.q.idemPrune, now, idemPruneLimit); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, s.q.idemReserve, rec.Key, rec.Fingerprint, rec.Token, rec.ExpiresAt, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			got, reserved = rec, true
			got.Status, got.Header, got.Body = 0, nil, nil
			return nil
		}
		// ON CONFLICT DO UPDATE locked the live row even though its WHERE
		// refused to update it, so this read (a newer snapshot) sees it as
		// it is committed, and nobody can change it before we commit.
		var header []byte
		if err := tx.QueryRow(ctx, s.q.idemGet, rec.Key).Scan(&got.Fingerprint, &got.Token, &got.ExpiresAt,
			&got.Status, &header, &got.Body); err != nil {
			return err
		}
		got.Key = rec.Key
		got.ExpiresAt = got.ExpiresAt.UTC()
		if header != nil {
			if err := json.Unmarshal(header, &got.Header); err != nil {
				return fmt.Errorf("decode header: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return engine.IdempotencyRecord{}, false, wrapErr(ctx, op, err)
	}
	return got, reserved, nil
}

// CompleteIdempotencyKey stores the answer of the reservation with rec.Key
// and rec.Token: rec's Status, Header, Body and ExpiresAt. It returns an
// error matching [engine.ErrNotFound] if that reservation is no longer in
// progress (it expired and was taken over, or was released).
func (s *Store) CompleteIdempotencyKey(ctx context.Context, rec engine.IdempotencyRecord) error {
	const op = "complete idempotency key"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	var header []byte // NULL for a nil header
	if rec.Header != nil {
		b, err := json.Marshal(rec.Header)
		if err != nil {
			return fmt.Errorf("pgstore: %s: %w", op, err)
		}
		header = b
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	tag, err := s.pool.Exec(ctx, s.q.idemComplete, rec.Key, rec.Token, rec.Status, header, body, rec.ExpiresAt)
	if err != nil {
		return wrapErr(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: %s: %w", op, engine.ErrNotFound)
	}
	return nil
}

// ReleaseIdempotencyKey deletes the reservation with key and token if it
// is still in progress, so that the request can be made again at once; it
// does nothing otherwise.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key, token string) error {
	const op = "release idempotency key"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, s.q.idemRelease, key, token)
	return wrapErr(ctx, op, err)
}
