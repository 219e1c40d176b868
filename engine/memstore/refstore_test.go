package memstore

// refStore is the first, simple memstore: maps, a mutex and container/heap.
// It is kept as the reference model that the compact Store is checked
// against in TestDifferential.

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
	_ engine.Store    = (*refStore)(nil)
	_ engine.KeyStore = (*refStore)(nil)
)

// refStore is an in-memory [engine.Store] and [engine.KeyStore]. The zero value
// is not usable; call newRefStore. All methods are safe for concurrent use.
type refStore struct {
	mu        sync.Mutex
	schedules map[string]*refSchedEntry
	due       refDueHeap // active schedules with a non-zero NextRunAt
	runs      map[string]*engine.Run
	runKeys   map[refRunKey]string // (schedule id, scheduled_for) -> run id
	queued    refRunHeap           // queued runs, next to acquire first
	leased    map[string]*engine.Run
	// activeRuns counts each schedule's queued and in-progress runs.
	activeRuns map[string]int
	keys       map[string]string // key hash -> account id
}

type refSchedEntry struct {
	s         *engine.Schedule
	heapIndex int // index in refStore.due, -1 when not due-able
	occ       map[int64]engine.Occurrence
}

type refRunKey struct {
	scheduleID string
	at         int64
}

// newRefStore returns an empty refStore.
func newRefStore() *refStore {
	return &refStore{
		schedules:  make(map[string]*refSchedEntry),
		runs:       make(map[string]*engine.Run),
		runKeys:    make(map[refRunKey]string),
		keys:       make(map[string]string),
		leased:     make(map[string]*engine.Run),
		activeRuns: make(map[string]int),
	}
}

func refMicros(t time.Time) int64 { return t.UnixMicro() }

// refDueHeap is a min-heap of schedule entries keyed by NextRunAt.
type refDueHeap []*refSchedEntry

func (h refDueHeap) Len() int { return len(h) }
func (h refDueHeap) Less(i, j int) bool {
	return h[i].s.NextRunAt.Before(h[j].s.NextRunAt)
}
func (h refDueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *refDueHeap) Push(x any) {
	e := x.(*refSchedEntry)
	e.heapIndex = len(*h)
	*h = append(*h, e)
}
func (h *refDueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.heapIndex = -1
	return e
}

func refDueable(s *engine.Schedule) bool { return s.Active && !s.NextRunAt.IsZero() }

// fix puts e where it belongs in the due heap after its schedule changed.
func (st *refStore) fix(e *refSchedEntry) {
	switch {
	case refDueable(e.s) && e.heapIndex >= 0:
		heap.Fix(&st.due, e.heapIndex)
	case refDueable(e.s):
		heap.Push(&st.due, e)
	case e.heapIndex >= 0:
		heap.Remove(&st.due, e.heapIndex)
	}
}

func refStoredSchedule(s *engine.Schedule) *engine.Schedule {
	c := s.Clone()
	c.Warnings = nil
	return c
}

// CreateSchedule implements [engine.ScheduleStore].
func (st *refStore) CreateSchedule(ctx context.Context, s *engine.Schedule) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: create schedule: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.schedules[s.ID]; ok {
		return fmt.Errorf("memstore: create schedule %s: %w", s.ID, engine.ErrConflict)
	}
	e := &refSchedEntry{s: refStoredSchedule(s), heapIndex: -1}
	st.schedules[s.ID] = e
	st.fix(e)
	return nil
}

func (st *refStore) lookup(accountID, id string) (*refSchedEntry, bool) {
	e, ok := st.schedules[id]
	if !ok || e.s.AccountID != accountID {
		return nil, false
	}
	return e, true
}

// GetSchedule implements [engine.ScheduleStore].
func (st *refStore) GetSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
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

// refCursor is a position in a newest-first listing: the last item returned.
type refCursor struct {
	at int64
	id string
}

func (c refCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.at, 10) + "|" + c.id))
}

func refParseCursor(s string) (refCursor, error) {
	bad := &engine.ValidationError{Field: "refCursor", Msg: "malformed refCursor"}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return refCursor{}, bad
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok || id == "" {
		return refCursor{}, bad
	}
	n, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return refCursor{}, bad
	}
	return refCursor{n, id}, nil
}

// newer reports whether (at, id) sorts before c in a newest-first listing.
func (c refCursor) after(at int64, id string) bool {
	return at < c.at || (at == c.at && id < c.id)
}

func refPageLimit(n int) int {
	if n <= 0 {
		return engine.DefaultPageLimit
	}
	return min(n, engine.MaxPageLimit)
}

// ListSchedules implements [engine.ScheduleStore].
func (st *refStore) ListSchedules(ctx context.Context, accountID string, p engine.Page) ([]*engine.Schedule, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memstore: list schedules: %w", err)
	}
	var from *refCursor
	if p.Cursor != "" {
		c, err := refParseCursor(p.Cursor)
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
		if from != nil && !from.after(refMicros(e.s.CreatedAt), e.s.ID) {
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
	limit := refPageLimit(p.Limit)
	var next string
	if len(all) > limit {
		all = all[:limit]
		last := all[limit-1]
		next = refCursor{refMicros(last.CreatedAt), last.ID}.String()
	}
	out := make([]*engine.Schedule, len(all))
	for i, s := range all {
		out[i] = s.Clone()
	}
	st.mu.Unlock()
	return out, next, nil
}

// UpdateSchedule implements [engine.ScheduleStore].
func (st *refStore) UpdateSchedule(ctx context.Context, s *engine.Schedule, record ...engine.Occurrence) error {
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
	n := refStoredSchedule(s)
	n.Version++
	e.s = n
	for _, o := range record {
		k := refMicros(o.FireTime)
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
func (st *refStore) DeleteSchedule(ctx context.Context, accountID, id string) (*engine.Schedule, error) {
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
func (st *refStore) ListOccurrences(ctx context.Context, accountID, scheduleID string, from, to time.Time, limit int) ([]engine.Occurrence, error) {
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
		inWindow := !o.FireTime.Before(from) && o.FireTime.Before(to)
		reaches := o.FireTime.Before(from) && !o.Through.IsZero() && !o.Through.Before(from) && from.Before(to)
		if inWindow || reaches {
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
func (st *refStore) ClaimDue(ctx context.Context, now time.Time, limit int, decide func(engine.Due) engine.Claim) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: claim due: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	// Select first, so that a schedule whose claim leaves it due is not
	// handled twice in one call.
	var picked []*refSchedEntry
	for len(picked) < limit && len(st.due) > 0 && !st.due[0].s.NextRunAt.After(now) {
		picked = append(picked, heap.Pop(&st.due).(*refSchedEntry))
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

func (st *refStore) applyClaim(e *refSchedEntry, c engine.Claim) error {
	seen := make(map[int64]bool, len(c.Occurrences))
	for _, o := range c.Occurrences {
		k := refMicros(o.FireTime)
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
		e.occ[refMicros(o.FireTime)] = o
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
func (st *refStore) NextDue(ctx context.Context) (time.Time, error) {
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

func (st *refStore) checkNewRun(r *engine.Run) error {
	if _, ok := st.runs[r.ID]; ok {
		return fmt.Errorf("run %s exists: %w", r.ID, engine.ErrConflict)
	}
	if r.ScheduleID != "" {
		if _, ok := st.runKeys[refRunKey{r.ScheduleID, refMicros(r.ScheduledFor)}]; ok {
			return fmt.Errorf("schedule %s already has a run for %s: %w", r.ScheduleID, r.ScheduledFor.Format(time.RFC3339Nano), engine.ErrConflict)
		}
	}
	return nil
}

func (st *refStore) insertRun(r *engine.Run) {
	c := r.Clone()
	st.runs[c.ID] = c
	if c.ScheduleID != "" {
		st.runKeys[refRunKey{c.ScheduleID, refMicros(c.ScheduledFor)}] = c.ID
	}
	status := c.Status
	c.Status = ""
	st.setStatus(c, status)
}

// setStatus moves r to status, keeping the indexes of queued and leased runs
// and the per-schedule active-run counts. The caller has already removed r
// from the queued heap if it was queued.
func (st *refStore) setStatus(r *engine.Run, status engine.RunStatus) {
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
func (st *refStore) CreateRun(ctx context.Context, r *engine.Run) error {
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
func (st *refStore) GetRun(ctx context.Context, accountID, id string) (*engine.Run, error) {
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
func (st *refStore) ListRuns(ctx context.Context, accountID string, f engine.RunFilter) ([]*engine.Run, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memstore: list runs: %w", err)
	}
	var from *refCursor
	if f.Cursor != "" {
		c, err := refParseCursor(f.Cursor)
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
			(from != nil && !from.after(refMicros(r.CreatedAt), r.ID)) {
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
	limit := refPageLimit(f.Limit)
	var next string
	if len(all) > limit {
		all = all[:limit]
		last := all[limit-1]
		next = refCursor{refMicros(last.CreatedAt), last.ID}.String()
	}
	out := make([]*engine.Run, len(all))
	for i, r := range all {
		out[i] = r.Clone()
	}
	return out, next, nil
}

// RequeueRun implements [engine.RunStore].
func (st *refStore) RequeueRun(ctx context.Context, accountID, id string, msg engine.Message, now time.Time) (*engine.Run, error) {
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
func (st *refStore) AcquireRuns(ctx context.Context, worker string, now, leaseUntil time.Time, limit int) ([]*engine.Run, error) {
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
func (st *refStore) RenewLease(ctx context.Context, id, worker string, until time.Time) error {
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
func (st *refStore) FinishRun(ctx context.Context, id, worker string, f engine.Finish) (*engine.Run, error) {
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
func (st *refStore) ExpireLeases(ctx context.Context, now time.Time, errText string) ([]*engine.Run, error) {
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
func (st *refStore) PutKey(ctx context.Context, hash, accountID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: put key: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.keys[hash] = accountID
	return nil
}

// AccountForKey implements [engine.KeyStore].
func (st *refStore) AccountForKey(ctx context.Context, hash string) (string, error) {
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
func (st *refStore) CountKeys(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: count keys: %w", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.keys), nil
}

// refRunHeap is a min-heap of queued runs in acquisition order.
type refRunHeap []*engine.Run

func (h refRunHeap) Len() int { return len(h) }
func (h refRunHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if c := a.ScheduledFor.Compare(b.ScheduledFor); c != 0 {
		return c < 0
	}
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c < 0
	}
	return a.ID < b.ID
}
func (h refRunHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *refRunHeap) Push(x any)   { *h = append(*h, x.(*engine.Run)) }
func (h *refRunHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return r
}

// PruneBefore implements [engine.Store]: ended runs oldest FinishedAt first
// (then id), then occurrences oldest last fire first (then schedule id and
// fire time).
func (st *refStore) PruneBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memstore: prune: %w", err)
	}
	if limit <= 0 {
		return 0, nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	var runs []*engine.Run
	for _, r := range st.runs {
		if (r.Status == engine.RunCompleted || r.Status == engine.RunFailed) && !r.FinishedAt.IsZero() && r.FinishedAt.Before(before) {
			runs = append(runs, r)
		}
	}
	slices.SortFunc(runs, func(a, b *engine.Run) int { return cmp.Or(a.FinishedAt.Compare(b.FinishedAt), cmp.Compare(a.ID, b.ID)) })
	n := 0
	for _, r := range runs {
		if n == limit {
			return n, nil
		}
		delete(st.runs, r.ID)
		if r.ScheduleID != "" {
			delete(st.runKeys, refRunKey{r.ScheduleID, refMicros(r.ScheduledFor)})
		}
		n++
	}
	var occ []engine.Occurrence
	for _, e := range st.schedules {
		for _, o := range e.occ {
			if o.LastFire().Before(before) {
				occ = append(occ, o)
			}
		}
	}
	slices.SortFunc(occ, func(a, b engine.Occurrence) int {
		return cmp.Or(a.LastFire().Compare(b.LastFire()), cmp.Compare(a.ScheduleID, b.ScheduleID), a.FireTime.Compare(b.FireTime))
	})
	for _, o := range occ {
		if n == limit {
			break
		}
		delete(st.schedules[o.ScheduleID].occ, refMicros(o.FireTime))
		n++
	}
	return n, nil
}
