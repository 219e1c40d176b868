// Package nlcron turns English schedule phrases into standard five-field
// cron expressions, and cron expressions back into English.
//
//	res, err := nlcron.Parse("sundays at 5pm in Europe/London")
//	res.Cron     // "0 17 * * 0"
//	res.Location // Europe/London
//
// [Parse] either returns exactly the schedule the phrase says, or a
// [*ParseError] that points at the offending word, says what is wrong and,
// where it can, suggests a phrase that works ("1:7: unknown day
// \"wensday\"; did you mean \"wednesday\"?"; a misspelt zone name gets
// the nearest IANA name Go ships: "Europe/Londn", "Europe/London"). It
// never guesses silently: approximations it does make are listed in
// [Result.Warnings]. The cron it returns is in the canonical form of the
// schedule package, which fires it ([schedule.Parse]); gronx accepts it
// too. [Describe] goes the other way, and Parse reads everything Describe
// writes.
//
// # Phrases
//
// Words are case-insensitive, may come in any order, and filler words and
// punctuation ("run", "please", commas) are ignored. A phrase combines:
//
//   - Intervals: every N minutes/hours/days/months, every minute/hour/day/
//     week/month/quarter/year, hourly, daily, weekly, monthly, quarterly,
//     yearly, annually, every other (or alternate) hour/day/month, every
//     second hour, every third day, every 2nd hour, every half hour, every
//     quarter hour, every 3h, every 5m, twice a day, 4 times an hour, once
//     a week,
//     "every 15 minutes starting at :05", "every 2 hours from 8am",
//     "offset 10 minutes", "every hour at half past" (also quarter past,
//     quarter to, "at 20 past", "at 10 to").
//   - Times: 5pm, 5 pm, 5:30 p.m., 9.30am, 17:00, 17.00, 1730, 9 o'clock,
//     noon, midnight, half past five, quarter to six, 20 past 5, "at 5 in the
//     afternoon", "on the hour", "on the half hour", "at :15", "15
//     minutes past every hour", and lists ("at 9am and 5pm", "at 6am, noon
//     and 6pm") when one cron can fire at exactly those times.
//   - Parts of the day: "every morning at 7", "mornings at 7", "each
//     afternoon at 3", "at 6 every evening", "every weekday morning at 8",
//     "monday mornings at 9", "every sunday evening at 6", "nightly at 11",
//     "every night at 2", "every weekday in the morning at 9"; see Rules
//     for the hour they give.
//   - Windows: "between 9am and 5pm", "from 9 to 5", "8am to 5pm",
//     "9:00-17:00", "after 2pm and before 3pm", "during business hours"
//     (9:00 to 17:00, Monday to Friday; "office hours" and "working hours"
//     mean the same). Two bare numbers ("9-5", "9 to 5") need "from":
//     "5 to 9" can also mean 8:55.
//   - Days of the week: names, abbreviations and plurals, weekdays,
//     weekends, business days, lists ("mon, wed and fri"), ranges
//     ("tuesday through friday", "mon-fri", "M-F", "saturday through tuesday"
//     wraps), "every day except sunday", "the first monday of the month"
//     (1#1), "the last friday" (5L).
//   - Days of the month: 1st, first, fifteenth, "the 1st and 15th", "the
//     last day of the month" (L), "the nearest weekday to the 15th" (15W),
//     "the first business day of the month" (1W: the weekday nearest the
//     1st stays in the month, so it is the first weekday),
//     "from the 25th to the last", "on every other day of the month".
//   - Months and dates: names, lists, ranges ("from january to march"),
//     "in june", "on december 25th", "every march 15", "the 4th of july".
//   - Zones: IANA names ("in America/New_York"), UTC, GMT, Z, and fixed
//     offsets ("UTC+9", "GMT-5", "+05:30"). Whole-hour offsets become
//     Etc/GMT zones (note their inverted sign: UTC+9 is Etc/GMT-9), others
//     a fixed zone named like "UTC+05:30". Abbreviations such as EST, PST,
//     IST and CST, and the names Eastern, Central, Mountain and Pacific,
//     are refused with the IANA zones they may mean: they do not say
//     which zone, nor whether daylight saving applies.
//   - A cron expression or macro ("0 9 * * 1-5", "@daily"), returned in
//     canonical form.
//
// # Rules
//
// Defaults fill what the phrase leaves out, from its finest unit: "every
// day" runs at midnight, "every month" on the 1st at midnight, "every
// week" on Sunday, "every year" on January 1st, and a phrase with only
// days ("mondays") runs at midnight on them. A window without a rhythm
// ("every weekday 8am to 5pm") runs every hour on the hour.
//
// A part of the day never sets a time by itself; it says which half of
// the day an hour without am/pm is in, by one rule whether it is a rhythm
// ("every evening at 6", "at 6 every evening", "nightly at 11"), follows
// the time ("at 6 in the evening", "at 2 at night") or stands elsewhere
// ("on mondays in the evening at 7"):
//
//   - morning is am: "at 7" is 07:00 and "at 12" is 00:00;
//   - afternoon is pm: 3 is 15:00 and 12 is noon;
//   - evening is pm: 6 is 18:00, and 12 is midnight;
//   - night is pm from 6 to 11 and am from 12 to 5: "every night at 11"
//     is 23:00, "at 2 at night" is 02:00 and "every night at 12" 00:00.
//
// A time that already says which half ("5pm", "noon", "midnight") or is
// written on the 24-hour clock ("08:00", "18:00", "0:30") is kept, and
// must lie in the part: morning 00:00-11:59, afternoon 12:00-23:59,
// evening 13:00-00:59, night 18:00-05:59; "every morning at 5pm" and
// "every evening at 08:00" are refused with the time read in the part
// ("every morning at 5am"). A part of the day needs a time ("every
// morning" is refused with "every morning at 8am"), except "every night"
// and "nightly", which run at midnight like "every day"; with a rhythm of
// minutes or hours the suggestion is a window ("every hour in the
// morning" suggests "every hour between 8am and noon"). An evening or
// night time after midnight with named weekdays ("every friday night at
// 1") is refused with the day it falls on ("every saturday at 1am"),
// since cron would run it on Friday. One-off days ("tonight", "this
// morning", "tomorrow", "next monday", "in 5 minutes") are refused: cron
// repeats.
//
// Windows include both ends. A rhythm that runs several times an hour and
// ends on a whole hour stops before that hour: "every 15 minutes from 9am
// to 5pm" is */15 9-16 (last run 16:45), "every hour from 9am to 5pm" is
// 0 9-17. "before" excludes its time: "after 2pm and before 3pm" ends at
// 14:59. A window that would need different minutes in its first or last
// hour ("every 5 minutes from 9:30 to 17:00") is refused with a phrase
// that works.
//
// A step that does not divide its cycle ("every 7 minutes", "every 5
// hours", "every 4 days") is accepted as */n, because cron restarts the
// step every hour, day or month, and a warning says exactly where the
// rhythm breaks ("after :56 the next run is :00, 4 minutes later").
//
// When a phrase restricts both the day of the month and the weekday
// ("on the 1st and on mondays"), cron runs when either matches; a warning
// says so. Write "..., if it falls on monday" to require both (Describe's
// form), which is possible when one of the two is an every-n-days rhythm.
//
// An ordinal interval is a count: "every third day" is "every 3 days"
// (*/3 with the same warning), but "every third day of the month" is the
// 3rd.
//
// Refused, with the reason: seconds, intervals no cron field can count
// ("every 90 minutes", "every other week", "every 2 years"), counts and
// end dates ("3 times", "until june"), exceptions other than weekdays,
// impossible dates ("february 30th"), out-of-range times ("25:00",
// "13pm"), lists of times that are not a product of minutes and hours
// ("at 9:15 and 17:30"), and unknown words. Errors wrap sentinel errors
// ([ErrSyntax], [ErrUnsupported], [ErrRange], [ErrAmbiguousZone],
// [ErrUnknownZone], [ErrEmpty]) for [errors.Is].
//
// # Daylight saving time
//
// The schedule package decides what happens at DST transitions: in a
// spring-forward gap, fixed-time runs happen once at the first instant
// after the gap and wildcard runs (every minute, every hour) are skipped;
// in a fall-back overlap, fixed-time runs happen once and wildcard runs in
// both passes. Parse keeps the distinction: "every hour" gives a starred
// hour field, "every hour from 12 AM through 11 PM" gives 0-23.
//
// # Grammar
//
// The grammar is declared with participle (grammar.go; its EBNF is pinned
// in testdata/grammar.ebnf) over a hand-written lexer (lexer.go). The
// syntax tree is turned into cron by plain Go (translate.go, resolve.go).
package nlcron
