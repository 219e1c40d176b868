package memstore

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

func BenchmarkCreateSchedule(b *testing.B) {
	ctx := context.Background()
	p := newPopulation(2)
	ss := make([]*engine.Schedule, 0, 1<<16)
	for range cap(ss) {
		ss = append(ss, p.schedule())
	}
	st := New()
	i := 0
	for b.Loop() {
		if i == len(ss) {
			b.StopTimer()
			ss = ss[:0]
			for range cap(ss) {
				ss = append(ss, p.schedule())
			}
			i = 0
			b.StartTimer()
		}
		if err := st.CreateSchedule(ctx, ss[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// seqID returns a UUID text built from a counter: cheap, unique, canonical.
func seqID(n uint64) string {
	var k key
	binary.BigEndian.PutUint64(k[8:], n)
	k[0] = 0x5e
	return formatUUID(k)
}

// claimer returns a decide function like the engine's: one occurrence and
// one queued run per due schedule, next fire a day later.
func claimer(now time.Time) func(engine.Due) engine.Claim {
	return func(d engine.Due) engine.Claim {
		n := runSeq.Add(1) // unique across benchmarks sharing a store
		s := d.Schedule
		fire := s.NextRunAt
		r := &engine.Run{
			ID:           seqID(n),
			AccountID:    s.AccountID,
			ChatID:       s.ChatID,
			ScheduleID:   s.ID,
			Status:       engine.RunQueued,
			Bundle:       s.Bundle,
			ToolhouseID:  s.ToolhouseID,
			Vars:         s.Vars,
			CallbackURL:  s.CallbackURL,
			ScheduledFor: fire,
			CreatedAt:    now,
			UpdatedAt:    now,
		}
		return engine.Claim{
			Occurrences:      []engine.Occurrence{{ScheduleID: s.ID, AccountID: s.AccountID, FireTime: fire, Outcome: engine.OutcomeDispatched, RunID: r.ID, RecordedAt: now}},
			Run:              r,
			NextRunAt:        fire.Add(24 * time.Hour),
			LastRunAt:        fire,
			LastDispatchedAt: now,
		}
	}
}

var runSeq atomic.Uint64

var million struct {
	once sync.Once
	st   *Store
}

// millionStore is a shared store of 1,000,000 active schedules due within a
// day of 2030-01-01.
func millionStore(b *testing.B) *Store {
	million.once.Do(func() {
		million.st = New()
		fill(b, million.st, newPopulation(3), 1_000_000)
	})
	return million.st
}

// BenchmarkIdleWakeup is the dispatcher waking up with nothing due among a
// million schedules: NextDue, then a ClaimDue that finds nothing.
func BenchmarkIdleWakeup(b *testing.B) {
	st := millionStore(b)
	ctx := context.Background()
	decide := claimer(time.Now())
	for b.Loop() {
		next, err := st.NextDue(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := st.ClaimDue(ctx, next.Add(-time.Microsecond), 100, decide); err != nil || n != 0 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkClaimDue claims due schedules among a million, 100 per call, each
// with an occurrence and a run (like the engine), and reports claims/s.
func BenchmarkClaimDue(b *testing.B) {
	st := millionStore(b)
	ctx := context.Background()
	now := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC) // everything stays due
	decide := claimer(now)
	claimed := 0
	cpu := startCPU()
	for b.Loop() {
		n, err := st.ClaimDue(ctx, now, 100, decide)
		if err != nil || n != 100 {
			b.Fatal(n, err)
		}
		claimed += n
	}
	b.ReportMetric(float64(claimed)/b.Elapsed().Seconds(), "claims/s")
	b.ReportMetric(float64(cpu.elapsed())/float64(claimed), "cpu-ns/claim")
}

// BenchmarkDispatch is the store's share of dispatching: claim 100 due
// schedules (occurrence + run each), acquire the 100 runs, finish each one.
// It reports runs/s through the whole cycle.
func BenchmarkDispatch(b *testing.B) {
	st := New()
	fill(b, st, newPopulation(4), 100_000)
	ctx := context.Background()
	now := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	decide := claimer(now)
	finish := engine.Finish{
		Status:           engine.RunCompleted,
		Results:          []engine.Message{{Role: "assistant", Content: "done"}},
		LastAgentMessage: "done",
		FinishedAt:       now.Add(time.Second),
	}
	runs := 0
	cpu := startCPU()
	for b.Loop() {
		if n, err := st.ClaimDue(ctx, now, 100, decide); err != nil || n != 100 {
			b.Fatal(n, err)
		}
		acquired, err := st.AcquireRuns(ctx, "worker-1", now, now.Add(30*time.Second), 100)
		if err != nil || len(acquired) != 100 {
			b.Fatal(len(acquired), err)
		}
		for _, r := range acquired {
			if _, err := st.FinishRun(ctx, r.ID, "worker-1", finish); err != nil {
				b.Fatal(err)
			}
		}
		runs += len(acquired)
	}
	b.ReportMetric(float64(runs)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric(float64(cpu.elapsed())/float64(runs), "cpu-ns/run")
}

// cpuClock measures the CPU time this process spends (all threads, user and
// system, so garbage collection counts): on a shared, loaded machine it says
// more about cost than wall time does.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{processCPU()} }

func (c cpuClock) elapsed() time.Duration { return processCPU() - c.start }
