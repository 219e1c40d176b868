package engine

import (
	"context"
	"time"
)

// Ticker returns one dispatcher's tick: a single wake-up of the dispatch
// loop (claim everything due, then find the next due time). Benchmarks use
// it to measure a wake-up without the loop's sleeping.
func (e *Engine) Ticker() func(ctx context.Context) (time.Duration, error) {
	return newDispatcher(e).tick
}
