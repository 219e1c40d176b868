//go:build race

package nlcron

// The race detector slows parsing about tenfold; these keep the parser
// cross-checks within the CI budget.
const (
	dispatchSampleEvery = 10  // compare one phrase in ten with the union grammar
	dispatchRandomN     = 500 // random phrases parsed both ways
	lexerRandomN        = 300 // random strings lexed both ways
)
