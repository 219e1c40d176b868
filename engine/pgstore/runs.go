package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nlcron/nlcron/engine"
)

// CreateRun implements [engine.RunStore].
func (s *Store) CreateRun(ctx context.Context, r *engine.Run) error {
	const op = "create run"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	results, err := encodeResults(r.Results)
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	vars, err := encodeVars(r.Vars)
	if err != nil {
		return fmt.Errorf("pgstore: %s: %w", op, err)
	}
	_, err = s.pool.Exec(ctx, s.q.createRun, r.ID, r.AccountID, r.ChatID, nullText(r.ScheduleID), string(r.Status),
		results, r.Error, r.LastAgentMessage, r.Bundle, r.ToolhouseID, vars, r.CallbackURL, r.ScheduledFor,
		r.CreatedAt, r.UpdatedAt, ts(r.StartedAt), ts(r.FinishedAt), int32(r.Attempt), r.LeaseOwner, ts(r.LeaseExpiresAt))
	return wrapErr(ctx, op, err)
}

// GetRun implements [engine.RunStore].
func (s *Store) GetRun(ctx context.Context, accountID, id string) (*engine.Run, error) {
	const op = "get run"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	r, err := scanRun(s.pool.QueryRow(ctx, s.q.getRun, accountID, id))
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	return r, nil
}

// runStatuses are the run statuses the runs table allows (its CHECK).
var runStatuses = []engine.RunStatus{engine.RunQueued, engine.RunInProgress, engine.RunCompleted, engine.RunFailed}

// ListRuns implements [engine.RunStore].
func (s *Store) ListRuns(ctx context.Context, accountID string, f engine.RunFilter) ([]*engine.Run, string, error) {
	const op = "list runs"
	if err := ctxErr(ctx, op); err != nil {
		return nil, "", err
	}
	limit := pageLimit(f.Limit)
	sql, args, err := s.listRunsQuery(accountID, f, limit)
	if err != nil {
		return nil, "", fmt.Errorf("pgstore: %s: %w", op, err)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", wrapErr(ctx, op, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*engine.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, "", wrapErr(ctx, op, err)
	}
	list, next := pageOf(list, limit, func(r *engine.Run) (time.Time, string) { return r.CreatedAt, r.ID })
	return list, next, nil
}

// listRunsQuery builds ListRuns' query for a page of limit runs (it asks
// for one more, to know whether there is a next page).
func (s *Store) listRunsQuery(accountID string, f engine.RunFilter, limit int) (string, []any, error) {
	sql := s.q.listRuns
	args := []any{accountID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.ScheduleID != "" {
		sql += " AND schedule_id = " + arg(f.ScheduleID)
	}
	if f.Status != "" {
		sql += " AND status = " + arg(string(f.Status))
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		sql += " AND (created_at, id) < (" + arg(at) + ", " + arg(id) + ")"
	}
	const order = " ORDER BY created_at DESC, id DESC LIMIT "
	page := arg(limit + 1)
	if f.ScheduleID == "" || f.Status != "" {
		return sql + order + page, args, nil
	}
	// One schedule's runs: a merge of one ordered walk of
	// runs_schedule_status_created_idx per status, each stopping at the
	// page, instead of reading the schedule's whole history and sorting.
	var b strings.Builder
	b.WriteString("SELECT * FROM (")
	for i, st := range runStatuses {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, "(%s AND status = '%s'%s%s)", sql, st, order, page)
	}
	b.WriteString(") u" + order + page)
	return b.String(), args, nil
}

// RequeueRun implements [engine.RunStore].
func (s *Store) RequeueRun(ctx context.Context, accountID, id string, msg engine.Message, now time.Time) (*engine.Run, error) {
	const op = "requeue run"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	r, err := scanRun(s.pool.QueryRow(ctx, s.q.requeueRun, accountID, id, msg.Role, msg.Content, now))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, wrapErr(ctx, op, err)
	}
	// Not updated: either there is no such run or it is not completed.
	var status string
	if err := s.pool.QueryRow(ctx, s.q.runStatus, accountID, id).Scan(&status); err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	return nil, fmt.Errorf("pgstore: %s: run is %s: %w", op, status, engine.ErrRunNotCompleted)
}

// AcquireRuns implements [engine.RunStore].
func (s *Store) AcquireRuns(ctx context.Context, worker string, now, leaseUntil time.Time, limit int) ([]*engine.Run, error) {
	const op = "acquire runs"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, s.q.acquireRuns, worker, now, leaseUntil, limit)
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*engine.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	// RETURNING does not keep the subquery's order.
	slices.SortFunc(list, func(a, b *engine.Run) int {
		return cmp.Or(a.ScheduledFor.Compare(b.ScheduledFor), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return list, nil
}

// RenewLease implements [engine.RunStore].
func (s *Store) RenewLease(ctx context.Context, id, worker string, until time.Time) error {
	const op = "renew lease"
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, s.q.renewLease, id, worker, until)
	if err != nil {
		return wrapErr(ctx, op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: %s: run %s: %w", op, id, engine.ErrLeaseLost)
	}
	return nil
}

// FinishRun implements [engine.RunStore]. Calls made at the same moment
// (an engine finishing many runs) are coalesced into one UPDATE and one
// commit: see "Coalesced writes" in the package documentation.
func (s *Store) FinishRun(ctx context.Context, id, worker string, f engine.Finish) (*engine.Run, error) {
	const op = "finish run"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	results, err := encodeResults(f.Results)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %s: %w", op, err)
	}
	r, err := s.finish.do(ctx, finishReq{id: id, worker: worker, f: f, results: results})
	if err != nil {
		if errors.Is(err, engine.ErrLeaseLost) {
			return nil, fmt.Errorf("pgstore: %s: run %s: %w", op, id, err)
		}
		return nil, wrapErr(ctx, op, err)
	}
	return r, nil
}

type finishReq struct {
	id, worker string
	f          engine.Finish
	results    []byte
}

// finishRuns is FinishRun's coalesced statement.
func (s *Store) finishRuns(ctx context.Context, reqs []finishReq) ([]*engine.Run, []error, error) {
	n := len(reqs)
	var (
		ids, workers, statuses, errTexts, lastMsgs = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		results                                    = make([][]byte, n)
		finished                                   = make([]time.Time, n)
	)
	for i, r := range reqs {
		ids[i], workers[i], statuses[i] = r.id, r.worker, string(r.f.Status)
		errTexts[i], lastMsgs[i], results[i], finished[i] = r.f.Error, r.f.LastAgentMessage, r.results, r.f.FinishedAt
	}
	rows, err := s.pool.Query(ctx, s.q.finishRuns, ids, workers, statuses, results, errTexts, lastMsgs, finished)
	if err != nil {
		return nil, nil, err
	}
	done, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*engine.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[string]*engine.Run, len(done))
	for _, r := range done {
		byID[r.ID] = r
	}
	out, errs := make([]*engine.Run, n), make([]error, n)
	for i, id := range ids {
		if out[i] = byID[id]; out[i] == nil {
			errs[i] = engine.ErrLeaseLost
		}
	}
	return out, errs, nil
}

// ExpireLeases implements [engine.RunStore].
func (s *Store) ExpireLeases(ctx context.Context, now time.Time, errText string) ([]*engine.Run, error) {
	const op = "expire leases"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, s.q.expireLeases, now, errText)
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*engine.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, wrapErr(ctx, op, err)
	}
	slices.SortFunc(list, func(a, b *engine.Run) int {
		return cmp.Or(a.ScheduledFor.Compare(b.ScheduledFor), cmp.Compare(a.ID, b.ID))
	})
	return list, nil
}
