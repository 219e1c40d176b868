package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
	"github.com/nlcron/nlcron/engine/sqlitestore"
	"github.com/nlcron/nlcron/internal/pgtest"
)

// The SQL stores are the durable IdempotencyStores.
var (
	_ IdempotencyStore = (*sqlitestore.Store)(nil)
	_ IdempotencyStore = (*pgstore.Store)(nil)
)

// idemBackend opens a fresh, empty IdempotencyStore, and returns a function
// that opens another handle on the same records (another replica, or the
// same process after a restart; the memory store returns itself).
type idemBackend struct {
	name string
	open func(t *testing.T) (IdempotencyStore, func() IdempotencyStore)
}

// idemBackends returns the backends; the PostgreSQL one shares a pool
// closed when t ends.
func idemBackends(t *testing.T) []idemBackend {
	pool := pgTestPool(t)
	return []idemBackend{
		{"memory", func(t *testing.T) (IdempotencyStore, func() IdempotencyStore) {
			st := newMemIdemStore(idemMax)
			return st, func() IdempotencyStore { return st }
		}},
		{"sqlite", func(t *testing.T) (IdempotencyStore, func() IdempotencyStore) {
			path := filepath.Join(t.TempDir(), "nlcron.db")
			open := func() IdempotencyStore { return openSQLiteStore(t, path) }
			return open(), open
		}},
		{"postgres", func(t *testing.T) (IdempotencyStore, func() IdempotencyStore) {
			pgtest.URL(t)
			schema := pgTestSchema(t, pool)
			open := func() IdempotencyStore {
				st, err := pgstore.New(context.Background(), pool, pgstore.WithSchema(schema))
				if err != nil {
					t.Fatalf("pgstore.New: %v", err)
				}
				return st
			}
			return open(), open
		}},
	}
}

// openSQLiteStore opens the SQLite store at path, closed when t ends.
func openSQLiteStore(t *testing.T, path string) *sqlitestore.Store {
	t.Helper()
	st, err := sqlitestore.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlitestore.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// pgTestPool returns a pool on the test database, closed when t ends, or
// nil if NLCRON_TEST_POSTGRES_URL is not set (pgtest.URL then skips, or
// fails, the tests that need it).
func pgTestPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	u := os.Getenv(pgtest.URLEnv)
	if u == "" {
		return nil
	}
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		t.Fatalf("%s: %v", pgtest.URLEnv, err)
	}
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("connect to %s: %v", pgtest.URLEnv, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// pgTestSchema returns a fresh schema name, dropped with its tables when t
// ends.
func pgTestSchema(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "nlcron_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// TestIdempotencyStore is the conformance test of the IdempotencyStore
// contract, run against every implementation.
func TestIdempotencyStore(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)
	fp := []byte("fingerprint-of-the-body-32-bytes")
	otherFP := []byte("fingerprint-of-another-body-32b.")
	reservation := func(key, token string, now time.Time) engine.IdempotencyRecord {
		return engine.IdempotencyRecord{Key: key, Fingerprint: fp, Token: token, ExpiresAt: now.Add(idemLease)}
	}
	answer := func(r engine.IdempotencyRecord, now time.Time) engine.IdempotencyRecord {
		r.Status = 201
		r.Header = map[string][]string{"Content-Type": {"application/json"}, "Content-Length": {"12"}}
		r.Body = []byte(`{"data":{}}` + "\n")
		r.ExpiresAt = now.Add(idemTTL)
		return r
	}
	opts := cmp.Options{cmpopts.EquateEmpty()}

	// reserve calls ReserveIdempotencyKey and checks whether it reserved.
	reserve := func(t *testing.T, st IdempotencyStore, rec engine.IdempotencyRecord, now time.Time, wantFresh bool) engine.IdempotencyRecord {
		t.Helper()
		got, fresh, err := st.ReserveIdempotencyKey(t.Context(), rec, now)
		if err != nil {
			t.Fatalf("ReserveIdempotencyKey(%s, %s): %v", rec.Key, rec.Token, err)
		}
		if fresh != wantFresh {
			t.Fatalf("ReserveIdempotencyKey(%s, %s) at %v: fresh = %v, want %v (record %+v)", rec.Key, rec.Token, now, fresh, wantFresh, got)
		}
		return got
	}
	complete := func(t *testing.T, st IdempotencyStore, rec engine.IdempotencyRecord) {
		t.Helper()
		if err := st.CompleteIdempotencyKey(t.Context(), rec); err != nil {
			t.Fatalf("CompleteIdempotencyKey(%s, %s): %v", rec.Key, rec.Token, err)
		}
	}
	release := func(t *testing.T, st IdempotencyStore, key, token string) {
		t.Helper()
		if err := st.ReleaseIdempotencyKey(t.Context(), key, token); err != nil {
			t.Fatalf("ReleaseIdempotencyKey(%s, %s): %v", key, token, err)
		}
	}

	tests := []struct {
		name string
		run  func(t *testing.T, st IdempotencyStore, reopen func() IdempotencyStore)
	}{
		{"fresh reserve", func(t *testing.T, st IdempotencyStore, _ func() IdempotencyStore) {
			rec := reservation("k", "t1", t0)
			rec.Status, rec.Body = 201, []byte("ignored") // a reservation has no answer yet
			got := reserve(t, st, rec, t0, true)
			if diff := cmp.Diff(reservation("k", "t1", t0), got, opts); diff != "" {
				t.Errorf("reserved record mismatch (-want +got):\n%s", diff)
			}
			// Keys are independent.
			reserve(t, st, reservation("k2", "t2", t0), t0, true)
		}},
		{"in progress", func(t *testing.T, st IdempotencyStore, reopen func() IdempotencyStore) {
			reserve(t, st, reservation("k", "t1", t0), t0, true)
			// The server answers 409: the live record is still a reservation.
			for _, s := range []IdempotencyStore{st, reopen()} {
				got := reserve(t, s, reservation("k", "t2", t0.Add(time.Second)), t0.Add(time.Second), false)
				if diff := cmp.Diff(reservation("k", "t1", t0), got, opts); diff != "" {
					t.Errorf("live reservation mismatch (-want +got):\n%s", diff)
				}
			}
		}},
		{"replay after complete", func(t *testing.T, st IdempotencyStore, reopen func() IdempotencyStore) {
			rec := reserve(t, st, reservation("k", "t1", t0), t0, true)
			complete(t, st, answer(rec, t0))
			for _, s := range []IdempotencyStore{st, reopen()} {
				got := reserve(t, s, reservation("k", "t2", t0.Add(time.Hour)), t0.Add(time.Hour), false)
				if diff := cmp.Diff(answer(rec, t0), got, opts); diff != "" {
					t.Errorf("replayed record mismatch (-want +got):\n%s", diff)
				}
			}
			// Completing again, or with another token, finds no reservation.
			for _, tok := range []string{"t1", "t2"} {
				r := answer(rec, t0)
				r.Token = tok
				if err := st.CompleteIdempotencyKey(t.Context(), r); !errors.Is(err, engine.ErrNotFound) {
					t.Errorf("CompleteIdempotencyKey(%s) of an answered key: %v, want ErrNotFound", tok, err)
				}
			}
			// Releasing an answered key changes nothing.
			release(t, st, "k", "t1")
			reserve(t, st, reservation("k", "t3", t0.Add(2*time.Hour)), t0.Add(2*time.Hour), false)
		}},
		{"different fingerprint", func(t *testing.T, st IdempotencyStore, _ func() IdempotencyStore) {
			rec := reserve(t, st, reservation("k", "t1", t0), t0, true)
			other := reservation("k", "t2", t0)
			other.Fingerprint = otherFP
			// The server answers 422: the live record has another fingerprint,
			// while the request runs and after it answered.
			if got := reserve(t, st, other, t0, false); string(got.Fingerprint) != string(fp) {
				t.Errorf("in progress: fingerprint %q, want %q", got.Fingerprint, fp)
			}
			complete(t, st, answer(rec, t0))
			if got := reserve(t, st, other, t0.Add(time.Minute), false); string(got.Fingerprint) != string(fp) || got.Status != 201 {
				t.Errorf("answered: fingerprint %q status %d, want %q 201", got.Fingerprint, got.Status, fp)
			}
		}},
		{"release then reserve", func(t *testing.T, st IdempotencyStore, _ func() IdempotencyStore) {
			reserve(t, st, reservation("k", "t1", t0), t0, true)
			// Another token's release changes nothing.
			release(t, st, "k", "t2")
			reserve(t, st, reservation("k", "t2", t0), t0, false)
			release(t, st, "k", "t1")
			reserve(t, st, reservation("k", "t3", t0), t0, true)
			// Releasing a key that is not there is not an error.
			release(t, st, "missing", "t1")
			if err := st.CompleteIdempotencyKey(t.Context(), answer(reservation("k", "t1", t0), t0)); !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("CompleteIdempotencyKey of a released reservation: %v, want ErrNotFound", err)
			}
		}},
		{"lease expiry", func(t *testing.T, st IdempotencyStore, reopen func() IdempotencyStore) {
			// The first request's process died: it never completes nor releases.
			reserve(t, st, reservation("k", "t1", t0), t0, true)
			end := t0.Add(idemLease)
			reserve(t, st, reservation("k", "t2", end.Add(-time.Microsecond)), end.Add(-time.Microsecond), false)
			s2 := reopen()
			got := reserve(t, s2, reservation("k", "t2", end), end, true)
			if got.Token != "t2" {
				t.Errorf("taken-over reservation has token %q, want t2", got.Token)
			}
			// The late first request can neither answer nor free the key.
			if err := st.CompleteIdempotencyKey(t.Context(), answer(reservation("k", "t1", t0), end)); !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("CompleteIdempotencyKey with the expired token: %v, want ErrNotFound", err)
			}
			release(t, st, "k", "t1")
			reserve(t, st, reservation("k", "t3", end), end, false)
			complete(t, s2, answer(reservation("k", "t2", end), end))
			if got := reserve(t, st, reservation("k", "t4", end), end, false); got.Status != 201 || got.Token != "t2" {
				t.Errorf("after takeover: status %d token %q, want 201 t2", got.Status, got.Token)
			}
		}},
		{"ttl expiry", func(t *testing.T, st IdempotencyStore, _ func() IdempotencyStore) {
			rec := reserve(t, st, reservation("k", "t1", t0), t0, true)
			complete(t, st, answer(rec, t0))
			end := t0.Add(idemTTL)
			reserve(t, st, reservation("k", "t2", end.Add(-time.Microsecond)), end.Add(-time.Microsecond), false)
			other := reservation("k", "t3", end)
			other.Fingerprint = otherFP // a new request may reuse the key
			if diff := cmp.Diff(other, reserve(t, st, other, end, true), opts); diff != "" {
				t.Errorf("reservation over an expired answer mismatch (-want +got):\n%s", diff)
			}
			// Many expired records do not get in the way of new ones.
			for i := range 30 {
				k := "many-" + string(rune('a'+i))
				reserve(t, st, reservation(k, "t", end), end, true)
			}
			later := end.Add(idemLease)
			for i := range 30 {
				k := "many-" + string(rune('a'+i))
				reserve(t, st, reservation(k, "u", later), later, true)
			}
		}},
		{"concurrent reserve", func(t *testing.T, st IdempotencyStore, reopen func() IdempotencyStore) {
			// Replicas racing for one key: exactly one reserves it, and the
			// others see its reservation.
			stores := []IdempotencyStore{st, reopen()}
			const n = 8
			var wg sync.WaitGroup
			results := make([]engine.IdempotencyRecord, n)
			fresh := make([]bool, n)
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					tok := "t" + string(rune('0'+i))
					results[i], fresh[i], errs[i] = stores[i%2].ReserveIdempotencyKey(t.Context(), reservation("k", tok, t0), t0)
				})
			}
			wg.Wait()
			winner := ""
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("reserve %d: %v", i, errs[i])
				}
				if fresh[i] {
					if winner != "" {
						t.Fatalf("both %s and %s reserved the key", winner, results[i].Token)
					}
					winner = results[i].Token
				}
			}
			if winner == "" {
				t.Fatal("nobody reserved the key")
			}
			for i := range n {
				if results[i].Token != winner {
					t.Errorf("reserve %d saw token %q, want the winner's %q", i, results[i].Token, winner)
				}
			}
		}},
		{"cancelled context", func(t *testing.T, st IdempotencyStore, _ func() IdempotencyStore) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if _, _, err := st.ReserveIdempotencyKey(ctx, reservation("k", "t1", t0), t0); !errors.Is(err, context.Canceled) {
				t.Errorf("ReserveIdempotencyKey with a cancelled context: %v, want context.Canceled", err)
			}
			reserve(t, st, reservation("k", "t1", t0), t0, true)
		}},
	}
	for _, b := range idemBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					st, reopen := b.open(t)
					tc.run(t, st, reopen)
				})
			}
		})
	}
}

// durableStore is what the SQL stores are: the engine's store, its keys
// and the Idempotency-Key records in one database.
type durableStore interface {
	engine.Store
	engine.KeyStore
	IdempotencyStore
}

// gatedEngine is an Engine whose CreateSchedule, while gate is open
// (non-nil), reports on entered and waits for gate to close.
type gatedEngine struct {
	Engine
	entered chan struct{}
	gate    chan struct{}
}

func (g *gatedEngine) CreateSchedule(ctx context.Context, accountID string, in engine.ScheduleInput) (*engine.Schedule, error) {
	if g.gate != nil {
		g.entered <- struct{}{}
		<-g.gate
	}
	return g.Engine.CreateSchedule(ctx, accountID, in)
}

// TestIdempotencyDurable checks that servers sharing one SQL database, as
// replicas do, and a server restarted on it, replay each other's answers
// for an Idempotency-Key, and see each other's requests in progress.
func TestIdempotencyDurable(t *testing.T) {
	t.Parallel()
	const apiKey = "durable-test-key"
	pool := pgTestPool(t)
	backends := []struct {
		name string
		// open returns a function opening a handle on one fresh database.
		open func(t *testing.T) func() durableStore
	}{
		{"sqlite", func(t *testing.T) func() durableStore {
			path := filepath.Join(t.TempDir(), "nlcron.db")
			return func() durableStore { return openSQLiteStore(t, path) }
		}},
		{"postgres", func(t *testing.T) func() durableStore {
			pgtest.URL(t)
			schema := pgTestSchema(t, pool)
			return func() durableStore {
				st, err := pgstore.New(context.Background(), pool, pgstore.WithSchema(schema))
				if err != nil {
					t.Fatalf("pgstore.New: %v", err)
				}
				return st
			}
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			open := b.open(t)
			now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
			clock := func() time.Time { return now }
			// newServer is one replica (or one process lifetime) on st.
			newServer := func(st durableStore) (*Server, *gatedEngine) {
				eng, err := engine.New(engine.Config{Store: st, Runner: EchoRunner(nil), Now: clock})
				if err != nil {
					t.Fatal(err)
				}
				keys := NewKeys(st)
				if _, err := keys.Add(t.Context(), apiKey); err != nil {
					t.Fatal(err)
				}
				g := &gatedEngine{Engine: eng, entered: make(chan struct{})}
				return New(Config{Engine: g, Keys: keys, Now: clock, Idempotency: st}), g
			}
			post := func(srv *Server, idemKey, body string) *httptest.ResponseRecorder {
				r := httptest.NewRequest("POST", "/v1/schedules", strings.NewReader(body))
				r.Header.Set("Authorization", "Bearer "+apiKey)
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("Idempotency-Key", idemKey)
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, r)
				return w
			}
			check := func(name string, w *httptest.ResponseRecorder, status int, replayed bool) {
				t.Helper()
				if w.Code != status || (w.Header().Get("Idempotent-Replayed") == "true") != replayed {
					t.Errorf("%s: %d replayed=%q, want %d replayed=%v; body %s",
						name, w.Code, w.Header().Get("Idempotent-Replayed"), status, replayed, w.Body)
				}
			}
			body := `{"chat_id":"00000000-0000-4000-8000-000000000001","cadence":"0 9 * * 1-5"}`

			st1, st2 := open(), open()
			a, _ := newServer(st1)
			bSrv, _ := newServer(st2)
			first := post(a, "create-once", body)
			check("first, on A", first, http.StatusOK, false)
			again := post(bSrv, "create-once", body)
			check("retry on B", again, http.StatusOK, true)
			if again.Body.String() != first.Body.String() {
				t.Errorf("B replayed %s, want A's answer %s", again.Body, first.Body)
			}
			check("other body on B", post(bSrv, "create-once", `{"chat_id":"00000000-0000-4000-8000-000000000001","cadence":"0 10 * * 1-5"}`),
				http.StatusUnprocessableEntity, false)

			// A failed answer is not kept: the retry on the other replica runs.
			check("invalid, on A", post(a, "fix-me", `{"chat_id":"x","cadence":"0 9 * * 1-5"}`), http.StatusUnprocessableEntity, false)
			check("fixed, on B", post(bSrv, "fix-me", body), http.StatusOK, false)

			// A request still running on one replica makes the other answer 409.
			slow, gate := newServer(st1)
			gate.gate = make(chan struct{})
			done := make(chan *httptest.ResponseRecorder)
			go func() { done <- post(slow, "slow", body) }()
			<-gate.entered
			check("retry while the first runs", post(bSrv, "slow", body), http.StatusConflict, false)
			close(gate.gate)
			slowAnswer := <-done
			check("slow first", slowAnswer, http.StatusOK, false)
			check("retry after the first answered", post(bSrv, "slow", body), http.StatusOK, true)

			// A replica that died mid-request holds the key only for the lease.
			dead, deadGate := newServer(st1)
			deadGate.gate = make(chan struct{})
			go func() { done <- post(dead, "orphan", body) }()
			<-deadGate.entered
			check("retry within the lease", post(bSrv, "orphan", body), http.StatusConflict, false)
			now = now.Add(idemLease)
			check("retry after the lease", post(bSrv, "orphan", body), http.StatusOK, false)
			close(deadGate.gate) // let the goroutine end; its answer is not kept
			<-done
			check("retry after both", post(a, "orphan", body), http.StatusOK, true)

			// After a restart on the same database the answer is replayed.
			restarted, _ := newServer(open())
			after := post(restarted, "create-once", body)
			check("retry after restart", after, http.StatusOK, true)
			if after.Body.String() != first.Body.String() {
				t.Errorf("after restart replayed %s, want %s", after.Body, first.Body)
			}
			// One schedule per key, except "orphan": the dead replica's
			// request did run in the end, as did the retry after its lease.
			r := httptest.NewRequest("GET", "/v1/schedules", nil)
			r.Header.Set("Authorization", "Bearer "+apiKey)
			w := httptest.NewRecorder()
			restarted.ServeHTTP(w, r)
			var listed struct{ Data []json.RawMessage }
			if err := json.Unmarshal(w.Body.Bytes(), &listed); err != nil {
				t.Fatalf("list: %v: %s", err, w.Body)
			}
			if len(listed.Data) != 5 {
				t.Errorf("%d schedules, want 5: %s", len(listed.Data), w.Body)
			}
		})
	}
}

// TestMemIdemStoreBound checks that the in-memory store keeps at most its
// maximum of records, dropping the oldest first.
func TestMemIdemStoreBound(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	st := newMemIdemStore(2)
	reserve := func(key, token string) bool {
		t.Helper()
		rec := engine.IdempotencyRecord{Key: key, Fingerprint: []byte("fp"), Token: token, ExpiresAt: now.Add(idemLease)}
		_, fresh, err := st.ReserveIdempotencyKey(t.Context(), rec, now)
		if err != nil {
			t.Fatal(err)
		}
		return fresh
	}
	for _, k := range []string{"a", "b", "c"} {
		if !reserve(k, "1") {
			t.Fatalf("reserve %s: not fresh", k)
		}
	}
	if reserve("b", "2") {
		t.Error("b was dropped, want the oldest (a) dropped")
	}
	if !reserve("a", "2") {
		t.Error("a was kept beyond the maximum")
	}
	if got := st.order.Len(); got != 2 {
		t.Errorf("%d records kept, want 2", got)
	}
}
