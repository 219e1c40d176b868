package nlcron

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nlcron/nlcron/schedule"
)

// update rewrites golden files under testdata/. It is the package's only
// "update" flag: golden tests of the parser use it too.
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want string
	}{
		// Times.
		{"* * * * *", "every minute"},
		{"*/10 * * * *", "every 10 minutes"},
		{"*/7 * * * *", "every 7 minutes"},
		{"0 * * * *", "every hour"},
		{"0 */2 * * *", "every 2 hours"},
		{"0 */12 * * *", "every 12 hours"},
		{"0 0 * * *", "at midnight"},
		{"0 12 * * *", "at noon"},
		{"0 17 * * *", "at 5:00 PM"},
		{"5 0 * * *", "at 12:05 AM"},
		{"30 12 * * *", "at 12:30 PM"},
		{"0 9,17 * * *", "at 9:00 AM and 5:00 PM"},
		{"0,30 9 * * *", "at 9:00 AM and 9:30 AM"},
		{"0 6,12,18 * * *", "at 6:00 AM, 12:00 PM and 6:00 PM"},
		{"15 * * * *", "at 15 minutes past the hour"},
		{"1 * * * *", "at 1 minute past the hour"},
		{"0,30 * * * *", "every 30 minutes"},
		{"15,45 * * * *", "every 30 minutes starting at minute 15"},
		{"5/15 * * * *", "every 15 minutes starting at minute 5"},
		{"0-20/3 * * * *", "every 3 minutes from minute 0 through 18"},
		{"0-20 * * * *", "every minute from minute 0 through 20"},
		{"2,4-5,26-28 * * * *", "at 2, 4, 5 and 26 through 28 minutes past the hour"},
		{"0 9-17 * * *", "every hour from 9 AM through 5 PM"},
		{"0 6-22/4 * * *", "every 4 hours from 6 AM through 10 PM"},
		{"0 7-19/4 * * *", "at 7:00 AM, 11:00 AM, 3:00 PM and 7:00 PM"},
		{"30 9-17 * * *", "at 30 minutes past the hour, from 9:00 AM through 5:59 PM"},
		{"15 */2 * * *", "at 15 minutes past the hour, every 2 hours"},
		{"*/5 15 * * *", "every 5 minutes, from 3:00 PM through 3:59 PM"},
		{"*/10 9-17 * * *", "every 10 minutes, from 9:00 AM through 5:59 PM"},
		{"* 1-2,22-23 * * *", "every minute, during hours 1 AM, 2 AM, 10 PM and 11 PM"},
		{"5-59/7 1-3,9 * * *", "every 7 minutes starting at minute 5, during hours 1 AM through 3 AM and 9 AM"},
		{"25 7-19/8 * * *", "at 7:25 AM and 3:25 PM"},
		// Wildcard schedules (DST behaviour) against fixed-time ones.
		{"*/30 9 * * *", "every 30 minutes, from 9:00 AM through 9:59 AM"},
		{"0 0-23 * * *", "every hour from 12 AM through 11 PM"},
		{"15 0-23 * * *", "at 15 minutes past the hour, from 12:00 AM through 11:59 PM"},
		{"0-59 9 * * *", "every minute from minute 0 through 59, from 9:00 AM through 9:59 AM"},
		{"0-55/5 * * * *", "every 5 minutes"},
		{"0-55/5 0-23 * * *", "every 5 minutes from minute 0 through 55, from 12:00 AM through 11:59 PM"},
		{"*/20,5 9 * * *", "every 20 minutes and at 5 minutes past the hour, from 9:00 AM through 9:59 AM"},
		{"5-45/10,*/5,9 * * * *", "every 5 minutes and at 9 minutes past the hour"},
		{"0 */6,1 * * *", "on the hour, every 6 hours and during hours 1 AM"},
		// Days of the week.
		{"0 17 * * 0", "at 5:00 PM, only on Sunday"},
		{"0 17 * * 7", "at 5:00 PM, only on Sunday"},
		{"*/10 * * * 1-5", "every 10 minutes, Monday through Friday"},
		{"0 9 * * MON-FRI", "at 9:00 AM, Monday through Friday"},
		{"0 0 * * 1,3,5", "at midnight, only on Monday, Wednesday and Friday"},
		{"0 0 * * 6,0", "at midnight, only on Saturday and Sunday"},
		{"0 0 * * 5-7", "at midnight, Friday through Sunday"},
		{"0 9 * * 0-4/2,5,6", "at 9:00 AM, only on Tuesday and Thursday through Sunday"},
		{"0 9 * * 1#1", "at 9:00 AM, on the first Monday of the month"},
		{"0 9 * * FRI#3", "at 9:00 AM, on the third Friday of the month"},
		{"0 9 * * 5L", "at 9:00 AM, on the last Friday of the month"},
		{"0 9 * * 1#1,5L", "at 9:00 AM, on the first Monday and last Friday of the month"},
		{"1 * * * 2#1,5L,3", "at 1 minute past the hour, only on Wednesday and on the first Tuesday and last Friday of the month"},
		// Days of the month.
		{"30 9 1,15 * *", "at 9:30 AM, on the 1st and 15th of the month"},
		{"0 0 1-7 * *", "at midnight, on the 1st through 7th of the month"},
		{"0 0 1-10,20-31 * *", "at midnight, on the 1st through 10th and 20th through 31st of the month"},
		{"0 0 L * *", "at midnight, on the last day of the month"},
		{"0 20 15,L * *", "at 8:00 PM, on the 15th and last day of the month"},
		{"0 9 15W * *", "at 9:00 AM, on the weekday nearest the 15th of the month"},
		{"0 0 */2 * *", "at midnight, on every other day of the month"},
		{"0 0 */3 * *", "at midnight, on every 3rd day of the month"},
		{"0 0 2-29/3 * *", "at midnight, on every 3rd day of the month from the 2nd through the 29th"},
		{"0 0 21,22,23 * *", "at midnight, on the 21st through 23rd of the month"},
		{"0 0 11,12,13 * *", "at midnight, on the 11th through 13th of the month"},
		// Both day fields: OR unless one starts with '*'.
		{"0 0 1,15 * 1", "at midnight, on the 1st and 15th of the month, or on Monday"},
		{"0 0 1-31/2 * 1", "at midnight, on every other day of the month, or on Monday"},
		{"0 0 */2 * 1", "at midnight, on every other day of the month, if it falls on Monday"},
		{"0 0 */2 * 1,5", "at midnight, on every other day of the month, if it falls on Monday or Friday"},
		{"0 0 */2,4 * 1", "at midnight, on every other day and the 4th of the month, if it falls on Monday"},
		{"0 0 1-7 * */2", "at midnight, on the 1st through 7th of the month, if it falls on Tuesday, Thursday, Saturday or Sunday"},
		{"0 0 1-7 * ?", "at midnight, on the 1st through 7th of the month"},
		{"0 0 1-31 * 1", "at midnight"},
		{"0 0 * * 0-6", "at midnight"},
		{"0 0 1,15 * 0-6", "at midnight"},
		{"5-59/7 1-3,9 */3 * 2#3", "every 7 minutes starting at minute 5, during hours 1 AM through 3 AM and 9 AM, on every 3rd day of the month, if it falls on the third Tuesday of the month"},
		// Months and dates.
		{"0 0 * 1-3 *", "at midnight, January through March"},
		{"0 0 * JAN *", "at midnight, only in January"},
		{"0 0 * 1,4,7,10 *", "at midnight, only in January, April, July and October"},
		{"0 0 * 1-3,6 *", "at midnight, only in January through March and June"},
		{"0 0 25 12 *", "at midnight, on December 25"},
		{"0 0 1 1 *", "at midnight, on January 1"},
		{"0 0 1,15 1 *", "at midnight, on the 1st and 15th of the month, in January"},
		{"0 0 1,15 1-3 1", "at midnight, in January through March, on the 1st and 15th of the month, or on Monday"},
		{"0 9 * 12 0", "at 9:00 AM, only on Sunday, in December"},
		{"0 9 * 1-3,6 1-5", "at 9:00 AM, Monday through Friday, in January through March and June"},
		{"*/5 * L JAN *", "every 5 minutes, on the last day of the month, in January"},
		// Macros.
		{"@yearly", "at midnight, on January 1"},
		{"@monthly", "at midnight, on the 1st of the month"},
		{"@weekly", "at midnight, only on Sunday"},
		{"@daily", "at midnight"},
		{"@hourly", "every hour"},
		{"@30minutes", "every 30 minutes"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			got, err := Describe(tc.expr)
			if err != nil {
				t.Fatalf("Describe(%q) error: %v", tc.expr, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Describe(%q) mismatch (-want +got):\n%s", tc.expr, diff)
			}
		})
	}
}

func TestDescribeErrors(t *testing.T) {
	t.Parallel()
	tests := []string{
		"",
		"   ",
		"* * * *",
		"* * * * * *",
		"60 * * * *",
		"* 24 * * *",
		"* * 0 * *",
		"* * 32 * *",
		"* * * 13 *",
		"* * * * 8",
		"*/0 * * * *",
		"*/60 * * * *",
		"* * */31 * *",
		"5-1 * * * *",
		"*,5 * * * *",
		"? * * * *",
		"* * ?/2 * *",
		"* * * * 7/2",
		"* * * * 1#6",
		"* * * * 1#0",
		"* * LW * *",
		"* * 0W * *",
		"* * * * L",
		"* * * FOO *",
		"* * * * MONDAY",
		"MON * * * *",
		"+5 * * * *",
		"1,,2 * * * *",
		"0 0 30 2 *",
		"0 0 31 4,6,9,11 *",
		"@reboot",
		"@every 5m",
		"0\n0 * * *",
	}
	for _, expr := range tests {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			got, err := Describe(expr)
			if err == nil {
				t.Fatalf("Describe(%q) = %q, want an error", expr, got)
			}
			if !errors.Is(err, ErrInvalidCron) {
				t.Errorf("Describe(%q) error %v does not wrap ErrInvalidCron", expr, err)
			}
			if _, serr := schedule.Parse(expr, time.UTC); serr == nil {
				t.Errorf("schedule.Parse(%q) accepts what Describe refuses", expr)
			}
		})
	}
}

// goldenPath holds one cron expression per line, a tab, and its
// description. go test -update rewrites the descriptions.
var goldenPath = filepath.Join("testdata", "describe", "golden.tsv")

// TestDescribeGolden pins the descriptions of a few hundred expressions,
// so that every change of wording shows up in review.
func TestDescribeGolden(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	var want, got bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		want.WriteString(line + "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			got.WriteString(line + "\n")
			continue
		}
		expr, _, _ := strings.Cut(line, "\t")
		d, err := Describe(expr)
		if err != nil {
			t.Errorf("Describe(%q) error: %v", expr, err)
			d = "ERROR " + err.Error()
		}
		got.WriteString(expr + "\t" + d + "\n")
	}
	if *update {
		if err := os.WriteFile(goldenPath, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Errorf("%s mismatch (-want +got), run go test -update to accept:\n%s", goldenPath, diff)
	}
}

// goldenExprs returns the expressions of the golden file.
func goldenExprs(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		expr, _, _ := strings.Cut(line, "\t")
		out = append(out, expr)
	}
	return out
}

// TestDescribeReaderMatchesSchedule checks that Describe's own reader of
// cron expressions accepts exactly what schedule.Parse accepts and reads
// the same sets: it compares the reading of each expression with the
// reading of schedule's canonical String(), which uses only plain numbers,
// ranges, steps and the L, W, # items.
func TestDescribeReaderMatchesSchedule(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	exprs := goldenExprs(t)
	for range readerChecks {
		exprs = append(exprs, genExpr(r), mutate(r, genExpr(r)))
	}
	for _, expr := range exprs {
		checkReader(t, expr)
	}
}

// checkReader compares dParseFields with schedule.Parse on expr.
func checkReader(t *testing.T, expr string) {
	t.Helper()
	f, err := dParseFields(expr)
	s, serr := schedule.Parse(expr, time.UTC)
	if (err == nil) != (serr == nil) {
		t.Fatalf("%q: Describe's reader error %v, schedule.Parse error %v", expr, err, serr)
	}
	if err != nil {
		return
	}
	canon, err := dParseFields(s.String())
	if err != nil {
		t.Fatalf("%q: cannot read schedule's canonical form %q: %v", expr, s.String(), err)
	}
	if got, want := semantics(f), semantics(canon); got != want {
		t.Fatalf("%q reads differently from its canonical form %q:\n%+v\n%+v", expr, s.String(), got, want)
	}
	if wild := f.minuteStar || f.hourStar; wild != s.IsWildcard() {
		t.Fatalf("%q: wildcard %v, schedule says %v", expr, wild, s.IsWildcard())
	}
}

func BenchmarkDescribe(b *testing.B) {
	exprs := goldenExprs(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Describe(exprs[i%len(exprs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// TestDayMaskMatchesSchedule checks the day rules that the round-trip
// comparison relies on (dFields.dayMask: L, nW, dL, d#k and the AND/OR
// rule) against schedule.Next: for random day fields, the days on which
// "0 0 <dom> <month> <dow>" fires in UTC from 2024 through 2039, which
// puts the 1st of every month on every weekday (leap Februaries only on
// some).
func TestDayMaskMatchesSchedule(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	for range dayMaskChecks {
		expr := "0 0 " + genField(r, 2) + " " + genField(r, 3) + " " + genField(r, 4)
		f, err := dParseFields(expr)
		if err != nil {
			continue
		}
		s, err := schedule.Parse(expr, time.UTC)
		if err != nil {
			t.Fatalf("schedule.Parse(%q): %v", expr, err)
		}
		got := s.Next(from.Add(-time.Minute))
		for month := from; month.Before(until) && !got.IsZero(); month = month.AddDate(0, 1, 0) {
			if f.month&(1<<int(month.Month())) == 0 {
				continue
			}
			n := month.AddDate(0, 1, -1).Day()
			mask := f.dayMask(int(month.Weekday()), n)
			for d := 1; d <= n; d++ {
				if mask&(1<<d) == 0 {
					continue
				}
				want := month.AddDate(0, 0, d-1)
				if !got.Equal(want) {
					t.Fatalf("%q: schedule fires at %v, dayMask says %v", expr, got, want)
				}
				got = s.Next(got)
			}
		}
	}
}
