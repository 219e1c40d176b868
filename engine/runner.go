package engine

import "context"

// Runner executes one run. It receives a copy of the run in status
// in_progress (its Results hold the transcript so far, and
// [Run.IdempotencyKey] identifies the unit of work) and returns what the
// agent produced. An error fails the run with the error's text. ctx is
// cancelled when the run times out or the engine shuts down past its grace
// period.
type Runner interface {
	Run(ctx context.Context, run *Run) (Result, error)
}

// RunnerFunc adapts a function to the [Runner] interface.
type RunnerFunc func(ctx context.Context, run *Run) (Result, error)

// Run calls f(ctx, run).
func (f RunnerFunc) Run(ctx context.Context, run *Run) (Result, error) { return f(ctx, run) }

// Result is what a runner produced.
type Result struct {
	// Messages are appended to the run's transcript.
	Messages []Message
	// LastAgentMessage is the agent's final answer.
	LastAgentMessage string
}
