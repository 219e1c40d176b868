// Package schedule parses five-field cron expressions and computes their
// fire times, exactly and quickly, in any time zone.
//
// # Dialect
//
// An expression has five fields separated by spaces or tabs:
//
//	minute  hour  day-of-month  month  day-of-week
//	0-59    0-23  1-31          1-12   0-7 (0 and 7 are Sunday)
//
// Each field is a comma-separated list of elements:
//
//	element  meaning
//	*        every value ("?" is accepted in the two day fields)
//	5        one value
//	1-5      an inclusive range (start <= end; no wrap-around)
//	*/15     every 15th value from the field's minimum
//	1-30/7   every 7th value in a range
//	10/20    every 20th value from 10 to the field's maximum
//
// Months (JAN-DEC) and weekdays (SUN-SAT) may be given by name, in any
// case. The day-of-month field also accepts L (the last day of the
// month) and nW (the weekday nearest day n, never crossing into another
// month); the day-of-week field accepts dL (the last weekday d of the
// month) and d#k (the k-th weekday d of the month, k 1-5). The macros
// @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly
// (and gronx's @always, @5minutes, @10minutes, @15minutes and @30minutes)
// stand for their usual expansions.
//
// This is the dialect of github.com/adhocore/gronx restricted to five
// fields: every expression Parse accepts, gronx v1.20.4 accepts too,
// except @midnight, which gronx does not know (it accepts the expansion,
// "0 0 * * *"). Where both accept an expression they agree on its fire
// times in UTC (checked on 100,000 random expressions). Parse is stricter
// where gronx silently accepts expressions that are ambiguous or can never
// match: "*" combined with other list elements, steps of zero or larger
// than the field's span, a stepped sequence "7/n" in the day-of-week
// field, values such as "70/5" beyond the field's range, more than five
// fields, and expressions that can never fire at all (see
// [ErrNeverFires]).
//
// [Schedule.String] returns a canonical form: numbers instead of names,
// macros expanded, lists sorted and merged into ranges, 7 written as 0. It
// keeps whether each field starts with '*', because that decides both the
// day-matching rule and the DST policy below.
//
// # Day matching
//
// The day fields follow Vixie (ISC) cron. If the text of either day
// field starts with '*', a day must match both fields; otherwise a day
// matches if either field matches. A stepped star counts as a star, so
// "0 0 */2 * 1" fires on odd-numbered days that are Mondays, whereas
// "0 0 1-31/2 * 1" fires on odd-numbered days and on Mondays.
//
// # Time zones and DST
//
// A schedule is evaluated on the wall clock of its [time.Location]. When
// a DST transition makes wall-clock times vanish or repeat, the schedule
// follows Vixie cron's rule, which depends on whether it is a wildcard
// schedule ([Schedule.IsWildcard]: its minute or hour field starts with
// '*'):
//
//   - In a spring-forward gap, fixed-time fire times that do not exist
//     happen once, at the first instant after the gap (several of them
//     collapse into that one instant); wildcard fire times in the gap are
//     skipped.
//   - In a fall-back overlap, fixed-time fire times happen once, at their
//     first occurrence; wildcard fire times happen in both passes.
//
// For example, "30 2 * * *" in America/New_York fires at 03:00 EDT on
// the day clocks jump from 02:00 to 03:00, and "30 1 * * *" fires at
// 01:30 EDT but not again at 01:30 EST when clocks fall back; "*/30 * * * *"
// fires at 01:00 and 01:30 EDT, then again at 01:00 and 01:30 EST, but not
// at all between 02:00 and 03:00 on the spring-forward day.
//
// The policy is applied with the offsets of the schedule's location as
// the time package reports them. A location's offset changes from 1970 to
// 2100 are cached on first use (a few kilobytes per location, shared by
// all schedules in it); other instants are looked up through the time
// package directly, which is slower but gives the same answers.
//
// # Fire times
//
// [Schedule.Next] and [Schedule.Prev] are pure functions of their
// argument: the package never reads the clock. They return the zero
// [time.Time] when there is no later (earlier) fire time. A schedule that
// Parse accepts always fires again, except a wildcard schedule whose every
// fire time falls into a DST gap. Fire times are whole minutes of the
// location's wall clock, and a Schedule is safe for concurrent use.
//
// [Schedule.MinInterval] gives the exact smallest gap between two
// consecutive fire times on the wall clock, computed from the fields
// rather than by enumeration; see its documentation for how DST can make
// the elapsed time differ.
package schedule
