package pgstore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// flushTimeout bounds one coalesced statement: it no longer follows the
// context of any single caller.
const flushTimeout = 30 * time.Second

// maxBatch is the largest number of calls one coalesced statement carries.
const maxBatch = 256

// coalescer turns calls made at the same moment into one statement: group
// commit in the application. The first caller leads: it sends the pending
// calls as one batch, and more batches while calls arrive, until its own
// call is done; then it hands the lead to the oldest waiting call. A call
// made while nothing is pending goes out at once, alone, so coalescing
// adds no latency; under load, batches grow to whatever accumulated while
// the previous statement ran, and one commit serves them all.
//
// A caller whose context ends while its call is still queued withdraws it
// and gets the context's error. Once sent, the call runs under a context
// of its own (bounded by flushTimeout), and the caller waits for its
// outcome.
type coalescer[Q, R any] struct {
	// exec applies qs in one round trip and returns one result and error
	// per query, or an error for the whole batch.
	exec func(ctx context.Context, qs []Q) ([]R, []error, error)
	// key returns what may not appear twice in one batch (a row id).
	key func(Q) string

	mu      sync.Mutex
	pending []*call[Q, R]
	busy    bool // a caller is leading
}

type call[Q, R any] struct {
	q    Q
	r    R
	err  error
	done chan struct{} // closed once r and err are set
	lead chan struct{} // closed when this call must lead

	// Guarded by coalescer.mu.
	sent    bool // taken into a batch
	leading bool // lead was closed
}

func (c *coalescer[Q, R]) do(ctx context.Context, q Q) (R, error) {
	cl := &call[Q, R]{q: q, done: make(chan struct{}), lead: make(chan struct{})}
	c.mu.Lock()
	c.pending = append(c.pending, cl)
	if c.busy {
		c.mu.Unlock()
		select {
		case <-cl.done:
			return cl.r, cl.err
		case <-cl.lead:
		case <-ctx.Done():
			c.mu.Lock()
			if !cl.sent && !cl.leading {
				c.pending = slices.DeleteFunc(c.pending, func(p *call[Q, R]) bool { return p == cl })
				c.mu.Unlock()
				var zero R
				return zero, ctx.Err()
			}
			c.mu.Unlock()
			// Sent already, or chosen to lead the others: carry on.
			select {
			case <-cl.done:
				return cl.r, cl.err
			case <-cl.lead:
			}
		}
	} else {
		c.busy = true
		c.mu.Unlock()
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	for {
		select {
		case <-cl.done:
			c.mu.Lock()
			if len(c.pending) == 0 {
				c.busy = false
			} else {
				next := c.pending[0]
				next.leading = true
				close(next.lead)
			}
			c.mu.Unlock()
			return cl.r, cl.err
		default:
		}
		c.flush(fctx)
	}
}

// flush sends up to maxBatch pending calls, oldest first, leaving for the
// next batch any whose key repeats one already taken.
func (c *coalescer[Q, R]) flush(ctx context.Context) {
	c.mu.Lock()
	var (
		batch []*call[Q, R]
		rest  []*call[Q, R]
		keys  = make(map[string]bool)
	)
	for _, cl := range c.pending {
		k := c.key(cl.q)
		if len(batch) == maxBatch || keys[k] {
			rest = append(rest, cl)
			continue
		}
		keys[k] = true
		cl.sent = true
		batch = append(batch, cl)
	}
	c.pending = rest
	c.mu.Unlock()

	qs := make([]Q, len(batch))
	for i, cl := range batch {
		qs[i] = cl.q
	}
	rs, errs, err := c.exec(ctx, qs)
	var pgErr *pgconn.PgError
	if err != nil && len(qs) > 1 && errors.As(err, &pgErr) {
		// A value the server refused (say invalid UTF-8) fails the
		// statement for everyone: send each call alone to find it.
		rs, errs = make([]R, len(qs)), make([]error, len(qs))
		for i := range qs {
			r1, e1, err1 := c.exec(ctx, qs[i:i+1])
			if err1 != nil {
				errs[i] = err1
				continue
			}
			rs[i], errs[i] = r1[0], e1[0]
		}
		err = nil
	}
	for i, cl := range batch {
		if err != nil {
			cl.err = err
		} else {
			cl.r, cl.err = rs[i], errs[i]
		}
		close(cl.done)
	}
}
