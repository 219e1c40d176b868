package pgstore_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/pgstore"
)

// TestExplain fills a schema with schedules and runs (NLCRON_EXPLAIN_ROWS
// schedules, default 20,000; the package doc shows the plans at 1,000,000),
// then checks that the hot queries walk indexes from their low end instead
// of scanning, and logs the plans.
func TestExplain(t *testing.T) {
	t.Parallel()
	rows := 20_000
	if v := os.Getenv("NLCRON_EXPLAIN_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("NLCRON_EXPLAIN_ROWS: %v", err)
		}
		rows = n
	}
	ctx := t.Context()
	schema, st, conn := explainSchema(t)
	start := time.Now()
	// 90% active, fire times spread over one day; one run per 5 schedules,
	// 5% of them still queued; as many occurrences, all of ten schedules
	// (every 10 minutes, one in 500 a five-hour paused span).
	fill := `SET LOCAL search_path = ` + pgx.Identifier{schema}.Sanitize() + `;
		INSERT INTO schedules (id, account_id, chat_id, cadence, cron, timezone, active, bundle, toolhouse_id,
			vars, callback_url, created_at, updated_at, next_run_at, version)
		SELECT lpad(i::text, 12, '0'), 'acct' || (i % 1000), 'chat', '*/10 * * * *', '*/10 * * * *', 'UTC',
			i % 10 <> 0, 'default', 'default', NULL, '', now(), now(),
			timestamptz '2030-01-01' + (i % 86400) * interval '1 second', 1
		FROM generate_series(1, $1::int) i;
		INSERT INTO runs (id, account_id, chat_id, schedule_id, status, results, error, last_agent_message,
			bundle, toolhouse_id, vars, callback_url, scheduled_for, created_at, updated_at, attempt, lease_owner,
			finished_at)
		SELECT 'r' || lpad(i::text, 12, '0'), 'acct', 'chat', lpad((i * 5)::text, 12, '0'),
			CASE WHEN i % 20 = 0 THEN 'queued' ELSE 'completed' END, NULL, '', '', 'default', 'default', NULL, '',
			timestamptz '2029-12-31' + (i % 86400) * interval '1 second', now(), now(), 1, '',
			CASE WHEN i % 20 <> 0 THEN timestamptz '2029-12-31' + (i % 86400) * interval '1 second' + interval '1 minute' END
		FROM generate_series(1, $1::int / 5) i;
		INSERT INTO occurrences (schedule_id, account_id, fire_time, outcome, reason, run_id, recorded_at,
			through_time, fire_count)
		SELECT lpad((i % 10)::text, 12, '0'), 'acct',
			timestamptz '2030-01-01' - (i / 10) * interval '10 minutes', 'skipped',
			CASE WHEN i % 5000 < 10 THEN 'paused' ELSE 'missed' END, '', now(),
			CASE WHEN i % 5000 < 10 THEN timestamptz '2030-01-01' - (i / 10) * interval '10 minutes' + interval '5 hours' END,
			CASE WHEN i % 5000 < 10 THEN 30 ELSE 0 END
		FROM generate_series(0, $1::int - 1) i;
		ANALYZE schedules; ANALYZE runs; ANALYZE occurrences;`
	fillSchema(t, conn, fill, rows)
	t.Logf("filled %d schedules, %d runs in %v", rows, rows/5, time.Since(start).Round(time.Millisecond))

	now := time.Date(2030, 1, 1, 0, 10, 0, 0, time.UTC)
	q := pgstore.Queries(st)
	tests := []struct {
		name  string
		sql   string
		args  []any
		want  []string // plan fragments that must appear
		avoid []string
	}{
		{"claimDue", q["claimDue"], []any{now, 200},
			[]string{"LockRows", "Index Scan using schedules_due_idx", "Index Only Scan using runs_schedule_status_created_idx"},
			[]string{"Seq Scan", "Bitmap"}},
		{"nextDue", q["nextDue"], nil,
			[]string{"Index Only Scan using schedules_due_idx"}, []string{"Seq Scan", "Sort"}},
		{"acquireRuns", q["acquireRuns"], []any{"w", now, now.Add(time.Minute), 100},
			[]string{"LockRows", "Index Scan using runs_status_idx", "Index Scan using runs_pkey"}, []string{"Seq Scan", "Sort"}},
		{"expireLeases", q["expireLeases"], []any{now, "lease expired"},
			[]string{"LockRows", "runs_status_idx"}, []string{"Seq Scan"}},
		// A schedule with weeks of every-10-minutes history, asked about
		// its last day: the spans that reach from are found through the
		// spans index, not by reading the older history; the occurrences
		// of the day through the primary key.
		{"listSpansBefore", q["listSpansBefore"], []any{"000000000001", "acct", now.AddDate(0, 0, -1), now, 100},
			[]string{"occurrences_spans_idx"}, []string{"Seq Scan", "occurrences_pkey"}},
		{"listOccurrences", q["listOccurrences"], []any{"000000000001", "acct", now.AddDate(0, 0, -1), now, 100},
			[]string{"occurrences_pkey"}, []string{"Seq Scan"}},
		// PruneBefore walks the old end of its index, stopping at the
		// batch size, whatever share of the table is old.
		{"pruneRuns", q["pruneRuns"], []any{now, 1000},
			[]string{"LockRows", "Index Scan using runs_finished_idx", "Index Scan using runs_pkey"}, []string{"Seq Scan", "Sort"}},
		{"pruneOccurrences", q["pruneOccurrences"], []any{now, 1000},
			[]string{"LockRows", "Index Scan using occurrences_last_fire_idx", "Tid Scan"}, []string{"Seq Scan", "Sort"}},
	}
	check := func(stage string) {
		for _, tc := range tests {
			// Both plans PostgreSQL may use for a prepared statement.
			for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
				plan := explain(ctx, t, conn.Conn(), mode, tc.sql, tc.args)
				t.Logf("EXPLAIN %s (%s, %d schedules, %s):\n%s", tc.name, mode, rows, stage, plan)
				for _, w := range tc.want {
					if !strings.Contains(plan, w) {
						t.Errorf("%s (%s, %s): plan lacks %q", tc.name, mode, stage, w)
					}
				}
				for _, a := range tc.avoid {
					if strings.Contains(plan, a) {
						t.Errorf("%s (%s, %s): plan has %q", tc.name, mode, stage, a)
					}
				}
			}
		}
	}
	check("analyzed")

	// A burst of queued and in-progress runs the statistics do not know
	// about yet (autovacuum analyzes a minute later at best): the plans
	// must not change.
	burst := `INSERT INTO ` + pgx.Identifier{schema, "runs"}.Sanitize() + ` (id, account_id, chat_id, schedule_id,
			status, results, error, last_agent_message, bundle, toolhouse_id, vars, callback_url, scheduled_for,
			created_at, updated_at, attempt, lease_owner, lease_expires_at)
		SELECT 'b' || lpad(i::text, 12, '0'), 'acct', 'chat', lpad((i * 3)::text, 12, '0'),
			CASE WHEN i % 4 = 0 THEN 'in_progress' ELSE 'queued' END, NULL, '', '', 'default', 'default', NULL, '',
			timestamptz '2030-01-01 00:10:00+00', now(), now(), 0, '',
			CASE WHEN i % 4 = 0 THEN timestamptz '2030-01-01 00:20:00+00' END
		FROM generate_series(1, $1::int / 2) i`
	if _, err := conn.Exec(ctx, burst, rows); err != nil {
		t.Fatalf("burst: %v", err)
	}
	check("burst not analyzed")
}

// TestExplainScheduleRuns checks that a schedule's long history costs
// neither ClaimDue, which asks whether it has a queued or in-progress run,
// nor ListRuns, which pages through it newest first: no plan node reads
// more rows than a page.
func TestExplainScheduleRuns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema, st, conn := explainSchema(t)
	// 1,000 schedules; schedule 7 has 20,000 older finished runs (every 10
	// minutes for four months) and one queued, and every other schedule
	// 20 newer runs: schedule 7's runs are neither most of the account's
	// nor its newest.
	fill := `SET LOCAL search_path = ` + pgx.Identifier{schema}.Sanitize() + `;
		INSERT INTO schedules (id, account_id, chat_id, cadence, cron, timezone, active, bundle, toolhouse_id,
			vars, callback_url, created_at, updated_at, next_run_at, version)
		SELECT lpad(i::text, 12, '0'), 'acct', 'chat', '*/10 * * * *', '*/10 * * * *', 'UTC', true, 'default',
			'default', NULL, '', now(), now(), timestamptz '2030-01-01' + i * interval '1 second', 1
		FROM generate_series(1, 1000) i;
		INSERT INTO runs (id, account_id, chat_id, schedule_id, status, results, error, last_agent_message,
			bundle, toolhouse_id, vars, callback_url, scheduled_for, created_at, updated_at, attempt, lease_owner,
			finished_at)
		SELECT 'h' || lpad(i::text, 12, '0'), 'acct', 'chat', '000000000007',
			CASE WHEN i = 20001 THEN 'queued' WHEN i % 10 = 0 THEN 'failed' ELSE 'completed' END, NULL, '', '',
			'default', 'default', NULL, '', t, t, t, 1, '', CASE WHEN i <= 20000 THEN t + interval '1 minute' END
		FROM generate_series(1, 20001) i, LATERAL (SELECT timestamptz '2029-01-01' + i * interval '10 minutes' AS t) x;
		INSERT INTO runs (id, account_id, chat_id, schedule_id, status, results, error, last_agent_message,
			bundle, toolhouse_id, vars, callback_url, scheduled_for, created_at, updated_at, attempt, lease_owner,
			finished_at)
		SELECT 'r' || lpad(i::text, 8, '0') || lpad(j::text, 4, '0'), 'acct', 'chat', lpad(i::text, 12, '0'),
			'completed', NULL, '', '', 'default', 'default', NULL, '', t, t, t, 1, '', t + interval '1 minute'
		FROM generate_series(1, 1000) i, generate_series(1, 20) j,
			LATERAL (SELECT timestamptz '2029-12-01' + (i * 20 + j) * interval '1 minute' AS t) x
		WHERE i <> 7;
		ANALYZE schedules; ANALYZE runs;`
	fillSchema(t, conn, fill, 0)

	const page = 100
	listSQL, listArgs := pgstore.ListRunsQuery(st, "acct", engine.RunFilter{ScheduleID: "000000000007"}, page)
	byStatusSQL, byStatusArgs := pgstore.ListRunsQuery(st, "acct",
		engine.RunFilter{ScheduleID: "000000000007", Status: engine.RunCompleted}, page)
	tests := []struct {
		name string
		sql  string
		args []any
		want []string
	}{
		{"claimDue", pgstore.Queries(st)["claimDue"], []any{time.Date(2030, 1, 1, 0, 10, 0, 0, time.UTC), page},
			[]string{"runs_schedule_status_created_idx"}},
		{"listScheduleRuns", listSQL, listArgs, []string{"Merge Append", "runs_schedule_status_created_idx"}},
		{"listScheduleRunsByStatus", byStatusSQL, byStatusArgs, []string{"runs_schedule_status_created_idx"}},
	}
	rowsRe := regexp.MustCompile(`(?:actual rows=|Rows Removed by Filter: )(\d+)`)
	for _, tc := range tests {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			plan := explain(ctx, t, conn.Conn(), mode, tc.sql, tc.args)
			t.Logf("EXPLAIN %s (%s):\n%s", tc.name, mode, plan)
			for _, w := range tc.want {
				if !strings.Contains(plan, w) {
					t.Errorf("%s (%s): plan lacks %q", tc.name, mode, w)
				}
			}
			if strings.Contains(plan, "Seq Scan") {
				t.Errorf("%s (%s): plan has a Seq Scan", tc.name, mode)
			}
			for _, m := range rowsRe.FindAllStringSubmatch(plan, -1) {
				if n, _ := strconv.Atoi(m[1]); n > page+1 {
					t.Errorf("%s (%s): a plan node reads or filters out %d rows, more than a page (%d)", tc.name, mode, n, page+1)
				}
			}
		}
	}
}

// explainSchema returns a fresh schema, a store on it, and a connection
// for EXPLAIN, released when t ends.
func explainSchema(t *testing.T) (string, *pgstore.Store, *pgxpool.Conn) {
	t.Helper()
	schema := newSchema(t)
	st, err := pgstore.New(t.Context(), sharedPool(t), pgstore.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sharedPool(t).Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	return schema, st, conn
}

// fillSchema runs the ";"-separated statements of fill in one
// transaction; a statement that uses $1 gets n for it.
func fillSchema(t *testing.T, conn *pgxpool.Conn, fill string, n int) {
	t.Helper()
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(fill, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		var args []any
		if strings.Contains(stmt, "$1") {
			args = []any{n}
		}
		if _, err := tx.Exec(t.Context(), stmt, args...); err != nil {
			t.Fatalf("fill: %v", err)
		}
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// explain runs EXPLAIN ANALYZE of sql in a transaction it rolls back (the
// statements lock or update rows).
func explain(ctx context.Context, t *testing.T, conn *pgx.Conn, mode, sql string, args []any) string {
	t.Helper()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = "+mode); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) "+sql, args...)
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	return fmt.Sprint(strings.Join(lines, "\n"))
}
