package nlcron

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
)

// lexerRules specifies the hand-written lexer: at each position the first
// rule that matches wins. TestLexerMatchesRules checks lexer.go against it.
var lexerRules = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Whitespace", Pattern: `\s+`},
	{Name: "Zone", Pattern: `[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)+`},
	{Name: "Offset", Pattern: `(?i:utc|gmt)[+\-−]\d{1,2}(?::?\d{2})?|[+\-]\d{2}:?\d{2}\b|\+\d{1,2}\b`},
	{Name: "Time", Pattern: `\d{1,2}(?:[:.]\d{2}(?::\d{2})?)?\s*(?i:[ap]\.\s?m\.?|[ap]m\b)|\d{1,2}(?:[:.]\d{2})?(?i:[ap])\b`},
	{Name: "Clock", Pattern: `\d{1,2}[:.]\d{2}(?::\d{2})?`},
	{Name: "MinuteMark", Pattern: `:\d{2}\b`},
	{Name: "Ordinal", Pattern: `\d+(?i:st|nd|rd|th)\b`},
	{Name: "Dur", Pattern: `\d+(?i:mins?|hrs?|mo|secs?|[smhdw])\b`},
	{Name: "Number", Pattern: `\d+`},
	{Name: "DayName", Pattern: `(?i:mondays?|mon|tuesdays?|tues|tue|wednesdays?|weds|wed|thursdays?|thurs|thur|thu|fridays?|fri|saturdays?|sat|sundays?|sun)\b`},
	{Name: "DayRange", Pattern: `(?i:m-f)\b`},
	{Name: "MonthName", Pattern: `(?i:january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug|september|sept|sep|october|oct|november|nov|december|dec)\b`},
	{Name: "Every", Pattern: `(?i:every|each)\b`},
	{Name: "Sep", Pattern: `(?i:and|or|plus)\b|[,&]`},
	{Name: "RangeSep", Pattern: `(?i:to|through|thru|till|until)\b|[-–—]`},
	{Name: "NoonWord", Pattern: `(?i:noon|midday|midnight)\b`},
	{Name: "Meridiem", Pattern: `(?i:[ap]\.\s?m\.?|[ap]m\b)`},
	{Name: "OClock", Pattern: `(?i:o['’]?\s?clock)\b`},
	{Name: "DayPart", Pattern: `(?i:in\s+the\s+(?:morning|afternoon|evening)|at\s+night|tonight)\b`},
	{Name: "Unit", Pattern: `(?i:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?|quarters?|years?|weekends?|weekdays?|nights?|mo|[smhdw])\b`},
	{Name: "NumWord", Pattern: `(?i:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty)\b`},
	{Name: "OrdWord", Pattern: `(?i:first|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|last)\b`},
	{Name: "Abbrev", Pattern: `(?i:est|edt|et|cst|cdt|ct|mst|mdt|mt|pst|pdt|pt|akst|hst|ist|bst|cet|cest|eet|eest|msk|jst|kst|aest|aedt|acst|awst|nzst|nzdt|sgt|hkt|ast|adt|nst|brt|sast|pkt|pht|eastern|central|mountain|pacific)\b`},
	{Name: "Adverb", Pattern: `(?i:hourly|daily|nightly|weekly|monthly|yearly|annually|quarterly|everyday|fortnightly|biweekly|bimonthly|semimonthly|biannually|semiannually)\b`},
	{Name: "Word", Pattern: `[A-Za-z]+(?:['’][A-Za-z]+)?`},
	{Name: "Punct", Pattern: `[,;:.&()\[\]!?/@+\-–—]`},
	{Name: "Other", Pattern: `[^\s]`},
})

type tok struct {
	Type  string
	Value string
	Pos   lexer.Position
}

func lexWith(t *testing.T, def lexer.Definition, s string) []tok {
	t.Helper()
	names := map[lexer.TokenType]string{}
	for n, tt := range def.Symbols() {
		names[tt] = n
	}
	l, err := def.(lexer.StringDefinition).LexString("", s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	var out []tok
	for {
		tk, err := l.Next()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if names[tk.Type] != "Whitespace" {
			out = append(out, tok{names[tk.Type], tk.Value, tk.Pos})
		}
		if tk.EOF() {
			return out
		}
	}
}

// TestLexerMatchesRules checks the hand-written lexer against the
// regular-expression rules on the test phrases and on random strings.
// rulesLex lexes s with lexerRules and the one rule a regular expression
// cannot say: a "-" right after a digit is a range ("9:00-17:00",
// "0900-1700"), never the sign of an offset.
func rulesLex(t *testing.T, s string) []tok {
	t.Helper()
	toks := lexWith(t, lexerRules, s)
	for i, tk := range toks {
		off := tk.Pos.Offset
		if tk.Type != "Offset" || tk.Value[0] != '-' || off == 0 || !isDigit(s[off-1]) {
			continue
		}
		out := append(toks[:i:i], tok{"RangeSep", "-", tk.Pos})
		for _, r := range rulesLex(t, s[off+1:]) {
			r.Pos.Offset += off + 1
			r.Pos.Line, r.Pos.Column = lineCol(s, r.Pos.Offset)
			out = append(out, r)
		}
		return out
	}
	return toks
}

func TestLexerMatchesRules(t *testing.T) {
	t.Parallel()
	inputs := append(dispatchPhrases(t), "5:30 p.m.", "5 a. m", "o'clock", "o’clock", "o clock", "12a", "3p", "utc+0530",
		"utc+530", "gmt−5", "+05:30", "-0800", "+9", "+123", "1-15", "mon-fri", "in  the\tmorning", "at night", "123pm",
		"5mos", "5min2", "1stday", "9:00-17:00", "0900-1700", "9.30am", "9.30 p.m.", "17.45", "17.45.00", "9.3", "1.505", "9.30.15am", "9.30a", "M-F", "m-f 9am", "m-fri", "M-Fx", "am-f", "9 -0800", "9am-0800", "x-0800", "it's", "monday's", "America/New_York", "Etc/GMT+5", "a/b/", ":15", ":155", "x–y—z", "\xff")
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "p", "m", ".", " ", ":", "1", "2", "5", "0", "+", "-", "/", "u", "t", "c", "o", "'", "’", "clock",
		"in the ", "at ", "night", "st", "th", "mo", "n", "s", "d", "x", "–", "\t", "A", "P", "M", "gmt", "é"}
	for range lexerRandomN {
		var b strings.Builder
		for range 1 + r.IntN(10) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		want := rulesLex(t, in)
		got := lexWith(t, nlLexer, in)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: tokens differ (-rules +lexer):\n%s", in, diff)
		}
	}
}
