package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nlcron/nlcron/engine"
)

// ClaimDue implements [engine.Store]. In one transaction it locks up to
// limit due schedules with SELECT ... FOR UPDATE SKIP LOCKED (so concurrent
// claimers, in this process or another replica, take disjoint sets), calls
// decide for each, then writes every run, occurrence and schedule update
// with three multi-row statements sent in one round trip, and commits.
//
// The inserts skip rows that hit a unique key (ON CONFLICT DO NOTHING) and
// return what they inserted. If a row is missing, the first claim it
// belongs to failed: that claim and every later one are undone in the same
// transaction (their rows deleted, their schedules restored), the earlier
// ones are committed, and ClaimDue returns their number with an error
// wrapping [engine.ErrConflict]. Duplicates within the batch and values the
// schema refuses are found before anything is written.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, limit int, decide func(engine.Due) engine.Claim) (n int, err error) {
	const op = "claim due"
	if err := ctxErr(ctx, op); err != nil {
		return 0, err
	}
	if limit <= 0 {
		return 0, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	committed := false
	defer func() {
		if !committed {
			// A cancelled ctx cannot carry the ROLLBACK; pgx then closes
			// the connection, which rolls back as well.
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()

	rows, err := tx.Query(ctx, s.q.claimDue, now, limit)
	if err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	var dues []engine.Due
	for rows.Next() {
		var active bool
		sc, err := scanSchedule(rows, &active)
		if err != nil {
			rows.Close()
			return 0, wrapErr(ctx, op, err)
		}
		dues = append(dues, engine.Due{Schedule: sc, ActiveRun: active})
	}
	if err := rows.Err(); err != nil {
		return 0, wrapErr(ctx, op, err)
	}

	// Decide, stopping at the first claim that cannot be applied.
	var (
		b       claimBatch
		stopErr error
	)
	for _, d := range dues {
		c := decide(d)
		if err := b.add(d.Schedule, c); err != nil {
			stopErr = fmt.Errorf("schedule %s: %w", d.Schedule.ID, err)
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pgstore: %s: %w", op, err)
	}
	b.failed = -1
	if b.len() > 0 {
		if err := s.applyClaims(ctx, tx, &b); err != nil {
			return 0, wrapErr(ctx, op, err)
		}
		if b.failed >= 0 {
			stopErr = fmt.Errorf("schedule %s: %w", b.schedules[b.failed].ID, b.failErr)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, wrapErr(ctx, op, err)
	}
	committed = true
	if stopErr != nil {
		return b.applied(), fmt.Errorf("pgstore: %s: %w", op, stopErr)
	}
	return b.applied(), nil
}

// applyClaims writes b in one round trip, checks what the inserts skipped,
// and undoes the first failed claim and everything after it (a second
// round trip, only then).
func (s *Store) applyClaims(ctx context.Context, tx pgx.Tx, b *claimBatch) error {
	batch := &pgx.Batch{}
	batch.Queue(s.q.insertRunsReturning, b.runs.args()...)
	batch.Queue(s.q.insertOccurrencesReturning, b.occ.args()...)
	batch.Queue(s.q.advanceSchedules, b.adv.args()...)
	br := tx.SendBatch(ctx, batch)
	insertedRuns := make(map[string]bool, b.runs.len())
	insertedOcc := make(map[occKey]bool, b.occ.len())
	err := func() error {
		var id string
		rows, _ := br.Query()
		if _, err := pgx.ForEachRow(rows, []any{&id}, func() error {
			insertedRuns[id] = true
			return nil
		}); err != nil {
			return err
		}
		var (
			schedID string
			fire    time.Time
		)
		rows, _ = br.Query()
		if _, err := pgx.ForEachRow(rows, []any{&schedID, &fire}, func() error {
			insertedOcc[occKey{schedID, fire.UnixMicro()}] = true
			return nil
		}); err != nil {
			return err
		}
		_, err := br.Exec()
		return err
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	// The first claim with a row that was not inserted failed.
	b.failed = -1
	for i := 0; i < b.len() && b.failed < 0; i++ {
		if id := b.runID[i]; id != "" && !insertedRuns[id] {
			b.failed, b.failErr = i, fmt.Errorf("run %s or its (schedule, fire time) exists: %w", id, engine.ErrConflict)
		}
		for _, k := range b.occKeys[i] {
			if !insertedOcc[k] {
				b.failed, b.failErr = i, fmt.Errorf("occurrence at %s already recorded: %w",
					time.UnixMicro(k.fire).UTC().Format(time.RFC3339Nano), engine.ErrConflict)
				break
			}
		}
	}
	if b.failed < 0 {
		return nil
	}

	// Undo claims b.failed.. : delete the rows they inserted and restore
	// their schedules. The schedule rows are still locked by this
	// transaction, so nobody has seen or changed them.
	var (
		runIDs   []string
		occSched []string
		occFire  []time.Time
		restore  advanceArrays
	)
	for i := b.failed; i < b.len(); i++ {
		if id := b.runID[i]; id != "" && insertedRuns[id] {
			runIDs = append(runIDs, id)
		}
		for _, k := range b.occKeys[i] {
			if insertedOcc[k] {
				occSched = append(occSched, k.scheduleID)
				occFire = append(occFire, time.UnixMicro(k.fire))
			}
		}
		sc := b.schedules[i]
		restore.add(sc.ID, sc.NextRunAt, sc.LastRunAt, sc.LastDispatchedAt, sc.Version)
	}
	undo := &pgx.Batch{}
	undo.Queue(s.q.deleteRuns, runIDs)
	undo.Queue(s.q.deleteOccurrenceKeys, occSched, occFire)
	undo.Queue(s.q.advanceSchedules, restore.args()...)
	return tx.SendBatch(ctx, undo).Close()
}

type occKey struct {
	scheduleID string
	fire       int64 // Unix microseconds
}

type runKey struct {
	scheduleID string
	at         int64 // Unix microseconds
}

// claimBatch holds the decided claims of one ClaimDue, column by column,
// with what is needed to tell which claim a skipped row belongs to.
type claimBatch struct {
	schedules []*engine.Schedule // as selected, for undo
	runID     []string           // per claim; "" if it has no run
	occKeys   [][]occKey         // per claim
	runs      runArrays
	occ       occurrenceArrays
	adv       advanceArrays

	// Keys used by earlier claims of the batch: a repeat is a conflict
	// PostgreSQL's ON CONFLICT DO NOTHING would hide.
	seenRuns    map[string]bool
	seenRunKeys map[runKey]bool
	seenOcc     map[occKey]bool

	failed  int // index of the claim that failed in the database, or -1
	failErr error
}

func (b *claimBatch) len() int { return len(b.schedules) }

// applied is the number of claims that stay applied.
func (b *claimBatch) applied() int {
	if b.failed >= 0 && b.failErr != nil {
		return b.failed
	}
	return b.len()
}

// add checks c against the schema's rules and the batch's earlier claims,
// and appends it, or returns why it cannot be applied.
func (b *claimBatch) add(sc *engine.Schedule, c engine.Claim) error {
	if b.seenRuns == nil {
		b.seenRuns = make(map[string]bool)
		b.seenRunKeys = make(map[runKey]bool)
		b.seenOcc = make(map[occKey]bool)
	}
	keys := make([]occKey, 0, len(c.Occurrences))
	for i := range c.Occurrences {
		o := &c.Occurrences[i]
		if o.ScheduleID == "" {
			o.ScheduleID = sc.ID
		}
		if o.AccountID == "" {
			o.AccountID = sc.AccountID
		}
		if o.Outcome != engine.OutcomeDispatched && o.Outcome != engine.OutcomeSkipped {
			return fmt.Errorf("occurrence outcome %q cannot be stored: %w", o.Outcome, engine.ErrInvalid)
		}
		k := occKey{o.ScheduleID, o.FireTime.UnixMicro()}
		if b.seenOcc[k] || slices.Contains(keys, k) {
			return fmt.Errorf("two occurrences at %s: %w", o.FireTime.UTC().Format(time.RFC3339Nano), engine.ErrConflict)
		}
		keys = append(keys, k)
	}
	runID := ""
	if r := c.Run; r != nil {
		if !r.Status.Valid() {
			return fmt.Errorf("run status %q: %w", r.Status, engine.ErrInvalid)
		}
		rk := runKey{r.ScheduleID, r.ScheduledFor.UnixMicro()}
		if b.seenRuns[r.ID] || (r.ScheduleID != "" && b.seenRunKeys[rk]) {
			return fmt.Errorf("run %s repeats an earlier claim's run: %w", r.ID, engine.ErrConflict)
		}
		if err := b.runs.add(r); err != nil {
			return err
		}
		b.seenRuns[r.ID] = true
		if r.ScheduleID != "" {
			b.seenRunKeys[rk] = true
		}
		runID = r.ID
	}
	for i, o := range c.Occurrences {
		b.seenOcc[keys[i]] = true
		b.occ.add(o)
	}
	b.schedules = append(b.schedules, sc)
	b.runID = append(b.runID, runID)
	b.occKeys = append(b.occKeys, keys)
	b.adv.add(sc.ID, c.NextRunAt, c.LastRunAt, c.LastDispatchedAt, sc.Version+1)
	return nil
}

// advanceArrays holds schedule updates for one multi-row UPDATE.
type advanceArrays struct {
	id                   []string
	next, last, lastDisp []pgtype.Timestamptz
	version              []int64
}

func (a *advanceArrays) add(id string, next, last, lastDisp time.Time, version int64) {
	a.id = append(a.id, id)
	a.next = append(a.next, ts(next))
	a.last = append(a.last, ts(last))
	a.lastDisp = append(a.lastDisp, ts(lastDisp))
	a.version = append(a.version, version)
}

func (a *advanceArrays) args() []any {
	return []any{a.id, a.next, a.last, a.lastDisp, a.version}
}

// NextDue implements [engine.Store]. It reads the first entry of the
// partial index on next_run_at.
func (s *Store) NextDue(ctx context.Context) (time.Time, error) {
	const op = "next due"
	if err := ctxErr(ctx, op); err != nil {
		return time.Time{}, err
	}
	var t time.Time
	err := s.pool.QueryRow(ctx, s.q.nextDue).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrapErr(ctx, op, err)
	}
	return t.UTC(), nil
}

// runArrays collects runs column by column for one multi-row INSERT.
type runArrays struct {
	id, accountID, chatID, status, errText, lastMsg, bundle, toolhouse, callback, leaseOwner []string
	scheduleID                                                                               []pgtype.Text
	results, vars                                                                            [][]byte
	scheduledFor, createdAt, updatedAt                                                       []time.Time
	startedAt, finishedAt, leaseExpires                                                      []pgtype.Timestamptz
	attempt                                                                                  []int32
}

func (a *runArrays) add(r *engine.Run) error {
	results, err := encodeResults(r.Results)
	if err != nil {
		return err
	}
	vars, err := encodeVars(r.Vars)
	if err != nil {
		return err
	}
	a.id = append(a.id, r.ID)
	a.accountID = append(a.accountID, r.AccountID)
	a.chatID = append(a.chatID, r.ChatID)
	a.scheduleID = append(a.scheduleID, nullText(r.ScheduleID))
	a.status = append(a.status, string(r.Status))
	a.results = append(a.results, results)
	a.errText = append(a.errText, r.Error)
	a.lastMsg = append(a.lastMsg, r.LastAgentMessage)
	a.bundle = append(a.bundle, r.Bundle)
	a.toolhouse = append(a.toolhouse, r.ToolhouseID)
	a.vars = append(a.vars, vars)
	a.callback = append(a.callback, r.CallbackURL)
	a.scheduledFor = append(a.scheduledFor, r.ScheduledFor)
	a.createdAt = append(a.createdAt, r.CreatedAt)
	a.updatedAt = append(a.updatedAt, r.UpdatedAt)
	a.startedAt = append(a.startedAt, ts(r.StartedAt))
	a.finishedAt = append(a.finishedAt, ts(r.FinishedAt))
	a.attempt = append(a.attempt, int32(r.Attempt))
	a.leaseOwner = append(a.leaseOwner, r.LeaseOwner)
	a.leaseExpires = append(a.leaseExpires, ts(r.LeaseExpiresAt))
	return nil
}

func (a *runArrays) len() int { return len(a.id) }

// args returns the arrays in runCols order.
func (a *runArrays) args() []any {
	return []any{a.id, a.accountID, a.chatID, a.scheduleID, a.status, a.results, a.errText, a.lastMsg,
		a.bundle, a.toolhouse, a.vars, a.callback, a.scheduledFor, a.createdAt, a.updatedAt, a.startedAt,
		a.finishedAt, a.attempt, a.leaseOwner, a.leaseExpires}
}
