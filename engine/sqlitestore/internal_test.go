package sqlitestore

import (
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nlcron/nlcron/engine"
)

// TestQueryPlans checks that every query on a path that must stay fast as
// the tables grow searches an index, and sorts nothing: the claim query is
// O(log n + limit) at any number of schedules.
func TestQueryPlans(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// The planner's choices depend on the statistics: run it on the
	// schema as it ships (no ANALYZE).
	tests := []struct {
		name, query string
		args        int
		wantIndex   []string // each must appear in the plan
	}{
		{"ClaimDue select", claimSelectSQL, 2, []string{"schedules_due"}},
		{"ClaimDue overlap check", activeRunSQL, 1, []string{"runs_schedule_active"}},
		{"ClaimDue occurrence check", occurrenceExistsSQL, 2, []string{"PRIMARY KEY"}},
		{"ClaimDue run check", runExistsSQL, 3, []string{"sqlite_autoindex_runs_1", "runs_schedule_fire"}},
		{"NextDue", nextDueSQL, 0, []string{"schedules_due"}},
		{"AcquireRuns", acquireRunsSQL, 4, []string{"runs_queued"}},
		{"ExpireLeases", expireLeasesSQL, 2, []string{"runs_leases"}},
		{"ListSchedules first page", listSchedulesSQL[0], 2, []string{"schedules_account_created"}},
		{"ListSchedules next page", listSchedulesSQL[1], 4, []string{"schedules_account_created"}},
		{"ListRuns", listRunsSQL(false, false, true), 4, []string{"runs_account_created"}},
		{"ListRuns by status", listRunsSQL(false, true, true), 5, []string{"runs_account_created"}},
		{"ListRuns by schedule", listRunsSQL(true, false, true), 5, []string{"runs_schedule_created"}},
		{"ListRuns by schedule and status", listRunsSQL(true, true, false), 4, []string{"runs_schedule_created"}},
		{"ListOccurrences", listOccurrencesSQL, 5, []string{"PRIMARY KEY", "INDEX occurrences_spans (schedule_id=? AND through_time>?)"}},
		{"AccountForKey", accountForKeySQL, 1, []string{"PRIMARY KEY"}},
		{"PruneBefore runs", pruneRunsSQL, 2, []string{"INDEX runs_ended (finished_at<?)"}},
		{"PruneBefore occurrences", pruneOccurrencesSQL, 2, []string{"INDEX occurrences_last_fire (<expr><?)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := explain(t, s.wdb, tc.query, tc.args)
			for _, idx := range tc.wantIndex {
				if !strings.Contains(plan, idx) {
					t.Errorf("plan does not use %s:\n%s", idx, plan)
				}
			}
			for _, line := range strings.Split(plan, "\n") {
				if strings.Contains(line, "TEMP B-TREE") ||
					(strings.HasPrefix(strings.TrimSpace(line), "SCAN ") && !strings.Contains(line, "INDEX") &&
						!strings.Contains(line, "CONSTANT ROW")) {
					t.Errorf("plan sorts or scans a table:\n%s", plan)
				}
			}
		})
	}
}

// explain returns SQLite's query plan for query, one step per line.
func explain(t *testing.T, db *sql.DB, query string, args int) string {
	t.Helper()
	vals := make([]any, args)
	for i := range vals {
		vals[i] = 1
	}
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, vals...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestParseMigrations(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []migration
		wantErr string
	}{
		{
			name: "in version order, other files ignored",
			files: fstest.MapFS{
				"m/0002_more.sql": file("B"),
				"m/0001_init.sql": file("A"),
				"m/README.md":     file("notes"),
			},
			want: []migration{{1, "0001_init", "A"}, {2, "0002_more", "B"}},
		},
		{
			name:    "gap",
			files:   fstest.MapFS{"m/0001_init.sql": file("A"), "m/0003_more.sql": file("C")},
			wantErr: "migration 0003_more: expected version 2",
		},
		{
			name:    "duplicate version",
			files:   fstest.MapFS{"m/0001_init.sql": file("A"), "m/0001_again.sql": file("B")},
			wantErr: "expected version 2",
		},
		{
			name:    "bad name",
			files:   fstest.MapFS{"m/init.sql": file("A")},
			wantErr: "migration init.sql: name is not NNNN_name.sql",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMigrations(tc.files, "m")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseMigrations error = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(migration{})); diff != "" {
				t.Errorf("parseMigrations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEmbeddedMigrations checks the migrations shipped in the binary parse.
func TestEmbeddedMigrations(t *testing.T) {
	t.Parallel()
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("loadMigrations = %d migrations, %v", len(ms), err)
	}
}

// TestMigrateKeepsOccurrences opens a database made by the first migration
// alone, holding an occurrence: the newer migrations keep it as one fire
// time, and the store then records spans.
func TestMigrateKeepsOccurrences(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v1.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := applyMigrations(ctx, raw, ms[:1]); err != nil {
		t.Fatalf("applying 0001 alone: %v", err)
	}
	hour := int64(time.Hour / time.Microsecond)
	for _, stmt := range []string{
		`INSERT INTO schedules (id, account_id, chat_id, cadence, cron, timezone, active, bundle, toolhouse_id,
			vars, callback_url, created_at, updated_at, version)
			VALUES ('s1', 'a1', 'c1', '0 * * * *', '0 * * * *', 'UTC', 0, 'default', 'default', NULL, '', 0, 0, 1)`,
		`INSERT INTO occurrences (schedule_id, fire_time, account_id, outcome, reason, run_id, recorded_at)
			VALUES ('s1', ` + strconv.FormatInt(hour, 10) + `, 'a1', 'skipped', 'paused', '', ` + strconv.FormatInt(hour, 10) + `)`,
	} {
		if _, err := raw.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a version 1 database: %v", err)
	}
	defer s.Close()
	at := func(h int) time.Time { return time.Unix(int64(h)*3600, 0).UTC() }
	old := engine.Occurrence{ScheduleID: "s1", AccountID: "a1", FireTime: at(1), Outcome: engine.OutcomeSkipped,
		Reason: engine.SkipPaused, RecordedAt: at(1)}
	sc, err := s.GetSchedule(ctx, "a1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	span := engine.Occurrence{ScheduleID: "s1", AccountID: "a1", FireTime: at(2), Through: at(5), Count: 4,
		Outcome: engine.OutcomeSkipped, Reason: engine.SkipPaused, RecordedAt: at(5)}
	if err := s.UpdateSchedule(ctx, sc, span); err != nil {
		t.Fatalf("UpdateSchedule with a span: %v", err)
	}
	got, err := s.ListOccurrences(ctx, "a1", "s1", at(0), at(10), 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]engine.Occurrence{old, span}, got); diff != "" {
		t.Errorf("occurrences after migrating (-want +got):\n%s", diff)
	}
}
