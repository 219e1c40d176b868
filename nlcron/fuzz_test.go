package nlcron

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/adhocore/gronx"

	"github.com/nlcron/nlcron/schedule"
)

// FuzzParse checks that Parse never panics, that every error is a
// positioned *ParseError, that every accepted phrase gives a cron that
// schedule.Parse and gronx both accept, and that describing that cron
// and parsing the description gives back a schedule that fires at the
// same instants. Seeds: the golden phrases and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, in := range goldenInputs(f) {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res, err := Parse(in)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not a *ParseError: %v", in, err, err)
			}
			if pe.Offset < 0 || pe.Offset > len(in) || pe.Line < 1 || pe.Column < 1 {
				t.Fatalf("Parse(%q): bad position %d (%d:%d)", in, pe.Offset, pe.Line, pe.Column)
			}
			if pe.Msg == "" {
				t.Fatalf("Parse(%q): empty message", in)
			}
			return
		}
		if res.Location == nil {
			t.Fatalf("Parse(%q): nil Location", in)
		}
		s, err := schedule.Parse(res.Cron, res.Location)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which schedule.Parse refuses: %v", in, res.Cron, err)
		}
		if s.String() != res.Cron {
			t.Fatalf("Parse(%q) = %q, not canonical (%q)", in, res.Cron, s.String())
		}
		if !gronx.IsValid(res.Cron) {
			t.Fatalf("Parse(%q) = %q, which gronx refuses", in, res.Cron)
		}
		desc, err := Describe(res.Cron)
		if err != nil {
			t.Fatalf("Describe(%q) (from %q): %v", res.Cron, in, err)
		}
		back, err := Parse(desc)
		if err != nil {
			t.Fatalf("round trip: %q -> %q -> Describe %q -> Parse error: %v", in, res.Cron, desc, err)
		}
		if back.Cron == res.Cron {
			return
		}
		b, err := schedule.Parse(back.Cron, res.Location)
		if err != nil {
			t.Fatalf("round trip: %q gives %q, which schedule.Parse refuses: %v", desc, back.Cron, err)
		}
		if t0, t1, ok := firstDifference(s, b); !ok {
			t.Fatalf("round trip: %q -> %q -> %q -> %q: fires differ (%v vs %v)", in, res.Cron, desc, back.Cron, t0, t1)
		}
	})
}

// firstDifference walks both schedules through two years from a fixed
// instant and reports the first pair of fire times that differ.
func firstDifference(a, b *schedule.Schedule) (time.Time, time.Time, bool) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(2, 0, 0)
	ta, tb := start, start
	for range 200_000 {
		ta, tb = a.Next(ta), b.Next(tb)
		if !ta.Equal(tb) {
			return ta, tb, false
		}
		if ta.IsZero() || ta.After(end) {
			break
		}
	}
	return ta, tb, true
}

// TestParseErrorsArePositioned checks that errors point into the input
// and that Error() has the "line:column: message" shape.
func TestParseErrorsArePositioned(t *testing.T) {
	t.Parallel()
	for _, in := range goldenInputs(t) {
		_, err := Parse(in)
		var pe *ParseError
		if err == nil {
			continue
		}
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error %T is not a *ParseError", in, err)
			continue
		}
		if pe.Offset < 0 || pe.Offset > len(in) {
			t.Errorf("Parse(%q): offset %d outside the input", in, pe.Offset)
		}
		wantCol := utf8.RuneCountInString(in[strings.LastIndexByte(in[:pe.Offset], '\n')+1:pe.Offset]) + 1
		if pe.Column != wantCol {
			t.Errorf("Parse(%q): column %d, want %d for offset %d", in, pe.Column, wantCol, pe.Offset)
		}
		if !strings.HasPrefix(pe.Error(), strconv.Itoa(pe.Line)+":"+strconv.Itoa(pe.Column)+": ") {
			t.Errorf("Parse(%q): Error() = %q lacks the line:column prefix", in, pe.Error())
		}
		if pe.Text != "" && !strings.Contains(in, pe.Text) {
			t.Errorf("Parse(%q): Text %q is not part of the input", in, pe.Text)
		}
	}
}
