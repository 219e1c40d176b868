package schedule

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by [Parse] is a *[ParseError] that
// wraps exactly one of these, so callers can branch with [errors.Is].
var (
	// ErrSyntax reports a malformed expression: a wrong number of fields,
	// an unknown name or macro, a stray character, or a misplaced modifier
	// such as L, W or #.
	ErrSyntax = errors.New("syntax error")
	// ErrRange reports a value outside its field's allowed range, or a
	// range whose start is greater than its end.
	ErrRange = errors.New("value out of range")
	// ErrStep reports a step (the n in */n) that is zero or larger than
	// the field allows.
	ErrStep = errors.New("bad step")
	// ErrNeverFires reports a well-formed expression that matches no
	// instant at all, such as "0 0 30 2 *" (February has no 30th).
	ErrNeverFires = errors.New("expression never fires")
)

// ParseError describes why an expression was rejected.
//
// Field names the offending field ("minute", "hour", "day-of-month",
// "month" or "day-of-week"); it is empty for whole-expression problems
// such as a wrong field count. Value is the offending text within that
// field, and Msg says what is wrong with it, including the allowed range
// where one applies.
type ParseError struct {
	Expr  string // the expression as given to Parse
	Field string // field name, or "" for the whole expression
	Value string // offending part of the field (or the field itself)
	Msg   string // human-readable reason, e.g. "61 out of range 0-59"
	Err   error  // one of ErrSyntax, ErrRange, ErrStep, ErrNeverFires
}

// Error formats the error as
//
//	schedule: "61 * * * *": minute "61": 61 out of range 0-59
func (e *ParseError) Error() string {
	switch {
	case e.Field == "":
		return fmt.Sprintf("schedule: %q: %s", e.Expr, e.Msg)
	case e.Value == "":
		return fmt.Sprintf("schedule: %q: %s: %s", e.Expr, e.Field, e.Msg)
	default:
		return fmt.Sprintf("schedule: %q: %s %q: %s", e.Expr, e.Field, e.Value, e.Msg)
	}
}

// Unwrap returns the sentinel (ErrSyntax, ErrRange, ErrStep or
// ErrNeverFires) that classifies the error.
func (e *ParseError) Unwrap() error { return e.Err }
