//go:build race

package enginetest

// raceEnabled reports whether the race detector is on: it slows stores
// such as modernc.org/sqlite 20-50x, so the concurrency subtests use fewer
// items (still many more than goroutines).
const raceEnabled = true
