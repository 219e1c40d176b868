package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded schema step, named migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

var loadMigrations = sync.OnceValues(func() ([]migration, error) {
	return parseMigrations(migrationFiles, "migrations")
})

// parseMigrations reads the NNNN_name.sql files in dir of fsys, in version
// order. Versions must run 1, 2, 3... without gaps or duplicates.
func parseMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate brings db's schema up to the newest embedded migration, in one
// BEGIN IMMEDIATE transaction: concurrent callers (other pools, other
// processes) wait for each other, and the later ones find nothing to do. The
// write lock is taken even when nothing is missing, so that a database this
// process cannot write is reported here.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return applyMigrations(ctx, db, ms)
}

func applyMigrations(ctx context.Context, db *sql.DB, ms []migration) (err error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", wrapCtx(ctx, err))
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		rollback(ctx, c)
		return fmt.Errorf("migrate: begin: %w", wrapCtx(ctx, err))
	}
	defer func() {
		if err != nil {
			rollback(ctx, c)
		}
	}()
	if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("migrate: %w", wrapCtx(ctx, err))
	}
	// BEGIN IMMEDIATE alone succeeds on a file SQLite opened read-only;
	// a write, even one that changes nothing, does not.
	if _, err := c.ExecContext(ctx, lockSQL); err != nil {
		return fmt.Errorf("migrate: %w", wrapCtx(ctx, err))
	}
	var current int
	if err := c.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("migrate: read version: %w", wrapCtx(ctx, err))
	}
	if latest := len(ms); current > latest {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", current, latest)
	}
	for _, m := range ms[current:] {
		if _, err := c.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.name, wrapCtx(ctx, err))
		}
		if _, err := c.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.name, wrapCtx(ctx, err))
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := c.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// wrapCtx makes err match ctx.Err() when ctx has ended.
func wrapCtx(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}
