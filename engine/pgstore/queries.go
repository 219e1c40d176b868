package pgstore

import "strings"

// queries holds every statement with its table names qualified by the
// store's schema. The source text writes tables as "_.name"; newQueries
// replaces "_." with the quoted schema and a dot (or nothing).
type queries struct {
	getSchedule, updateSchedule, scheduleExists, deleteSchedule, deleteOccurrences    string
	listSchedules, listSchedulesAfter                                                 string
	insertOccurrencesIgnore, insertOccurrences, listOccurrences, listSpansBefore      string
	createRun, getRun, runStatus, requeueRun, acquireRuns, renewLease, expireLeases   string
	listRuns                                                                          string
	claimDue, insertRuns, advanceSchedules, nextDue                                   string
	insertRunsReturning, insertOccurrencesReturning, deleteRuns, deleteOccurrenceKeys string
	putKey, accountForKey, countKeys                                                  string
	finishRuns, createSchedules                                                       string
	pruneRuns, pruneOccurrences                                                       string
	idemPrune, idemReserve, idemGet, idemComplete, idemRelease                        string
}

func newQueries(prefix string) queries {
	r := strings.NewReplacer("_.", prefix)
	q := queries{
		// CreateSchedule's coalesced form; a row not returned hit a key.
		createSchedules: `INSERT INTO _.schedules (` + scheduleCols + `)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[],
				$8::text[], $9::text[], $10::jsonb[], $11::text[], $12::timestamptz[], $13::timestamptz[],
				$14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::bigint[])
			ON CONFLICT DO NOTHING RETURNING id`,
		getSchedule: `SELECT ` + scheduleCols + ` FROM _.schedules WHERE account_id = $1 AND id = $2`,
		updateSchedule: `UPDATE _.schedules SET chat_id = $3, cadence = $4, cron = $5, timezone = $6, active = $7,
			bundle = $8, toolhouse_id = $9, vars = $10, callback_url = $11, created_at = $12, updated_at = $13,
			last_run_at = $14, next_run_at = $15, last_dispatched_at = $16, paused_at = $17, version = version + 1
			WHERE account_id = $1 AND id = $2 AND version = $18`,
		scheduleExists:    `SELECT EXISTS (SELECT 1 FROM _.schedules WHERE account_id = $1 AND id = $2)`,
		deleteSchedule:    `DELETE FROM _.schedules WHERE account_id = $1 AND id = $2 RETURNING ` + scheduleCols,
		deleteOccurrences: `DELETE FROM _.occurrences WHERE schedule_id = $1`,
		listSchedules: `SELECT ` + scheduleCols + ` FROM _.schedules WHERE account_id = $1
			ORDER BY created_at DESC, id DESC LIMIT $2`,
		listSchedulesAfter: `SELECT ` + scheduleCols + ` FROM _.schedules WHERE account_id = $1
			AND (created_at, id) < ($3, $4) ORDER BY created_at DESC, id DESC LIMIT $2`,

		insertOccurrences: `INSERT INTO _.occurrences (` + occurrenceCols + `)
			SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
				$8::timestamptz[], $9::bigint[])`,
		// ListOccurrences sends both in one round trip: the spans that
		// began before $3 and reach it (through occurrences_spans_idx:
		// spans are few), then the occurrences in [$3, $4), an ordered
		// walk of the primary key that stops at the limit. Every row of
		// the first comes before every row of the second.
		listSpansBefore: `SELECT ` + occurrenceCols + ` FROM _.occurrences
			WHERE schedule_id = $1 AND account_id = $2 AND through_time >= $3 AND fire_time < $3 AND $3 < $4
			ORDER BY fire_time LIMIT $5`,
		listOccurrences: `SELECT ` + occurrenceCols + ` FROM _.occurrences
			WHERE schedule_id = $1 AND account_id = $2 AND fire_time >= $3 AND fire_time < $4
			ORDER BY fire_time LIMIT $5`,

		createRun: `INSERT INTO _.runs (` + runCols + `)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		getRun:    `SELECT ` + runCols + ` FROM _.runs WHERE account_id = $1 AND id = $2`,
		runStatus: `SELECT status FROM _.runs WHERE account_id = $1 AND id = $2`,
		requeueRun: `UPDATE _.runs SET
				results = coalesce(results, '[]'::jsonb) || jsonb_build_array(jsonb_build_object('role', $3::text, 'content', $4::text)),
				status = 'queued', error = '', last_agent_message = '', started_at = NULL, finished_at = NULL,
				lease_owner = '', lease_expires_at = NULL, updated_at = $5
			WHERE account_id = $1 AND id = $2 AND status = 'completed'
			RETURNING ` + runCols,
		// The subquery locks the oldest queued runs, skipping those another
		// caller is acquiring; the UPDATE then finds each by primary key.
		acquireRuns: `UPDATE _.runs SET status = 'in_progress', started_at = $2, attempt = attempt + 1,
				lease_owner = $1, lease_expires_at = $3, updated_at = $2
			WHERE id = ANY (ARRAY (SELECT id FROM _.runs WHERE status = 'queued'
				ORDER BY scheduled_for, created_at, id LIMIT $4 FOR UPDATE SKIP LOCKED))
			RETURNING ` + runCols,
		// FinishRun's coalesced form: one row of arrays per call.
		finishRuns: `UPDATE _.runs r SET status = u.status, results = u.results, error = u.error,
				last_agent_message = u.last_agent_message, finished_at = u.finished_at, updated_at = u.finished_at,
				lease_owner = '', lease_expires_at = NULL
			FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::timestamptz[])
				AS u(id, worker, status, results, error, last_agent_message, finished_at)
			WHERE r.id = u.id AND r.status = 'in_progress' AND r.lease_owner = u.worker
			RETURNING ` + prefixCols("r.", runCols),
		renewLease: `UPDATE _.runs SET lease_expires_at = $3
			WHERE id = $1 AND status = 'in_progress' AND lease_owner = $2`,
		expireLeases: `UPDATE _.runs SET status = 'failed', error = $2, finished_at = $1, updated_at = $1,
				lease_owner = '', lease_expires_at = NULL
			WHERE id = ANY (ARRAY (SELECT id FROM _.runs WHERE status = 'in_progress' AND lease_expires_at < $1
				FOR UPDATE SKIP LOCKED))
			RETURNING ` + runCols,
		// ListRuns appends its filters, ORDER BY and LIMIT.
		listRuns: `SELECT ` + runCols + ` FROM _.runs WHERE account_id = $1`,

		// Locks up to $2 due schedules, oldest fire first, skipping rows
		// another claimer holds, and reports whether each has a queued or
		// in-progress run: at most two equality probes of
		// runs_schedule_status_created_idx per schedule, however many runs
		// it had.
		// (An EXISTS may be planned as a hash of every active run, and an
		// IN list as a scan of all the schedule's runs.)
		claimDue: `SELECT ` + prefixCols("s.", scheduleCols) + `, coalesce(a.active, false)
			FROM (SELECT * FROM _.schedules WHERE active AND next_run_at <= $1
				ORDER BY next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED) s
			LEFT JOIN LATERAL (
				SELECT true AS active FROM _.runs r WHERE r.schedule_id = s.id AND r.status = 'queued'
				UNION ALL
				SELECT true FROM _.runs r WHERE r.schedule_id = s.id AND r.status = 'in_progress'
				LIMIT 1) a ON true
			ORDER BY s.next_run_at, s.id`,
		insertRuns: `INSERT INTO _.runs (` + runCols + `)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[],
				$8::text[], $9::text[], $10::text[], $11::jsonb[], $12::text[], $13::timestamptz[], $14::timestamptz[],
				$15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::int[], $19::text[], $20::timestamptz[])`,
		// Also restores schedules when a claim is undone ($5 is the version
		// to write).
		advanceSchedules: `UPDATE _.schedules s SET next_run_at = u.next_run_at, last_run_at = u.last_run_at,
				last_dispatched_at = u.last_dispatched_at, version = u.version
			FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::bigint[])
				AS u(id, next_run_at, last_run_at, last_dispatched_at, version)
			WHERE s.id = u.id`,
		deleteRuns: `DELETE FROM _.runs WHERE id = ANY ($1::text[])`,
		deleteOccurrenceKeys: `DELETE FROM _.occurrences o USING unnest($1::text[], $2::timestamptz[]) AS u(schedule_id, fire_time)
			WHERE o.schedule_id = u.schedule_id AND o.fire_time = u.fire_time`,
		nextDue: `SELECT next_run_at FROM _.schedules WHERE active AND next_run_at IS NOT NULL
			ORDER BY next_run_at LIMIT 1`,

		// PruneBefore: each deletes up to $2 rows, locked oldest first
		// through the old end of its index (migration 0003), skipping rows
		// another caller holds (a concurrent prune, a run being requeued).
		// The locked rows cannot change before the DELETE finds them: runs
		// by primary key, occurrences by their tuple id (a composite IN
		// would be planned as a hash join over the whole table).
		pruneRuns: `DELETE FROM _.runs WHERE id = ANY (ARRAY (SELECT id FROM _.runs
				WHERE finished_at < $1 AND status IN ('completed', 'failed')
				ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
		pruneOccurrences: `DELETE FROM _.occurrences WHERE ctid = ANY (ARRAY (SELECT ctid FROM _.occurrences
				WHERE coalesce(through_time, fire_time) < $1
				ORDER BY coalesce(through_time, fire_time) LIMIT $2 FOR UPDATE SKIP LOCKED))`,

		// ReserveIdempotencyKey: up to $2 expired records, oldest first,
		// skipping those another caller holds; then the reservation, which
		// leaves a live record (expires_at after $5) alone.
		idemPrune: `DELETE FROM _.idempotency_keys WHERE key = ANY (ARRAY (SELECT key FROM _.idempotency_keys
				WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
		idemReserve: `INSERT INTO _.idempotency_keys AS k (key, fingerprint, token, expires_at, status, header, body)
				VALUES ($1, $2, $3, $4, 0, NULL, NULL)
			ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token,
				expires_at = excluded.expires_at, status = 0, header = NULL, body = NULL
			WHERE k.expires_at <= $5`,
		idemGet: `SELECT fingerprint, token, expires_at, status, header, body FROM _.idempotency_keys WHERE key = $1`,
		idemComplete: `UPDATE _.idempotency_keys SET status = $3, header = $4, body = $5, expires_at = $6
			WHERE key = $1 AND token = $2 AND status = 0`,
		idemRelease: `DELETE FROM _.idempotency_keys WHERE key = $1 AND token = $2 AND status = 0`,

		putKey: `INSERT INTO _.api_keys (hash, account_id) VALUES ($1, $2)
			ON CONFLICT (hash) DO UPDATE SET account_id = excluded.account_id`,
		accountForKey: `SELECT account_id FROM _.api_keys WHERE hash = $1`,
		countKeys:     `SELECT count(*) FROM _.api_keys`,
	}
	q.insertOccurrencesIgnore = q.insertOccurrences + ` ON CONFLICT (schedule_id, fire_time) DO NOTHING`
	// ClaimDue inserts with these, then compares what was inserted with
	// what it asked for: a row missing from RETURNING hit a unique key.
	q.insertRunsReturning = q.insertRuns + ` ON CONFLICT DO NOTHING RETURNING id`
	q.insertOccurrencesReturning = q.insertOccurrences + ` ON CONFLICT DO NOTHING RETURNING schedule_id, fire_time`
	for _, p := range []*string{&q.getSchedule, &q.updateSchedule, &q.scheduleExists,
		&q.deleteSchedule, &q.deleteOccurrences, &q.listSchedules, &q.listSchedulesAfter,
		&q.insertOccurrencesIgnore, &q.insertOccurrences, &q.listOccurrences, &q.listSpansBefore, &q.createRun, &q.getRun,
		&q.runStatus, &q.requeueRun, &q.acquireRuns, &q.renewLease, &q.expireLeases,
		&q.listRuns, &q.claimDue, &q.insertRuns, &q.advanceSchedules, &q.nextDue, &q.putKey,
		&q.insertRunsReturning, &q.insertOccurrencesReturning, &q.deleteRuns, &q.deleteOccurrenceKeys,
		&q.accountForKey, &q.countKeys, &q.finishRuns, &q.createSchedules, &q.pruneRuns, &q.pruneOccurrences,
		&q.idemPrune, &q.idemReserve, &q.idemGet, &q.idemComplete, &q.idemRelease} {
		*p = r.Replace(*p)
	}
	return q
}

// prefixCols qualifies each column of a comma-separated list with p.
func prefixCols(p, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = p + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}
