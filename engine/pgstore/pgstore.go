package pgstore

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nlcron/nlcron/engine"
)

var (
	_ engine.Store    = (*Store)(nil)
	_ engine.KeyStore = (*Store)(nil)
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is an [engine.Store] and [engine.KeyStore] backed by PostgreSQL.
// It is safe for concurrent use, and several Stores (in one process or in
// several engine replicas) may share one database and schema.
type Store struct {
	pool   *pgxpool.Pool
	owned  bool   // Close closes pool
	schema string // "" means the connection's search_path
	q      queries

	// Concurrent calls of these are coalesced into one statement each.
	finish *coalescer[finishReq, *engine.Run]
	create *coalescer[*engine.Schedule, struct{}]
}

// Option configures [New] and [Open].
type Option func(*options)

type options struct {
	schema string
}

// WithSchema keeps every table in the named schema, creating it if it is
// missing. Every statement names the schema explicitly, so the pool's
// search_path does not matter. Without this option tables are created and
// used unqualified, that is in the first schema of the connection's
// search_path (normally "public").
func WithSchema(name string) Option {
	return func(o *options) { o.schema = name }
}

// New returns a Store using pool, after bringing the schema up to date:
// it applies the embedded migrations that the schema's migration table
// does not list yet, in one transaction under an advisory lock, so that
// several replicas starting at once apply each migration exactly once.
// The caller keeps ownership of pool: [Store.Close] does not close it.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Store{pool: pool, schema: o.schema}
	prefix := ""
	if o.schema != "" {
		prefix = pgx.Identifier{o.schema}.Sanitize() + "."
	}
	s.q = newQueries(prefix)
	s.finish = &coalescer[finishReq, *engine.Run]{exec: s.finishRuns, key: func(r finishReq) string { return r.id }}
	s.create = &coalescer[*engine.Schedule, struct{}]{exec: s.createSchedules, key: func(sc *engine.Schedule) string { return sc.ID }}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Open connects to the database at url (a PostgreSQL connection string or
// URL, as [pgxpool.ParseConfig] accepts) and returns a Store that owns the
// pool: [Store.Close] closes it.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	s, err := New(ctx, pool, opts...)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Close closes the pool if the Store opened it ([Open]); a Store made with
// [New] leaves the caller's pool open.
func (s *Store) Close() {
	if s.owned {
		s.pool.Close()
	}
}

// Pool returns the connection pool the Store uses.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations ordered by version. A file is
// named NNNN_description.sql; NNNN is its version.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %q: name must start with a positive version and '_'", base)
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %q and %q share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// lockKey is the advisory lock key that serialises migrations of one
// schema.
func (s *Store) lockKey() int64 {
	h := fnv.New64a()
	h.Write([]byte("nlcron/pgstore migrate\x00" + s.schema))
	return int64(h.Sum64())
}

func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Held until the transaction ends: concurrent New calls wait here,
		// then find the migrations applied.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", s.lockKey()); err != nil {
			return err
		}
		if s.schema != "" {
			id := pgx.Identifier{s.schema}.Sanitize()
			if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+id); err != nil {
				return err
			}
			// Migrations use unqualified names.
			if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer     PRIMARY KEY,
			name       text        NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return err
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		done := make(map[int]bool, len(applied))
		for _, v := range applied {
			done[int(v)] = true
		}
		for _, m := range ms {
			if done[m.version] {
				continue
			}
			// Simple protocol: a migration may hold several statements.
			if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("apply %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return fmt.Errorf("record %s: %w", m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return wrapErr(ctx, "migrate", err)
	}
	return nil
}
