package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/nlcron/nlcron/engine"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for Open
)

// busyTimeoutMillis bounds how long a connection waits for a lock held by
// another connection (another process, or a checkpoint) before failing with
// SQLITE_BUSY.
const busyTimeoutMillis = 10000

// cacheKiB is the page cache of each connection, in KiB; it fills only as
// pages are read.
const cacheKiB = 32 << 10

// Open opens the SQLite database file at path, creating it if needed,
// applies the schema migrations it lacks and returns a Store that owns the
// connections: call [Store.Close] when done.
//
// Open uses the pure-Go driver modernc.org/sqlite and configures every
// connection with journal_mode=WAL, synchronous=NORMAL, foreign_keys=on and
// a 10 s busy timeout. Writes go through a pool of one connection; reads
// through a pool of up to max(4, GOMAXPROCS) read-only connections.
//
// Open reads the whole file once (SQLite's quick_check): a file that is not
// a SQLite database or is damaged makes it fail with an error matching
// [ErrCorrupt], and one it cannot write (a read-only file or directory) with
// an error matching [ErrReadOnly]. A database whose schema is newer than
// this package's migrations is refused too.
func Open(ctx context.Context, path string) (*Store, error) {
	s, err := open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, classify(wrapCtx(ctx, err)))
	}
	return s, nil
}

func open(ctx context.Context, path string) (_ *Store, err error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	// SQLite would report a missing directory as "unable to open".
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return nil, err
	}
	// _txlock=immediate: BeginTx issues BEGIN IMMEDIATE, taking the write
	// lock up front.
	wdb, err := sql.Open("sqlite", dsn(path, "_pragma=journal_mode(WAL)", "_txlock=immediate"))
	if err != nil {
		return nil, err
	}
	rdb, err := sql.Open("sqlite", dsn(path, "_pragma=query_only(1)"))
	if err != nil {
		wdb.Close()
		return nil, err
	}
	defer func() {
		if err != nil {
			wdb.Close()
			rdb.Close()
		}
	}()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	n := max(4, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)

	if err := retryBusy(ctx, func() error { return quickCheck(ctx, wdb) }); err != nil {
		return nil, err
	}
	if err := retryBusy(ctx, func() error { return migrate(ctx, wdb) }); err != nil {
		return nil, err
	}
	// Fail now, not on the first read, if the read pool cannot open.
	if err := retryBusy(ctx, func() error { return rdb.PingContext(ctx) }); err != nil {
		return nil, fmt.Errorf("read pool: %w", err)
	}
	return newStore(ctx, wdb, rdb, true)
}

// retryBusy runs f until it does not fail with SQLITE_BUSY, for at most
// the busy timeout. While processes open a new database at once, one of
// them switching it to WAL mode, SQLite can answer SQLITE_BUSY without
// waiting in its busy handler (it would risk a deadlock); a moment later
// the same statement succeeds.
func retryBusy(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(busyTimeoutMillis * time.Millisecond)
	wait := 5 * time.Millisecond
	for {
		err := f()
		if err == nil || sqliteCode(err)&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// quickCheck runs SQLite's quick_check, which reads every page of the file
// (O(size): 0.1-0.8 s for 100,000 schedules, a 37 MB file, on a loaded
// 2-core machine), so that a damaged file is refused when opened rather than
// failing some later call.
func quickCheck(ctx context.Context, db *sql.DB) error {
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return fmt.Errorf("quick_check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: quick_check: %s", ErrCorrupt, res)
	}
	return nil
}

// checkPath refuses names Open cannot serve with two pools.
func checkPath(path string) error {
	switch {
	case path == "":
		return &engine.ValidationError{Field: "path", Msg: "empty database path"}
	case path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "mode=memory"):
		return &engine.ValidationError{Field: "path", Msg: "Open takes a file path; for an in-memory or URI database open a *sql.DB and use New"}
	}
	return nil
}

// dsn builds a modernc.org/sqlite data source name for the file at path
// with the common pragmas and extra parameters.
func dsn(path string, extra ...string) string {
	// A file: URI keeps '?' and '#' in the path from being read as the
	// start of the parameters; SQLite decodes the %XX escapes.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	params := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMillis),
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
		"_pragma=temp_store(MEMORY)",
		// Keep more pages in memory than SQLite's 2 MB: a random-UUID
		// index touches pages all over the file. (mmap_size is left off:
		// it saved nothing measurable here, and a file truncated behind
		// SQLite's back would crash the process with SIGBUS.)
		fmt.Sprintf("_pragma=cache_size(%d)", -cacheKiB),
	}
	params = append(params, extra...)
	return "file:" + esc + "?" + strings.Join(params, "&")
}
