package schedule

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, want string
		wildcard   bool
	}{
		{"* * * * *", "* * * * *", true},
		{"*/1 * * * *", "* * * * *", true},
		{"*/15 * * * *", "*/15 * * * *", true},
		{"0-59/15 2 * * *", "0-45/15 2 * * *", false},
		{"0,15,30,45 2 * * *", "0-45/15 2 * * *", false},
		{"5/20 * * * *", "5-45/20 * * * *", true},
		{"1,2,3,5,7,8 * * * *", "1-3,5,7,8 * * * *", true},
		{"0-59 2 * * *", "0-59 2 * * *", false},
		{"30 9 * * mon-fri", "30 9 * * 1-5", false},
		{"30 9 * * MON-FRI", "30 9 * * 1-5", false},
		{"0 0 1 jan,Jul *", "0 0 1 1,7 *", false},
		{"0 0 * * 7", "0 0 * * 0", false},
		{"0 0 * * 5-7", "0 0 * * 0,5,6", false},
		{"0 0 * * 0-7", "0 0 * * 0-6", false},
		{"0 0 * * 7-7", "0 0 * * 0", false},
		{"0 0 * * 0-7/2", "0 0 * * 0-6/2", false},
		{"0 0 * * */2", "0 0 * * */2", false},
		{"0 0 ? * 1", "0 0 * * 1", false},
		{"0 0 */2 * 1", "0 0 */2 * 1", false},
		{"0 0 */2,L * 1", "0 0 */2,L * 1", false},
		{"0 0 l * *", "0 0 L * *", false},
		{"0 0 15w,1W,L * *", "0 0 1W,15W,L * *", false},
		{"0 0 * * 5l,fri#2,7#1", "0 0 * * 5L,0#1,5#2", false},
		{"0 0 * * 1#2", "0 0 * * 1#2", false},
		{"  0\t0   *  * *  ", "0 0 * * *", false},
		{"@yearly", "0 0 1 1 *", false},
		{"@annually", "0 0 1 1 *", false},
		{"@monthly", "0 0 1 * *", false},
		{"@weekly", "0 0 * * 0", false},
		{"@daily", "0 0 * * *", false},
		{"@MIDNIGHT", "0 0 * * *", false},
		{"@hourly", "0 * * * *", true},
		{"@always", "* * * * *", true},
		{"@30minutes", "0,30 * * * *", true},
		{"00 09 01 01 00", "0 9 1 1 0", false},
		{"0 0 1-31/2 * 1", "0 0 1-31/2 * 1", false},
		{"0 0 29 2 *", "0 0 29 2 *", false},
		{"0 0 31 * *", "0 0 31 * *", false},
	}
	for _, tc := range tests {
		s, err := Parse(tc.expr, nil)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.expr, err)
			continue
		}
		if got := s.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.expr, got, tc.want)
		}
		if got := s.IsWildcard(); got != tc.wildcard {
			t.Errorf("Parse(%q).IsWildcard() = %v, want %v", tc.expr, got, tc.wildcard)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr    string
		want    error
		field   string
		message string
	}{
		{"", ErrSyntax, "", `schedule: "": empty expression`},
		{"* * * *", ErrSyntax, "", `schedule: "* * * *": expected 5 fields (minute hour day-of-month month day-of-week), found 4`},
		{"* * * * * *", ErrSyntax, "", `schedule: "* * * * * *": expected 5 fields (minute hour day-of-month month day-of-week), found 6`},
		{"@every 5m", ErrSyntax, "", `schedule: "@every 5m": unknown macro "@every 5m" (want @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)`},
		{"61 * * * *", ErrRange, "minute", `schedule: "61 * * * *": minute "61": 61 out of range 0-59`},
		{"* 24 * * *", ErrRange, "hour", `schedule: "* 24 * * *": hour "24": 24 out of range 0-23`},
		{"* * 0 * *", ErrRange, "day-of-month", `schedule: "* * 0 * *": day-of-month "0": 0 out of range 1-31`},
		{"* * 32 * *", ErrRange, "day-of-month", `schedule: "* * 32 * *": day-of-month "32": 32 out of range 1-31`},
		{"* * * 13 *", ErrRange, "month", `schedule: "* * * 13 *": month "13": 13 out of range 1-12`},
		{"* * * 0 *", ErrRange, "month", `schedule: "* * * 0 *": month "0": 0 out of range 1-12`},
		{"* * * * 8", ErrRange, "day-of-week", `schedule: "* * * * 8": day-of-week "8": 8 out of range 0-7`},
		{"5-1 * * * *", ErrRange, "minute", `schedule: "5-1 * * * *": minute "5-1": range start 5 is greater than its end 1`},
		{"0 0 * * sat-sun", ErrRange, "day-of-week", `schedule: "0 0 * * sat-sun": day-of-week "sat-sun": range start 6 is greater than its end 0`},
		{"*/0 * * * *", ErrStep, "minute", `schedule: "*/0 * * * *": minute "*/0": step 0 out of range 1-59`},
		{"*/60 * * * *", ErrStep, "minute", `schedule: "*/60 * * * *": minute "*/60": step 60 out of range 1-59`},
		{"0 */24 * * *", ErrStep, "hour", `schedule: "0 */24 * * *": hour "*/24": step 24 out of range 1-23`},
		{"0 0 * * */7", ErrStep, "day-of-week", `schedule: "0 0 * * */7": day-of-week "*/7": step 7 out of range 1-6`},
		{"0 0 * * 7/2", ErrRange, "day-of-week", `schedule: "0 0 * * 7/2": day-of-week "7/2": a stepped sequence cannot start at 7; write 0/2`},
		{"70/5 * * * *", ErrRange, "minute", `schedule: "70/5 * * * *": minute "70/5": 70 out of range 0-59`},
		{"1/ * * * *", ErrSyntax, "minute", `schedule: "1/ * * * *": minute "1/": missing number`},
		{"1-2-3 * * * *", ErrSyntax, "minute", `schedule: "1-2-3 * * * *": minute "1-2-3": unexpected character "-"`},
		{"a * * * *", ErrSyntax, "minute", `schedule: "a * * * *": minute "a": unexpected character "A"`},
		{"jan * * * *", ErrSyntax, "minute", `schedule: "jan * * * *": minute "jan": names are only allowed in the month and day-of-week fields`},
		{"0 0 * foo *", ErrSyntax, "month", `schedule: "0 0 * foo *": month "foo": unknown name "FOO"`},
		{"0 0 * * monday", ErrSyntax, "day-of-week", `schedule: "0 0 * * monday": day-of-week "monday": unknown name "MONDAY"`},
		{"1,,2 * * * *", ErrSyntax, "minute", `schedule: "1,,2 * * * *": minute "1,,2": empty list element`},
		{"*,5 * * * *", ErrSyntax, "minute", `schedule: "*,5 * * * *": minute "*,5": "*" cannot be combined with other list elements`},
		{"? * * * *", ErrSyntax, "minute", `schedule: "? * * * *": minute "?": "?" is only allowed in the day-of-month and day-of-week fields`},
		{"+5 * * * *", ErrSyntax, "minute", `schedule: "+5 * * * *": minute "+5": unexpected character "+"`},
		{"0 0 L-2 * *", ErrSyntax, "day-of-month", `schedule: "0 0 L-2 * *": day-of-month "L-2": unexpected character "L"`},
		{"0 0 LW * *", ErrSyntax, "day-of-month", `schedule: "0 0 LW * *": day-of-month "LW": unexpected character "L"`},
		{"0 0 32W * *", ErrRange, "day-of-month", `schedule: "0 0 32W * *": day-of-month "32W": day 32 out of range 1-31`},
		{"0 0 * * L", ErrSyntax, "day-of-week", `schedule: "0 0 * * L": day-of-week "L": unexpected character "L"`},
		{"0 0 * * 8L", ErrRange, "day-of-week", `schedule: "0 0 * * 8L": day-of-week "8L": weekday 8 out of range 0-7`},
		{"0 0 * * 1#6", ErrRange, "day-of-week", `schedule: "0 0 * * 1#6": day-of-week "1#6": occurrence 6 out of range 1-5`},
		{"0 0 * * 1#0", ErrRange, "day-of-week", `schedule: "0 0 * * 1#0": day-of-week "1#0": occurrence 0 out of range 1-5`},
		{"0 0 * * 1#2#3", ErrSyntax, "day-of-week", `schedule: "0 0 * * 1#2#3": day-of-week "1#2#3": unexpected character "#"`},
		{"0 0 5L * *", ErrSyntax, "day-of-month", `schedule: "0 0 5L * *": day-of-month "5L": unexpected character "L"`},
		{"0 0 * * 1W", ErrSyntax, "day-of-week", `schedule: "0 0 * * 1W": day-of-week "1W": unexpected character "W"`},
		{"0 0 30 2 *", ErrNeverFires, "day-of-month", `schedule: "0 0 30 2 *": day-of-month "30": February has no 30th`},
		{"0 0 31 4,6 *", ErrNeverFires, "day-of-month", `schedule: "0 0 31 4,6 *": day-of-month "31": April and June have no 31st`},
		{"0 0 30,31 2 *", ErrNeverFires, "day-of-month", `schedule: "0 0 30,31 2 *": day-of-month "30,31": February has no day 30,31`},
		{"0 0 31 2,4,6,9,11 *", ErrNeverFires, "day-of-month", `schedule: "0 0 31 2,4,6,9,11 *": day-of-month "31": February, April, June, September and November have no 31st`},
		{"0 0 30W 2 *", ErrNeverFires, "day-of-month", `schedule: "0 0 30W 2 *": day-of-month "30W": never matches a day in February together with day-of-week "*"`},
		{"0 0 */30 2 1#5", ErrNeverFires, "day-of-month", `schedule: "0 0 */30 2 1#5": day-of-month "*/30": never matches a day in February together with day-of-week "1#5"`},
		{"0 0 */30 * 1#5", nil, "", ""},                      // Monday the 31st
		{"0 0 * 2 1#5,2#5,3#5,4#5,5#5,6#5,0#5", nil, "", ""}, // fires: 29 February in leap years
		{"0 0 * 2 1#5", nil, "", ""},                         // fires: Monday 29 February 2016
		{"0 0 29 2 1", nil, "", ""},                          // OR rule: every Monday in February
		{"0 0 */30 2 *", nil, "", ""},                        // fires on 1 February
		{"0 0 ? 2 1#5", nil, "", ""},
	}
	for _, tc := range tests {
		_, err := Parse(tc.expr, nil)
		if tc.want == nil {
			if err != nil {
				t.Errorf("Parse(%q): unexpected error %v", tc.expr, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("Parse(%q) error = %v, want one matching %v", tc.expr, err, tc.want)
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error %T is not a *ParseError", tc.expr, err)
			continue
		}
		if pe.Field != tc.field || pe.Expr != tc.expr {
			t.Errorf("Parse(%q) error Field, Expr = %q, %q, want %q, %q", tc.expr, pe.Field, pe.Expr, tc.field, tc.expr)
		}
		if err.Error() != tc.message {
			t.Errorf("Parse(%q) error mismatch (-want +got):\n%s", tc.expr, cmp.Diff(tc.message, err.Error()))
		}
	}
}

func TestMustParsePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r == nil {
			t.Error("MustParse of a bad expression did not panic")
		} else if err, ok := r.(error); !ok || !errors.Is(err, ErrRange) {
			t.Errorf("MustParse panicked with %v, want an ErrRange error", r)
		}
	}()
	MustParse("99 * * * *", nil)
}

// TestCanonicalRoundTrip checks on random expressions that String parses
// back to an identical schedule and is a fixed point.
func TestCanonicalRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	n := 20_000
	if raceBuild {
		n = 2_000
	}
	for range n {
		expr := randExpr(r, nil)
		s, err := Parse(expr, nil)
		if err != nil {
			continue
		}
		s2, err := Parse(s.String(), nil)
		if err != nil {
			t.Fatalf("Parse(%q) (canonical of %q): %v", s.String(), expr, err)
		}
		if *s == *s2 {
			continue
		}
		if diff := cmp.Diff(s, s2, cmp.AllowUnexported(Schedule{}, zoneTable{}), cmp.Comparer(func(a, b *time.Location) bool { return a == b })); diff != "" {
			t.Fatalf("Parse(%q) and Parse(%q) differ (-orig +canonical):\n%s", expr, s.String(), diff)
		}
		if s2.String() != s.String() {
			t.Fatalf("canonical form is not a fixed point: %q -> %q -> %q", expr, s.String(), s2.String())
		}
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	if got := MustParse("* * * * *", nil).Location(); got != time.UTC {
		t.Errorf("Location() with nil = %v, want UTC", got)
	}
	ny := mustLoad(t, "America/New_York")
	s := MustParse("0 9 * * *", ny)
	if got := s.Location(); got != ny {
		t.Errorf("Location() = %v, want %v", got, ny)
	}
	from := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	if got := s.Next(from).Location(); got != ny {
		t.Errorf("Next returned a time in %v, want %v", got, ny)
	}
}
