package server

import (
	"bytes"
	"container/list"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// Idempotency-Key handling (an extension): a POST retried with the same key
// and the same body gets the first answer again instead of creating a second
// resource. This follows the IETF draft "The Idempotency-Key HTTP Header
// Field": the same key with a different body is 422, and a retry while the
// first request is still running is 409. Only 2xx answers are kept, so a
// request that failed can be retried with its key. Answers are kept for
// idemTTL in an [IdempotencyStore]: the engine's database when the store is
// SQL, else process memory (at most idemMax entries).
//
// A request holds its key for idemLease while it runs; if its process dies
// before answering, the key is free again once the lease ends.
const (
	idemTTL       = 24 * time.Hour
	idemLease     = time.Minute
	idemMax       = 10_000
	idemMaxKeyLen = 255
	// idemWriteTimeout bounds storing an answer or releasing a key after
	// the request ran, which happens even if the client has gone.
	idemWriteTimeout = 10 * time.Second
)

// IdempotencyStore keeps the records of requests made with an
// Idempotency-Key ([engine.IdempotencyRecord]): reservations while they
// run, then their answers. sqlitestore.Store and pgstore.Store implement
// it in the engine's database, so that replicas sharing the database, and
// a restarted process, replay each other's answers; without one
// ([Config.Idempotency] nil) the server keeps them in memory.
//
// The server makes every record's Key, Fingerprint and Token, and computes
// ExpiresAt from [Config.Now]: the store compares it with the now it is
// given, never with its own clock.
type IdempotencyStore interface {
	// ReserveIdempotencyKey stores rec, a reservation (Status 0, ExpiresAt
	// the end of its lease), unless a live record (ExpiresAt after now) has
	// rec.Key, atomically. It returns rec and true, or the live record
	// (reservation or answer) and false.
	ReserveIdempotencyKey(ctx context.Context, rec engine.IdempotencyRecord, now time.Time) (engine.IdempotencyRecord, bool, error)
	// CompleteIdempotencyKey stores the answer (Status, Header, Body) and
	// the new ExpiresAt in the reservation with rec.Key and rec.Token if
	// it is still in progress; else it returns an error matching
	// [engine.ErrNotFound].
	CompleteIdempotencyKey(ctx context.Context, rec engine.IdempotencyRecord) error
	// ReleaseIdempotencyKey deletes the reservation with key and token if
	// it is still in progress, and does nothing otherwise.
	ReleaseIdempotencyKey(ctx context.Context, key, token string) error
}

// idemKey is the record key of a request: a hash of the account, the
// route and the client's key, so that keys never collide across accounts
// or routes, and the client's bytes (any header value) are never stored.
func idemKey(acct, method, path, key string) string {
	h := sha256.New()
	for _, s := range []string{acct, method, path, key} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// newIdemToken returns a random reservation token.
func newIdemToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// memIdemStore is the in-memory [IdempotencyStore]: records of this
// process only, at most max of them (the oldest are dropped first).
type memIdemStore struct {
	max int

	mu    sync.Mutex
	m     map[string]*list.Element // of memIdemEntry
	order *list.List               // least recently written first
}

func newMemIdemStore(max int) *memIdemStore {
	return &memIdemStore{max: max, m: make(map[string]*list.Element), order: list.New()}
}

var _ IdempotencyStore = (*memIdemStore)(nil)

// ReserveIdempotencyKey implements [IdempotencyStore].
func (c *memIdemStore) ReserveIdempotencyKey(ctx context.Context, rec engine.IdempotencyRecord, now time.Time) (engine.IdempotencyRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return engine.IdempotencyRecord{}, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Drop expired records from the old end, then rec.Key's if it
	// expired, then the oldest while the store is full.
	for c.order.Len() > 0 && !c.order.Front().Value.(*engine.IdempotencyRecord).ExpiresAt.After(now) {
		c.drop(c.order.Front())
	}
	if el, ok := c.m[rec.Key]; ok {
		if e := el.Value.(*engine.IdempotencyRecord); e.ExpiresAt.After(now) {
			return cloneIdemRecord(*e), false, nil
		}
		c.drop(el)
	}
	for c.order.Len() > 0 && c.order.Len() >= c.max {
		c.drop(c.order.Front())
	}
	rec.Status, rec.Header, rec.Body = 0, nil, nil
	kept := cloneIdemRecord(rec)
	c.m[rec.Key] = c.order.PushBack(&kept)
	return rec, true, nil
}

// drop forgets the record of el; c.mu is held.
func (c *memIdemStore) drop(el *list.Element) {
	c.order.Remove(el)
	delete(c.m, el.Value.(*engine.IdempotencyRecord).Key)
}

// CompleteIdempotencyKey implements [IdempotencyStore].
func (c *memIdemStore) CompleteIdempotencyKey(ctx context.Context, rec engine.IdempotencyRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[rec.Key]
	if !ok {
		return fmt.Errorf("server: complete idempotency key: %w", engine.ErrNotFound)
	}
	e := el.Value.(*engine.IdempotencyRecord)
	if e.Token != rec.Token || e.Status != 0 {
		return fmt.Errorf("server: complete idempotency key: %w", engine.ErrNotFound)
	}
	done := cloneIdemRecord(rec)
	e.Status, e.Header, e.Body, e.ExpiresAt = done.Status, done.Header, done.Body, done.ExpiresAt
	c.order.MoveToBack(el)
	return nil
}

// ReleaseIdempotencyKey implements [IdempotencyStore].
func (c *memIdemStore) ReleaseIdempotencyKey(ctx context.Context, key, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		if e := el.Value.(*engine.IdempotencyRecord); e.Token == token && e.Status == 0 {
			c.drop(el)
		}
	}
	return nil
}

// cloneIdemRecord copies r's slices and header, which the store must not
// share with its callers.
func cloneIdemRecord(r engine.IdempotencyRecord) engine.IdempotencyRecord {
	r.Fingerprint = bytes.Clone(r.Fingerprint)
	r.Header = http.Header(r.Header).Clone()
	r.Body = bytes.Clone(r.Body)
	return r
}

// recorder captures an answer so it can be both sent and kept.
type recorder struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func newRecorder() *recorder { return &recorder{h: make(http.Header)} }

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(p)
}

// copyTo sends the recorded answer to w.
func (r *recorder) copyTo(w http.ResponseWriter) {
	for k, vs := range r.h {
		w.Header()[k] = vs
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.buf.Bytes())
}
