package schedule

import (
	"testing"
	"time"
	_ "time/tzdata"
)

// benchExprs are the expressions named in the performance targets.
var benchExprs = []string{
	"* * * * *",
	"*/10 * * * *",
	"0 17 * * 0",
	"30 9 * * 1-5",
	"0 0 1 * *",
	"0 0 29 2 *",
	"0 12 1,15 * 1",
	"0 0 L * *",
	"0 0 * * 5L",
	"0 0 * * 1#2",
}

var sinkTime time.Time

func benchNext(b *testing.B, loc *time.Location) {
	from := time.Date(2025, 6, 15, 10, 17, 23, 0, loc)
	for _, expr := range benchExprs {
		s := MustParse(expr, loc)
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				sinkTime = s.Next(from)
			}
		})
	}
}

func BenchmarkNextUTC(b *testing.B) { benchNext(b, time.UTC) }

func BenchmarkNextNewYork(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	benchNext(b, ny)
}

func BenchmarkParse(b *testing.B) {
	for _, expr := range []string{"30 9 * * 1-5", "0 0 L * *", "*/5 1-4,6 1,15,L * mon#2,5L"} {
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				if _, err := Parse(expr, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMinInterval(b *testing.B) {
	for _, expr := range []string{"* * * * *", "*/7 * * * *", "0 12 1,15 * 1", "0 0 29 2 *", "0 0 * 2 1#5", "59 23 31 12 *"} {
		s := MustParse(expr, nil)
		b.Run(expr, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				sinkDuration = s.MinInterval()
			}
		})
	}
}

var sinkDuration time.Duration

// cpuPerOp starts measuring the benchmark goroutine's thread CPU time and
// returns a function that reports it as the cpu-ns/op metric (where the
// platform can measure it). Use it as defer cpuPerOp(b)().
func cpuPerOp(b *testing.B) func() {
	lockThread()
	start, ok := threadCPU()
	return func() {
		end, ok2 := threadCPU()
		unlockThread()
		if ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
