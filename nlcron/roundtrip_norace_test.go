//go:build !race

package nlcron

// Sizes of the random round-trip and reader checks in a normal run.
const (
	roundTripN           = 100_000
	roundTripSampleEvery = 10 // compare real fire times for every 10th expression
	readerChecks         = 20_000
)
