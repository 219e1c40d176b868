package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"

	"github.com/nlcron/nlcron/engine"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for Open
)

// busyTimeoutMillis bounds how long a connection waits for a lock held by
// another connection (another process, or a checkpoint) before failing with
// SQLITE_BUSY.
const busyTimeoutMillis = 10000

// Open opens the SQLite database file at path, creating it if needed,
// applies the schema migrations it lacks and returns a Store that owns the
// connections: call [Store.Close] when done.
//
// Open uses the pure-Go driver modernc.org/sqlite and configures every
// connection with journal_mode=WAL, synchronous=NORMAL, foreign_keys=on and
// a 10 s busy timeout. Writes go through a pool of one connection; reads
// through a pool of up to max(4, GOMAXPROCS) read-only connections.
//
// A file that is not a SQLite database, is corrupt, or cannot be written
// (read-only file or directory) makes Open fail with an error saying so.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("sqlitestore: open %q: %w", path, err)
	}
	wdb, err := sql.Open("sqlite", dsn(path, "_pragma=journal_mode(WAL)"))
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %q: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)

	if err := migrate(ctx, wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlitestore: open %q: %w", path, err)
	}

	rdb, err := sql.Open("sqlite", dsn(path, "_pragma=query_only(1)"))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlitestore: open %q: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	// Fail now, not on the first read, if the read pool cannot open.
	if err := rdb.PingContext(ctx); err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("sqlitestore: open %q: read pool: %w", path, err)
	}
	return newStore(wdb, rdb, true), nil
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
	}
	params = append(params, extra...)
	return "file:" + esc + "?" + strings.Join(params, "&")
}
