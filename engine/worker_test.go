package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nlcron/nlcron/engine"
)

func mustRun(t *testing.T, e *engine.Engine, in engine.RunInput) *engine.Run {
	t.Helper()
	if in.ChatID == "" {
		in.ChatID = chat
	}
	r, err := e.CreateAgentRun(t.Context(), acct, in)
	if err != nil {
		t.Fatalf("CreateAgentRun: %v", err)
	}
	return r
}

func getRun(t *testing.T, e *engine.Engine, id string) *engine.Run {
	t.Helper()
	r, err := e.GetRun(t.Context(), acct, id)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	return r
}

// Agent runs are created queued and dispatched at once.
func TestAgentRunStartsAtOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		start(t, e)
		sleep(10*time.Minute + 123*time.Millisecond)
		r := mustRun(t, e, engine.RunInput{Bundle: "Web", Vars: map[string]string{"q": "weather"}})
		want := &engine.Run{
			ID: r.ID, AccountID: acct, ChatID: chat, Status: engine.RunQueued, Bundle: "web", ToolhouseID: "default",
			Vars: map[string]string{"q": "weather"}, ScheduledFor: b.now(), CreatedAt: b.now(), UpdatedAt: b.now(),
		}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("created run mismatch (-want +got):\n%s", diff)
		}
		synctest.Wait() // no time passes: it runs now
		calls := b.runner.snapshot()
		if len(calls) != 1 || !b.runner.at[0].Equal(time.Now()) {
			t.Fatalf("runner calls %d, want 1 at once", len(calls))
		}
		got := getRun(t, e, r.ID)
		if got.Status != engine.RunCompleted || got.Attempt != 1 || got.LastAgentMessage != "done" ||
			!got.StartedAt.Equal(b.now()) || !got.FinishedAt.Equal(b.now()) || got.Results[0].Content != "done "+r.ID+"#1" {
			t.Errorf("finished run %+v", got)
		}
	})
}

func TestAgentRunValidation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, _ := setup(t, nil)
		s := mustCreate(t, e, "0 * * * *")
		ctx := t.Context()
		_, err := e.CreateAgentRun(ctx, acct, engine.RunInput{})
		checkValidation(t, err, &engine.ValidationError{Field: "chat_id", Msg: "is required"})
		_, err = e.CreateAgentRun(ctx, acct, engine.RunInput{ChatID: chat, CallbackURL: "javascript:alert(1)"})
		checkValidation(t, err, &engine.ValidationError{Field: "callback_url"})

		for _, tc := range []struct {
			name    string
			account string
			in      engine.RunInput
		}{
			{"another account's schedule", other, engine.RunInput{ChatID: chat, ScheduleID: s.ID}},
			{"unknown schedule", acct, engine.RunInput{ChatID: chat, ScheduleID: "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"}},
			{"another chat", acct, engine.RunInput{ChatID: chat2, ScheduleID: s.ID}},
		} {
			if _, err := e.CreateAgentRun(ctx, tc.account, tc.in); !errors.Is(err, engine.ErrForbidden) {
				t.Errorf("%s: %v, want ErrForbidden", tc.name, err)
			}
		}
		r, err := e.CreateAgentRun(ctx, acct, engine.RunInput{ChatID: chat, ScheduleID: s.ID})
		if err != nil {
			t.Fatal(err)
		}
		if r.ScheduleID != s.ID {
			t.Errorf("run schedule %q", r.ScheduleID)
		}
		if _, _, err := e.ListRuns(ctx, acct, engine.RunFilter{Status: "done"}); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("ListRuns with a bad status: %v", err)
		}
	})
}

// A manual run of a schedule counts for its overlap rule, and a manual run
// created on a fire instant never collides with that fire.
func TestAgentRunForScheduleOverlaps(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		release := make(chan struct{})
		b.runner.setFn(blockUntilReleased(release))
		s := mustCreate(t, e, "0 * * * *")
		time.Sleep(time.Hour) // exactly 01:00, before any engine runs
		m := mustRun(t, e, engine.RunInput{ScheduleID: s.ID})
		if m.ScheduledFor.Equal(epoch.Add(time.Hour)) {
			t.Errorf("manual run scheduled for the fire instant %v", m.ScheduledFor)
		}
		start(t, e)
		sleep(time.Minute)
		close(release)
		sleep(time.Hour)
		want := []string{"01:00 skipped/overlap", "02:00 dispatched", "03:00 scheduled"}
		if diff := cmp.Diff(want, occurrences(t, e, s, epoch, epoch.Add(3*time.Hour+time.Minute))); diff != "" {
			t.Errorf("occurrences mismatch (-want +got):\n%s", diff)
		}
	})
}

// A message on a completed run re-queues it with the message appended
// (same id); on any other status it is refused with ErrRunNotCompleted.
func TestAddMessage(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		ctx := t.Context()
		queued := mustRun(t, e, engine.RunInput{})
		if _, err := e.AddMessage(ctx, acct, queued.ID, "hi"); !errors.Is(err, engine.ErrRunNotCompleted) {
			t.Errorf("AddMessage on a queued run: %v, want ErrRunNotCompleted", err)
		}
		start(t, e)
		if got := getRun(t, e, queued.ID); got.Status != engine.RunCompleted {
			t.Fatalf("run is %s", got.Status)
		}
		time.Sleep(time.Minute)
		r, err := e.AddMessage(ctx, acct, queued.ID, "and tomorrow?")
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != queued.ID || r.Status != engine.RunQueued || len(r.Results) != 2 || r.Results[1] != (engine.Message{Role: "user", Content: "and tomorrow?"}) {
			t.Errorf("requeued run %+v", r)
		}
		synctest.Wait()
		calls := b.runner.snapshot()
		if len(calls) != 2 || len(calls[1].Results) != 2 || calls[1].Attempt != 2 {
			t.Fatalf("second call %+v", calls[len(calls)-1])
		}
		got := getRun(t, e, queued.ID)
		wantMsgs := []engine.Message{
			{Role: "assistant", Content: "done " + queued.ID + "#1"},
			{Role: "user", Content: "and tomorrow?"},
			{Role: "assistant", Content: "done " + queued.ID + "#2"},
		}
		if diff := cmp.Diff(wantMsgs, got.Results); diff != "" || got.Status != engine.RunCompleted {
			t.Errorf("transcript (status %s) mismatch (-want +got):\n%s", got.Status, diff)
		}

		// In progress and failed runs refuse messages.
		release := make(chan struct{})
		b.runner.setFn(blockUntilReleased(release))
		busy := mustRun(t, e, engine.RunInput{})
		synctest.Wait()
		if _, err := e.AddMessage(ctx, acct, busy.ID, "hi"); !errors.Is(err, engine.ErrRunNotCompleted) {
			t.Errorf("AddMessage on an in-progress run: %v", err)
		}
		close(release)
		b.runner.setFn(func(context.Context, *engine.Run) (engine.Result, error) { return engine.Result{}, errors.New("boom") })
		failed := mustRun(t, e, engine.RunInput{})
		synctest.Wait()
		if _, err := e.AddMessage(ctx, acct, failed.ID, "hi"); !errors.Is(err, engine.ErrRunNotCompleted) {
			t.Errorf("AddMessage on a failed run: %v", err)
		}
		if _, err := e.AddMessage(ctx, other, queued.ID, "hi"); !isNotFound(err) {
			t.Errorf("AddMessage on another account's run: %v", err)
		}
		_, err = e.AddMessage(ctx, acct, queued.ID, "  ")
		checkValidation(t, err, &engine.ValidationError{Field: "message", Msg: "is required"})
	})
}

// How a run ends: completed, failed with the runner's error, a panic, or
// the timeout.
func TestRunOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fn        func(ctx context.Context, r *engine.Run) (engine.Result, error)
		wantState engine.RunStatus
		wantErr   string
		wantLast  string
	}{
		{
			name: "completed",
			fn: func(context.Context, *engine.Run) (engine.Result, error) {
				return engine.Result{Messages: []engine.Message{{Role: "assistant", Content: "sunny"}}, LastAgentMessage: "sunny"}, nil
			},
			wantState: engine.RunCompleted, wantLast: "sunny",
		},
		{
			name: "runner error keeps the partial transcript",
			fn: func(context.Context, *engine.Run) (engine.Result, error) {
				return engine.Result{LastAgentMessage: "partial"}, errors.New("agent service unavailable")
			},
			wantState: engine.RunFailed, wantErr: "agent service unavailable", wantLast: "partial",
		},
		{
			name:      "runner panic",
			fn:        func(context.Context, *engine.Run) (engine.Result, error) { panic("boom") },
			wantState: engine.RunFailed, wantErr: "runner panicked: boom",
		},
		{
			name: "timeout",
			fn: func(ctx context.Context, _ *engine.Run) (engine.Result, error) {
				<-ctx.Done()
				return engine.Result{}, ctx.Err()
			},
			wantState: engine.RunFailed, wantErr: "run timed out after 5m0s",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e, b := setup(t, func(c *engine.Config) { c.RunTimeout = 5 * time.Minute })
				b.runner.setFn(tc.fn)
				start(t, e)
				r := mustRun(t, e, engine.RunInput{})
				sleep(6 * time.Minute)
				got := getRun(t, e, r.ID)
				if got.Status != tc.wantState || got.Error != tc.wantErr || got.LastAgentMessage != tc.wantLast {
					t.Errorf("run ended %s %q %q; want %s %q %q", got.Status, got.Error, got.LastAgentMessage, tc.wantState, tc.wantErr, tc.wantLast)
				}
				if tc.wantErr != "" && hm(got.FinishedAt) != hm(got.StartedAt.Add(map[bool]time.Duration{true: 5 * time.Minute}[tc.name == "timeout"])) {
					t.Errorf("run took %v", got.FinishedAt.Sub(got.StartedAt))
				}
				if n := len(b.logs.find("run finished", map[string]string{"run_id": r.ID, "status": string(tc.wantState)})); n != 1 {
					t.Errorf("%d \"run finished\" records", n)
				}
				b.obs.mu.Lock()
				if b.obs.finished[tc.wantState] != 1 {
					t.Errorf("observer finished %v", b.obs.finished)
				}
				b.obs.mu.Unlock()
				select {
				case f := <-b.finished:
					if f.ID != r.ID || f.Status != tc.wantState {
						t.Errorf("OnRunFinished got %s %s", f.ID, f.Status)
					}
				default:
					t.Error("OnRunFinished was not called")
				}
			})
		})
	}
}

// At most MaxConcurrentRuns runs execute at once.
func TestBoundedConcurrency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, func(c *engine.Config) { c.MaxConcurrentRuns = 3 })
		b.runner.setFn(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
			time.Sleep(time.Minute)
			return engine.Result{}, nil
		})
		var ids []string
		for range 10 {
			ids = append(ids, mustRun(t, e, engine.RunInput{}).ID)
		}
		start(t, e)
		sleep(3*time.Minute + time.Second)
		if n := b.runner.count(); n != 10 {
			t.Errorf("after 3 minutes %d runs started, want 10 (3 per minute, then the last)", n)
		}
		sleep(time.Minute)
		for _, id := range ids {
			if got := getRun(t, e, id); got.Status != engine.RunCompleted {
				t.Errorf("run %s is %s", id, got.Status)
			}
		}
		b.runner.mu.Lock()
		if b.runner.maxActive != 3 {
			t.Errorf("%d runs at once, want 3", b.runner.maxActive)
		}
		b.runner.mu.Unlock()
	})
}

// A run's lease is renewed while it runs, however long that is, and a
// forward step of the wall clock does not fail it.
func TestLeaseRenewedWhileRunning(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		release := make(chan struct{})
		b.runner.setFn(blockUntilReleased(release))
		start(t, e)
		r := mustRun(t, e, engine.RunInput{})
		sleep(5 * time.Minute)
		b.step(time.Hour)
		sleep(time.Minute)
		if got := getRun(t, e, r.ID); got.Status != engine.RunInProgress || !got.LeaseExpiresAt.After(b.now()) {
			t.Errorf("run %s, lease until %v (now %v)", got.Status, got.LeaseExpiresAt, b.now())
		}
		close(release)
		synctest.Wait()
		if got := getRun(t, e, r.ID); got.Status != engine.RunCompleted {
			t.Errorf("run %s %q", got.Status, got.Error)
		}
		if n := len(b.logs.find("run failed: lease expired", nil)); n != 0 {
			t.Errorf("%d lease expiries", n)
		}
	})
}

// A run whose engine died is failed with a clear error once its lease
// expires; it is never run again silently.
func TestExpiredLeaseFailsRun(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		// An engine took a run and died long ago: its run is failed as soon
		// as this engine starts.
		old := mustRun(t, e, engine.RunInput{})
		if got, err := b.store.AcquireRuns(t.Context(), "dead-worker", b.now(), b.now().Add(30*time.Second), 1); err != nil || len(got) != 1 {
			t.Fatalf("AcquireRuns: %v, %v", got, err)
		}
		time.Sleep(time.Hour)
		// Another engine took a run, then died.
		r := mustRun(t, e, engine.RunInput{})
		now := b.now()
		if got, err := b.store.AcquireRuns(t.Context(), "dead-worker", now, now.Add(30*time.Second), 1); err != nil || len(got) != 1 {
			t.Fatalf("AcquireRuns: %v, %v", got, err)
		}
		start(t, e)
		if got := getRun(t, e, old.ID); got.Status != engine.RunFailed || got.Error != engine.LeaseExpiredError {
			t.Errorf("at start, old run %s %q, want failed %q", got.Status, got.Error, engine.LeaseExpiredError)
		}
		if got := getRun(t, e, r.ID); got.Status != engine.RunInProgress {
			t.Errorf("at start, run %s, want in_progress until its lease expires", got.Status)
		}
		<-b.finished // old's
		sleep(45 * time.Second)
		got := getRun(t, e, r.ID)
		if got.Status != engine.RunFailed || got.Error != engine.LeaseExpiredError {
			t.Errorf("run %s %q, want failed %q", got.Status, got.Error, engine.LeaseExpiredError)
		}
		sleep(time.Hour)
		if n := b.runner.count(); n != 0 {
			t.Errorf("runner called %d times for a run whose engine died", n)
		}
		if n := len(b.logs.find("run failed: lease expired", map[string]string{"run_id": r.ID})); n != 1 {
			t.Errorf("%d lease-expired records", n)
		}
		select {
		case f := <-b.finished:
			if f.ID != r.ID || f.Status != engine.RunFailed {
				t.Errorf("OnRunFinished got %s %s", f.ID, f.Status)
			}
		default:
			t.Error("OnRunFinished was not called for the expired run")
		}
	})
}

// If another engine fails our run (our lease was lost), the run is
// cancelled and its outcome discarded rather than overwriting the failure.
func TestLostLeaseCancelsRun(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e, b := setup(t, nil)
		b.runner.setFn(blockUntilReleased(nil))
		start(t, e)
		r := mustRun(t, e, engine.RunInput{})
		sleep(time.Second)
		// Someone with a clock far ahead expires every lease.
		if _, err := b.store.ExpireLeases(t.Context(), b.now().Add(time.Hour), "expired elsewhere"); err != nil {
			t.Fatal(err)
		}
		sleep(15 * time.Second)
		got := getRun(t, e, r.ID)
		if got.Status != engine.RunFailed || got.Error != "expired elsewhere" {
			t.Errorf("run %s %q", got.Status, got.Error)
		}
		if n := len(b.logs.find("run lease lost; cancelling the run", map[string]string{"run_id": r.ID})); n != 1 {
			t.Errorf("%d lease-lost records", n)
		}
		if n := len(b.logs.find("run abandoned: its lease was lost (another engine failed it)", map[string]string{"run_id": r.ID})); n != 1 {
			t.Errorf("%d abandoned records; log: %q", n, b.logs.messages())
		}
	})
}

// Run blocks until ctx ends, stops claiming, lets in-flight runs finish
// within the grace period, cancels the rest, and returns; no goroutine
// outlives it (synctest.Test fails if one is left blocked).
func TestShutdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		runFor     time.Duration
		wantStatus engine.RunStatus
		wantErr    string
		wantStop   time.Duration // how long Run takes to return
	}{
		{"in-flight run finishes within the grace period", 20 * time.Second, engine.RunCompleted, "", 20 * time.Second},
		{"in-flight run past the grace period is cancelled", time.Hour, engine.RunFailed, "engine shut down before the run finished (grace period 30s elapsed)", 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				e, b := setup(t, func(c *engine.Config) { c.MaxConcurrentRuns = 1 })
				b.runner.setFn(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
					select {
					case <-time.After(tc.runFor):
						return engine.Result{}, nil
					case <-ctx.Done():
						return engine.Result{}, ctx.Err()
					}
				})
				s := mustCreate(t, e, "0 * * * *")
				r := mustRun(t, e, engine.RunInput{})
				time.Sleep(time.Second)
				waiting := mustRun(t, e, engine.RunInput{}) // no free slot: stays queued
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error)
				go func() { done <- e.Run(ctx) }()
				synctest.Wait()
				if err := e.Run(ctx); !errors.Is(err, engine.ErrAlreadyRunning) {
					t.Errorf("second Run: %v, want ErrAlreadyRunning", err)
				}
				cancel()
				began := time.Now()
				if err := <-done; err != nil {
					t.Errorf("Run: %v", err)
				}
				if took := time.Since(began); took != tc.wantStop {
					t.Errorf("Run returned after %v, want %v", took, tc.wantStop)
				}
				got := getRun(t, e, r.ID)
				if got.Status != tc.wantStatus || got.Error != tc.wantErr {
					t.Errorf("in-flight run %s %q; want %s %q", got.Status, got.Error, tc.wantStatus, tc.wantErr)
				}
				if got := getRun(t, e, waiting.ID); got.Status != engine.RunQueued {
					t.Errorf("waiting run is %s, want queued", got.Status)
				}
				// Stopped: nothing is claimed any more.
				sleep(2 * time.Hour)
				if got := runsOf(t, e, acct, s.ID); len(got) != 0 {
					t.Errorf("runs after shutdown: %v", got)
				}
				// And it can start again: the queued run and the missed
				// fire (02:00, the latest) are handled.
				start(t, e)
				sleep(time.Minute)
				if got := getRun(t, e, waiting.ID); got.Status != engine.RunCompleted && got.Status != engine.RunInProgress {
					t.Errorf("after restart the waiting run is %s", got.Status)
				}
				if got := runsOf(t, e, acct, s.ID); len(got) != 1 || !strings.HasPrefix(got[0], "02:00") {
					t.Errorf("after restart: runs %v, want the 02:00 catch-up", got)
				}
			})
		})
	}
}
