package nlcron

import (
	"slices"
	"testing"
	"time"
)

// benchPhrases is the corpus the benchmarks parse: the golden phrases and,
// when present, the shared conformance phrases.
func benchPhrases(b *testing.B) []string {
	b.Helper()
	return dispatchPhrases(b)
}

// BenchmarkParse parses every corpus phrase once per iteration and
// reports the median time per phrase (ns/phrase-median) next to the mean
// (ns/op divided by the corpus size, reported as ns/phrase-mean).
func BenchmarkParse(b *testing.B) {
	phrases := benchPhrases(b)
	per := make([]time.Duration, len(phrases))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, p := range phrases {
			start := time.Now()
			_, _ = Parse(p)
			per[i] += time.Since(start)
		}
	}
	b.StopTimer()
	slices.Sort(per)
	n := float64(b.N)
	b.ReportMetric(float64(per[len(per)/2])/n, "ns/phrase-median")
	var total time.Duration
	for _, d := range per {
		total += d
	}
	b.ReportMetric(float64(total)/n/float64(len(per)), "ns/phrase-mean")
	b.ReportMetric(float64(per[len(per)*9/10])/n, "ns/phrase-p90")
}

// BenchmarkParseShort is one typical phrase, for profiling.
func BenchmarkParseShort(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("every weekday at 9am"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCron is the cron pass-through path.
func BenchmarkParseCron(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("*/15 9-17 * * 1-5"); err != nil {
			b.Fatal(err)
		}
	}
}
