package pgstore_test

import (
	"context"
	"log"
	"os"
	"os/signal"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
)

// Several replicas run this same program against one database: each
// claims due fires with FOR UPDATE SKIP LOCKED, so every fire runs once.
// (No Output: it needs a PostgreSQL server.)
func ExampleOpen() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	st, err := pgstore.Open(ctx, os.Getenv("DATABASE_URL"), pgstore.WithSchema("nlcron"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.New(engine.Config{
		Store: st,
		Runner: engine.RunnerFunc(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
			return engine.Result{LastAgentMessage: "ran " + r.IdempotencyKey()}, nil
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := eng.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

// New uses a pool the caller configured (size, timeouts, TLS) and keeps
// owning.
func ExampleNew() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig("postgres://nlcron@db.internal:5432/nlcron")
	if err != nil {
		log.Fatal(err)
	}
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	st, err := pgstore.New(ctx, pool, pgstore.WithSchema("nlcron"))
	if err != nil {
		log.Fatal(err)
	}
	_ = st // an engine.Store and engine.KeyStore
}
