package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// idemPruneLimit bounds how many expired idempotency records one
// ReserveIdempotencyKey deletes: more than the one it may add, so the
// table does not grow beyond its live records plus a few.
const idemPruneLimit = 10

const (
	idemPruneSQL = `DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys
		WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)`
	// A live record (expires_at after ?5) is left alone: no row changes.
	idemReserveSQL = `INSERT INTO idempotency_keys (key, fingerprint, token, expires_at, status, header, body)
		VALUES (?1, ?2, ?3, ?4, 0, NULL, NULL)
		ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token,
			expires_at = excluded.expires_at, status = 0, header = NULL, body = NULL
		WHERE idempotency_keys.expires_at <= ?5`
	idemGetSQL = `SELECT fingerprint, token, expires_at, status, header, body
		FROM idempotency_keys WHERE key = ?`
	idemCompleteSQL = `UPDATE idempotency_keys SET status = ?3, header = ?4, body = ?5, expires_at = ?6
		WHERE key = ?1 AND token = ?2 AND status = 0`
	idemReleaseSQL = `DELETE FROM idempotency_keys WHERE key = ? AND token = ? AND status = 0`
)

// ReserveIdempotencyKey stores rec, a reservation (its Status is ignored
// and stored as 0), unless a live record (ExpiresAt after now) has rec.Key.
// It returns rec and true, or the live record and false; see
// [engine.IdempotencyRecord]. It runs in one write transaction, which also
// deletes a few expired records.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, rec engine.IdempotencyRecord, now time.Time) (engine.IdempotencyRecord, bool, error) {
	var got engine.IdempotencyRecord
	var reserved bool
	err := s.groupWrite(ctx, func(q querier) error {
		got, reserved = engine.IdempotencyRecord{}, false
		if _, err := q.exec(idemPruneSQL, micros(now), idemPruneLimit); err != nil {
			return err
		}
		n, err := q.execCount(idemReserveSQL, rec.Key, rec.Fingerprint, rec.Token, micros(rec.ExpiresAt), micros(now))
		if err != nil {
			return err
		}
		if n == 1 {
			got, reserved = rec, true
			got.Status, got.Header, got.Body = 0, nil, nil
			return nil
		}
		got, err = scanIdempotencyRecord(q.queryRow(idemGetSQL, rec.Key))
		got.Key = rec.Key
		return err
	})
	if err != nil {
		return engine.IdempotencyRecord{}, false, wrapErr(ctx, "reserve idempotency key", err)
	}
	return got, reserved, nil
}

func scanIdempotencyRecord(row rowScanner) (engine.IdempotencyRecord, error) {
	var rec engine.IdempotencyRecord
	var expires int64
	var header sql.NullString
	if err := row.Scan(&rec.Fingerprint, &rec.Token, &expires, &rec.Status, &header, &rec.Body); err != nil {
		return rec, err
	}
	rec.ExpiresAt = fromMicros(expires)
	if header.Valid {
		if err := json.Unmarshal([]byte(header.String), &rec.Header); err != nil {
			return rec, fmt.Errorf("decode header: %w", err)
		}
	}
	return rec, nil
}

// CompleteIdempotencyKey stores the answer of the reservation with rec.Key
// and rec.Token: rec's Status, Header, Body and ExpiresAt. It returns an
// error matching [engine.ErrNotFound] if that reservation is no longer in
// progress (it expired and was taken over, or was released).
func (s *Store) CompleteIdempotencyKey(ctx context.Context, rec engine.IdempotencyRecord) error {
	var header any // NULL for a nil header
	if rec.Header != nil {
		b, err := json.Marshal(rec.Header)
		if err != nil {
			return fmt.Errorf("sqlitestore: complete idempotency key: %w", err)
		}
		header = string(b)
	}
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	err := s.groupWrite(ctx, func(q querier) error {
		n, err := q.execCount(idemCompleteSQL, rec.Key, rec.Token, rec.Status, header, body, micros(rec.ExpiresAt))
		if err != nil {
			return err
		}
		if n == 0 {
			return engine.ErrNotFound
		}
		return nil
	})
	return wrapErr(ctx, "complete idempotency key", err)
}

// ReleaseIdempotencyKey deletes the reservation with key and token if it
// is still in progress, so that the request can be made again at once; it
// does nothing otherwise.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key, token string) error {
	err := s.groupWrite(ctx, func(q querier) error {
		_, err := q.exec(idemReleaseSQL, key, token)
		return err
	})
	return wrapErr(ctx, "release idempotency key", err)
}
