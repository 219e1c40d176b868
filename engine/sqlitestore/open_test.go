package sqlitestore_test

import (
	"database/sql"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/sqlitestore"
)

// rawDB opens the file at path without the store, to look at what the
// store wrote.
func rawDB(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

type migrationRow struct {
	Version int
	Name    string
}

func migrationRows(tb testing.TB, path string) []migrationRow {
	tb.Helper()
	rows, err := rawDB(tb, path).Query(`SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []migrationRow
	for rows.Next() {
		var r migrationRow
		if err := rows.Scan(&r.Version, &r.Name); err != nil {
			tb.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

var wantMigrations = []migrationRow{{1, "0001_init"}, {2, "0002_occurrence_spans"}, {3, "0003_retention"}, {4, "0004_idempotency"}}

func mustOpen(tb testing.TB, path string) *sqlitestore.Store {
	tb.Helper()
	s, err := sqlitestore.Open(tb.Context(), path)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	return s
}

func mustClose(tb testing.TB, s *sqlitestore.Store) {
	tb.Helper()
	if err := s.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
}

func testSchedule(account string) *engine.Schedule {
	s := benchSchedule(account, benchT0)
	s.Vars = map[string]string{}
	return s
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nlcron.db")
	s := mustOpen(t, path)
	want := testSchedule("acct")
	if err := s.CreateSchedule(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)

	for range 2 {
		s = mustOpen(t, path)
		got, err := s.GetSchedule(t.Context(), "acct", want.ID)
		if err != nil {
			t.Fatalf("GetSchedule after reopening: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("schedule after reopening mismatch (-want +got):\n%s", diff)
		}
		mustClose(t, s)
	}
	if diff := cmp.Diff(wantMigrations, migrationRows(t, path)); diff != "" {
		t.Errorf("schema_migrations mismatch (-want +got):\n%s", diff)
	}
	var mode string
	if err := rawDB(t, path).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestConcurrentOpens(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nlcron.db")
	const n = 8
	stores := make([]*sqlitestore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = sqlitestore.Open(t.Context(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
	// Every store works on the one database.
	for i, s := range stores {
		if s == nil {
			continue
		}
		if err := s.CreateSchedule(t.Context(), testSchedule("acct")); err != nil {
			t.Errorf("store #%d: CreateSchedule: %v", i, err)
		}
	}
	for _, s := range stores {
		if s != nil {
			mustClose(t, s)
		}
	}
	if diff := cmp.Diff(wantMigrations, migrationRows(t, path)); diff != "" {
		t.Errorf("schema_migrations mismatch (-want +got):\n%s", diff)
	}
	var count int
	if err := rawDB(t, path).QueryRow(`SELECT count(*) FROM schedules`).Scan(&count); err != nil || count != n {
		t.Errorf("schedules = %d, %v; want %d", count, err, n)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nlcron.db")
	mustClose(t, mustOpen(t, path))
	if _, err := rawDB(t, path).Exec(`INSERT INTO schema_migrations VALUES (999, '0999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err := sqlitestore.Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), "schema version 999 is newer") {
		t.Fatalf("Open of a database from the future: %v; want an error saying its schema is newer", err)
	}
}

func TestOpenRefusesNonFilePaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		_, err := sqlitestore.Open(t.Context(), path)
		if !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("Open(%q) = %v; want an error matching engine.ErrInvalid", path, err)
		}
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "odd?name#with%chars.db")
	mustClose(t, mustOpen(t, path))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the path given: %v", err)
	}
}

// corrupt writes garbage over n bytes of the file at path, from offset off.
func corrupt(tb testing.TB, path string, off, n int64) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	if _, err := f.WriteAt(junk, off); err != nil {
		tb.Fatal(err)
	}
}

// populated creates a database at path with enough schedules to span a
// few dozen pages, and closes it (which checkpoints the WAL into the file).
func populated(tb testing.TB, path string) {
	tb.Helper()
	s := mustOpen(tb, path)
	for range 80 {
		if err := s.CreateSchedule(tb.Context(), testSchedule("acct")); err != nil {
			tb.Fatal(err)
		}
	}
	mustClose(tb, s)
}

func TestOpenCorruptFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
	}{
		{"garbage instead of a database", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("this is not a database\n", 500)), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"header overwritten", func(t *testing.T, path string) {
			populated(t, path)
			corrupt(t, path, 0, 100)
		}},
		{"table pages overwritten", func(t *testing.T, path string) {
			populated(t, path)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			corrupt(t, path, st.Size()/2, 8192)
		}},
		{"truncated", func(t *testing.T, path string) {
			populated(t, path)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, st.Size()/2+100); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "nlcron.db")
			tc.setup(t, path)
			s, err := sqlitestore.Open(t.Context(), path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a corrupt file")
			}
			if !errors.Is(err, sqlitestore.ErrCorrupt) {
				t.Errorf("Open = %v; want an error matching ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("Open = %v; want the error to name the file", err)
			}
			t.Logf("Open: %v", err)
		})
	}
}

// TestOpenReadOnly checks the error Open gives for a file or directory it
// cannot write. Permissions do not bind root, so as root the test runs
// itself again as user nobody.
func TestOpenReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		rerunAsNobody(t)
		return
	}
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, path string)
	}{
		{"read-only directory, no file", func(t *testing.T, dir, path string) {
			chmod(t, dir, 0o555)
		}},
		{"read-only directory with the file", func(t *testing.T, dir, path string) {
			populated(t, path)
			chmod(t, dir, 0o555)
		}},
		{"read-only file", func(t *testing.T, dir, path string) {
			populated(t, path)
			chmod(t, path, 0o444)
		}},
		{"read-only file and directory", func(t *testing.T, dir, path string) {
			populated(t, path)
			chmod(t, path, 0o444)
			chmod(t, dir, 0o555)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "nlcron.db")
			tc.setup(t, dir, path)
			t.Cleanup(func() { os.Chmod(dir, 0o755) }) // so that TempDir can remove it
			s, err := sqlitestore.Open(t.Context(), path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a database it cannot write")
			}
			if !errors.Is(err, sqlitestore.ErrReadOnly) {
				t.Errorf("Open = %v; want an error matching ErrReadOnly", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("Open = %v; want the error to name the file", err)
			}
			t.Logf("Open: %v", err)
		})
	}
}

func chmod(tb testing.TB, path string, mode os.FileMode) {
	tb.Helper()
	if err := os.Chmod(path, mode); err != nil {
		tb.Fatal(err)
	}
}

// rerunAsNobody runs t's test in a copy of the test binary as user nobody
// and fails t if that run fails.
func rerunAsNobody(t *testing.T) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The go tool's build directory is private to root: copy the binary
	// where nobody can run it.
	dir, err := os.MkdirTemp("", "sqlitestore-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	chmod(t, dir, 0o755)
	bin := filepath.Join(dir, "sqlitestore.test")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	const nobody = 65534
	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+os.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	t.Logf("as nobody:\n%s", out)
	if err != nil {
		t.Fatalf("run as nobody: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatal("the run as nobody did not pass the test")
	}
}
