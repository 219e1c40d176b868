package nlcron

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDayParts pins how a part of the day resolves an hour without am/pm,
// whether it is a rhythm ("every evening at 6", "at 6 every evening",
// "nightly at 11") or follows the time ("at 6 in the evening").
func TestDayParts(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		// Night: pm from 6 to 11, am from 12 (midnight) to 5.
		{"every night at 11", "0 23 * * *"},
		{"nightly at 11", "0 23 * * *"},
		{"every night at 2", "0 2 * * *"},
		{"at 2 at night", "0 2 * * *"},
		{"every night at 12", "0 0 * * *"},
		{"every night at 12:30", "30 0 * * *"},
		{"every night at 6", "0 18 * * *"},
		{"every night at 5", "0 5 * * *"},
		{"every night at 11:30", "30 23 * * *"},
		{"every night at half past 11", "30 23 * * *"},
		{"every night at quarter to 12", "45 23 * * *"},
		{"every night at 11pm", "0 23 * * *"},
		{"every night at 23:00", "0 23 * * *"},
		{"every night at midnight", "0 0 * * *"},
		{"every night", "0 0 * * *"}, // midnight, the default time, is in the night
		{"nightly", "0 0 * * *"},
		// Morning: am, 12 is midnight.
		{"every morning at 7", "0 7 * * *"},
		{"mornings at 7", "0 7 * * *"},
		{"every morning at seven", "0 7 * * *"},
		{"every morning at 9:00", "0 9 * * *"},
		{"every morning at 7am", "0 7 * * *"},
		{"every morning at 07:30", "30 7 * * *"},
		{"every morning at 12", "0 0 * * *"},
		{"every weekday morning at 8", "0 8 * * 1-5"},
		{"weekday mornings at 8:30", "30 8 * * 1-5"},
		{"on weekday mornings at 7:15", "15 7 * * 1-5"},
		{"every monday morning at 9", "0 9 * * 1"},
		// "in the morning" away from the time it qualifies.
		{"every weekday in the morning at 9", "0 9 * * 1-5"},
		{"on mondays in the evening at 7:30", "30 19 * * 1"},
		{"at 9 on sundays in the evening", "0 21 * * 0"},
		{"every day at night at 11", "0 23 * * *"},
		{"every morning at 6, 7 and 8", "0 6-8 * * *"},
		{"every morning from 8 to 11", "0 8-11 * * *"},
		{"run this every morning at 7", "0 7 * * *"},
		// Afternoon: pm, 12 is noon.
		{"each afternoon at 3", "0 15 * * *"},
		{"every afternoon at 12", "0 12 * * *"},
		{"afternoons at 2:30", "30 14 * * *"},
		// Evening: pm, 12 is midnight.
		{"every evening at 6", "0 18 * * *"},
		{"at 6 every evening", "0 18 * * *"},
		{"every evening at 8:00", "0 20 * * *"},
		{"every evening at 7 o'clock", "0 19 * * *"},
		{"every evening at 12", "0 0 * * *"},
		{"every sunday evening at 6", "0 18 * * 0"},
		{"at 6 every evening on weekdays", "0 18 * * 1-5"},
		{"every evening between 6 and 9", "0 18-21 * * *"},
		{"every evening at 18:00", "0 18 * * *"},
		// The same rule after the time.
		{"at 7 in the evening", "0 19 * * *"},
		{"at 8:00 in the evening", "0 20 * * *"},
		{"at 12 in the afternoon", "0 12 * * *"},
		{"at 12 in the morning", "0 0 * * *"},
		{"at 10 at night", "0 22 * * *"},
		{"every friday night at 11", "0 23 * * 5"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			res, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, res.Cron); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
			if len(res.Warnings) > 0 {
				t.Errorf("Parse(%q): unexpected warnings %q", tc.in, res.Warnings)
			}
		})
	}
}

// TestDayPartRefusals pins the refusals about parts of the day: the
// sentinel, where the error points, what it says and what it suggests.
// Every suggestion must itself parse.
func TestDayPartRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		sentinel   error
		offset     int
		text       string
		msg        string // substring of the message
		suggestion string
	}{
		// A time that contradicts the part of the day.
		{"every morning at 5pm", ErrRange, 17, "5pm", `"5pm" is not in the morning (12am to 11:59am)`, "every morning at 5am"},
		{"every evening at 08:00", ErrRange, 17, "08:00", `"08:00" is not in the evening (1pm to 12:59am)`, "every evening at 8pm"},
		{"every morning at 18:00", ErrRange, 17, "18:00", `"18:00" is not in the morning`, "every morning at 6am"},
		{"every night at 9am", ErrRange, 15, "9am", `"9am" is not in the night (6pm to 5:59am)`, "every night at 9pm"},
		{"every evening at noon", ErrRange, 17, "noon", `"noon" is not in the evening`, "every evening at midnight"},
		{"every morning at 6 and 9pm", ErrRange, 23, "9pm", `"9pm" is not in the morning`, "every morning at 6 and 9am"},
		{"at 08:00 in the evening", ErrRange, 3, "08:00", `"08:00" is not in the evening`, "at 8pm in the evening"},
		{"at 5pm in the morning", ErrRange, 3, "5pm", `"5pm" is not in the morning`, "at 5am in the morning"},
		{"every morning at 7 in the evening", ErrSyntax, 17, "7 in the evening", `"every morning" says the morning, but "in the evening" says the evening`, ""},
		{"every morning and every evening at 7", ErrUnsupported, 18, "every evening", `"every morning" and "every evening" need different hours`, ""},
		// No time: cron cannot tell when the morning is.
		{"every morning", ErrSyntax, 0, "every morning", `"every morning" needs a time of day`, "every morning at 8am"},
		{"every evening", ErrSyntax, 0, "every evening", `needs a time of day: cron cannot tell when the evening starts`, "every evening at 6pm"},
		{"each afternoon", ErrSyntax, 0, "each afternoon", `needs a time of day`, "each afternoon at 2pm"},
		{"every monday morning", ErrSyntax, 13, "morning", `"morning" needs a time of day`, "every monday morning at 8am"},
		{"mornings in june", ErrSyntax, 0, "mornings", `"mornings" needs a time of day`, "mornings at 8am in june"},
		// A rhythm within the day: a window, not one time.
		{"every 15 minutes every morning", ErrSyntax, 17, "every morning", `needs a time of day`, "every 15 minutes between 8am and noon"},
		{"every hour in the morning", ErrSyntax, 11, "in the morning", `"in the morning" needs a time of day`, "every hour between 8am and noon"},
		{"hourly at night", ErrSyntax, 7, "at night", `cron cannot tell when the night starts`, "hourly between 10pm and midnight"},
		{"every 15 minutes in the afternoon on weekdays", ErrSyntax, 17, "in the afternoon", `needs a time of day`, "every 15 minutes on weekdays between noon and 6pm"},
		// "in the morning" with no time before it.
		{"mondays in the morning", ErrSyntax, 8, "in the morning", `"in the morning" needs a time of day`, "mondays at 8 in the morning"},
		{"in the evening", ErrSyntax, 0, "in the evening", `needs a time of day`, "at 6 in the evening"},
		{"every day at night", ErrSyntax, 10, "at night", `needs a time of day`, "every day at 10 at night"},
		// After midnight, a night or evening time is on the next day.
		{"every friday night at 1", ErrUnsupported, 22, "1", `"1" in the night is after midnight: cron would run it in the early hours of Fridays`, "every saturday at 1am"},
		{"every sunday evening at 12", ErrUnsupported, 24, "12", `"12" in the evening is after midnight`, "every monday at midnight"},
		{"every weekday night at 1:30", ErrUnsupported, 23, "1:30", `in the early hours of Mondays, Tuesdays, Wednesdays, Thursdays, Fridays`, "every tuesday, wednesday, thursday, friday and saturday at 1:30am"},
		{"at 2 at night on mondays", ErrUnsupported, 3, "2", `"2" in the night is after midnight`, "every tuesday at 2am"},
		// A day that comes once.
		{"tonight", ErrUnsupported, 0, "tonight", `"tonight" happens once, but a cron expression repeats`, "every night"},
		{"tonight at 9", ErrUnsupported, 0, "tonight", `"tonight" happens once`, "every night at 9"},
		{"at 9 tonight", ErrUnsupported, 5, "tonight", `"tonight" happens once`, "at 9 every night"},
		{"run this tonight at 9", ErrUnsupported, 9, "tonight", `"tonight" happens once`, "run this every night at 9"},
		{"tonight and tonight", ErrUnsupported, 0, "tonight", `"tonight" happens once`, "every night at 10pm"}, // suggestions are not refused in turn
		{"this morning at 9", ErrUnsupported, 0, "this morning", `"this morning" happens once`, "every morning at 9"},
		{"this evening", ErrUnsupported, 0, "this evening", `"this evening" happens once`, "every evening at 6pm"},
		{"tomorrow at 9", ErrUnsupported, 0, "tomorrow", `"tomorrow" happens once`, "every day at 9"},
		{"today at 5pm", ErrUnsupported, 0, "today", `"today" happens once`, "every day at 5pm"},
		{"next monday at 9", ErrUnsupported, 0, "next monday", `"next monday" happens once`, "every monday at 9"},
		{"next week", ErrUnsupported, 0, "next week", `"next week" happens once`, "every week"},
		{"run this in 5 minutes", ErrUnsupported, 9, "in 5 minutes", `"in 5 minutes" happens once`, ""},
		{"in an hour", ErrUnsupported, 0, "in an hour", `"in an hour" happens once`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.in)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %v, want a *ParseError", tc.in, err)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("Parse(%q) = %v, want %v", tc.in, err, tc.sentinel)
			}
			if pe.Offset != tc.offset || pe.Text != tc.text || pe.Suggestion != tc.suggestion {
				t.Errorf("Parse(%q): offset %d text %q suggestion %q, want %d %q %q", tc.in, pe.Offset, pe.Text, pe.Suggestion, tc.offset, tc.text, tc.suggestion)
			}
			if !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("Parse(%q): message %q, want it to contain %q", tc.in, pe.Msg, tc.msg)
			}
			if tc.suggestion != "" {
				if _, err := Parse(tc.suggestion); err != nil {
					t.Errorf("Parse(%q) suggests %q, which is refused: %v", tc.in, tc.suggestion, err)
				}
			}
		})
	}
}
