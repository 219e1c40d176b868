package sqlitestore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/sqlitestore"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "nlcron-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "nlcron.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	at := time.Date(2030, time.March, 9, 9, 0, 0, 0, time.UTC)
	err = store.CreateSchedule(ctx, &engine.Schedule{
		ID: "sched-1", AccountID: "acct-1", ChatID: "agent-1",
		Cadence: "every day at 9am", Cron: "0 9 * * *", Timezone: "UTC", Active: true,
		Bundle: "default", ToolhouseID: "default",
		CreatedAt: at.Add(-time.Hour), UpdatedAt: at.Add(-time.Hour), NextRunAt: at, Version: 1,
	})
	if err != nil {
		log.Fatal(err)
	}
	next, err := store.NextDue(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("next due:", next)

	_, err = store.GetSchedule(ctx, "acct-2", "sched-1")
	fmt.Println(err)
	// Output:
	// next due: 2030-03-09 09:00:00 +0000 UTC
	// sqlitestore: get schedule sched-1: not found
}

func ExampleNew() {
	// Any database/sql SQLite driver will do; this one is modernc.org/sqlite.
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // each connection to ":memory:" is a database of its own

	ctx := context.Background()
	store, err := sqlitestore.New(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	n, err := store.CountKeys(ctx)
	fmt.Println(n, err)
	// Output:
	// 0 <nil>
}
