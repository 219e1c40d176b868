package engine

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every Store returns errors matching these (test with
// [errors.Is]); the engine passes them through, wrapped with context.
var (
	// ErrNotFound: no such schedule or run for this account. Another
	// account's id is reported exactly like an unknown one.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a compare-and-swap update lost a race (the stored
	// version differs), or an id is already taken.
	ErrConflict = errors.New("conflict")
	// ErrRunNotCompleted: a message can only be added to a completed run.
	ErrRunNotCompleted = errors.New("you can only add messages to completed runs")
	// ErrLeaseLost: the run is no longer in progress under this worker's
	// lease (it expired and another engine failed it, or it already ended).
	ErrLeaseLost = errors.New("run lease lost")
	// ErrForbidden: the caller may not use the referenced resource (for
	// example an agent run naming another account's schedule, or a schedule
	// whose chat_id differs).
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid matches every [*ValidationError].
	ErrInvalid = errors.New("invalid input")
)

// ValidationError reports input the engine refuses. Field names the input
// field as the API spells it ("cadence", "chat_id", ...).
type ValidationError struct {
	Field string
	Msg   string
	Err   error // the underlying cause, if any (for example an *nlcron.ParseError)
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Msg)
}

// Unwrap returns the underlying cause.
func (e *ValidationError) Unwrap() error { return e.Err }

// Is makes every ValidationError match [ErrInvalid].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
