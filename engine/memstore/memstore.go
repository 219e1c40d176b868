// Package memstore is an in-memory [engine.Store]: fast, concurrency-safe,
// and gone when the process exits. Use it for tests, demos and single-process
// deployments that can afford to lose their schedules on restart.
package memstore

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nlcron/nlcron/engine"
)

var (
	_ engine.Store    = (*Store)(nil)
	_ engine.KeyStore = (*Store)(nil)
)

// Store is an in-memory [engine.Store] and [engine.KeyStore]. The zero value
// is not usable; call [New]. All methods are safe for concurrent use.
type Store struct {
	mu        sync.Mutex
	schedules map[string]*schedEntry
	due       dueHeap // active schedules with a non-zero NextRunAt
	runs      map[string]*engine.Run
	runKeys   map[runKey]string // (schedule id, scheduled_for) -> run id
	queued    runHeap           // queued runs, next to acquire first
	leased    map[string]*engine.Run
	// activeRuns counts each schedule's queued and in-progress runs.
	activeRuns map[string]int
	keys       map[string]string // key hash -> account id
}

type schedEntry struct {
	s         *engine.Schedule
	heapIndex int // index in Store.due, -1 when not due-able
	occ       map[int64]engine.Occurrence
}

type runKey struct {
	scheduleID string
	at         int64
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		schedules:  make(map[string]*schedEntry),
		runs:       make(map[string]*engine.Run),
		runKeys:    make(map[runKey]string),
		keys:       make(map[string]string),
		leased:     make(map[string]*engine.Run),
		activeRuns: make(map[string]int),
	}
}

func micros(t time.Time) int64 { return t.UnixMicro() }

// dueHeap is a min-heap of schedule entries keyed by NextRunAt.
type dueHeap []*schedEntry

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	return h[i].s.NextRunAt.Before(h[j].s.NextRunAt)
}
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *dueHeap) Push(x any) {
	e := x.(*schedEntry)
	e.heapIndex = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.heapIndex = -1
	return e
}

func dueable(s *engine.Schedule) bool { return s.Active && !s.NextRunAt.IsZero() }

// fix puts e where it belongs in the due heap after its schedule changed.
func (st *Store) fix(e *schedEntry) {
	switch {
	case dueable(e.s) && e.heapIndex >= 0:
		heap.Fix(&st.due, e.heapIndex)
	case dueable(e.s):
		heap.Push(&st.due, e)
	case e.heapIndex >= 0:
		heap.Remove(&st.due, e.heapIndex)
	}
}

func storedSchedule(s *engine.Schedule) *engine.Schedule {
	c := s.Clone()
	c.Warnings = nil
	return c
}

// CreateSchedule implements [engine.ScheduleStore].
func (st *Store) CreateSchedule(ctx context.Context, s *engine.Schedule) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: create schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.schedules[s.ID]; ok {
		return fmt.Errorf("memstore: create schedule %s: %w", s.ID, engine.ErrConflict)
	}
	e := &schedEntry{s: storedSchedule(s), heapIndex: -1}
	st.schedules[s.ID] = e
	st.fix(e)
	return nil
}

func (st *Store) lookup(accountID, id string) (*schedEntry, bool) {
	e, ok := st.schedules[id]
	if !ok || e.s.AccountID != accountID {
		return nil, false
	}
	return e, true
}

// GetSchedule implements [engine.ScheduleStore].
func (st *Store) GetSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: get schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.lookup(accountID, id)
	if !ok {
		return nil, fmt.Errorf("memstore: get schedule %s: %w", id, engine.ErrNotFound)
	}
	return e.s.Clone(), nil
}

// cursor is a position in a newest-first listing: the last item returned.
type cursor struct {
	at int64
	id string
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at, 10) + "|" + c.id))
}

func parseCursor(s string) (cursor, error) {
	bad := &engine.ValidationError{Field: "cursor", Msg: "malformed cursor"}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok || id == "" {
		return cursor{}, bad
	}
	n, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return cursor{}, bad
	}
	return cursor{n, id}, nil
}

// newer reports whether (at, id) sorts before c in a newest-first listing.
func (c cursor) after(at int64, id string) bool {
	return at < c.at || (at == c.at && id < c.id)
}

func pageLimit(n int) int {
	if n <= 0 {
		return engine.DefaultPageLimit
	}
	return min(n, engine.MaxPageLimit)
}

// ListSchedules implements [engine.ScheduleStore].
func (st *Store) ListSchedules(ctx context.Context, accountID string, p engine.Page) ([]*engine.Schedule, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memstore: list schedules: %w", err)
	}
	var from *cursor
	if p.Cursor != "" {
		c, err := parseCursor(p.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("memstore: list schedules: %w", err)
		}
		from = &c
	}
	st.mu.Lock()
	var all []*engine.Schedule
	for _, e := range st.schedules {
		if e.s.AccountID != accountID {
			continue
		}
		if from != nil && !from.after(micros(e.s.CreatedAt), e.s.ID) {
			continue
		}
		all = append(all, e.s)
	}
	slices.SortFunc(all, func(a, b *engine.Schedule) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	limit := pageLimit(p.Limit)
	var next string
	if len(all) > limit {
		all = all[:limit]
		last := all[limit-1]
		next = cursor{micros(last.CreatedAt), last.ID}.String()
	}
	out := make([]*engine.Schedule, len(all))
	for i, s := range all {
		out[i] = s.Clone()
	}
	st.mu.Unlock()
	return out, next, nil
}

// UpdateSchedule implements [engine.ScheduleStore].
func (st *Store) UpdateSchedule(ctx context.Context, s *engine.Schedule, record ...engine.Occurrence) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: update schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.lookup(s.AccountID, s.ID)
	if !ok {
		return fmt.Errorf("memstore: update schedule %s: %w", s.ID, engine.ErrNotFound)
	}
	if e.s.Version != s.Version {
		return fmt.Errorf("memstore: update schedule %s: version %d, stored %d: %w", s.ID, s.Version, e.s.Version, engine.ErrConflict)
	}
	n := storedSchedule(s)
	n.Version++
	e.s = n
	for _, o := range record {
		k := micros(o.FireTime)
		if _, ok := e.occ[k]; ok {
			continue
		}
		if e.occ == nil {
			e.occ = make(map[int64]engine.Occurrence)
		}
		e.occ[k] = o
	}
	st.fix(e)
	s.Version = n.Version
	return nil
}

// DeleteSchedule implements [engine.ScheduleStore].
func (st *Store) DeleteSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: delete schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.lookup(accountID, id)
	if !ok {
		return nil, fmt.Errorf("memstore: delete schedule %s: %w", id, engine.ErrNotFound)
	}
	if e.heapIndex >= 0 {
		heap.Remove(&st.due, e.heapIndex)
	}
	delete(st.schedules, id)
	return e.s.Clone(), nil
}

// ListOccurrences implements [engine.ScheduleStore].
func (st *Store) ListOccurrences(ctx context.Context, accountID, scheduleID string, from, to time.Time, limit int) ([]engine.Occurrence, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: list occurrences: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.lookup(accountID, scheduleID)
	if !ok {
		return nil, fmt.Errorf("memstore: list occurrences of %s: %w", scheduleID, engine.ErrNotFound)
	}
	var out []engine.Occurrence
	for _, o := range e.occ {
		if !o.FireTime.Before(from) && o.FireTime.Before(to) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b engine.Occurrence) int { return a.FireTime.Compare(b.FireTime) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ClaimDue implements [engine.Store].
func (st *Store) ClaimDue(ctx context.Context, now time.Time, limit int, decide func(engine.Due) engine.Claim) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: claim due: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	// Select first, so that a schedule whose claim leaves it due is not
	// handled twice in one call.
	var picked []*schedEntry
	for len(picked) < limit && len(st.due) > 0 && !st.due[0].s.NextRunAt.After(now) {
		picked = append(picked, heap.Pop(&st.due).(*schedEntry))
	}
	n := 0
	defer func() {
		// Put back what was not handled (decide panicked or a claim failed).
		for _, e := range picked[n:] {
			st.fix(e)
		}
	}()
	for _, e := range picked {
		c := decide(engine.Due{Schedule: e.s.Clone(), ActiveRun: st.activeRuns[e.s.ID] > 0})
		if err := st.applyClaim(e, c); err != nil {
			return n, fmt.Errorf("memstore: claim due: schedule %s: %w", e.s.ID, err)
		}
		n++
	}
	return n, nil
}

func (st *Store) applyClaim(e *schedEntry, c engine.Claim) error {
	seen := make(map[int64]bool, len(c.Occurrences))
	for _, o := range c.Occurrences {
		k := micros(o.FireTime)
		if _, dup := e.occ[k]; dup || seen[k] {
			return fmt.Errorf("occurrence at %s already recorded: %w", o.FireTime.Format(time.RFC3339Nano), engine.ErrConflict)
		}
		seen[k] = true
	}
	if c.Run != nil {
		if err := st.checkNewRun(c.Run); err != nil {
			return err
		}
	}
	for _, o := range c.Occurrences {
		if e.occ == nil {
			e.occ = make(map[int64]engine.Occurrence)
		}
		e.occ[micros(o.FireTime)] = o
	}
	if c.Run != nil {
		st.insertRun(c.Run)
	}
	e.s.NextRunAt = c.NextRunAt
	e.s.LastRunAt = c.LastRunAt
	e.s.LastDispatchedAt = c.LastDispatchedAt
	e.s.Version++
	st.fix(e)
	return nil
}

// NextDue implements [engine.Store].
func (st *Store) NextDue(ctx context.Context) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, fmt.Errorf("memstore: next due: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.due) == 0 {
		return time.Time{}, nil
	}
	return st.due[0].s.NextRunAt, nil
}

func (st *Store) checkNewRun(r *engine.Run) error {
	if _, ok := st.runs[r.ID]; ok {
		return fmt.Errorf("run %s exists: %w", r.ID, engine.ErrConflict)
	}
	if r.ScheduleID != "" {
		if _, ok := st.runKeys[runKey{r.ScheduleID, micros(r.ScheduledFor)}]; ok {
			return fmt.Errorf("schedule %s already has a run for %s: %w", r.ScheduleID, r.ScheduledFor.Format(time.RFC3339Nano), engine.ErrConflict)
		}
	}
	return nil
}

func (st *Store) insertRun(r *engine.Run) {
	c := r.Clone()
	st.runs[c.ID] = c
	if c.ScheduleID != "" {
		st.runKeys[runKey{c.ScheduleID, micros(c.ScheduledFor)}] = c.ID
	}
	status := c.Status
	c.Status = ""
	st.setStatus(c, status)
}

// setStatus moves r to status, keeping the indexes of queued and leased runs
// and the per-schedule active-run counts. The caller has already removed r
// from the queued heap if it was queued.
func (st *Store) setStatus(r *engine.Run, status engine.RunStatus) {
	if r.ScheduleID != "" && r.Status.Active() != status.Active() {
		if status.Active() {
			st.activeRuns[r.ScheduleID]++
		} else if st.activeRuns[r.ScheduleID]--; st.activeRuns[r.ScheduleID] <= 0 {
			delete(st.activeRuns, r.ScheduleID)
		}
	}
	if r.Status == engine.RunInProgress {
		delete(st.leased, r.ID)
	}
	r.Status = status
	switch status {
	case engine.RunQueued:
		heap.Push(&st.queued, r)
	case engine.RunInProgress:
		st.leased[r.ID] = r
	}
}

// CreateRun implements [engine.RunStore].
func (st *Store) CreateRun(ctx context.Context, r *engine.Run) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: create run: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.checkNewRun(r); err != nil {
		return fmt.Errorf("memstore: create run: %w", err)
	}
	st.insertRun(r)
	return nil
}

// GetRun implements [engine.RunStore].
func (st *Store) GetRun(ctx context.Context, accountID, id string) (*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: get run: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.runs[id]
	if !ok || r.AccountID != accountID {
		return nil, fmt.Errorf("memstore: get run %s: %w", id, engine.ErrNotFound)
	}
	return r.Clone(), nil
}

// ListRuns implements [engine.RunStore].
func (st *Store) ListRuns(ctx context.Context, accountID string, f engine.RunFilter) ([]*engine.Run, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memstore: list runs: %w", err)
	}
	var from *cursor
	if f.Cursor != "" {
		c, err := parseCursor(f.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("memstore: list runs: %w", err)
		}
		from = &c
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []*engine.Run
	for _, r := range st.runs {
		if r.AccountID != accountID ||
			(f.ScheduleID != "" && r.ScheduleID != f.ScheduleID) ||
			(f.Status != "" && r.Status != f.Status) ||
			(from != nil && !from.after(micros(r.CreatedAt), r.ID)) {
			continue
		}
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b *engine.Run) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	limit := pageLimit(f.Limit)
	var next string
	if len(all) > limit {
		all = all[:limit]
		last := all[limit-1]
		next = cursor{micros(last.CreatedAt), last.ID}.String()
	}
	out := make([]*engine.Run, len(all))
	for i, r := range all {
		out[i] = r.Clone()
	}
	return out, next, nil
}

// RequeueRun implements [engine.RunStore].
func (st *Store) RequeueRun(ctx context.Context, accountID, id string, msg engine.Message, now time.Time) (*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: requeue run: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.runs[id]
	if !ok || r.AccountID != accountID {
		return nil, fmt.Errorf("memstore: requeue run %s: %w", id, engine.ErrNotFound)
	}
	if r.Status != engine.RunCompleted {
		return nil, fmt.Errorf("memstore: requeue run %s (%s): %w", id, r.Status, engine.ErrRunNotCompleted)
	}
	r.Results = append(slices.Clip(r.Results), msg)
	r.Error = ""
	r.LastAgentMessage = ""
	r.StartedAt = time.Time{}
	r.FinishedAt = time.Time{}
	r.LeaseOwner = ""
	r.LeaseExpiresAt = time.Time{}
	r.UpdatedAt = now
	st.setStatus(r, engine.RunQueued)
	return r.Clone(), nil
}

// AcquireRuns implements [engine.RunStore].
func (st *Store) AcquireRuns(ctx context.Context, worker string, now, leaseUntil time.Time, limit int) ([]*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: acquire runs: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []*engine.Run
	for len(out) < limit && len(st.queued) > 0 {
		r := heap.Pop(&st.queued).(*engine.Run)
		r.StartedAt = now
		r.Attempt++
		r.LeaseOwner = worker
		r.LeaseExpiresAt = leaseUntil
		r.UpdatedAt = now
		st.setStatus(r, engine.RunInProgress)
		out = append(out, r.Clone())
	}
	return out, nil
}

// RenewLease implements [engine.RunStore].
func (st *Store) RenewLease(ctx context.Context, id, worker string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: renew lease: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.leased[id]
	if !ok || r.LeaseOwner != worker {
		return fmt.Errorf("memstore: renew lease of run %s for %s: %w", id, worker, engine.ErrLeaseLost)
	}
	r.LeaseExpiresAt = until
	return nil
}

// FinishRun implements [engine.RunStore].
func (st *Store) FinishRun(ctx context.Context, id, worker string, f engine.Finish) (*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: finish run: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.leased[id]
	if !ok || r.LeaseOwner != worker {
		return nil, fmt.Errorf("memstore: finish run %s for %s: %w", id, worker, engine.ErrLeaseLost)
	}
	r.Results = slices.Clone(f.Results)
	r.Error = f.Error
	r.LastAgentMessage = f.LastAgentMessage
	r.FinishedAt = f.FinishedAt
	r.UpdatedAt = f.FinishedAt
	r.LeaseOwner = ""
	r.LeaseExpiresAt = time.Time{}
	st.setStatus(r, f.Status)
	return r.Clone(), nil
}

// ExpireLeases implements [engine.RunStore].
func (st *Store) ExpireLeases(ctx context.Context, now time.Time, errText string) ([]*engine.Run, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: expire leases: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []*engine.Run
	for _, r := range st.leased {
		if !r.LeaseExpiresAt.Before(now) {
			continue
		}
		r.Error = errText
		r.FinishedAt = now
		r.UpdatedAt = now
		r.LeaseOwner = ""
		r.LeaseExpiresAt = time.Time{}
		st.setStatus(r, engine.RunFailed)
		out = append(out, r.Clone())
	}
	slices.SortFunc(out, func(a, b *engine.Run) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// PutKey implements [engine.KeyStore].
func (st *Store) PutKey(ctx context.Context, hash, accountID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: put key: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.keys[hash] = accountID
	return nil
}

// AccountForKey implements [engine.KeyStore].
func (st *Store) AccountForKey(ctx context.Context, hash string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("memstore: account for key: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	a, ok := st.keys[hash]
	if !ok {
		return "", fmt.Errorf("memstore: account for key: %w", engine.ErrNotFound)
	}
	return a, nil
}

// CountKeys implements [engine.KeyStore].
func (st *Store) CountKeys(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: count keys: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.keys), nil
}

// runHeap is a min-heap of queued runs in acquisition order.
type runHeap []*engine.Run

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if c := a.ScheduledFor.Compare(b.ScheduledFor); c != 0 {
		return c < 0
	}
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c < 0
	}
	return a.ID < b.ID
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*engine.Run)) }
func (h *runHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return r
}
