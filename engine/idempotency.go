package engine

import "time"

// IdempotencyRecord is a request made with an idempotency key and, once it
// has one, the answer to replay when the request is retried. The engine
// itself does not use it: it is the row that the SQL stores (sqlitestore,
// pgstore) keep for the demo server's Idempotency-Key header, in the same
// database as the schedules, so that replicas sharing the database, and a
// process restarted on it, replay each other's answers.
//
// The stores implement three methods on it, which the server's
// IdempotencyStore interface names:
//
//   - ReserveIdempotencyKey(ctx, rec, now) (IdempotencyRecord, bool, error)
//     stores rec (an in-progress reservation, Status 0) unless a live
//     record (ExpiresAt after now) has rec.Key; it returns rec and true, or
//     the live record and false. Expired records are replaced, and a few
//     other expired ones deleted, in the same atomic step.
//   - CompleteIdempotencyKey(ctx, rec) error stores the answer (Status,
//     Header, Body) and the new ExpiresAt in the reservation with rec.Key
//     and rec.Token, if it is still in progress; else it returns an error
//     matching [ErrNotFound].
//   - ReleaseIdempotencyKey(ctx, key, token) error deletes the reservation
//     with that key and token if it is still in progress, and does nothing
//     otherwise.
type IdempotencyRecord struct {
	// Key identifies the request; the caller chooses its form.
	Key string
	// Fingerprint is a hash of the request, to tell a retry from another
	// request made with the same key.
	Fingerprint []byte
	// Token identifies one reservation of Key, so that a request whose
	// reservation expired and was taken over cannot complete or release
	// its successor's.
	Token string
	// ExpiresAt ends the record: the end of the reservation's lease while
	// the request is in progress, then the end of the replay period.
	ExpiresAt time.Time
	// Status is the answer's HTTP status; 0 while the request is in
	// progress.
	Status int
	// Header and Body are the answer's header fields and body.
	Header map[string][]string
	Body   []byte
}
