package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"
)

// A schedule becomes due, is claimed once with a run, and the run is
// acquired under a lease and finished.
func Example() {
	ctx := context.Background()
	st := memstore.New()
	nine := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	err := st.CreateSchedule(ctx, &engine.Schedule{
		ID:        "0b9f6f2e-6d1c-4a53-9a0e-5d2f4c1b7a10",
		AccountID: "acct-1",
		ChatID:    "5e3c2a1b-0f9e-4d8c-b7a6-958473625140",
		Cadence:   "every weekday at 9am",
		Cron:      "0 9 * * 1-5",
		Timezone:  "UTC",
		Active:    true,
		CreatedAt: nine.Add(-time.Hour),
		UpdatedAt: nine.Add(-time.Hour),
		NextRunAt: nine,
		Version:   1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	next, _ := st.NextDue(ctx)
	fmt.Println("next due:", next.Format(time.RFC3339))

	n, err := st.ClaimDue(ctx, nine, 100, func(d engine.Due) engine.Claim {
		s := d.Schedule
		run := &engine.Run{
			ID: "9d8c7b6a-5f4e-4d3c-8b2a-190817263544", AccountID: s.AccountID, ChatID: s.ChatID,
			ScheduleID: s.ID, Status: engine.RunQueued, ScheduledFor: s.NextRunAt, CreatedAt: nine, UpdatedAt: nine,
		}
		return engine.Claim{
			Occurrences:      []engine.Occurrence{{ScheduleID: s.ID, AccountID: s.AccountID, FireTime: s.NextRunAt, Outcome: engine.OutcomeDispatched, RunID: run.ID, RecordedAt: nine}},
			Run:              run,
			NextRunAt:        s.NextRunAt.Add(24 * time.Hour),
			LastRunAt:        s.NextRunAt,
			LastDispatchedAt: nine,
		}
	})
	fmt.Println("claimed:", n, err)

	runs, _ := st.AcquireRuns(ctx, "worker-1", nine, nine.Add(30*time.Second), 10)
	for _, r := range runs {
		done, err := st.FinishRun(ctx, r.ID, "worker-1", engine.Finish{
			Status:           engine.RunCompleted,
			Results:          []engine.Message{{Role: "assistant", Content: "Good morning!"}},
			LastAgentMessage: "Good morning!",
			FinishedAt:       nine.Add(2 * time.Second),
		})
		fmt.Println("run:", done.Status, done.Attempt, done.LastAgentMessage, err)
	}
	next, _ = st.NextDue(ctx)
	fmt.Println("next due:", next.Format(time.RFC3339))
	// Output:
	// next due: 2025-03-10T09:00:00Z
	// claimed: 1 <nil>
	// run: completed 1 Good morning! <nil>
	// next due: 2025-03-11T09:00:00Z
}
