package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/nlcron/nlcron/internal/pgtest"
)

// postgresURL returns a URL of the test database whose search_path is a
// fresh schema, dropped at cleanup, or skips the test without
// NLCRON_TEST_POSTGRES_URL (fails it when NLCRON_REQUIRE_POSTGRES is set,
// as in CI).
func postgresURL(t *testing.T) string {
	t.Helper()
	base := pgtest.URL(t)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "nlcron_demo_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("NLCRON_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx passes unknown parameters to the server
	u.RawQuery = q.Encode()
	t.Cleanup(func() {
		var n int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1", schema).Scan(&n)
		if err != nil || n == 0 {
			t.Errorf("the demo created no tables in schema %s (%d, %v): it did not use -postgres", schema, n, err)
		}
	})
	return u.String()
}

// TestEndToEndPostgres runs the binary with -postgres instead of SQLite:
// a key is generated and kept across a restart, a schedule is created
// and paused, an agent run completes, and everything is still there after
// a graceful restart.
func TestEndToEndPostgres(t *testing.T) {
	t.Parallel()
	pg := postgresURL(t)
	d := startDemo(t, "", "-postgres", pg)
	if d.key == "" {
		t.Fatalf("no key printed on first start:\n%s", d.out)
	}
	const chat = "0b4f3c2a-5e6d-4f7a-8b9c-0d1e2f3a4b5c"
	code, v := d.call(t, "POST", "/v1/schedules", d.key, `{"chat_id":"`+chat+`","cadence":"every weekday at 9:30 in Europe/London"}`)
	if code != 200 || field(v, "data", "cron") != "30 9 * * 1-5" || field(v, "data", "timezone") != "Europe/London" {
		t.Fatalf("create schedule: %d %v", code, v)
	}
	id := field(v, "data", "id").(string)
	if code, v = d.call(t, "PUT", "/v1/schedules/"+id, d.key, `{"active":false}`); code != 200 || field(v, "data", "active") != false {
		t.Fatalf("pause: %d %v", code, v)
	}
	code, v = d.call(t, "POST", "/v1/agent-runs", d.key, `{"chat_id":"`+chat+`"}`)
	if code != 200 {
		t.Fatalf("agent run: %d %v", code, v)
	}
	run := field(v, "data", "id").(string)
	d.waitRun(t, run, "completed")
	once := d.checkIdempotentReplay(t, d.key, chat, false, "")
	d.stop(t)

	d2 := startDemo(t, "", "-postgres", pg)
	if d2.key != "" {
		t.Errorf("a second key was generated on restart:\n%s", d2.out)
	}
	d2.key = d.key
	if code, v = d2.call(t, "GET", "/v1/schedules/"+id, d.key, ""); code != 200 || field(v, "data", "active") != false || field(v, "data", "cron") != "30 9 * * 1-5" {
		t.Errorf("schedule after restart: %d %v", code, v)
	}
	if code, v = d2.call(t, "GET", "/v1/agent-runs/"+run, d.key, ""); code != 200 || field(v, "data", "status") != "completed" {
		t.Errorf("run after restart: %d %v", code, v)
	}
	// The retry after the restart replays the first answer.
	d2.checkIdempotentReplay(t, d.key, chat, true, once)
	d2.stop(t)
}
