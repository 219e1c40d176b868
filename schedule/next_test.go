package schedule

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNextTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, zone, from string
		want             []string // the next fire times, RFC 3339
	}{
		{"0 0 */2 * 1", "UTC", "2025-03-01T00:00:00Z", []string{"2025-03-03T00:00:00Z", "2025-03-17T00:00:00Z", "2025-03-31T00:00:00Z", "2025-04-07T00:00:00Z"}},
		{"0 0 1-31/2 * 1", "UTC", "2025-03-01T00:00:00Z", []string{"2025-03-03T00:00:00Z", "2025-03-05T00:00:00Z", "2025-03-07T00:00:00Z"}},
		{"0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", []string{"2104-02-29T00:00:00Z", "2108-02-29T00:00:00Z"}},
		{"0 0 * 2 1#5", "UTC", "2016-03-01T00:00:00Z", []string{"2044-02-29T00:00:00Z", "2072-02-29T00:00:00Z"}},
		{"0 0 1W * *", "UTC", "2025-01-31T00:00:00Z", []string{"2025-02-03T00:00:00Z", "2025-03-03T00:00:00Z", "2025-04-01T00:00:00Z"}},
		{"0 0 31W * *", "UTC", "2025-05-01T00:00:00Z", []string{"2025-05-30T00:00:00Z", "2025-07-31T00:00:00Z", "2025-08-29T00:00:00Z"}},
		{"0 0 L * *", "UTC", "2024-01-31T00:00:00Z", []string{"2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z"}},
		{"0 0 * * 0L", "UTC", "2025-03-01T00:00:00Z", []string{"2025-03-30T00:00:00Z", "2025-04-27T00:00:00Z"}},
		{"59 23 31 12 *", "UTC", "2025-12-31T23:59:00Z", []string{"2026-12-31T23:59:00Z"}},
		{"* * * * *", "UTC", "2025-12-31T23:59:59.999999999Z", []string{"2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"}},
		{"0 12 * * *", "Asia/Kolkata", "2025-01-01T00:00:00Z", []string{"2025-01-01T12:00:00+05:30", "2025-01-02T12:00:00+05:30"}},
		// Samoa skipped 30 December 2011 entirely: a fixed-time job that
		// day fires once, at the first instant of 31 December.
		{"0 9 * * *", "Pacific/Apia", "2011-12-29T12:00:00-10:00", []string{"2011-12-31T00:00:00+14:00", "2011-12-31T09:00:00+14:00"}},
		{"0 0-23 30 12 *", "Pacific/Apia", "2011-12-29T12:00:00-10:00", []string{"2011-12-31T00:00:00+14:00", "2012-12-30T00:00:00+14:00"}},
		// A wildcard job every hour of that lost day never ran.
		{"*/30 * 30 12 *", "Pacific/Apia", "2011-12-29T12:00:00-10:00", []string{"2012-12-30T00:00:00+14:00"}},
	}
	for _, tc := range tests {
		loc := mustLoad(t, tc.zone)
		from, err := time.Parse(time.RFC3339Nano, tc.from)
		if err != nil {
			t.Fatal(err)
		}
		s := MustParse(tc.expr, loc)
		var got []string
		for f := range s.All(from) {
			got = append(got, f.Format(time.RFC3339))
			if len(got) == len(tc.want) {
				break
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q in %s from %s mismatch (-want +got):\n%s", tc.expr, tc.zone, tc.from, diff)
		}
	}
}

// TestNeverAgain checks the one way an accepted schedule can stop firing:
// a wildcard schedule whose every fire time falls into a DST gap.
func TestNeverAgain(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	// 02:xx on the second Sunday of March: inside the spring-forward gap
	// every year since 2007, but not before (DST began in April).
	s := MustParse("* 2 * 3 0#2", ny)
	from := time.Date(2010, 1, 1, 0, 0, 0, 0, ny)
	if got := s.Next(from); !got.IsZero() {
		t.Errorf("Next(%s) = %s, want the zero time", from, got)
	}
	if got, want := s.Prev(from).Format(time.RFC3339), "2006-03-12T02:59:00-05:00"; got != want {
		t.Errorf("Prev(%s) = %s, want %s", from, got, want)
	}
	n := 0
	for range s.All(from) {
		n++
	}
	if n != 0 {
		t.Errorf("All(%s) yielded %d times, want none", from, n)
	}
	// The fixed-time version fires at 03:00 instead.
	if got, want := MustParse("0 2 * 3 0#2", ny).Next(from).Format(time.RFC3339), "2010-03-14T03:00:00-04:00"; got != want {
		t.Errorf("fixed-time Next = %s, want %s", got, want)
	}
}
