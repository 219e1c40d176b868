package nlcron

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar reads a phrase as a sequence of clauses in any order
// ("at 5pm on sundays" and "sundays at 5pm" give the same tree). Each
// clause is one of the types below; translate.go turns the clauses into
// cron fields, so that the grammar stays declarative.
//
// A node has a Pos field only when translation reports errors at it:
// participle fills Pos by boxing the position, an allocation for every
// node it builds, so numWord, unitWord, dayItem, hourItem and nthDow,
// whose errors are reported at their clause, have none.
//
// Lists are written "( Sep Sep* item )*" rather than "( Sep+ item )*":
// the same language, but participle copies its parse state for each try
// of a repeated group, and "Sep+" tries twice where "Sep Sep*" tries once.
//
// Alternatives are tried in order and the first that matches wins (PEG
// style), so longer and more specific forms come first. Participle tries
// each alternative in turn, copying its parse state for every try, so
// alternatives that cannot start with the same token (and so cannot both
// match) are ordered by how often they are used: numbers before words in
// a day of the month, a unit before "business days", and so on.
//
// The word groups the parser passes most often are oneOf nodes (oneof.go),
// which read a set of word sequences without participle's copies; the
// EBNF names them by type, and their words are in their wordSet.

// caseInsensitiveTokens are the token types whose literals match in any case.
var caseInsensitiveTokens = []string{"Word", "DayName", "MonthName", "Unit", "NumWord", "OrdWord", "Abbrev", "Adverb",
	"Every", "Sep", "RangeSep", "NoonWord", "Meridiem", "OClock", "DayPart"}

// grammarOptions are shared by the phrase parser and the clause parsers.
// There is no participle.Elide("Whitespace"): the lexer drops whitespace
// itself, and an elided type would cost a map lookup on every token the
// parser peeks at.
var grammarOptions = []participle.Option{
	participle.Lexer(nlLexer),
	participle.CaseInsensitive(caseInsensitiveTokens...),
	participle.UseLookahead(participle.MaxLookahead),
}

// parser reads a whole phrase: clauses tried in the order of [members].
// It is the reference grammar (its EBNF is pinned in testdata); Parse
// uses fastParser, which gives the same trees (see dispatch.go).
var parser = participle.MustBuild[phrase](append(grammarOptions, participle.Union[clause](unionMembers()...))...)

// phrase is the root of the syntax tree.
type phrase struct {
	Clauses []clause `parser:"@@*"`
}

// clause is one independent part of a phrase.
type clause interface{ clause() }

func (*zoneClause) clause()         {}
func (*windowClause) clause()       {}
func (*hoursClause) clause()        {}
func (*domStepClause) clause()      {}
func (*nthDowClause) clause()       {}
func (*dowExceptClause) clause()    {}
func (*dowBetweenClause) clause()   {}
func (*dowClause) clause()          {}
func (*dateClause) clause()         {}
func (*monthBetweenClause) clause() {}
func (*monthClause) clause()        {}
func (*ordIntervalClause) clause()  {}
func (*intervalClause) clause()     {}
func (*partClause) clause()         {}
func (*freqClause) clause()         {}
func (*domBetweenClause) clause()   {}
func (*domClause) clause()          {}
func (*minuteClause) clause()       {}
func (*relMinuteClause) clause()    {}
func (*timeClause) clause()         {}
func (*startClause) clause()        {}
func (*refusalClause) clause()      {}
func (*onceClause) clause()         {}
func (*fillerClause) clause()       {}

// zoneClause names a time zone: "in America/New_York", "UTC", "GMT-5",
// "+05:30", "(EST)".
type zoneClause struct {
	Pos    lexer.Position
	Name   string `parser:"('in' | 'on' | 'at' | '(')? ( @Zone | @Offset | @('utc' | 'gmt' | 'z' | 'zulu')"`
	Abbrev string `parser:"  | @Abbrev )"`
	Suffix bool   `parser:"@('time' | 'timezone' | 'zone' | 'tz')? ')'?"`
}

// tod is a time of day: "5pm", "17:30", "noon", "half past five",
// "quarter to six", "20 past 5", "9 o'clock", "five pm", "12 noon",
// "zero dark thirty",
// optionally followed by "in the morning/afternoon/evening" or "at night".
type tod struct {
	Pos     lexer.Position
	Mer     string   `parser:"( @Time"`
	Clock   string   `parser:"| @Clock"`
	Noon    string   `parser:"| @NoonWord"`
	PastMin string   `parser:"| @Number ('minutes' | 'minute' | 'mins' | 'min')? ('past' | 'after')"`
	Past    *hourRef `parser:"  @@"`
	Num     string   `parser:"| @Number"`
	DarkH   *numWord `parser:"| @@ 'dark'"`
	DarkM   *numWord `parser:"  @@"`
	Word    *numWord `parser:"| @@"`
	Half    *hourRef `parser:"| 'half' ('past' | 'after') @@"`
	QPast   *hourRef `parser:"| 'quarter' ( ('past' | 'after') @@"`
	QTo     *hourRef `parser:"  | ('to' | 'before' | 'till' | 'of') @@ ) )"`
	Special string   `parser:"@NoonWord?"`
	OClock  string   `parser:"@OClock?"`
	WordMer string   `parser:"@Meridiem?"`
	DayPart string   `parser:"@DayPart?"`
}

// hourRef is the hour in "half past five" or "quarter to 6".
type hourRef struct {
	Pos  lexer.Position
	Time string   `parser:"( @Time"`
	Num  string   `parser:"| @Number"`
	Word *numWord `parser:"| @@ )"`
	Mer  string   `parser:"@Meridiem?"`
}

// numWord is a number written in words, "zero" to "fifty-nine".
type numWord struct {
	Words []string `parser:"@NumWord ('-'? @NumWord)?"`
}

// windowClause limits the hours of the day: "between 9am and 5pm",
// "between 08:00-18:00", "from 9 to 5", "8am to 5pm", "after 2pm and before 3pm",
// "during business hours", "between the 5th and 10th hour",
// "between minutes 0 and 59".
type windowClause struct {
	Pos      lexer.Position
	HourFrom string `parser:"( 'between' ( 'the' @Ordinal 'and' 'the'?"`
	HourTo   string `parser:"    @Ordinal 'hour' ('of' 'the'? 'day')?"`
	MinFrom  string `parser:"  | ('minutes' | 'minute') @Number 'and'"`
	MinTo    string `parser:"    @Number"`
	From     *tod   `parser:"  | 'hours'? @@ ('and' | RangeSep)"`
	To       *tod   `parser:"    @@ )"`
	From2    *tod   `parser:"| 'from' 'hours'? @@ RangeSep"`
	To2      *tod   `parser:"  @@"`
	After    *tod   `parser:"| 'after' @@ 'and'? 'before'"`
	Before   *tod   `parser:"  @@"`
	Business string `parser:"| ('during' | 'in' | 'within' | 'only' 'during')? ('business' | 'office' | 'working' | 'work') @'hours'"`
	From3    *tod   `parser:"| @@ RangeSep"`
	To3      *tod   `parser:"  @@ )"`
}

// hoursClause lists hours of the day: "during hours 1 AM through 3 AM and
// 9 AM".
type hoursClause struct {
	Pos   lexer.Position
	Items []*hourItem `parser:"'during' ('hours' | 'hour') @@ ( Sep Sep* @@ )*"`
}

// hourItem is an hour or a range of hours in an hoursClause.
type hourItem struct {
	From *tod `parser:"@@"`
	To   *tod `parser:"( RangeSep @@ )?"`
}

// domStepClause is a rhythm over the days of the month: "on every other
// day of the month", "on every 3rd day of the month from the 2nd through
// the 29th", "on every other day and the 4th of the month". ("every 2nd
// day of the month" without "on" is the 2nd, a domClause.)
type domStepClause struct {
	Pos   lexer.Position
	Other bool       `parser:"( 'on'? 'every' @('other' | 'alternate')"`
	Ord   string     `parser:"| 'on' 'every' @Ordinal ) 'day'"`
	Extra []*domItem `parser:"( 'and' 'the'? @@ ( Sep Sep* 'the'? @@ )* )? 'of' 'the' 'month'"`
	From  *domValue  `parser:"( 'from' 'the' @@ RangeSep"`
	To    *domValue  `parser:"  'the'? @@ )?"`
}

// dayItem is a day of the week or a range of them: "monday", "mon-fri",
// "M-F", "weekdays", "the weekend", "business days".
type dayItem struct {
	MonFri   bool   `parser:"( @DayRange"`
	Day      string `parser:"| @DayName ( RangeSep"`
	To       string `parser:"  @DayName )?"`
	Weekdays bool   `parser:"| @('weekdays' | 'weekday' (?! 'nearest' | 'closest') | 'workdays' | 'workday' | 'weekday' 'days' | 'business' ('days' | 'day') | 'working' ('days' | 'day') | 'work' ('days' | 'day'))"`
	Weekend  bool   `parser:"| @('weekends' | 'weekend') ('days' | 'day')? )"`
}

// dowClause selects days of the week: "on mondays", "every mon, wed and
// fri", "tuesday through friday", "on weekdays", "only on the weekend".
type dowClause struct {
	Pos     lexer.Position
	Prefix  oneOf[dowPrefix] `parser:"@@"`
	Article oneOf[article]   `parser:"@@?"`
	Items   []*dayItem       `parser:"@@ ( Sep Sep* ('the' | 'on')? @@ )*"`
	Week    oneOf[dowWeek]   `parser:"@@?"`
}

// dowExceptClause removes days: "except sundays", "but not on weekends".
type dowExceptClause struct {
	Pos   lexer.Position
	Items []*dayItem `parser:"('except' | 'excluding' | 'but' 'not' | 'other' 'than' | 'apart' 'from' | 'not') ('on' | 'for')? ('the' | 'a')? @@ ( Sep Sep* ('the' | 'on')? @@ )*"`
}

// dowBetweenClause is "between monday and friday" or "between mon-fri".
type dowBetweenClause struct {
	Pos  lexer.Position
	From string `parser:"'between' @DayName ('and' | RangeSep)"`
	To   string `parser:"@DayName"`
}

// nthWord is an occurrence within the month: "first", "2nd", "last".
type nthWord struct {
	Pos  lexer.Position
	Ord  string `parser:"( @Ordinal"`
	Word string `parser:"| @(OrdWord | 'second') )"`
}

// nthDow is "2nd and 4th thursday", "last friday", "first monday".
type nthDow struct {
	Nth []*nthWord `parser:"@@ ( Sep Sep* ('the')? @@ )*"`
	Day string     `parser:"@DayName"`
}

// nthDowClause selects nth weekdays of the month: "first monday of the
// month", "the last friday", "on the third monday and first thursday of
// the month", "on friday on the 3rd day instance".
type nthDowClause struct {
	Pos      lexer.Position
	Link     string    `parser:"( @('or' 'on' | 'if' 'it' 'falls' 'on')?"`
	Items    []*nthDow `parser:"  ('on' | 'every' | 'each')? 'the'? @@ ( Sep Sep* ('the')? @@ )*"`
	OfMonth  bool      `parser:"  @('of' ('the' | 'every' | 'each' | 'a')? 'month' | 'in' 'the' 'month')?"`
	Instance *nthWord  `parser:"| 'on' 'the' @@ 'day'? 'instance' )"`
}

// dateDay is the day number in a calendar date: "25th", "25", "first".
type dateDay struct {
	Pos  lexer.Position
	Ord  string `parser:"( @Ordinal"`
	Num  string `parser:"| @Number"`
	Word string `parser:"| @(OrdWord | 'second') )"`
}

// dateClause is a calendar date with the month first: "december 25th",
// "on jan 1", "every march 15", "april the 22nd", "aug 20 and 30".
type dateClause struct {
	Pos   lexer.Position
	Month string     `parser:"('on' | 'every' | 'each' | 'of')? @MonthName ('the' | ',')?"`
	Days  []*dateDay `parser:"@@ ( Sep Sep* ('the')? @@ )*"`
}

// monthItem is a month or a range of months.
type monthItem struct {
	Pos  lexer.Position
	From string `parser:"@MonthName ( RangeSep"`
	To   string `parser:"@MonthName )?"`
}

// monthClause selects months: "in june", "from january to march",
// "only in may, june and july", "every december", "of march".
type monthClause struct {
	Pos    lexer.Position
	Prefix oneOf[monthPrefix] `parser:"@@"`
	Items  []*monthItem       `parser:"@@ ( Sep Sep* @@ )*"`
}

// monthBetweenClause is "between january and march" or "between jan-mar".
type monthBetweenClause struct {
	Pos  lexer.Position
	From string `parser:"'between' @MonthName ('and' | RangeSep)"`
	To   string `parser:"@MonthName"`
}

// unitWord names the unit of an interval.
type unitWord struct {
	Word     string `parser:"( (?! 'second' ('of' | 'day' | 'days')) @Unit"`
	Day      string `parser:"| @DayName"`
	Business bool   `parser:"| @('business' | 'working' | 'work') ('day' | 'days') )"`
}

// intervalClause is a rhythm: "every 15 minutes", "every other day",
// "every alternate day",
// "every 2nd hour", "every half hour", "every 3h", "hourly", "daily".
type intervalClause struct {
	Pos     lexer.Position
	Quarter bool                  `parser:"( 'once'? Every ( @'quarter' 'of'? 'an'? 'hour'"`
	Count   string                `parser:"    | ( @Number"`
	Other   bool                  `parser:"      | @('other' | 'alternate')"`
	Ord     string                `parser:"      | @Ordinal (?! ('day' | 'days') ('of' | 'in'))"`
	Words   *numWord              `parser:"      | @@ )?"`
	Unit    *unitWord             `parser:"    @@"`
	Dur     string                `parser:"    | @Dur"`
	Half    bool                  `parser:"    | @'half' 'an'? 'hour' )"`
	Suffix  oneOf[intervalSuffix] `parser:"  @@?"`
	Adverb  string                `parser:"| @Adverb )"`
}

// ordIntervalClause is a rhythm counted by an ordinal word: "every
// second hour", "every third day" (an intervalClause once translated).
// It is a clause of its own, tried only when dispatch sees the ordinal
// word, so that other intervals do not pay for the alternative. ("every
// third day of the month" is the 3rd, a domClause; "every second monday"
// is an nthDowClause, which comes first.)
type ordIntervalClause struct {
	Pos  lexer.Position
	Ord  string    `parser:"'once'? Every (?! 'first' | 'last') @(OrdWord | 'second') (?! ('day' | 'days') ('of' | 'in'))"`
	Unit *unitWord `parser:"@@"`
}

// partClause is a part of the day as a rhythm: "every morning", "each
// afternoon", "evenings", and with the days before it ("every monday
// morning", "weekday mornings") "morning" after a dowClause, and "in the
// morning" or "at night" with no time before it ("every weekday in the
// morning at 9"; after a time it is the time's suffix). "every night"
// and "nightly" are intervalClauses, which come first. The part of the
// day only says am or pm of the phrase's times (see dayPartHour).
type partClause struct {
	Pos  lexer.Position
	Part string `parser:"( ('every' | 'each')? @('morning' | 'mornings' | 'afternoon' | 'afternoons' | 'evening' | 'evenings' | 'night' | 'nights') | (?! 'tonight') @DayPart )"`
}

// freqClause is a count per period: "twice a day", "3 times an hour",
// "once a week", "5 times a day".
type freqClause struct {
	Pos   lexer.Position
	Once  bool      `parser:"( @'once'"`
	Twice bool      `parser:"| @'twice'"`
	Count string    `parser:"| @Number ('times' | 'x')"`
	Words *numWord  `parser:"| @@ 'times' )"`
	Per   string    `parser:"@('a' | 'an' | 'per' | 'every' | 'each')"`
	Unit  *unitWord `parser:"@@"`
}

// domValue is a day of the month: "15th", "fifteenth", "15", "last",
// "last weekday", "first business day", "the nearest weekday to the 15th".
type domValue struct {
	Pos         lexer.Position
	Ord         string   `parser:"( @Ordinal"`
	Num         string   `parser:"| @Number"`
	LastWeekday bool     `parser:"| @('last' ('weekday' | 'business' 'day' | 'working' 'day'))"`
	FirstWkday  bool     `parser:"| @('first' ('weekday' | 'workday' | 'business' 'day' | 'working' 'day'))"`
	Nearest     *domNear `parser:"| ('nearest' | 'closest') ('weekday' | 'business' 'day' | 'working' 'day') ('to' | 'of')? 'the'? @@"`
	Nearest2    *domNear `parser:"| ('weekday' | 'business' 'day' | 'working' 'day') ('nearest' | 'closest') ('to' | 'of')? 'the'? @@"`
	Begin       bool     `parser:"| @('beginning' | 'begin' | 'start') (?= 'of' | EOF)"`
	End         bool     `parser:"| @'end' (?= 'of' | EOF)"`
	Last        bool     `parser:"| @'last' ('day')?"`
	Word        []string `parser:"| @('twenty' | 'thirty')? '-'? @(OrdWord | 'second') )"`
}

// domNear is the day after "nearest weekday to".
type domNear struct {
	Pos lexer.Position
	Ord string `parser:"( @Ordinal"`
	Num string `parser:"| @Number )"`
}

// domItem is a day of the month or a range: "1st", "1 through 10",
// "20 through the last".
type domItem struct {
	Pos  lexer.Position
	Day  oneOf[dayWord] `parser:"@@?"`
	From *domValue      `parser:"@@"`
	To   *domValue      `parser:"( RangeSep 'the'? @@ )?"`
}

// domClause selects days of the month: "on the 1st and 15th", "every 25th",
// "on day 2 and 5", "the last day of the month", "from the 25th to the
// last", "4th of every month", "on the nearest weekday to the 15th".
type domClause struct {
	Pos     lexer.Position
	Prefix  oneOf[domPrefix]  `parser:"@@"`
	The     bool              `parser:"@'the'?"`
	Items   []*domItem        `parser:"@@ ( Sep Sep* 'the'? @@ )*"`
	DayWord oneOf[dayWord]    `parser:"@@?"`
	OfMonth oneOf[domOfMonth] `parser:"@@?"`
}

// domBetweenClause is "between day 11 and 26 of the month".
type domBetweenClause struct {
	Pos     lexer.Position
	From    *domValue `parser:"'between' ('day' | 'days')? 'the'? @@ ('and' | RangeSep)"`
	To      *domValue `parser:"'the'? @@"`
	OfMonth bool      `parser:"@('of' ('the' | 'every' | 'each')? 'month')?"`
}

// minuteItem is a minute of the hour, or a range of minutes.
type minuteItem struct {
	Pos  lexer.Position
	From string `parser:"@Number"`
	To   string `parser:"( RangeSep @Number )?"`
}

// relItem is "quarter past", "20 past", "quarter to", "half past".
type relItem struct {
	Pos     lexer.Position
	Quarter bool     `parser:"( @'quarter'"`
	Half    bool     `parser:"| @'half'"`
	Num     string   `parser:"| @Number ('minutes' | 'minute' | 'mins' | 'min')?"`
	Word    *numWord `parser:"| @@ ('minutes' | 'minute' | 'mins' | 'min')? )"`
	Rel     string   `parser:"@('past' | 'after' | 'to' | 'before' | 'till')"`
}

// minuteClause fixes the minute within each hour: "at minute 50",
// "on minutes 10 and 30", "at :15", "on the hour", "on the half hour"
// (minute 30), "15 minutes past every
// hour", "at quarter past and quarter to every hour", "at 5 minutes past
// the hour"; "at second 10" is recognised only to be refused.
type minuteClause struct {
	Pos       lexer.Position
	Seconds   oneOf[secondWord] `parser:"( ('at' | 'on')? ( @@ Number"`
	Words     []*minuteItem     `parser:"    | ('minutes' | 'minute' | 'mins' | 'min') ( @@ ( Sep Sep* @@ )* ('past' | 'after') ('the' | 'every' | 'each') 'hour'"`
	Words2    []*minuteItem     `parser:"      | @@ ( Sep Sep* @@ )* )"`
	Marks     []string          `parser:"    | @MinuteMark ( Sep Sep* @MinuteMark )* )"`
	Range     []*minuteItem     `parser:"| 'from' ('minutes' | 'minute') @@"`
	TopOfHour bool              `parser:"| @('on' 'the' 'hour' | 'at' 'the' 'top' 'of' 'the' 'hour' | 'on' 'the' 'top' 'of' 'the' 'hour')"`
	HalfHour  bool              `parser:"| @(('on' | 'at') 'the' 'half' 'hour')"`
	OnMinute  bool              `parser:"| @('on' 'the' 'minute')"`
	Past      []*minuteItem     `parser:"| 'at'? @@ ( Sep Sep* @@ )* ('minutes' | 'minute' | 'mins' | 'min') ('past' | 'after') ('the' | 'every' | 'each') 'hour'"`
	Rel       []*relItem        `parser:"| 'at'? @@ ( Sep Sep* @@ )* ('the' | 'every' | 'each' | 'an') 'hour' )"`
}

// relMinuteClause is "at half past", "at quarter past", "at quarter to"
// or "at 20 past" with no hour after it: a minute within every hour
// ("every hour at half past", "hourly at 10 to"). With an hour after it,
// it is a time ("at half past five"), which timeClause reads.
type relMinuteClause struct {
	Pos    lexer.Position
	Half   bool   `parser:"'at' ( @'half' ('past' | 'after')"`
	Rel    string `parser:"  | 'quarter' @('past' | 'after' | 'to' | 'before' | 'till')"`
	Num    string `parser:"  | @Number ('minutes' | 'minute' | 'mins' | 'min')?"`
	NumRel string `parser:"    @('past' | 'after' | 'to' | 'before' | 'till') ) (?! Time | Clock | Number | NumWord | NoonWord)"`
}

// timeClause gives one or more times of day: "at 5pm", "at 9am and 5pm",
// "at 6am, noon and 6pm", "17:30", "at 5pm and 11".
type timeClause struct {
	Pos   lexer.Position
	At    oneOf[timeAt] `parser:"@@"`
	Times []*timeItem   `parser:"@@ ( (Sep | 'also') (Sep | 'also')* 'at'? @@ )*"`
}

// timeItem is a time of day, or a range of whole hours written the way
// cron describers do: "03:00 AM through 04:59 AM".
type timeItem struct {
	Pos  lexer.Position
	From *tod `parser:"@@"`
	To   *tod `parser:"( RangeSep @@ )?"`
}

// startClause shifts a rhythm: "starting at :05", "starting at minute 1",
// "starting on the 4th minute", "starting at hour 8", "starting at day 3",
// "starting on day 2 of the month", "starting at 1pm", "offset 10 minutes",
// "starting at 5 minutes past the hour", and "from 8am" with no end (a
// window with an end, "from 8am to 6pm", is a windowClause, tried first).
type startClause struct {
	Pos    lexer.Position
	Offset string `parser:"( 'offset' 'by'? @Number ('minutes' | 'minute' | 'mins' | 'min')"`
	Mark   string `parser:"| ('starting' | 'beginning' | 'commencing' | 'start' | 'from') ('at' | 'on' | 'from' | 'with')? 'the'? ( @MinuteMark"`
	Minute string `parser:"  | ('minute' | 'min') @Number | @Ordinal ('minute' | 'min') | @Number ('minutes' | 'minute' | 'mins' | 'min') ('past' | 'after') 'the' 'hour'"`
	Hour   string `parser:"  | 'hour' @Number | @Ordinal 'hour'"`
	Day    string `parser:"  | ('day' | 'days') @Number ('of' 'the'? 'month')? | @Ordinal ('day' 'of' 'the'? 'month' | 'day' | 'of' 'the'? 'month')"`
	Month  string `parser:"  | 'month' @Number | @MonthName"`
	Time   *tod   `parser:"  | @@ ) )"`
}

// refusalClause recognises words that introduce things no cron expression
// can say (end dates, counts, exceptions other than weekdays, years), so
// that the error can explain why instead of only pointing at the word.
// "for" is refused only before a count or a period ("for 3 weeks", "for
// the next month"); elsewhere ("schedule for every monday") it is filler.
type refusalClause struct {
	Pos  lexer.Position
	Word string   `parser:"@('for' (?= Number | NumWord | Dur | Ordinal | OrdWord | Unit | 'the' | 'a' | 'an' | 'next') | 'until' | 'till' | 'unless' | 'except' | 'excluding' | 'between' | 'times' | 'twice' | 'thrice' | 'seconds' | 'second' | 'secs' | 'sec')"`
	Rest []string `parser:"@(!'\\x00')*"`
}

// onceClause is a day or a moment that comes once, "tonight", "this
// morning", "tomorrow", "next monday", "in 5 minutes", recognised only to
// be refused: cron repeats.
type onceClause struct {
	Pos  lexer.Position
	Word string   `parser:"( 'this' @('morning' | 'afternoon' | 'evening' | 'night') | @('tonight' | 'today' | 'tomorrow') | 'next' @(DayName | 'week' | 'month' | 'year' | 'weekend')"`
	In   []string `parser:"  | 'in' @(Number | NumWord | 'a' | 'an') @Unit )"`
	Rest []string `parser:"@(!'\\x00')*"`
}

// fillerClause is punctuation or a word that carries no meaning here:
// "run", "please", "the job", ",".
type fillerClause struct {
	Pos  lexer.Position
	Word oneOf[fillerWord] `parser:"@@"`
}
