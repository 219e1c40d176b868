package engine_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/memstore"
	"github.com/nlcron/nlcron/schedule"
)

// exampleClock is a wall clock an example moves by hand.
type exampleClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *exampleClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *exampleClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func ExampleEngine_Run() {
	clock := &exampleClock{now: time.Date(2025, 3, 9, 8, 59, 30, 0, time.UTC)}
	ctx, stop := context.WithCancel(context.Background())
	eng, err := engine.New(engine.Config{
		Store: memstore.New(),
		Runner: engine.RunnerFunc(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
			fmt.Printf("agent %s runs for %s in %s\n", r.ChatID[:8], r.ScheduledFor.Format(time.RFC3339), r.Vars["city"])
			return engine.Result{LastAgentMessage: "sunny"}, nil
		}),
		Now: clock.Now,
		OnRunFinished: func(ctx context.Context, r *engine.Run) {
			fmt.Println("run", r.Status+":", r.LastAgentMessage)
			stop() // one run is enough for the example
		},
	})
	if err != nil {
		panic(err)
	}
	s, err := eng.CreateSchedule(ctx, "acct-1", engine.ScheduleInput{
		ChatID:  "0b3e2f62-8f0e-4c47-9d9a-1f2b3c4d5e6f",
		Cadence: "0 9 * * *",
		Vars:    map[string]string{"city": "Paris"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("next run:", s.NextRunAt.Format(time.RFC3339))

	clock.Set(time.Date(2025, 3, 9, 9, 0, 0, 0, time.UTC))
	if err := eng.Run(ctx); err != nil { // returns once stop is called and the run is recorded
		panic(err)
	}
	// Output:
	// next run: 2025-03-09T09:00:00Z
	// agent 0b3e2f62 runs for 2025-03-09T09:00:00Z in Paris
	// run completed: sunny
}

// After downtime the latest missed fire runs once; Occurrences says what
// happened to the others, and what comes next.
func ExampleEngine_Occurrences() {
	clock := &exampleClock{now: time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC)}
	ctx, stop := context.WithCancel(context.Background())
	eng, err := engine.New(engine.Config{
		Store: memstore.New(),
		Runner: engine.RunnerFunc(func(context.Context, *engine.Run) (engine.Result, error) {
			return engine.Result{}, nil
		}),
		Now:           clock.Now,
		OnRunFinished: func(context.Context, *engine.Run) { stop() },
	})
	if err != nil {
		panic(err)
	}
	s, err := eng.CreateSchedule(ctx, "acct-1", engine.ScheduleInput{ChatID: "0b3e2f62-8f0e-4c47-9d9a-1f2b3c4d5e6f", Cadence: "0 * * * *"})
	if err != nil {
		panic(err)
	}
	clock.Set(time.Date(2025, 3, 9, 3, 20, 0, 0, time.UTC)) // the engine was down until 03:20
	if err := eng.Run(ctx); err != nil {
		panic(err)
	}

	from, to := time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 9, 6, 0, 0, 0, time.UTC)
	occ, err := eng.Occurrences(context.Background(), "acct-1", s.ID, from, to, 0)
	if err != nil {
		panic(err)
	}
	for _, o := range occ {
		line := o.FireTime.Format("15:04") + " " + string(o.Outcome)
		if o.Reason != "" {
			line += " (" + string(o.Reason) + ")"
		}
		fmt.Println(line)
	}
	// Output:
	// 01:00 skipped (missed)
	// 02:00 skipped (missed)
	// 03:00 dispatched
	// 04:00 scheduled
	// 05:00 scheduled
}

// "Why did 02:00 on Tuesday not run?" The schedule was paused for a week:
// the whole pause is one occurrence, a span, which covers that fire.
func ExampleEngine_Occurrences_paused() {
	clock := &exampleClock{now: time.Date(2025, 3, 9, 0, 30, 0, 0, time.UTC)}
	eng, err := engine.New(engine.Config{
		Store:  memstore.New(),
		Runner: engine.RunnerFunc(func(context.Context, *engine.Run) (engine.Result, error) { return engine.Result{}, nil }),
		Now:    clock.Now,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	s, err := eng.CreateSchedule(ctx, "acct-1", engine.ScheduleInput{ChatID: "0b3e2f62-8f0e-4c47-9d9a-1f2b3c4d5e6f", Cadence: "0 * * * *"})
	if err != nil {
		panic(err)
	}
	if _, err := eng.UpdateSchedule(ctx, "acct-1", s.ID, engine.ScheduleUpdate{Active: new(false)}); err != nil {
		panic(err)
	}
	clock.Set(time.Date(2025, 3, 16, 0, 30, 0, 0, time.UTC)) // a week later
	if _, err := eng.UpdateSchedule(ctx, "acct-1", s.ID, engine.ScheduleUpdate{Active: new(true)}); err != nil {
		panic(err)
	}

	tuesday2am := time.Date(2025, 3, 11, 2, 0, 0, 0, time.UTC)
	occ, err := eng.Occurrences(ctx, "acct-1", s.ID, tuesday2am, tuesday2am.Add(time.Minute), 0)
	if err != nil {
		panic(err)
	}
	for _, o := range occ {
		fmt.Printf("%s: %d fires from %s to %s\n", o.Reason, o.Count,
			o.FireTime.Format("Mon 15:04"), o.Through.Format("Mon 15:04"))
	}
	// Output:
	// paused: 168 fires from Sun 01:00 to Sun 00:00
}

// Under the default clamp policy a cadence more frequent than the minimum
// is accepted with a warning; Upcoming lists its fire times.
func ExampleEngine_CreateSchedule() {
	eng, err := engine.New(engine.Config{
		Store:  memstore.New(),
		Runner: engine.RunnerFunc(func(context.Context, *engine.Run) (engine.Result, error) { return engine.Result{}, nil }),
		Now:    func() time.Time { return time.Date(2025, 3, 8, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	s, err := eng.CreateSchedule(context.Background(), "acct-1", engine.ScheduleInput{
		ChatID:   "0b3e2f62-8f0e-4c47-9d9a-1f2b3c4d5e6f",
		Cadence:  "*/5 2 * * SUN",
		Timezone: "America/New_York",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Cron, s.Timezone)
	fmt.Println(s.Warnings[0])
	for _, t := range eng.Upcoming(s, 3) {
		fmt.Println(t.In(time.UTC).Format(time.RFC3339))
	}
	// Output:
	// */5 2 * * 0 America/New_York
	// cadence fires as often as every 5 minutes, more often than the minimum of every 10 minutes: it will run at most every 10 minutes
	// 2025-03-16T06:00:00Z
	// 2025-03-16T06:05:00Z
	// 2025-03-16T06:10:00Z
}

func ExampleParseCadencePolicy() {
	p, err := engine.ParseCadencePolicy("reject")
	fmt.Println(p, err)
	_, err = engine.ParseCadencePolicy("squash")
	fmt.Println(err)
	// Output:
	// reject <nil>
	// engine: unknown cadence policy "squash" (want "clamp" or "reject"): invalid input
}

// A cadence that fires every 5 minutes, under the default minimum of 10
// minutes: the clamp policy accepts it with a warning, the reject policy
// refuses it. Schedule.MinInterval gives the interval of a parsed cadence.
func ExampleCadencePolicy_Check() {
	sched, err := schedule.Parse("*/5 * * * *", time.UTC)
	if err != nil {
		panic(err)
	}
	warning, err := engine.CadenceClamp.Check(engine.DefaultMinCadence, sched.MinInterval())
	fmt.Printf("clamp: %s (error %v)\n", warning, err)
	warning, err = engine.CadenceReject.Check(engine.DefaultMinCadence, sched.MinInterval())
	fmt.Printf("reject: %q (error %v)\n", warning, err)
	warning, err = engine.CadenceReject.Check(engine.DefaultMinCadence, time.Hour)
	fmt.Printf("hourly: %q (error %v)\n", warning, err)
	// Output:
	// clamp: cadence fires as often as every 5 minutes, more often than the minimum of every 10 minutes: it will run at most every 10 minutes (error <nil>)
	// reject: "" (error invalid cadence: fires as often as every 5 minutes, more often than the minimum cadence of every 10 minutes)
	// hourly: "" (error <nil>)
}

// An agent run starts at once; a message on the completed run queues it
// again, with the transcript so far.
func ExampleEngine_AddMessage() {
	finished := make(chan *engine.Run)
	eng, err := engine.New(engine.Config{
		Store: memstore.New(),
		Runner: engine.RunnerFunc(func(ctx context.Context, r *engine.Run) (engine.Result, error) {
			answer := "sunny today"
			if n := len(r.Results); n > 0 && r.Results[n-1].Role == "user" {
				answer = "rain " + r.Results[n-1].Content
			}
			return engine.Result{Messages: []engine.Message{{Role: "assistant", Content: answer}}, LastAgentMessage: answer}, nil
		}),
		OnRunFinished: func(_ context.Context, r *engine.Run) { finished <- r },
	})
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = eng.Run(ctx); close(stopped) }()

	r, err := eng.CreateAgentRun(ctx, "acct-1", engine.RunInput{ChatID: "0b3e2f62-8f0e-4c47-9d9a-1f2b3c4d5e6f"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Status)
	r = <-finished
	fmt.Println(r.Status+":", r.LastAgentMessage)

	r, err = eng.AddMessage(ctx, "acct-1", r.ID, "tomorrow?")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Status, "with", len(r.Results), "messages")
	r = <-finished
	fmt.Println(r.Status+":", r.LastAgentMessage, "with", len(r.Results), "messages")

	stop()
	<-stopped
	// Output:
	// queued
	// completed: sunny today
	// queued with 2 messages
	// completed: rain tomorrow? with 3 messages
}
