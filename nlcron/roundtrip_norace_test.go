//go:build !race

package nlcron

// Sizes of the random round-trip and reader checks in a normal run.
const (
	roundTripN           = 100_000
	roundTripSampleEvery = 20 // also compare real fire times for every 20th expression
	readerChecks         = 10_000
	dayMaskChecks        = 1_000
)
