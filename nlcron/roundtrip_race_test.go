//go:build race

package nlcron

// The race detector makes the checks about ten times slower; they test no
// concurrency, so a smaller sample keeps CI within budget.
const (
	roundTripN           = 4_000
	roundTripSampleEvery = 20
	readerChecks         = 1_000
	dayMaskChecks        = 100
)
