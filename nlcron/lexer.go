package nlcron

import (
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// The lexer is written by hand because it runs on every Parse and the
// regular-expression lexer participle offers spent a quarter of the parse
// time. Its rules are specified as regular expressions in lexerRules (in
// lexer_test.go, which checks that both lexers give the same tokens). In
// short, at each position the first of these rules that matches wins:
//
//	Whitespace  \s+                     (dropped)
//	Zone        Area/Location           America/New_York, Etc/GMT+5
//	Offset      utc+9, gmt-05:30, +05:30, -0800, +9 (a "-" right after a
//	            digit is a RangeSep instead: 9:00-17:00, 0900-1700)
//	Time        5pm, 5 pm, 5:30 p.m., 9.30am, 12a, 3p
//	Clock       17:30, 17.30, 05:00:00
//	MinuteMark  :15
//	Ordinal     1st, 22nd
//	Dur         5m, 3h, 2d, 1w, 2mo, 15s, 10min
//	Number      42
//	DayName     monday, mon, mondays
//	DayRange    M-F (Monday to Friday)
//	MonthName, Every, Sep, RangeSep, NoonWord, Meridiem, OClock,
//	DayPart, Unit, NumWord, OrdWord, Abbrev, Adverb: word classes
//	Word        any other word, with an inner apostrophe (o'clock, it's)
//	Punct       , ; : . & ( ) [ ] ! ? / @ + - – —
//	Other       any other character

// Token types, in rule order.
const (
	tWhitespace lexer.TokenType = -2 - iota
	tZone
	tOffset
	tTime
	tClock
	tMinuteMark
	tOrdinal
	tDur
	tNumber
	tDayName
	tDayRange
	tMonthName
	tEvery
	tSep
	tRangeSep
	tNoonWord
	tMeridiem
	tOClock
	tDayPart
	tUnit
	tNumWord
	tOrdWord
	tAbbrev
	tAdverb
	tWord
	tPunct
	tOther
)

var tokenTypeNames = []string{"Whitespace", "Zone", "Offset", "Time", "Clock", "MinuteMark", "Ordinal", "Dur", "Number",
	"DayName", "DayRange", "MonthName", "Every", "Sep", "RangeSep", "NoonWord", "Meridiem", "OClock", "DayPart", "Unit", "NumWord",
	"OrdWord", "Abbrev", "Adverb", "Word", "Punct", "Other"}

// wordClass maps lower-case words to their token type. Words in several
// classes belong to the first, as with rule order.
var wordClass = func() map[string]lexer.TokenType {
	m := map[string]lexer.TokenType{}
	add := func(t lexer.TokenType, words string) {
		for _, w := range strings.Fields(words) {
			if _, ok := m[w]; !ok {
				m[w] = t
			}
		}
	}
	add(tDayName, "monday mondays mon tuesday tuesdays tues tue wednesday wednesdays weds wed thursday thursdays thurs thur thu friday fridays fri saturday saturdays sat sunday sundays sun")
	add(tMonthName, "january jan february feb march mar april apr may june jun july jul august aug september sept sep october oct november nov december dec")
	add(tEvery, "every each")
	add(tSep, "and or plus")
	add(tRangeSep, "to through thru till until")
	add(tNoonWord, "noon midday midnight")
	add(tMeridiem, "am pm")
	add(tOClock, "oclock")
	add(tDayPart, "tonight")
	add(tUnit, "second seconds sec secs minute minutes min mins hour hours hr hrs day days week weeks fortnight fortnights month months quarter quarters year years weekend weekends weekday weekdays night nights mo s m h d w")
	add(tNumWord, "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty")
	add(tOrdWord, "first third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth last")
	add(tAbbrev, "est edt et cst cdt ct mst mdt mt pst pdt pt akst hst ist bst cet cest eet eest msk jst kst aest aedt acst awst nzst nzdt sgt hkt ast adt nst brt sast pkt pht eastern central mountain pacific")
	add(tAdverb, "hourly daily nightly weekly monthly yearly annually quarterly everyday fortnightly biweekly bimonthly semimonthly biannually semiannually")
	for w := range m {
		if len(w) > 16 {
			panic("nlcron: wordClassOf's buffer is shorter than " + w)
		}
	}
	return m
}()

// wordClassOf looks the letters w up in wordClass in any case, without
// building a lower-case copy.
func wordClassOf(w string) (lexer.TokenType, bool) {
	var buf [16]byte // longer than any word in wordClass
	if len(w) > len(buf) {
		return 0, false
	}
	for i := range len(w) {
		buf[i] = w[i] | 0x20 // w is ASCII letters
	}
	t, ok := wordClass[string(buf[:len(w)])]
	return t, ok
}

var durUnits = map[string]bool{"min": true, "mins": true, "hr": true, "hrs": true, "mo": true, "sec": true, "secs": true,
	"s": true, "m": true, "h": true, "d": true, "w": true}

var ordSuffixes = map[string]bool{"st": true, "nd": true, "rd": true, "th": true}

// nlLexerDef implements lexer.Definition for phrases.
type nlLexerDef struct{}

var nlLexer lexer.Definition = nlLexerDef{}

// Symbols implements lexer.Definition. Participle asks for the symbols on
// every parse (to look up elided types), so the map is built once; callers
// must not modify it. It is built on first use rather than as a package
// variable because the parsers, built during package initialisation, call
// it through the lexer.Definition interface, which initialisation order
// does not track.
func (nlLexerDef) Symbols() map[string]lexer.TokenType {
	symbolsOnce.Do(func() {
		m := map[string]lexer.TokenType{"EOF": lexer.EOF}
		for i, n := range tokenTypeNames {
			m[n] = tWhitespace - lexer.TokenType(i)
		}
		nlSymbols = m
	})
	return nlSymbols
}

var (
	symbolsOnce sync.Once
	nlSymbols   map[string]lexer.TokenType
)

func (d nlLexerDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

func (nlLexerDef) LexString(filename string, input string) (lexer.Lexer, error) {
	return &phraseLexer{s: input, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}, nil
}

// phraseLexer hands out the tokens of s one at a time, skipping
// whitespace, then EOF forever. Participle copies the tokens into its own
// slice, so lexing on demand saves building a second one.
type phraseLexer struct {
	s   string
	i   int
	pos lexer.Position
}

func (l *phraseLexer) Next() (lexer.Token, error) {
	for l.i < len(l.s) {
		n, t := next(l.s, l.i)
		tok := lexer.Token{Type: t, Value: l.s[l.i : l.i+n], Pos: l.pos}
		l.pos.Advance(tok.Value)
		l.i += n
		if t != tWhitespace {
			return tok, nil
		}
	}
	return lexer.Token{Type: lexer.EOF, Pos: l.pos}, nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isWordChar(c byte) bool {
	return isDigit(c) || isLetter(c) || c == '_'
}
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// boundary reports whether s[i:] starts at a word boundary after a word
// character (the regexp \b).
func boundary(s string, i int) bool { return i >= len(s) || !isWordChar(s[i]) }

// next returns the length and type of the token at s[i:].
func next(s string, i int) (int, lexer.TokenType) {
	c := s[i]
	switch {
	case isSpace(c):
		j := i
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		return j - i, tWhitespace
	case isLetter(c):
		if n := zoneLen(s, i); n > 0 {
			return n, tZone
		}
		if n := offsetLen(s, i); n > 0 {
			return n, tOffset
		}
		return wordToken(s, i)
	case isDigit(c):
		return numberToken(s, i)
	case c == ':':
		if i+2 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && boundary(s, i+3) {
			return 3, tMinuteMark
		}
		return 1, tPunct
	case c == '+' || c == '-':
		if c == '-' && i > 0 && isDigit(s[i-1]) {
			return 1, tRangeSep // "9-5", "0900-1700": a range, not an offset
		}
		if n := offsetLen(s, i); n > 0 {
			return n, tOffset
		}
		if c == '-' {
			return 1, tRangeSep
		}
		return 1, tPunct
	case c == ',' || c == '&':
		return 1, tSep
	case strings.IndexByte(";.()[]!?/@", c) >= 0:
		return 1, tPunct
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == '–' || r == '—' {
		return n, tRangeSep
	}
	return n, tOther
}

// zoneLen matches [A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)+.
func zoneLen(s string, i int) int {
	zc := func(c byte) bool { return isWordChar(c) || c == '+' || c == '-' }
	j := i + 1
	for j < len(s) && zc(s[j]) {
		j++
	}
	end := 0
	for j < len(s) && s[j] == '/' {
		k := j + 1
		for k < len(s) && zc(s[k]) {
			k++
		}
		if k == j+1 {
			break
		}
		end, j = k, k
	}
	if end == 0 {
		return 0
	}
	return end - i
}

// offsetLen matches (?i:utc|gmt)[+\-−]\d{1,2}(?::?\d{2})? |
// [+\-]\d{2}:?\d{2}\b | \+\d{1,2}\b.
func offsetLen(s string, i int) int {
	if isLetter(s[i]) {
		if i+3 > len(s) {
			return 0
		}
		if w := s[i : i+3]; !strings.EqualFold(w, "utc") && !strings.EqualFold(w, "gmt") {
			return 0
		}
		j := i + 3
		switch {
		case j < len(s) && (s[j] == '+' || s[j] == '-'):
			j++
		case strings.HasPrefix(s[j:], "−"):
			j += len("−")
		default:
			return 0
		}
		d := digits(s, j, 2)
		if d == 0 {
			return 0
		}
		j += d
		k := j
		if k < len(s) && s[k] == ':' {
			k++
		}
		if digits(s, k, 2) == 2 {
			j = k + 2
		}
		return j - i
	}
	j := i + 1
	if d := digits(s, j, 2); d == 2 {
		k := j + 2
		if k < len(s) && s[k] == ':' {
			k++
		}
		if digits(s, k, 2) == 2 && boundary(s, k+2) {
			return k + 2 - i
		}
	}
	if s[i] == '+' {
		d := digits(s, j, 2)
		for ; d > 0; d-- {
			if boundary(s, j+d) {
				return j + d - i
			}
		}
	}
	return 0
}

// clockGroup reports whether s[j:] starts with ":mm", or, for the first
// group after the hour, ".mm" ("9.30am", "at 17.45").
func clockGroup(s string, j int, first bool) bool {
	return j+2 < len(s) && (s[j] == ':' || first && s[j] == '.') && isDigit(s[j+1]) && isDigit(s[j+2])
}

// digits counts up to max digits at s[i:].
func digits(s string, i, max int) int {
	n := 0
	for n < max && i+n < len(s) && isDigit(s[i+n]) {
		n++
	}
	return n
}

// meridiemLen matches (?i:[ap]\.\s?m\.?|[ap]m\b) at s[i:].
func meridiemLen(s string, i int) int {
	if i >= len(s) || (s[i]|0x20 != 'a' && s[i]|0x20 != 'p') {
		return 0
	}
	j := i + 1
	if j < len(s) && s[j] == '.' {
		j++
		if j < len(s) && isSpace(s[j]) {
			j++
		}
		if j < len(s) && s[j]|0x20 == 'm' {
			j++
			if j < len(s) && s[j] == '.' {
				j++
			}
			return j - i
		}
		if isSpace(s[j-1]) {
			// "a. m" was tried with the space; try without it.
			return 0
		}
		return 0
	}
	if j < len(s) && s[j]|0x20 == 'm' && boundary(s, j+1) {
		return j + 1 - i
	}
	return 0
}

// numberToken handles the rules that start with a digit: Time, Clock,
// Ordinal, Dur, Number.
func numberToken(s string, i int) (int, lexer.TokenType) {
	d := digits(s, i, len(s))
	// Time and Clock need one or two digits for the hour; with more, the
	// regexp backtracks to two digits that are then followed by a digit,
	// which fails.
	if d <= 2 {
		// Time, first form: h(:mm){0,2}\s*(meridiem).
		j := i + d
		for reps := 0; reps < 2 && clockGroup(s, j, reps == 0); reps++ {
			j += 3
		}
		// The regexp may give back ":mm" groups, but a meridiem cannot
		// start with ':', so only the longest run can succeed.
		k := j
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		for back := k; back >= j; back-- {
			if n := meridiemLen(s, back); n > 0 {
				return back + n - i, tTime
			}
			if back == j {
				break
			}
		}
		// Second form: h(:mm)?[ap]\b.
		j = i + d
		for _, jj := range []int{j + 3, j} {
			if jj == j+3 && !clockGroup(s, j, true) {
				continue
			}
			if jj < len(s) && (s[jj]|0x20 == 'a' || s[jj]|0x20 == 'p') && boundary(s, jj+1) {
				return jj + 1 - i, tTime
			}
		}
		// Clock: h:mm(:ss)?
		if clockGroup(s, j, true) {
			k := j + 3
			if clockGroup(s, k, false) {
				k += 3
			}
			return k - i, tClock
		}
	}
	// Ordinal and Dur: digits then a suffix that ends the word.
	j := i + d
	k := j
	for k < len(s) && isLetter(s[k]) {
		k++
	}
	if k > j && k-j <= 4 && boundary(s, k) { // the suffixes have at most four letters
		var buf [4]byte
		for x := j; x < k; x++ {
			buf[x-j] = s[x] | 0x20 // ASCII letters
		}
		suf := buf[:k-j]
		if ordSuffixes[string(suf)] {
			return k - i, tOrdinal
		}
		if durUnits[string(suf)] {
			return k - i, tDur
		}
	}
	return d, tNumber
}

// wordToken handles the word rules.
func wordToken(s string, i int) (int, lexer.TokenType) {
	j := i
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	w := s[i:j]
	// Multi-word and punctuated forms first.
	switch {
	case len(w) == 1 && w[0]|0x20 == 'm' && j+1 < len(s) && s[j] == '-' && s[j+1]|0x20 == 'f' && boundary(s, j+2):
		return j + 2 - i, tDayRange // "M-F", Monday to Friday
	case len(w) == 2 && (strings.EqualFold(w, "in") || strings.EqualFold(w, "at")):
		if n := dayPartLen(s, i); n > 0 {
			return n, tDayPart
		}
	case len(w) == 1 && (w[0]|0x20 == 'a' || w[0]|0x20 == 'p'):
		if n := meridiemLen(s, i); n > 0 {
			return n, tMeridiem
		}
	case len(w) == 1 && w[0]|0x20 == 'o':
		if n := oclockLen(s, i); n > 0 {
			return n, tOClock
		}
	}
	if boundary(s, j) {
		if t, ok := wordClassOf(w); ok {
			return j - i, t
		}
	}
	// Word: [A-Za-z]+(?:['’][A-Za-z]+)?
	if j < len(s) && s[j] == '\'' && j+1 < len(s) && isLetter(s[j+1]) {
		j += 2
		for j < len(s) && isLetter(s[j]) {
			j++
		}
	} else if strings.HasPrefix(s[j:], "’") && j+3 < len(s) && isLetter(s[j+3]) {
		j += 4
		for j < len(s) && isLetter(s[j]) {
			j++
		}
	}
	return j - i, tWord
}

// dayPartLen matches (?i:in\s+the\s+(?:morning|afternoon|evening)|at\s+night)\b.
func dayPartLen(s string, i int) int {
	j := i + 2
	k := j
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	if k == j {
		return 0
	}
	if s[i]|0x20 == 'a' {
		if k+5 <= len(s) && strings.EqualFold(s[k:k+5], "night") && boundary(s, k+5) {
			return k + 5 - i
		}
		return 0
	}
	if k+3 > len(s) || !strings.EqualFold(s[k:k+3], "the") {
		return 0
	}
	j = k + 3
	k = j
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	if k == j {
		return 0
	}
	for _, w := range []string{"morning", "afternoon", "evening"} {
		if k+len(w) <= len(s) && strings.EqualFold(s[k:k+len(w)], w) && boundary(s, k+len(w)) {
			return k + len(w) - i
		}
	}
	return 0
}

// oclockLen matches (?i:o['’]?\s?clock)\b.
func oclockLen(s string, i int) int {
	j := i + 1
	if j < len(s) && s[j] == '\'' {
		j++
	} else if strings.HasPrefix(s[j:], "’") {
		j += len("’")
	}
	if j < len(s) && isSpace(s[j]) {
		j++
	}
	if j+5 <= len(s) && strings.EqualFold(s[j:j+5], "clock") && boundary(s, j+5) {
		return j + 5 - i
	}
	return 0
}
