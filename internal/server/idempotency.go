package server

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"
)

// Idempotency-Key handling (an extension): a POST retried with the same key
// and the same body gets the first answer again instead of creating a second
// resource. This follows the IETF draft "The Idempotency-Key HTTP Header
// Field": the same key with a different body is 422, and a retry while the
// first request is still running is 409. Only 2xx answers are kept, so a
// request that failed can be retried with its key. Entries live in memory for
// idemTTL, at most idemMax of them.
const (
	idemTTL       = 24 * time.Hour
	idemMax       = 10_000
	idemMaxKeyLen = 255
)

type idemEntry struct {
	key         string
	fingerprint [sha256.Size]byte
	done        bool
	status      int
	header      http.Header
	body        []byte
	created     time.Time
	elem        *list.Element
}

type idemCache struct {
	now func() time.Time

	mu    sync.Mutex
	m     map[string]*idemEntry
	order *list.List // oldest first
}

func newIdemCache(now func() time.Time) *idemCache {
	return &idemCache{now: now, m: make(map[string]*idemEntry), order: list.New()}
}

// begin looks up key. It returns the stored entry to replay, or reserves the
// key (fresh == true) for the caller, who must then call finish.
func (c *idemCache) begin(key string, fp [sha256.Size]byte) (e *idemEntry, fresh bool, err error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.order.Len() > 0 {
		old := c.order.Front().Value.(*idemEntry)
		if c.order.Len() < idemMax && now.Sub(old.created) < idemTTL {
			break
		}
		c.order.Remove(old.elem)
		delete(c.m, old.key)
	}
	if e, ok := c.m[key]; ok {
		switch {
		case e.fingerprint != fp:
			return nil, false, validationError{{
				Loc:  []any{"header", "idempotency-key"},
				Msg:  "This Idempotency-Key was already used with a different request",
				Type: typeValue,
			}}
		case !e.done:
			return nil, false, &httpError{status: http.StatusConflict, detail: "A request with this Idempotency-Key is still being processed"}
		}
		return e, false, nil
	}
	e = &idemEntry{key: key, fingerprint: fp, created: now}
	e.elem = c.order.PushBack(e)
	c.m[key] = e
	return e, true, nil
}

// finish stores the answer of a reserved key, or forgets the key when the
// answer is not worth replaying.
func (c *idemCache) finish(e *idemEntry, rec *recorder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rec.status < 200 || rec.status > 299 {
		if c.m[e.key] == e {
			c.order.Remove(e.elem)
			delete(c.m, e.key)
		}
		return
	}
	e.done = true
	e.status = rec.status
	e.header = rec.Header().Clone()
	e.body = rec.buf.Bytes()
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
