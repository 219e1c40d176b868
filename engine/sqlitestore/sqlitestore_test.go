package sqlitestore_test

import (
	"context"
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
