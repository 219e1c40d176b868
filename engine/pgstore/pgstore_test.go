package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/enginetest"
	"github.com/nlcron/nlcron/engine/pgstore"
	"github.com/nlcron/nlcron/internal/pgtest"
)

// urlEnv names the environment variable holding the test database's URL.
const urlEnv = pgtest.URLEnv

var shared struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.pool != nil {
		shared.pool.Close()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// testURL returns the test database's URL, or skips the test (fails it
// when NLCRON_REQUIRE_POSTGRES is set, as in CI).
func testURL(tb testing.TB) string {
	tb.Helper()
	return pgtest.URL(tb)
}

// sharedPool returns the pool most tests share; each test has its own
// schema, so one pool serves them all without exhausting the server's
// connections.
func sharedPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	u := testURL(tb)
	shared.once.Do(func() {
		cfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			shared.err = err
			return
		}
		cfg.MaxConns = 16
		shared.pool, shared.err = pgxpool.NewWithConfig(context.Background(), cfg)
	})
	if shared.err != nil {
		tb.Fatalf("connect to %s: %v", urlEnv, shared.err)
	}
	return shared.pool
}

// newPool returns a pool of its own, closed at cleanup.
func newPool(tb testing.TB, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(testURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// newSchema returns a fresh schema name, dropped with everything in it at
// cleanup.
func newSchema(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "nlcron_test_" + hex.EncodeToString(b)
	pool := sharedPool(tb)
	tb.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

var schemas sync.Map // *pgstore.Store -> schema name

// newStore returns a Store on the shared pool in a fresh schema.
func newStore(tb testing.TB) *pgstore.Store {
	tb.Helper()
	schema := newSchema(tb)
	st, err := pgstore.New(context.Background(), sharedPool(tb), pgstore.WithSchema(schema))
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	schemas.Store(st, schema)
	tb.Cleanup(func() { schemas.Delete(st) })
	return st
}

// storeSchema returns the schema of a store newStore made.
func storeSchema(tb testing.TB, st *pgstore.Store) string {
	tb.Helper()
	v, ok := schemas.Load(st)
	if !ok {
		tb.Fatal("store not made by newStore")
	}
	return v.(string)
}

func TestStore(t *testing.T) {
	t.Parallel()
	enginetest.TestStore(t, func(t *testing.T) engine.Store { return newStore(t) })
}
