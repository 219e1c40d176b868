// Package pgstore is an [engine.Store] (and [engine.KeyStore]) kept in
// PostgreSQL, through github.com/jackc/pgx/v5: the store for several engine
// replicas sharing one database.
//
// # Opening
//
// [New] takes a *pgxpool.Pool the caller configured and owns; [Open] makes
// the pool from a connection string and closes it in [Store.Close]. Both
// apply the embedded migrations (migrations/NNNN_name.sql, recorded in the
// schema_migrations table) before returning. They run in one transaction
// that first takes a transaction-scoped advisory lock, so replicas starting
// at the same moment apply each migration exactly once, and opening an
// up-to-date schema changes nothing.
//
// [WithSchema] keeps the tables in a named schema, created if missing.
// Every statement names the schema explicitly, so a pool may serve
// several stores in different schemas (the tests give each test its own).
// Without it the tables live in the connection's search_path.
//
// # Exactly once
//
// [Store.ClaimDue] is one transaction:
//
//	SELECT ... FROM schedules WHERE active AND next_run_at <= $now
//	ORDER BY next_run_at LIMIT $n FOR UPDATE SKIP LOCKED
//
// locks due schedules that no other claimer holds (concurrent claimers in
// any replica take disjoint sets and never wait for each other), then the
// engine decides each, and three multi-row statements sent in one round
// trip insert the runs and occurrences and advance the schedules. The
// primary key (schedule_id, fire_time) of occurrences and the constraint
// UNIQUE (schedule_id, scheduled_for) of runs make a second record of one
// fire impossible even if a claimer misbehaved: the inserts use ON
// CONFLICT DO NOTHING RETURNING, and a claim with a row that was not
// inserted is undone (with every later claim of the call) before the
// commit; the call returns how many claims it applied and an error
// wrapping [engine.ErrConflict]. [Store.AcquireRuns] and
// [Store.ExpireLeases] lock their runs the same way (FOR UPDATE SKIP
// LOCKED); renewing and finishing a run are single UPDATEs conditioned on
// the status and lease owner.
//
// # Indexes
//
// The claim and [Store.NextDue] read the partial index
// schedules (next_run_at) WHERE active from its low end, and the overlap
// check makes two equality probes of runs (schedule_id, status) per
// claimed schedule, so a claim costs O(limit · log n) whatever the number
// of schedules and runs. EXPLAIN (ANALYZE, BUFFERS) of the claim of 200
// schedules among 1,000,000 (900,000 active, 200,000 runs of which 10,000
// queued; TestExplain with NLCRON_EXPLAIN_ROWS=1000000, PostgreSQL 15):
//
//	Sort (actual rows=200 loops=1)
//	  Sort Key: s.next_run_at, s.id COLLATE "C"
//	  Sort Method: quicksort  Memory: 57kB
//	  Buffers: shared hit=1590 read=13 dirtied=13
//	  ->  Nested Loop Left Join (actual rows=200 loops=1)
//	        ->  Subquery Scan on s (actual rows=200 loops=1)
//	              ->  Limit (actual rows=200 loops=1)
//	                    ->  LockRows (actual rows=200 loops=1)
//	                          ->  Index Scan using schedules_due_idx on schedules (actual rows=200 loops=1)
//	                                Index Cond: (next_run_at <= '2030-01-01 00:10:00+00'::timestamp with time zone)
//	                                Filter: active
//	                                Buffers: shared hit=190 read=13 dirtied=13
//	        ->  Limit (actual rows=0 loops=200)
//	              ->  Append (actual rows=0 loops=200)
//	                    ->  Index Only Scan using runs_schedule_status_created_idx on runs r (actual rows=0 loops=200)
//	                          Index Cond: ((schedule_id = s.id) AND (status = 'queued'::text))
//	                    ->  Index Only Scan using runs_schedule_status_created_idx on runs r_1 (actual rows=0 loops=200)
//	                          Index Cond: ((schedule_id = s.id) AND (status = 'in_progress'::text))
//
// NextDue:
//
//	Limit (actual rows=1 loops=1)
//	  Buffers: shared hit=4
//	  ->  Index Only Scan using schedules_due_idx on schedules (actual rows=1 loops=1)
//	        Index Cond: (next_run_at IS NOT NULL)
//
// and AcquireRuns, right after a burst of 500,000 new runs (375,000
// queued, 125,000 in progress) that the statistics do not know about yet:
//
//	Update on runs (actual rows=100 loops=1)
//	  InitPlan 1 (returns $2)
//	    ->  Limit (actual rows=100 loops=1)
//	          ->  LockRows (actual rows=100 loops=1)
//	                ->  Index Scan using runs_status_idx on runs runs_1 (actual rows=100 loops=1)
//	                      Index Cond: (status = 'queued'::text)
//	  ->  Index Scan using runs_pkey on runs (actual rows=100 loops=1)
//	        Index Cond: (id = ANY ($2))
//
// ListOccurrences reads a schedule's occurrences in the window through the
// primary key (schedule_id, fire_time), and, in the same round trip and
// snapshot, the spans (paused periods, one row each, with their last fire
// time and count) that began before the window and reach into it through
// the partial index occurrences (schedule_id, through_time) WHERE
// through_time IS NOT NULL, which holds only spans.
//
// PruneBefore locks at most its limit of old rows through the old end of
// runs (finished_at) and of occurrences (coalesce(through_time,
// fire_time)), with SKIP LOCKED so that replicas pruning at once take
// disjoint rows, then deletes them by primary key (runs) and by tuple id
// (occurrences, whose composite key in an IN list is planned as a hash
// join over the whole table).
//
// The generic plans (what a prepared statement may switch to) are the
// same. TestExplain checks these plan shapes on every run (with 20,000
// schedules), before and after such a burst, and logs the plans. No index
// on runs is partial: a partial index whose statistics say it is empty
// looks free to the planner, which then read every queued run through the
// wrong one and sorted them (400 ms instead of 1 ms at 20,000 queued).
//
// # Coalesced writes
//
// [Store.FinishRun] and [Store.CreateSchedule] calls made at the same
// moment are sent as one multi-row statement (group commit in the
// application): an engine finishing 100 runs at once commits once, and
// connections are not held by waiting callers. A call made alone is sent at
// once, alone. Each caller still gets its own outcome ([engine.ErrLeaseLost]
// or [engine.ErrConflict] for its row only; a value the server refuses
// makes the batch be retried call by call). A caller whose context ends
// while its call is still queued withdraws it and gets the context's
// error; once sent, the call runs under a context of its own, bounded by
// 30 seconds, and the caller waits for its outcome.
//
// # Idempotency keys
//
// The idempotency_keys table holds the demo server's Idempotency-Key
// records ([engine.IdempotencyRecord]), so that replicas replay each
// other's answers. [Store.ReserveIdempotencyKey] is one transaction: an
// INSERT ... ON CONFLICT DO UPDATE whose WHERE replaces only an expired
// record (an abandoned reservation's lease, or an answer's 24 hours), so
// replicas reserving one key at once are serialised by its row and exactly
// one wins; a refused upsert still locks the row, so the live record read
// next is the committed one. The same transaction deletes up to 10 expired
// records, oldest first through an index on expires_at, skipping rows
// another caller holds. Completing and releasing are single statements
// conditioned on the reservation's token.
//
// # Types
//
// Times are timestamptz (microsecond precision) and come back in UTC;
// the zero time is stored as NULL where a column may be unset. Vars and
// Results are jsonb, NULL for a nil map or slice. Ids are text in the "C"
// collation, so listings order them bytewise as the engine does.
//
// # Errors
//
// Errors are wrapped with "pgstore: <operation>: " and match the engine's
// sentinels: [engine.ErrNotFound] (no row), [engine.ErrConflict] (unique
// violation, SQLSTATE 23505, or a lost compare-and-swap),
// [engine.ErrLeaseLost], [engine.ErrRunNotCompleted], and
// [engine.ErrInvalid] for a malformed cursor or a value PostgreSQL refuses
// (invalid UTF-8, NUL in text). A cancelled context yields an error
// wrapping ctx.Err(), and the interrupted transaction is rolled back (if
// the ROLLBACK cannot be sent, pgx closes the connection, which rolls back
// as well). A connection lost mid-transaction gives pgx's error, for
// example "pgstore: claim due: ... FATAL: terminating connection due to
// administrator command (SQLSTATE 57P01)", and nothing of the transaction
// is applied.
package pgstore
