package memstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/nlcron/nlcron/engine"
)

// population generates realistic schedules deterministically: ids are UUIDs,
// a thousand accounts, a few dozen cadences and zones, 10% with a callback
// URL, 1% with vars.
type population struct {
	rng   *rand.Rand
	base  time.Time
	i     int
	accts []string
}

var (
	popCadences = func() []string {
		var out []string
		for h := range 24 {
			out = append(out, fmt.Sprintf("every day at %d:00", h))
		}
		return append(out, "every weekday at 9am", "every monday at 8:30", "every 15 minutes", "every hour", "0 */2 * * *", "30 6 * * 1-5")
	}()
	popZones   = []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "Australia/Sydney", "Asia/Kolkata"}
	popBundles = []string{"default", "default", "default", "research", "inbox"}
)

func newPopulation(seed uint64) *population {
	p := &population{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), base: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	for range 1000 {
		p.accts = append(p.accts, p.uuid())
	}
	return p
}

func (p *population) uuid() string {
	var k key
	binary.LittleEndian.PutUint64(k[:8], p.rng.Uint64())
	binary.LittleEndian.PutUint64(k[8:], p.rng.Uint64())
	k[6] = k[6]&0x0f | 0x40
	k[8] = k[8]&0x3f | 0x80
	return formatUUID(k)
}

func (p *population) schedule() *engine.Schedule {
	p.i++
	cad := popCadences[p.rng.IntN(len(popCadences))]
	created := p.base.Add(time.Duration(p.i) * time.Millisecond)
	s := &engine.Schedule{
		ID:          p.uuid(),
		AccountID:   p.accts[p.rng.IntN(len(p.accts))],
		ChatID:      p.uuid(),
		Cadence:     cad,
		Cron:        "0 9 * * *",
		Timezone:    popZones[p.rng.IntN(len(popZones))],
		Active:      true,
		Bundle:      popBundles[p.rng.IntN(len(popBundles))],
		ToolhouseID: "default",
		CreatedAt:   created,
		UpdatedAt:   created,
		NextRunAt:   p.base.Add(time.Duration(p.rng.Int64N(int64(24 * time.Hour))).Truncate(time.Minute)),
		Version:     1,
	}
	if p.rng.IntN(10) == 0 {
		s.CallbackURL = fmt.Sprintf("https://hooks.example.com/%d", p.rng.IntN(100))
	}
	if p.rng.IntN(100) == 0 {
		s.Vars = map[string]string{"user": "ada", "lang": "en"}
	}
	return s
}

// fill creates n schedules in st.
func fill(tb testing.TB, st *Store, p *population, n int) {
	tb.Helper()
	ctx := context.Background()
	for range n {
		if err := st.CreateSchedule(ctx, p.schedule()); err != nil {
			tb.Fatal(err)
		}
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// bytesPerSchedule measures the heap a store of n schedules holds.
func bytesPerSchedule(tb testing.TB, n int) float64 {
	p := newPopulation(1)
	before := heapAlloc()
	st := New()
	fill(tb, st, p, n)
	after := heapAlloc()
	runtime.KeepAlive(st)
	runtime.KeepAlive(p)
	return float64(after-before) / float64(n)
}

// Issue 4: 1,000,000 active schedules held in at most 300 bytes each.
func TestMemoryPerSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million schedules")
	}
	n := 1_000_000 / raceScale
	per := bytesPerSchedule(t, n)
	t.Logf("%d schedules: %.1f B/schedule", n, per)
	if per > 300 {
		t.Errorf("%.1f B/schedule, want <= 300", per)
	}
}

func BenchmarkMemoryPerSchedule(b *testing.B) {
	var per float64
	for range b.N {
		per = bytesPerSchedule(b, 1_000_000)
	}
	b.ReportMetric(per, "B/schedule")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkMemoryPerRun measures what a dispatched run costs the store once
// finished: the run (with a one-message transcript), its occurrence and
// their indexes.
func BenchmarkMemoryPerRun(b *testing.B) {
	const n = 100_000
	var per float64
	for range b.N {
		st := New()
		fill(b, st, newPopulation(5), n)
		now := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
		before := heapAlloc()
		decide := claimer(now)
		runClaims(b, st, now, func(d engine.Due) engine.Claim {
			c := decide(d)
			c.NextRunAt = time.Time{} // one run per schedule
			return c
		})
		per = float64(heapAlloc()-before) / n
		runtime.KeepAlive(st)
	}
	b.ReportMetric(per, "B/run")
	b.ReportMetric(0, "ns/op")
}

// runDay is a day of an engine over st: every schedule due by now gets one
// occurrence and one run, which is acquired and finished (with a
// one-message transcript) at now. It returns how many runs it made.
func runDay(tb testing.TB, st *Store, now time.Time) int {
	tb.Helper()
	return runClaims(tb, st, now, claimer(now))
}

// runClaims claims with decide until nothing is due at now, and acquires
// and finishes (with a one-message transcript) every run it made. It
// returns how many runs it made.
func runClaims(tb testing.TB, st *Store, now time.Time, decide func(engine.Due) engine.Claim) int {
	tb.Helper()
	ctx := context.Background()
	made := 0
	for {
		got, err := st.ClaimDue(ctx, now, 1000, decide)
		if err != nil {
			tb.Fatal(err)
		}
		if got == 0 {
			return made
		}
		made += got
		runs, err := st.AcquireRuns(ctx, "worker-1", now, now.Add(time.Minute), 1000)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range runs {
			if _, err := st.FinishRun(ctx, r.ID, "worker-1", engine.Finish{
				Status:           engine.RunCompleted,
				Results:          []engine.Message{{Role: "assistant", Content: "done"}},
				LastAgentMessage: "done",
				FinishedAt:       now,
			}); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// pruneAll prunes everything before before, in batches as the engine does.
func pruneAll(tb testing.TB, st *Store, before time.Time) int {
	tb.Helper()
	total := 0
	for {
		n, err := st.PruneBefore(context.Background(), before, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		total += n
		if n < 1000 {
			return total
		}
	}
}

// Pruning gives memory back: what a day of runs and occurrences cost is
// mostly freed when they are pruned, and the next days reuse the run
// slots, so a store pruned every day stays at about one day's history
// however many days it runs.
func TestMemoryPruned(t *testing.T) {
	if testing.Short() {
		t.Skip("dispatches hundreds of thousands of runs")
	}
	n := 100_000 / raceScale
	st := New()
	fill(t, st, newPopulation(7), n)
	base := heapAlloc()
	day := func(i int) time.Time { return time.Date(2030, 1, 1+i, 23, 59, 30, 0, time.UTC) } // each schedule fires once a day

	if got := runDay(t, st, day(0)); got != n {
		t.Fatalf("day 0 made %d runs, want %d", got, n)
	}
	oneDay := float64(heapAlloc()-base) / float64(n)
	if got := pruneAll(t, st, day(0).Add(time.Microsecond)); got != 2*n {
		t.Fatalf("pruned %d records, want %d", got, 2*n)
	}
	kept := float64(heapAlloc()-base) / float64(n)
	// What stays: the reusable run slot (136 B), and what the day's
	// claims grew per schedule (its occurrence-list header, its pruning
	// key, the due heap's slack): about a third (a little more under the
	// race detector, whose runs are ten times fewer).
	t.Logf("a day's history: %.0f B/run; after pruning it: %.0f B/run kept", oneDay, kept)
	if kept > 0.5*oneDay {
		t.Errorf("pruning kept %.0f B of the %.0f B/run a day of history cost, want at most half", kept, oneDay)
	}
	// Ten more days, each pruning the day before: memory stays at one
	// day's history.
	peak := 0.0
	for i := 1; i <= 10; i++ {
		if got := runDay(t, st, day(i)); got != n {
			t.Fatalf("day %d made %d runs, want %d", i, got, n)
		}
		peak = max(peak, float64(heapAlloc()-base)/float64(n))
		pruneAll(t, st, day(i).Add(time.Microsecond))
	}
	t.Logf("10 more days, pruned daily: peak %.0f B/run", peak)
	if peak > 1.15*oneDay {
		t.Errorf("peak %.0f B/run over 10 pruned days, want at most 115%% of one day's %.0f B/run", peak, oneDay)
	}
	runtime.KeepAlive(st)
}
