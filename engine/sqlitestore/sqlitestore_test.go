package sqlitestore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/enginetest"
	"github.com/nlcron/nlcron/engine/sqlitestore"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStore(t *testing.T) {
	enginetest.TestStore(t, func(t *testing.T) engine.Store { return openStore(t) })
}

// openStore opens a store on a fresh file in t's temporary directory and
// closes it when t ends.
func openStore(tb testing.TB) *sqlitestore.Store {
	tb.Helper()
	s, err := sqlitestore.Open(context.Background(), filepath.Join(tb.TempDir(), "nlcron.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// TestStoreNew runs the conformance suite on stores made by New on an
// in-memory database of one connection, the way a caller with its own
// *sql.DB would: reads and writes share the pool, and write transactions
// start deferred.
func TestStoreNew(t *testing.T) {
	if raceEnabled {
		// TestStore runs the same suite on the same SQL; under the race
		// detector once is enough for the budget.
		t.Skip("the conformance suite runs on Open's store (TestStore) under -race")
	}
	enginetest.TestStore(t, func(t *testing.T) engine.Store { return newMemStore(t) })
}

func newMemStore(tb testing.TB) *sqlitestore.Store {
	tb.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	s, err := sqlitestore.New(tb.Context(), db)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}
