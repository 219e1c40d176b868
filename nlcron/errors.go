package nlcron

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors that callers can branch on with [errors.Is]. Every
// error returned by [Parse] is a *[ParseError]; its Unwrap method yields
// one of these when the refusal falls in one of these classes.
var (
	// ErrEmpty reports an empty or blank phrase.
	ErrEmpty = errors.New("empty phrase")
	// ErrSyntax reports words or tokens that the grammar does not know
	// or that appear in an order it cannot read.
	ErrSyntax = errors.New("syntax error")
	// ErrUnsupported reports a schedule that is understood but that no
	// single 5-field cron expression can express, such as seconds,
	// "every 90 minutes" or "every other week".
	ErrUnsupported = errors.New("not expressible as one cron expression")
	// ErrRange reports a value out of range, such as "25:00", "13pm"
	// or "february 30th".
	ErrRange = errors.New("value out of range")
	// ErrAmbiguousZone reports a zone abbreviation such as "EST" or
	// "IST" that names more than one zone or whose daylight-saving
	// behaviour is unclear; the message names the IANA zones meant.
	ErrAmbiguousZone = errors.New("ambiguous time zone")
	// ErrUnknownZone reports a zone name that is not in the IANA database.
	ErrUnknownZone = errors.New("unknown time zone")
)

// ParseError describes why [Parse] refused a phrase and where.
//
// Offset is a byte offset into Input; Line and Column are 1-based, with
// Column counted in characters (runes), as participle counts them. Text is the
// offending piece of input (empty when the error concerns the whole
// phrase). Suggestion, when not empty, is a nearby word or phrase that
// would be accepted.
type ParseError struct {
	Input      string
	Offset     int
	Line       int
	Column     int
	Text       string
	Msg        string
	Suggestion string

	err error // sentinel or cause, see Unwrap
}

// Error formats the error as "line:column: message", followed by
// "; did you mean ...?" when there is a suggestion.
func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d:%d: %s", e.Line, e.Column, e.Msg)
	if e.Suggestion != "" {
		fmt.Fprintf(&b, "; did you mean %q?", e.Suggestion)
	}
	return b.String()
}

// Unwrap returns the sentinel ([ErrSyntax], [ErrUnsupported], ...) or
// underlying cause, if any.
func (e *ParseError) Unwrap() error { return e.err }
