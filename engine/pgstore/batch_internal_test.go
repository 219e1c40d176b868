package pgstore

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Every call gets its own result, however the calls are batched; calls
// made together share statements; a repeated key waits for the next batch.
func TestCoalescer(t *testing.T) {
	t.Parallel()
	var (
		statements atomic.Int64
		maxSize    atomic.Int64
		inFlight   atomic.Int64
	)
	c := &coalescer[string, string]{
		key: func(q string) string { k, _, _ := cutDot(q); return k },
		exec: func(ctx context.Context, qs []string) ([]string, []error, error) {
			if inFlight.Add(1) != 1 {
				t.Error("two batches in flight at once")
			}
			defer inFlight.Add(-1)
			statements.Add(1)
			for n := int64(len(qs)); ; {
				m := maxSize.Load()
				if n <= m || maxSize.CompareAndSwap(m, n) {
					break
				}
			}
			seen := map[string]bool{}
			rs, errs := make([]string, len(qs)), make([]error, len(qs))
			for i, q := range qs {
				k, _, _ := cutDot(q)
				if seen[k] {
					t.Errorf("key %s twice in one batch", k)
				}
				seen[k] = true
				if q == "fail" {
					errs[i] = errors.New("failed " + q)
					continue
				}
				rs[i] = "r:" + q
			}
			return rs, errs, nil
		},
	}
	const callers = 2000
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			q := strconv.Itoa(i%500) + "." + strconv.Itoa(i) // keys repeat 4 times
			if i == 7 {
				q = "fail"
			}
			r, err := c.do(context.Background(), q)
			switch {
			case q == "fail" && err == nil:
				t.Errorf("do(%q) succeeded", q)
			case q != "fail" && (err != nil || r != "r:"+q):
				t.Errorf("do(%q) = %q, %v", q, r, err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d calls in %d statements, largest batch %d", callers, statements.Load(), maxSize.Load())
	if c.busy || len(c.pending) != 0 {
		t.Errorf("coalescer not idle after all calls returned: busy %v, %d pending", c.busy, len(c.pending))
	}
}

func cutDot(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// A batch the server refuses is retried call by call, so only the bad
// call fails.
func TestCoalescerIsolatesBadCall(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var calls atomic.Int64
	c := &coalescer[string, string]{
		key: func(q string) string { return q },
		exec: func(ctx context.Context, qs []string) ([]string, []error, error) {
			if calls.Add(1) == 1 {
				<-release // hold the first statement so the others pile up
			}
			for _, q := range qs {
				if q == "bad" {
					return nil, nil, &pgconn.PgError{Code: "22021", Message: "invalid byte sequence"}
				}
			}
			rs := make([]string, len(qs))
			for i, q := range qs {
				rs[i] = "r:" + q
			}
			return rs, make([]error, len(qs)), nil
		},
	}
	var wg sync.WaitGroup
	results := make([]error, 6)
	wg.Go(func() { _, results[0] = c.do(context.Background(), "first") })
	for calls.Load() == 0 {
		// wait until the first statement is in flight
		runtime.Gosched()
	}
	for i, q := range []string{"a", "b", "bad", "c", "d"} {
		wg.Go(func() { _, results[i+1] = c.do(context.Background(), q) })
	}
	for {
		c.mu.Lock()
		n := len(c.pending)
		c.mu.Unlock()
		if n == 5 {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	for i, q := range []string{"first", "a", "b", "bad", "c", "d"} {
		var pgErr *pgconn.PgError
		if bad := q == "bad"; bad != errors.As(results[i], &pgErr) {
			t.Errorf("do(%q): error %v", q, results[i])
		}
	}
	if got := calls.Load(); got != 1+1+5 {
		t.Errorf("%d statements, want 7 (first, the failing batch, then one per call)", got)
	}
}

// A caller whose context ends while its call waits for the statement in
// flight withdraws the call: it is never sent.
func TestCoalescerWithdraw(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var (
		mu   sync.Mutex
		sent []string
	)
	c := &coalescer[string, string]{
		key: func(q string) string { return q },
		exec: func(ctx context.Context, qs []string) ([]string, []error, error) {
			mu.Lock()
			first := len(sent) == 0
			sent = append(sent, qs...)
			mu.Unlock()
			if first {
				<-release
			}
			return qs, make([]error, len(qs)), nil
		},
	}
	var wg sync.WaitGroup
	wg.Go(func() { c.do(context.Background(), "first") })
	pendingIs := func(n int) {
		for {
			c.mu.Lock()
			got, busy := len(c.pending), c.busy
			c.mu.Unlock()
			if busy && got == n {
				return
			}
			runtime.Gosched()
		}
	}
	pendingIs(0) // "first" is in flight
	ctx, cancel := context.WithCancel(context.Background())
	var withdrawnErr error
	wg.Go(func() { _, withdrawnErr = c.do(ctx, "withdrawn") })
	pendingIs(1)
	var keptErr error
	wg.Go(func() { _, keptErr = c.do(context.Background(), "kept") })
	pendingIs(2)
	cancel()
	pendingIs(1)
	close(release)
	wg.Wait()
	if !errors.Is(withdrawnErr, context.Canceled) || keptErr != nil {
		t.Errorf("withdrawn: %v (want context.Canceled); kept: %v", withdrawnErr, keptErr)
	}
	if want := []string{"first", "kept"}; !slices.Equal(sent, want) {
		t.Errorf("sent %q, want %q", sent, want)
	}
}
