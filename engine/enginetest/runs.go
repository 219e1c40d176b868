package enginetest

import (
	"sync"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

func testAcquireRunsOrder(t *testing.T, st engine.Store) {
	ctx := t.Context()
	alice, bob := newID(), newID()
	ids := sortedIDs(2)
	// Acquisition order: ScheduledFor, then CreatedAt, then ID; across
	// accounts.
	r1 := newRun(alice, "", t0.Add(-2*time.Minute))
	r1.CreatedAt = t0.Add(5 * time.Second)
	r2 := newRun(bob, "", t0.Add(-3*time.Minute))
	r2.CreatedAt = t0.Add(3 * time.Second)
	r2.ID = ids[1]
	r3 := newRun(alice, "", t0.Add(-3*time.Minute))
	r3.CreatedAt = t0.Add(3 * time.Second)
	r3.ID = ids[0]
	r4 := newRun(bob, "", t0.Add(-3*time.Minute))
	r4.CreatedAt = t0.Add(4 * time.Second)
	r5 := newRun(alice, "", t0.Add(time.Hour)) // queued for later, still acquirable
	done := newRun(alice, "", t0.Add(-time.Hour))
	done.Status = engine.RunCompleted
	for _, r := range []*engine.Run{r5, r1, done, r4, r2, r3} {
		mustCreateRun(t, st, r)
	}

	for i, want := range []*engine.Run{r3, r2, r4, r1, r5} {
		got, err := st.AcquireRuns(ctx, "worker-1", t0, t0.Add(time.Minute), 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("AcquireRuns #%d = %v, %v; want [%s]", i, runIDs(got), err, want.ID)
		}
		if got[0].ID != want.ID {
			t.Errorf("AcquireRuns #%d = %s, want %s", i, got[0].ID, want.ID)
		}
	}
	got, err := st.AcquireRuns(ctx, "worker-1", t0, t0.Add(time.Minute), 10)
	if err != nil || len(got) != 0 {
		t.Errorf("AcquireRuns with nothing queued = %v, %v; want none", runIDs(got), err)
	}
	if r := mustGetRun(t, st, alice, done.ID); r.Status != engine.RunCompleted {
		t.Errorf("completed run has status %s after AcquireRuns", r.Status)
	}

	// limit: at most that many.
	for range 4 {
		mustCreateRun(t, st, newRun(alice, "", t0))
	}
	got, err = st.AcquireRuns(ctx, "worker-2", t0, t0.Add(time.Minute), 3)
	if err != nil || len(got) != 3 {
		t.Errorf("AcquireRuns(limit 3 of 4) = %d runs, %v; want 3", len(got), err)
	}
	got, err = st.AcquireRuns(ctx, "worker-2", t0, t0.Add(time.Minute), 3)
	if err != nil || len(got) != 1 {
		t.Errorf("AcquireRuns(limit 3 of 1) = %d runs, %v; want 1", len(got), err)
	}
}

func testAcquireRunsConcurrent(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	runs, workers := 300, 8
	if raceEnabled {
		runs = 80
	}
	want := make(map[string]bool, runs)
	for i := range runs {
		r := newRun(account, "", t0.Add(-time.Duration(i)*time.Second))
		mustCreateRun(t, st, r)
		want[r.ID] = true
	}
	var (
		mu       sync.Mutex
		acquired = make(map[string][]string) // run id -> workers
	)
	drain := func(worker string, limit int) error {
		for {
			got, err := st.AcquireRuns(ctx, worker, t0, t0.Add(time.Minute), limit)
			if err != nil {
				return err
			}
			mu.Lock()
			for _, r := range got {
				acquired[r.ID] = append(acquired[r.ID], worker)
				if r.LeaseOwner != worker || r.Status != engine.RunInProgress {
					t.Errorf("AcquireRuns(%s) returned run %s with owner %q, status %s", worker, r.ID, r.LeaseOwner, r.Status)
				}
			}
			mu.Unlock()
			if len(got) == 0 {
				return nil
			}
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		worker := "worker-" + string(rune('a'+w))
		wg.Go(func() {
			if err := drain(worker, 2+w%4); err != nil {
				t.Errorf("%s: AcquireRuns: %v", worker, err)
			}
		})
	}
	wg.Wait()
	if err := drain("final", runs); err != nil {
		t.Fatalf("final AcquireRuns: %v", err)
	}
	for id := range want {
		if len(acquired[id]) != 1 {
			t.Errorf("run %s acquired by %v, want exactly one worker", id, acquired[id])
		}
	}
	if len(acquired) != runs {
		t.Errorf("%d runs acquired, want %d", len(acquired), runs)
	}
	for id, workers := range acquired {
		if r := mustGetRun(t, st, account, id); len(workers) == 1 && r.LeaseOwner != workers[0] {
			t.Errorf("run %s stored with lease owner %q, acquired by %q", id, r.LeaseOwner, workers[0])
		}
	}
}

func testRunLifecycle(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	s := newSchedule(account)
	mustCreateSchedule(t, st, s)
	r := newRun(account, s.ID, t0.Add(-time.Minute))
	r.Results = []engine.Message{{Role: "user", Content: "summarise my inbox"}}
	r.Vars = map[string]string{"tone": "dry"}
	mustCreateRun(t, st, r)
	if d := diff(r, mustGetRun(t, st, account, r.ID)); d != "" {
		t.Errorf("GetRun after create (-want +got):\n%s", d)
	}

	const worker, intruder = "worker-1", "worker-2"
	now, lease := t0, t0.Add(30*time.Second)
	got, err := st.AcquireRuns(ctx, worker, now, lease, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("AcquireRuns = %v, %v; want one run", runIDs(got), err)
	}
	started := got[0]
	checkRunTimes(t, started)
	if started.Status != engine.RunInProgress || !started.StartedAt.Equal(now) || !started.UpdatedAt.Equal(now) || started.Attempt != 1 ||
		started.LeaseOwner != worker || !started.LeaseExpiresAt.Equal(lease) {
		t.Errorf("acquired run: status %s, StartedAt %v, UpdatedAt %v, Attempt %d, LeaseOwner %q, LeaseExpiresAt %v; want in_progress, %v, %[2]v, 1, %q, %v",
			started.Status, started.StartedAt, started.UpdatedAt, started.Attempt, started.LeaseOwner, started.LeaseExpiresAt, now, worker, lease)
	}
	if d := diff(started, mustGetRun(t, st, account, r.ID)); d != "" {
		t.Errorf("GetRun after acquire differs from what AcquireRuns returned (-returned +stored):\n%s", d)
	}
	// Everything else is as created.
	want := r.Clone()
	want.Status, want.StartedAt, want.Attempt, want.LeaseOwner, want.LeaseExpiresAt = started.Status, started.StartedAt, started.Attempt, started.LeaseOwner, started.LeaseExpiresAt
	want.UpdatedAt = now
	if d := diff(want, started); d != "" {
		t.Errorf("acquired run (-want +got):\n%s", d)
	}

	wantErr(t, "RenewLease(wrong worker)", st.RenewLease(ctx, r.ID, intruder, lease.Add(time.Hour)), engine.ErrLeaseLost)
	if err := st.RenewLease(ctx, r.ID, worker, lease.Add(time.Minute)); err != nil {
		t.Fatalf("RenewLease: %v", err)
	}
	if got := mustGetRun(t, st, account, r.ID); !got.LeaseExpiresAt.Equal(lease.Add(time.Minute)) || got.LeaseOwner != worker {
		t.Errorf("after RenewLease: LeaseOwner %q, LeaseExpiresAt %v; want %q, %v", got.LeaseOwner, got.LeaseExpiresAt, worker, lease.Add(time.Minute))
	}

	f := engine.Finish{
		Status:           engine.RunCompleted,
		Results:          []engine.Message{{Role: "user", Content: "summarise my inbox"}, {Role: "assistant", Content: "3 new mails"}},
		LastAgentMessage: "3 new mails",
		FinishedAt:       t0.Add(40 * time.Second),
	}
	_, err = st.FinishRun(ctx, r.ID, intruder, f)
	wantErr(t, "FinishRun(wrong worker)", err, engine.ErrLeaseLost)
	finished, err := st.FinishRun(ctx, r.ID, worker, f)
	if err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	f.Results[1].Content = "changed by caller" // not retained
	checkRunTimes(t, finished)
	if finished.Status != engine.RunCompleted || !finished.FinishedAt.Equal(f.FinishedAt) || finished.LastAgentMessage != "3 new mails" ||
		finished.Error != "" || len(finished.Results) != 2 || finished.Results[1].Content != "3 new mails" {
		t.Errorf("FinishRun returned %+v; want it completed with the finish applied", finished)
	}
	if finished.Attempt != 1 || !finished.StartedAt.Equal(now) || finished.ID != r.ID || finished.ScheduleID != s.ID {
		t.Errorf("FinishRun changed Attempt/StartedAt/ID/ScheduleID: %+v", finished)
	}
	if !finished.UpdatedAt.Equal(f.FinishedAt) || finished.LeaseOwner != "" || !finished.LeaseExpiresAt.IsZero() {
		t.Errorf("FinishRun: UpdatedAt %v, LeaseOwner %q, LeaseExpiresAt %v; want %v and the lease cleared", finished.UpdatedAt, finished.LeaseOwner, finished.LeaseExpiresAt, f.FinishedAt)
	}
	if d := diff(r.Vars, finished.Vars); d != "" {
		t.Errorf("FinishRun changed Vars (-want +got):\n%s", d)
	}
	if d := diff(finished, mustGetRun(t, st, account, r.ID)); d != "" {
		t.Errorf("GetRun after finish differs from what FinishRun returned (-returned +stored):\n%s", d)
	}

	// The run has ended: its lease is gone.
	_, err = st.FinishRun(ctx, r.ID, worker, engine.Finish{Status: engine.RunFailed, Error: "again", FinishedAt: t0.Add(time.Minute)})
	wantErr(t, "FinishRun(already finished)", err, engine.ErrLeaseLost)
	wantErr(t, "RenewLease(already finished)", st.RenewLease(ctx, r.ID, worker, t0.Add(time.Hour)), engine.ErrLeaseLost)
	if d := diff(finished, mustGetRun(t, st, account, r.ID)); d != "" {
		t.Errorf("run changed by calls after it ended (-want +got):\n%s", d)
	}
	if got, err := st.AcquireRuns(ctx, worker, t0.Add(time.Hour), t0.Add(2*time.Hour), 10); err != nil || len(got) != 0 {
		t.Errorf("AcquireRuns after the only run ended = %v, %v; want none", runIDs(got), err)
	}

	// A run that fails keeps its error.
	r2 := newRun(account, "", t0)
	mustCreateRun(t, st, r2)
	if _, err := st.AcquireRuns(ctx, worker, t0, lease, 10); err != nil {
		t.Fatal(err)
	}
	failed, err := st.FinishRun(ctx, r2.ID, worker, engine.Finish{Status: engine.RunFailed, Error: "agent crashed", FinishedAt: t0.Add(time.Second)})
	if err != nil || failed.Status != engine.RunFailed || failed.Error != "agent crashed" {
		t.Errorf("FinishRun(failed) = %+v, %v; want failed with the error", failed, err)
	}

	// Unknown runs have no lease either.
	wantErr(t, "RenewLease(unknown run)", st.RenewLease(ctx, newID(), worker, lease), engine.ErrLeaseLost)
	_, err = st.FinishRun(ctx, newID(), worker, f)
	wantErr(t, "FinishRun(unknown run)", err, engine.ErrLeaseLost)
	// A queued run is not held by anyone.
	r3 := newRun(account, "", t0)
	mustCreateRun(t, st, r3)
	wantErr(t, "RenewLease(queued run)", st.RenewLease(ctx, r3.ID, worker, lease), engine.ErrLeaseLost)
	_, err = st.FinishRun(ctx, r3.ID, worker, f)
	wantErr(t, "FinishRun(queued run)", err, engine.ErrLeaseLost)
}

func testExpireLeases(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	short, long := newRun(account, "", t0.Add(-2*time.Minute)), newRun(account, "", t0.Add(-time.Minute))
	queued := newRun(account, "", t0.Add(time.Hour))
	mustCreateRun(t, st, short)
	mustCreateRun(t, st, long)
	acquire := func(worker string, lease time.Time) {
		t.Helper()
		got, err := st.AcquireRuns(ctx, worker, t0, lease, 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("AcquireRuns(%s) = %v, %v; want one run", worker, runIDs(got), err)
		}
	}
	acquire("worker-a", t0.Add(30*time.Second)) // short
	acquire("worker-b", t0.Add(60*time.Second)) // long
	mustCreateRun(t, st, queued)

	expired, err := st.ExpireLeases(ctx, t0.Add(30*time.Second), "lease expired")
	if err != nil || len(expired) != 0 {
		t.Errorf("ExpireLeases(at the lease's end) = %v, %v; want none (only leases that ended before now)", runIDs(expired), err)
	}
	expired, err = st.ExpireLeases(ctx, t0.Add(45*time.Second), "lease expired: engine died")
	if err != nil || len(expired) != 1 || expired[0].ID != short.ID {
		t.Fatalf("ExpireLeases = %v, %v; want [%s]", runIDs(expired), err, short.ID)
	}
	got := expired[0]
	checkRunTimes(t, got)
	at := t0.Add(45 * time.Second)
	if got.Status != engine.RunFailed || got.Error != "lease expired: engine died" || !got.FinishedAt.Equal(at) || !got.UpdatedAt.Equal(at) ||
		got.LeaseOwner != "" || !got.LeaseExpiresAt.IsZero() {
		t.Errorf("expired run: status %s, error %q, FinishedAt %v, UpdatedAt %v, LeaseOwner %q, LeaseExpiresAt %v; want failed with the given text at %v, lease cleared",
			got.Status, got.Error, got.FinishedAt, got.UpdatedAt, got.LeaseOwner, got.LeaseExpiresAt, at)
	}
	if d := diff(got, mustGetRun(t, st, account, short.ID)); d != "" {
		t.Errorf("GetRun differs from what ExpireLeases returned (-returned +stored):\n%s", d)
	}

	// The old holder lost it; the other lease and the queued run are intact.
	wantErr(t, "RenewLease(expired)", st.RenewLease(ctx, short.ID, "worker-a", t0.Add(time.Hour)), engine.ErrLeaseLost)
	_, err = st.FinishRun(ctx, short.ID, "worker-a", engine.Finish{Status: engine.RunCompleted, FinishedAt: t0.Add(time.Minute)})
	wantErr(t, "FinishRun(expired)", err, engine.ErrLeaseLost)
	if d := diff(got, mustGetRun(t, st, account, short.ID)); d != "" {
		t.Errorf("expired run changed by its old holder (-want +got):\n%s", d)
	}
	if err := st.RenewLease(ctx, long.ID, "worker-b", t0.Add(2*time.Minute)); err != nil {
		t.Errorf("RenewLease(unexpired run): %v", err)
	}
	expired, err = st.ExpireLeases(ctx, t0.Add(90*time.Second), "lease expired")
	if err != nil || len(expired) != 0 {
		t.Errorf("ExpireLeases after renewal = %v, %v; want none", runIDs(expired), err)
	}
	if r := mustGetRun(t, st, account, queued.ID); r.Status != engine.RunQueued {
		t.Errorf("queued run has status %s after ExpireLeases, want queued", r.Status)
	}
	if _, err := st.FinishRun(ctx, long.ID, "worker-b", engine.Finish{Status: engine.RunCompleted, FinishedAt: t0.Add(100 * time.Second)}); err != nil {
		t.Errorf("FinishRun(renewed run): %v", err)
	}
}

// A lease whose time has passed is the store's business only through
// ExpireLeases: until then its holder may renew and finish it (stores must
// not consult their own clock).
func testLeasePastItsTime(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	const worker = "worker-1"
	long, short := newRun(account, "", time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)), newRun(account, "", time.Date(2001, 1, 1, 0, 1, 0, 0, time.UTC))
	mustCreateRun(t, st, long)
	mustCreateRun(t, st, short)
	past := time.Date(2001, 1, 1, 0, 0, 30, 0, time.UTC) // long before the wall clock
	if got, err := st.AcquireRuns(ctx, worker, past.Add(-time.Second), past, 2); err != nil || len(got) != 2 {
		t.Fatalf("AcquireRuns = %v, %v; want both runs", runIDs(got), err)
	}
	if err := st.RenewLease(ctx, long.ID, worker, past.Add(time.Minute)); err != nil {
		t.Errorf("RenewLease of a lease past its time (not yet expired by ExpireLeases): %v", err)
	}
	if _, err := st.FinishRun(ctx, short.ID, worker, engine.Finish{Status: engine.RunCompleted, FinishedAt: past.Add(time.Second)}); err != nil {
		t.Errorf("FinishRun of a lease past its time (not yet expired by ExpireLeases): %v", err)
	}
	if r := mustGetRun(t, st, account, long.ID); r.Status != engine.RunInProgress || !r.LeaseExpiresAt.Equal(past.Add(time.Minute)) {
		t.Errorf("renewed run: status %s, LeaseExpiresAt %v; want in_progress until %v", r.Status, r.LeaseExpiresAt, past.Add(time.Minute))
	}
}

func testRequeueRun(t *testing.T, st engine.Store) {
	ctx := t.Context()
	account := newID()
	const worker = "worker-1"
	r := newRun(account, "", t0)
	r.Results = []engine.Message{{Role: "user", Content: "hello"}}
	mustCreateRun(t, st, r)
	msg := engine.Message{Role: "user", Content: "and now in French"}

	_, err := st.RequeueRun(ctx, account, r.ID, msg, t0)
	wantErr(t, "RequeueRun(queued)", err, engine.ErrRunNotCompleted)
	if _, err := st.AcquireRuns(ctx, worker, t0, t0.Add(time.Minute), 1); err != nil {
		t.Fatal(err)
	}
	_, err = st.RequeueRun(ctx, account, r.ID, msg, t0)
	wantErr(t, "RequeueRun(in progress)", err, engine.ErrRunNotCompleted)
	finished, err := st.FinishRun(ctx, r.ID, worker, engine.Finish{
		Status:           engine.RunCompleted,
		Results:          []engine.Message{{Role: "user", Content: "hello"}, {Role: "assistant", Content: "hi"}},
		LastAgentMessage: "hi",
		FinishedAt:       t0.Add(time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}

	now := t0.Add(time.Hour)
	got, err := st.RequeueRun(ctx, account, r.ID, msg, now)
	if err != nil {
		t.Fatalf("RequeueRun(completed): %v", err)
	}
	want := finished.Clone()
	want.Status = engine.RunQueued
	want.Results = append(want.Results, msg)
	want.Error, want.LastAgentMessage = "", ""
	want.StartedAt, want.FinishedAt = time.Time{}, time.Time{}
	want.UpdatedAt = now
	want.LeaseOwner, want.LeaseExpiresAt = "", time.Time{}
	if d := diff(want, got); d != "" {
		t.Errorf("RequeueRun returned (-want +got):\n%s", d)
	}
	if d := diff(got, mustGetRun(t, st, account, r.ID)); d != "" {
		t.Errorf("GetRun differs from what RequeueRun returned (-returned +stored):\n%s", d)
	}

	// It runs again, as a new attempt.
	again, err := st.AcquireRuns(ctx, worker, now, now.Add(time.Minute), 10)
	if err != nil || len(again) != 1 || again[0].ID != r.ID || again[0].Attempt != 2 || len(again[0].Results) != 3 {
		t.Fatalf("AcquireRuns after requeue = %+v, %v; want run %s at attempt 2 with 3 messages", again, err, r.ID)
	}
	if _, err := st.FinishRun(ctx, r.ID, worker, engine.Finish{Status: engine.RunFailed, Error: "boom", FinishedAt: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	before := mustGetRun(t, st, account, r.ID)
	_, err = st.RequeueRun(ctx, account, r.ID, msg, now.Add(time.Hour))
	wantErr(t, "RequeueRun(failed)", err, engine.ErrRunNotCompleted)
	if d := diff(before, mustGetRun(t, st, account, r.ID)); d != "" {
		t.Errorf("refused RequeueRun changed the run (-want +got):\n%s", d)
	}
	_, err = st.RequeueRun(ctx, account, newID(), msg, now)
	wantErr(t, "RequeueRun(unknown run)", err, engine.ErrNotFound)
}
