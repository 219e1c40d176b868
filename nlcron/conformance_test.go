package nlcron_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/nlcron/nlcron/nlcron"
	"github.com/nlcron/nlcron/schedule"
)

// conformanceDir holds the shared phrase corpora (phrases.tsv and
// describers.tsv). They live outside the module on purpose; the test
// skips when they are absent.
const conformanceDir = "../../shared/conformance"

// disputed lists corpus rows whose expected answer we believe is wrong,
// keyed by phrase, a tab and the expected column, with the reason. They
// still count as misses in the raw score; the pass/fail targets apply to
// the score without them, and an ERROR row outside this list must always
// be refused. Both scores are printed.
var disputed = map[string]string{
	// phrases.tsv
	"last friday of the month\tERROR":                           "the issue requires \"last friday\" (5L) to parse",
	"last day of the month\tERROR":                              "the issue requires \"last day of the month\" (L) to parse",
	"every business day\tERROR":                                 "the issue requires business days (Monday-Friday) to parse",
	"every 1m\tERROR":                                           "gh-aw refuses intervals under 5 minutes as a platform policy; cron runs every minute fine",
	"every 2 minutes\tERROR":                                    "gh-aw refuses intervals under 5 minutes as a platform policy; cron runs every 2 minutes fine",
	"2nd and 4th of Aug\tERROR":                                 "recurrent refuses one-off dates; the issue requires dates such as \"on december 25th\" and \"the 4th of july\" to parse, and this is the same form",
	"2nd and 4th Thu of Aug\tERROR":                             "recurrent refuses one-off dates; as a yearly schedule it is exactly 4#2,4#4 in August",
	"every 1 hour [multi: :fail]\t0 * * * *":                    "\"[multi: :fail]\" is an option of the tool's test harness, not part of the phrase",
	"every 5 mins after 2:00pm and before 2:55pm\t*/5 14 * * *": "\"before 2:55pm\" excludes 14:55, as \"before 3:00pm\" excludes 15:00 in the rows next to it; we give 0-50/5",
	"every wednsday\t0 0 * * 3":                                 "a misspelt day is refused with a suggestion (\"did you mean wednesday?\") rather than guessed, as the issue asks",
	"tuesdays and thursdays at 3:15\t15 15 * * 2,4":             "3:15 without am/pm is 03:15 on a 24-hour clock; the tool assumed the afternoon",
	"Run every 5 minutes during office hours\t0,5,10,15,20,25,30,35,40,45,50,55 9-16 * * * | */5 9-16 * * *": "the issue defines business hours as 9:00-17:00 Monday to Friday, and office hours are the same thing",
	// describers.tsv: the English does not describe the cron next to it.
	"Every hour, Tuesday through Saturday\t* * * 2-12/1 *":                                    "the cron restricts months (February to December) and fires every minute",
	"At 12:23 PM, on the second Sunday of the month\t23 12 * * 1#2":                           "1#2 is the second Monday (the describer counts Sunday as 1)",
	"Every hour, Sunday through Saturday\t0 * * * 1-6/1":                                      "1-6 is Monday through Saturday (the describer counts Sunday as 1)",
	"Every hour, Monday through Saturday\t0 * * * 2-6/1":                                      "2-6 is Tuesday through Saturday (the describer counts Sunday as 1)",
	"Every minute, only in August\t* * * 7 *":                                                 "7 is July (the describer counts months from 0)",
	"At 30 minutes past the hour, July through September\t30 * * 6-8 *":                       "6-8 is June through August (months counted from 0)",
	"At 30 minutes past the hour, every 2 months, February through November\t30 * * 1-10/2 *": "1-10/2 is January, March, ..., September (months counted from 0)",
	"At 30 minutes past the hour, only in May, June, and July\t30 * * 4,5,6 *":                "4,5,6 is April through June (months counted from 0)",
	"Every minute, July through September\t* * * 6-8 *":                                       "6-8 is June through August (months counted from 0)",
	"Every minute, every 2 days, or on Monday\t* * */2 * 1":                                   "with a starred day of the month, */2 and Monday must both match (Vixie cron, the schedule package); \"or\" describes 1-31/2",
	"Every 2 minutes\t1/2 * * * *":                                                            "1/2 is the odd minutes; \"every 2 minutes\" starts at :00",
	"Every minute of every 3 hours on the 2nd of every month\t* 1-23/3 2 * *":                 "1-23/3 starts at 1 AM; \"every 3 hours\" starts at midnight",
	"every day\t59 * * * *":                                                                   "59 * * * * runs every hour at :59, not every day",
	"Every hour, every 7 days of the week\t0 * * * */7":                                       "*/7 in the day-of-week field is refused by the schedule package (step out of range)",
	"At 0 minutes past the hour, every 4,6 hours\t0 */4,6 * * *":                              "\"every 4,6 hours\" is not English we can read unambiguously",
	"Every minute 2 hours a day\t* 8,18 * * *":                                                "a count of hours does not say which hours",
	"Every minute 3 hours a day\t* 8,18,20 * * *":                                             "a count of hours does not say which hours",
	"Every minute 20 hours a day\t* 1-20 * * *":                                               "a count of hours does not say which hours",
	"Twice an hour 5 hours a day\t0,30 1-5 * * *":                                             "a count of hours does not say which hours",
	"5 times a day\t0 1-5 * * *":                                                              "a count does not say which hours",
	"Every minute 5 hours a day\t* 1-5 * * *":                                                 "a count of hours does not say which hours",
	"5 days a month at 1:00am\t0 1 1-5 * *":                                                   "a count of days does not say which days",
	"5 days a month 2 months a year at 1:00am\t0 1 1-5 5,6 *":                                 "a count of days and months does not say which",
	"2 months a year on the 5th at 1:00am\t0 1 5 5,6 *":                                       "a count of months does not say which months",
	"The 5th of every month 4 days a week at 1:00am\t0 1 5 * 1-4":                             "a count of weekdays does not say which weekdays",
	"3 times every 5 minutes\t1-3/5 * * * *":                                                  "1-3/5 is the single minute :01 each hour",
	"Every minute at 6:00\t* 6 * * *":                                                         "conflicts with the phrases.tsv ERROR row \"every 10 minutes at 06:00\": a minute rhythm with a single clock time is refused",
}

// conformanceRow is one line of a corpus.
type conformanceRow struct {
	line    int
	phrase  string
	want    []string // alternatives; nil for ERROR
	zone    string
	source  string
	isError bool
	key     string // phrase, tab, expected column: the key of disputed
}

func readCorpus(t *testing.T, name string) []conformanceRow {
	t.Helper()
	f, err := os.Open(filepath.Join(conformanceDir, name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not found in %s", name, conformanceDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []conformanceRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		for len(cols) < 4 {
			cols = append(cols, "")
		}
		r := conformanceRow{line: n, phrase: cols[0], zone: cols[2], source: cols[3], key: cols[0] + "\t" + cols[1]}
		if strings.TrimSpace(cols[1]) == "ERROR" {
			r.isError = true
		} else {
			for _, alt := range strings.Split(cols[1], " | ") {
				r.want = append(r.want, strings.TrimSpace(alt))
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// sameFires reports whether a and b fire at the same instants during the
// two years from start, and if not, the first instant where they differ.
func sameFires(a, b *schedule.Schedule, start time.Time) (bool, string) {
	end := start.AddDate(2, 0, 0)
	ta, tb := start.Add(-time.Nanosecond), start.Add(-time.Nanosecond)
	for {
		ta, tb = a.Next(ta), b.Next(tb)
		aDone := ta.IsZero() || ta.After(end)
		bDone := tb.IsZero() || tb.After(end)
		if aDone && bDone {
			return true, ""
		}
		if aDone != bDone || !ta.Equal(tb) {
			return false, fmt.Sprintf("got %s, want %s", fmtFire(ta, aDone), fmtFire(tb, bDone))
		}
	}
}

func fmtFire(t time.Time, done bool) string {
	if done {
		return "no more fires"
	}
	return t.Format("2006-01-02 15:04 MST")
}

// scoreRow parses one row and reports whether the result is right.
func scoreRow(r conformanceRow) (ok bool, detail string) {
	res, err := nlcron.Parse(r.phrase)
	if r.isError {
		if err != nil {
			return true, ""
		}
		return false, fmt.Sprintf("accepted as %q (%s), want ERROR", res.Cron, res.Location)
	}
	if err != nil {
		return false, "refused: " + err.Error()
	}
	wantLoc := time.UTC
	if r.zone != "" {
		if wantLoc, err = time.LoadLocation(r.zone); err != nil {
			return false, "bad zone in corpus: " + r.zone
		}
	}
	got, err := schedule.Parse(res.Cron, res.Location)
	if err != nil {
		return false, fmt.Sprintf("result %q does not parse: %v", res.Cron, err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, wantLoc)
	var why []string
	for _, alt := range r.want {
		want, err := schedule.Parse(alt, wantLoc)
		if err != nil {
			why = append(why, fmt.Sprintf("expected %q does not parse: %v", alt, err))
			continue
		}
		if got.String() == want.String() && res.Location.String() == wantLoc.String() {
			return true, ""
		}
		same, diff := sameFires(got, want, start)
		if same {
			return true, ""
		}
		why = append(why, fmt.Sprintf("%q: %s", alt, diff))
	}
	return false, fmt.Sprintf("got %q (%s); %s", res.Cron, res.Location, strings.Join(why, "; "))
}

func runCorpus(t *testing.T, name string, target float64) {
	rows := readCorpus(t, name)
	right, disputedMisses := 0, 0
	var misses []string
	for _, r := range rows {
		ok, detail := scoreRow(r)
		if ok {
			right++
			continue
		}
		reason, isDisputed := disputed[r.key]
		if isDisputed {
			disputedMisses++
			misses = append(misses, fmt.Sprintf("line %d %q (disputed: %s): %s", r.line, r.phrase, reason, detail))
			continue
		}
		misses = append(misses, fmt.Sprintf("line %d %q: %s", r.line, r.phrase, detail))
		if r.isError {
			t.Errorf("ERROR row %q (line %d, %s) was accepted: %s", r.phrase, r.line, r.source, detail)
		}
	}
	raw := float64(right) / float64(len(rows))
	adjusted := float64(right) / float64(len(rows)-disputedMisses)
	t.Logf("%s: %d/%d right (%.1f%%); without the %d disputed rows %d/%d (%.1f%%); target %.0f%%",
		name, right, len(rows), 100*raw, disputedMisses, right, len(rows)-disputedMisses, 100*adjusted, 100*target)
	for _, m := range misses {
		t.Logf("miss: %s", m)
	}
	if adjusted < target {
		t.Errorf("%s: score %.1f%% (without disputed rows) is below the target %.0f%%", name, 100*adjusted, 100*target)
	}
}

// TestConformancePhrases scores Parse against phrases other natural
// language cron tools test: ≥ 95% right and every ERROR row refused.
func TestConformancePhrases(t *testing.T) {
	t.Parallel()
	runCorpus(t, "phrases.tsv", 0.95)
}

// TestConformanceDescribers scores Parse against English that cron
// describers write: ≥ 90% right.
func TestConformanceDescribers(t *testing.T) {
	t.Parallel()
	runCorpus(t, "describers.tsv", 0.90)
}
