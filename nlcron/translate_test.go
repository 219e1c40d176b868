package nlcron

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// translate runs the translation step alone on a parsed phrase and
// returns the fields before schedule canonicalises them.
func translate(t *testing.T, in string) (string, []string, error) {
	t.Helper()
	tree, err := fastParser.ParseString("", in)
	if err != nil {
		t.Fatalf("grammar refused %q: %v", in, err)
	}
	c := newCollector(in)
	c.collect(tree)
	var f cronFields
	if !c.failed() {
		c.resolve(&f)
	}
	if c.failed() {
		return "", nil, c.err
	}
	return f.String(), f.warnings, nil
}

// TestTranslate pins the translation from syntax tree to cron fields,
// including the star-ness of each field (which the schedule package keeps).
func TestTranslate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		warn     string // substring of the first warning, "" for none
	}{
		{in: "every minute", want: "* * * * *"},
		{in: "every 7 minutes", want: "*/7 * * * *", warn: "after :56 the next run is :00, 4 minutes later"},
		{in: "every 15 minutes starting at :05", want: "5-59/15 * * * *"},
		{in: "every 20 minutes and at 5 minutes past the hour", want: "*/20,5 * * * *"},
		{in: "every 7 minutes from minute 5 through 40", want: "5-40/7 * * * *"},
		{in: "every minute from minute 0 through 59", want: "0-59 * * * *"},
		{in: "every hour", want: "0 * * * *"},
		{in: "every 5 hours", want: "0 */5 * * *", warn: "after 20:00 the next run is 00:00, 4 hours later"},
		{in: "every 6 hours starting at 1pm", want: "0 13,19 * * *", warn: "after 19:00 the next run is 13:00"},
		{in: "on the hour, every 6 hours and during hours 1 AM", want: "0 */6,1 * * *"},
		{in: "every hour from 12 AM through 11 PM", want: "0 0-23 * * *"},
		{in: "every 2 hours from 7 AM through 11 PM", want: "0 7-23/2 * * *"},
		{in: "every day", want: "0 0 * * *"},
		{in: "every 4 days", want: "0 0 */4 * *", warn: "after the 29th the next run is the 1st"},
		{in: "every week", want: "0 0 * * 0"},
		{in: "every month", want: "0 0 1 * *"},
		{in: "every 5 months", want: "0 0 1 */5 *", warn: "after November the next run is in January, 2 months later"},
		{in: "every quarter", want: "0 0 1 1-12/3 *"},
		{in: "every year", want: "0 0 1 1 *"},
		{in: "twice a day", want: "0 0,12 * * *"},
		{in: "at 9am and 5pm", want: "0 9,17 * * *"},
		{in: "at 8:30 and 17:30", want: "30 8,17 * * *"},
		{in: "every 15 minutes between 9am and 5pm", want: "*/15 9-16 * * *"},
		{in: "every hour between 9am and 5pm", want: "0 9-17 * * *"},
		{in: "every minute after 2pm and before 2:06pm", want: "0-5 14 * * *"},
		{in: "every weekday 8am to 5pm", want: "0 8-17 * * 1-5"},
		{in: "during business hours", want: "0 9-17 * * 1-5"},
		{in: "mondays", want: "0 0 * * 1"},
		{in: "every day except sunday", want: "0 0 * * 1-6"},
		{in: "saturday through tuesday", want: "0 0 * * 0-2,6"},
		{in: "the first monday of the month", want: "0 0 * * 1#1"},
		{in: "the last friday of the month", want: "0 0 * * 5L"},
		{in: "on the 1st and 15th", want: "0 0 1,15 * *"},
		{in: "the last day of the month", want: "0 0 L * *"},
		{in: "on the nearest weekday to the 15th", want: "0 0 15W * *"},
		{in: "from the 25th to the last", want: "0 0 25-31 * *"},
		{in: "on the 31st", want: "0 0 31 * *", warn: "months without a 31st are skipped"},
		{in: "on the 1st and on mondays", want: "0 0 1 * 1", warn: "either the day of the month or the weekday"},
		{in: "at midnight, on every other day of the month, if it falls on Monday", want: "0 0 */2 * 1"},
		{in: "at midnight, on the 1st and 15th of the month, or on Monday", want: "0 0 1,15 * 1"},
		{in: "every 2 days on mondays", want: "0 0 */2 * 1", warn: "only Mondays that fall on those days run"},
		{in: "every day in june", want: "0 0 * 6 *"},
		{in: "every may", want: "0 0 1 5 *"},
		{in: "on december 25th", want: "0 0 25 12 *"},
		{in: "every 2 months, march through december", want: "0 0 1 3-12/2 *", warn: "after November the next run is in March, 4 months later"},
		{in: "every hour at half past", want: "30 * * * *"},
		{in: "every hour at quarter past", want: "15 * * * *"},
		{in: "every hour at quarter to", want: "45 * * * *"},
		{in: "at half past", want: "30 * * * *"},
		{in: "every hour at half past five", want: "30 * * * *"}, // a time, whose minute runs every hour
		{in: "every second hour", want: "0 */2 * * *"},
		{in: "every 2nd hour", want: "0 */2 * * *"},
		{in: "every third hour", want: "0 */3 * * *"},
		{in: "every fifth minute", want: "*/5 * * * *"},
		{in: "every second day", want: "0 0 */2 * *", warn: "after the 29th the next run is the 1st"},
		{in: "every third day", want: "0 0 */3 * *", warn: "after the 28th the next run is the 1st"},
		{in: "every third day at 9am", want: "0 9 */3 * *", warn: "after the 28th the next run is the 1st"},
		{in: "every third day of the month", want: "0 0 3 * *"},
		{in: "every second monday", want: "0 0 * * 1#2"},
		{in: "every third month", want: "0 0 1 */3 *"},
		// The 24-hour clock without a colon, and ranges of clock times.
		{in: "at 0900", want: "0 9 * * *"},
		{in: "daily at 1730", want: "30 17 * * *"},
		{in: "at 0000 and 1200", want: "0 0,12 * * *"},
		{in: "every hour 9:00-17:00", want: "0 9-17 * * *"},
		{in: "every 30 minutes 0900-1700 on weekdays", want: "*/30 9-16 * * 1-5"},
		{in: "every hour between 9-5", want: "0 9-17 * * *"},
		{in: "every hour on the half hour", want: "30 * * * *"},
		{in: "first business day of the month", want: "0 0 1W * *"},
		{in: "schedule for every monday at 10am", want: "0 10 * * 1"},
		{in: "every hour at 20 past", want: "20 * * * *"},
		{in: "hourly at 10 to", want: "50 * * * *"},
		{in: "at 20 past 5 on weekdays", want: "20 5 * * 1-5"},
		{in: "at 25 minutes past 6pm", want: "25 18 * * *"},
		{in: "at 5-6", want: "0 5,6 * * *"},
		{in: "M-F 9am", want: "0 9 * * 1-5"},
		{in: "every day except M-F at 9", want: "0 9 * * 0,6"},
		{in: "every alternate hour", want: "0 */2 * * *"},
		{in: "every day at 9 forever", want: "0 9 * * *"},
		{in: "on the first weekday of every month at 9am", want: "0 9 1W * *"},
		{in: "every 2 hours from 8am", want: "0 8-23/2 * * *", warn: "after 22:00 the next run is 08:00"},
		{in: "every 15 minutes from 9am", want: "*/15 9-23 * * *"},
		{in: "on the hour and on the half hour", want: "0,30 * * * *"},
		// A dot between hour and minute, the British way.
		{in: "every day at 9.30am", want: "30 9 * * *"},
		{in: "at 17.45 on weekdays", want: "45 17 * * 1-5"},
		{in: "at 9.30 p.m.", want: "30 21 * * *"},
		{in: "between mon-fri at 9", want: "0 9 * * 1-5"},
		{in: "between jan-mar at 9am", want: "0 9 * 1-3 *"},
		{in: "at noon between the 1st - 15th", want: "0 12 1-15 * *"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, warnings, err := translate(t, tc.in)
			if err != nil {
				t.Fatalf("translate(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("translate(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			switch {
			case tc.warn == "" && len(warnings) > 0:
				t.Errorf("translate(%q): unexpected warnings %q", tc.in, warnings)
			case tc.warn != "" && (len(warnings) == 0 || !strings.Contains(warnings[0], tc.warn)):
				t.Errorf("translate(%q): warnings %q, want one containing %q", tc.in, warnings, tc.warn)
			}
		})
	}
}

// TestTranslateRefusals pins the refusals made by the translation step:
// the sentinel, the position and the suggestion.
func TestTranslateRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		sentinel   error
		column     int
		suggestion string
	}{
		{"every 5 seconds", ErrUnsupported, 1, "every minute"},
		{"every 90 minutes", ErrUnsupported, 1, ""},
		{"every 120 minutes", ErrUnsupported, 1, "every 2 hours"},
		{"every 48 hours", ErrUnsupported, 1, "every 2 days"},
		{"every 2 weeks", ErrUnsupported, 1, "every week"},
		{"every 4 weeks", ErrUnsupported, 1, "every month"},
		{"every other friday", ErrUnsupported, 1, "every friday"},
		{"at 25:00", ErrRange, 4, ""},
		{"at 24:00", ErrRange, 4, "midnight"},
		{"at 13pm", ErrRange, 4, "13:00"},
		{"on february 30th", ErrRange, 13, ""},
		{"at 9:15 and 17:30", ErrUnsupported, 4, ""},
		{"every 10 minutes at 06:00", ErrUnsupported, 21, "every 10 minutes from 6:00 to 6:59"},
		{"every 5 minutes from 9:30 to 17:00", ErrUnsupported, 17, "from 10:00"},
		{"every day on 15", ErrSyntax, 14, "on the 15th"},
		{"weekly monday", ErrSyntax, 8, "weekly on monday"},
		{"every day at 9am in EST", ErrAmbiguousZone, 18, "America/New_York"},
		{"weekdays at 9am Pacific time", ErrAmbiguousZone, 17, "America/Los_Angeles"},
		{"at noon eastern", ErrAmbiguousZone, 9, "America/New_York"},
		{"every day at 9am in Mars/Base", ErrUnknownZone, 18, ""},
		{"every day at 9am in Europe/Londn", ErrUnknownZone, 18, "Europe/London"},
		{"from september to november", ErrSyntax, 6, "every day in september to november"},
		{"twice a week", ErrUnsupported, 1, ""},
		{"every day until june", ErrUnsupported, 11, ""},
		{"every day for 3 weeks", ErrUnsupported, 11, ""},
		{"at 5 to 6", ErrSyntax, 4, ""},
		{"every hour at 75 past", ErrRange, 12, ""},
		{"daily for the next month", ErrUnsupported, 7, ""},
		{"every second weekday", ErrUnsupported, 1, "every weekday"},
		{"every third week", ErrUnsupported, 1, "every week"},
		{"every second", ErrUnsupported, 1, "every minute"},
		{"every hour 9-5", ErrSyntax, 12, "every hour from 9-5"},
		{"9 to 5 on weekdays", ErrSyntax, 1, "from 9 to 5 on weekdays"},
		{"at 2400", ErrRange, 4, "midnight"},
		{"at 1260", ErrRange, 4, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			_, _, err := translate(t, tc.in)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("translate(%q) = %v, want a *ParseError", tc.in, err)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("translate(%q) = %v, want %v", tc.in, err, tc.sentinel)
			}
			if pe.Column != tc.column || pe.Suggestion != tc.suggestion {
				t.Errorf("translate(%q): column %d suggestion %q, want %d %q (%v)", tc.in, pe.Column, pe.Suggestion, tc.column, tc.suggestion, err)
			}
		})
	}
}

func TestFieldString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    *field
		want string
	}{
		{starField(0, 59, 1), "*"},
		{starField(0, 59, 15), "*/15"},
		{func() *field { f := starField(0, 59, 20); f.add(5); return f }(), "*/20,5"},
		{rangeField(0, 59, 5, 59, 15), "5-59/15"},
		{rangeField(0, 23, 0, 23, 1), "0-23"},
		{rangeField(0, 6, 1, 5, 2), "1-6/2"},
		{func() *field { f := newField(0, 59); f.add(0); f.add(30); return f }(), "0,30"},
		{func() *field {
			f := newField(1, 31)
			f.add(1)
			f.add(2)
			f.add(3)
			f.add(9)
			return f
		}(), "1-3,9"},
		{func() *field { f := newField(1, 31); f.add(15); f.special = []string{"L"}; return f }(), "15,L"},
	}
	for _, tc := range tests {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestResolveZone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		offset   int
		err      error
	}{
		{in: "UTC", want: "UTC"},
		{in: "gmt", want: "UTC"},
		{in: "Z", want: "UTC"},
		{in: "utc+9", want: "Etc/GMT-9", offset: 9 * 3600},
		{in: "GMT-5", want: "Etc/GMT+5", offset: -5 * 3600},
		{in: "utc+05:30", want: "UTC+05:30", offset: 5*3600 + 1800},
		{in: "+0530", want: "UTC+05:30", offset: 5*3600 + 1800},
		{in: "-09:30", want: "UTC-09:30", offset: -(9*3600 + 1800)},
		{in: "utc+0", want: "UTC"},
		{in: "America/New_York", want: "America/New_York", offset: -5 * 3600},
		{in: "america/new_york", want: "America/New_York", offset: -5 * 3600},
		{in: "EST", err: ErrAmbiguousZone},
		{in: "ist", err: ErrAmbiguousZone},
		{in: "Nowhere/City", err: ErrUnknownZone},
	}
	jan := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		loc, zerr := resolveZone(tc.in)
		if tc.err != nil {
			if zerr == nil || !errors.Is(zerr.err, tc.err) {
				t.Errorf("resolveZone(%q) = %v, %v; want %v", tc.in, loc, zerr, tc.err)
			}
			continue
		}
		if zerr != nil {
			t.Errorf("resolveZone(%q): %s", tc.in, zerr.Msg)
			continue
		}
		_, off := jan.In(loc).Zone()
		if loc.String() != tc.want || off != tc.offset {
			t.Errorf("resolveZone(%q) = %s (offset %d), want %s (%d)", tc.in, loc, off, tc.want, tc.offset)
		}
	}
}

// TestSuggestZone pins the did-you-mean for unknown zone names.
func TestSuggestZone(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Europe/Londn", "Europe/London"},
		{"Asia/Tokio", "Asia/Tokyo"},
		{"america/los_angles", "America/Los_Angeles"},
		{"America/New York", "America/New_York"},
		{"Europe/Pariss", "Europe/Paris"},
		{"Mars/Base", ""},
		{"Europe/Atlantis", ""},
	}
	for _, tc := range tests {
		if got := suggestZone(tc.in); got != tc.want {
			t.Errorf("suggestZone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestZoneNamesLoad checks that every generated zone name loads, so that a
// suggestion is always a zone Parse accepts.
func TestZoneNamesLoad(t *testing.T) {
	t.Parallel()
	if len(zoneNames) < 400 || !slices.IsSorted(zoneNames) {
		t.Fatalf("zoneNames has %d names (sorted: %v); run go generate ./nlcron", len(zoneNames), slices.IsSorted(zoneNames))
	}
	for _, z := range zoneNames {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("zone %q: %v", z, err)
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, kind string }{
		{"wensday", "wednesday", "day"},
		{"mondey", "monday", "day"},
		{"janury", "january", "month"},
		{"evry", "every", "word"},
		{"minuts", "minute", "word"},
		{"xyz", "", ""},
		{"salfnaksjndaksnkda", "", ""},
	}
	for _, tc := range tests {
		got, kind := suggest(tc.in)
		if got != tc.want || kind != tc.kind {
			t.Errorf("suggest(%q) = %q, %q; want %q, %q", tc.in, got, kind, tc.want, tc.kind)
		}
	}
}
