package nlcron

import (
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Participle tries the members of a union one after another and allocates
// a branch for every alternative it tries, so a phrase of four clauses
// over twenty clause types costs hundreds of allocations. fastParser keeps
// the same clause grammars but picks the candidates for each clause by its
// first token, in the same order as the union; TestDispatchMatchesUnion
// checks that both parsers give the same trees.

// member is one clause type with its own parser and the tokens it can
// start with: token type names ("Time") and lower-case words or
// punctuation ("every", ",").
type member struct {
	name   string
	zero   clause
	prefix map[string]bool // optional leading words
	first  map[string]bool // tokens the clause proper can start with
	// follow, when set for a first token, lists the tokens that may come
	// right after it.
	follow map[string]map[string]bool
	// ahead, when set for a first token, lists token types or words one
	// of which must come somewhere after it in the phrase.
	ahead map[string][]string
	parse func(lex *lexer.PeekingLexer) (clause, error)
	ebnf  func() string
}

func newMember[T any, PT interface {
	*T
	clause
}](name, prefix, first string) member {
	p := participle.MustBuild[T](grammarOptions...)
	m := member{name: name, zero: PT(new(T)), prefix: map[string]bool{}, first: map[string]bool{}, ebnf: p.String}
	for _, f := range strings.Fields(prefix) {
		m.prefix[f] = true
	}
	for _, f := range strings.Fields(first) {
		m.first[f] = true
	}
	m.follow = map[string]map[string]bool{}
	m.parse = func(lex *lexer.PeekingLexer) (clause, error) {
		cp := *lex
		v, err := p.ParseFromLexer(&cp, allowTrailing)
		if err != nil {
			return nil, err
		}
		*lex = cp
		return PT(v), nil
	}
	return m
}

// allowTrailing lets a clause parser stop before the end of the phrase;
// it is built once because the option is a closure.
var allowTrailing = participle.AllowTrailing(true)

// ordCounts are the ordinal words an ordIntervalClause counts with.
const ordCounts = "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth " +
	"fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth"

// ordUnitStart is the tokens a unitWord can start with.
const ordUnitStart = "Unit DayName business working work"

const todFirst = " noon midday midnight Time Clock Number half quarter NumWord "

// todStart is the tokens a time of day (tod) can start with, as follow sets
// name them.
const todStart = " Time Clock NoonWord Number half quarter NumWord "

// members lists the clause types in the order they are tried: earlier
// entries win when several could read the same words.
var members = []member{
	newMember[zoneClause]("zone", "in on at (", "Zone Offset utc gmt z zulu Abbrev"),
	newMember[hoursClause]("hours", "", "during"),
	// A window that starts with a time of day is "<tod> RangeSep <tod>".
	newMember[windowClause]("window", "during in within only", "business office working work between from after"+todFirst).
		withAhead(todFirst, "RangeSep").
		withFollow("between", "the minutes minute hours"+todStart).
		withFollow("from", "hours"+todStart).
		withFollow("after", todStart).
		withFollow("business", "hours").withFollow("office", "hours").
		withFollow("working", "hours").withFollow("work", "hours"),
	newMember[nthDowClause]("nthDow", "or if it falls on every each the", "Ordinal OrdWord second").
		withFollow("Ordinal", "DayName Sep Ordinal OrdWord second the day instance").
		withFollow("OrdWord", "DayName Sep Ordinal OrdWord second the day instance").
		withFollow("second", "DayName Sep Ordinal OrdWord second the day instance").
		// Every alternative ends its nth words with a DayName or "instance".
		withAhead("Ordinal OrdWord second", "DayName instance"),
	newMember[dowExceptClause]("dowExcept", "", "except excluding but other apart not"),
	newMember[dowBetweenClause]("dowBetween", "", "between"),
	newMember[dowClause]("dow", "or if it falls on every each only from the a", "DayName DayRange weekdays weekday workdays workday business working work weekends weekend"),
	newMember[dateClause]("date", "on every each of", "MonthName").
		withFollow("MonthName", "the , Ordinal Number OrdWord second"),
	newMember[monthBetweenClause]("monthBetween", "", "between"),
	newMember[monthClause]("month", "in the month months of only during every each from on through", "MonthName"),
	// Every alternative ends with "of the month".
	newMember[domStepClause]("domStep", "on", "every").withFollow("every", "other alternate Ordinal").withAhead("every", "month"),
	// The ordinal (not "first" or "last") is followed by the unit.
	newMember[ordIntervalClause]("ordInterval", "once every each", ordCounts).
		withFollowAll(ordCounts, ordUnitStart).withAhead(ordCounts, ordUnitStart),
	newMember[intervalClause]("interval", "", "every each once Adverb"),
	newMember[partClause]("part", "every each", "morning mornings afternoon afternoons evening evenings night nights DayPart"),
	newMember[freqClause]("freq", "", "once twice Number NumWord").
		withFollow("once", "a an per every each").withFollow("twice", "a an per every each").
		withFollow("Number", "times x").withFollow("NumWord", "NumWord - times"),
	newMember[minuteClause]("minute", "at on", "the seconds second secs sec minutes minute mins min MinuteMark from Number quarter half NumWord").
		withFollow("the", "hour minute top half").
		withFollow("Number", "minutes minute mins min past after to before till Sep RangeSep").
		// Only the "... past the hour" and "quarter past every hour"
		// alternatives start with a number or quarter/half; both end in "hour".
		withAhead("Number NumWord quarter half", "hour"),
	newMember[domBetweenClause]("domBetween", "", "between"),
	newMember[domClause]("dom", "on every each from only of the day days", "last nearest closest weekday business working beginning begin start end Ordinal Number twenty thirty - OrdWord second"),
	// Before timeClause, which would read "at 20" of "at 20 past"; it
	// refuses an hour after "past", so "at half past five" is a time.
	newMember[relMinuteClause]("relMinute", "", "at").withFollow("at", "quarter half Number").
		withAhead("at", "past after to before till"),
	newMember[timeClause]("time", "at @ by", todFirst),
	newMember[startClause]("start", "", "offset starting beginning commencing start from"),
	// "for 3 weeks" is refused; "schedule for every monday" and "for
	// ever" are filler.
	newMember[refusalClause]("refusal", "", "for until till unless except excluding between times twice thrice seconds second secs sec").
		withFollow("for", "Number NumWord Dur Ordinal OrdWord Unit the a an next"),
	newMember[onceClause]("once", "", "this tonight today tomorrow next in").
		withFollow("this", "morning afternoon evening night").
		withFollow("next", "DayName week month year weekend").
		withFollow("in", "Number NumWord a an"),
	newMember[fillerClause]("filler", "", ", . ; ! : - and also then run runs running fire fires execute executes trigger triggers schedule scheduled repeat repeats repeating it this please should once at on only just the every each a job task command time of in for forever"),
}

// withFollow restricts, for the first token after, the token that may
// follow it.
func (m member) withFollow(after, next string) member {
	set := map[string]bool{}
	for _, f := range strings.Fields(next) {
		set[f] = true
	}
	m.follow[after] = set
	return m
}

// withFollowAll is withFollow for each of the first tokens in afters.
func (m member) withFollowAll(afters, next string) member {
	for _, a := range strings.Fields(afters) {
		m = m.withFollow(a, next)
	}
	return m
}

// withAhead requires, after any of the first tokens in firsts, one of the
// token types or words in next later in the phrase.
func (m member) withAhead(firsts, next string) member {
	if m.ahead == nil {
		m.ahead = map[string][]string{}
	}
	for _, f := range strings.Fields(firsts) {
		m.ahead[f] = strings.Fields(next)
	}
	return m
}

func unionMembers() []clause {
	out := make([]clause, len(members))
	for i, m := range members {
		out[i] = m.zero
	}
	return out
}

// tokenName is the lexer's name for token type t (as in Symbols).
func tokenName(t lexer.TokenType) string {
	if i := int(tWhitespace - t); i >= 0 && i < len(tokenTypeNames) {
		return tokenTypeNames[i]
	}
	if t == lexer.EOF {
		return "EOF"
	}
	return ""
}

// keys returns, for the next few tokens, the names the member sets use:
// the token type and the lower-case text, and the tokens' type indexes.
// rest is left after them.
func keys(lex *lexer.PeekingLexer, out *[4][2]string, rest *lexer.PeekingLexer, types *[4]int) int {
	n := 0
	*rest = *lex
	for n < len(out) {
		if rest.Peek().EOF() {
			break
		}
		tok := rest.Next()
		out[n][0] = tokenName(tok.Type)
		out[n][1] = keyText(tok.Value)
		types[n] = tokenTypeIndex(tok.Type)
		n++
	}
	return n
}

// keyText is the lower-case form of a token's text as the member sets
// spell it. Text with upper-case letters is looked up in keyWords rather
// than lowered into a new string; a word no member set names needs no
// exact key, so it gets "", which matches nothing.
func keyText(s string) string {
	for i := range len(s) {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			var buf [32]byte
			if len(s) > len(buf) {
				return ""
			}
			for j := range len(s) {
				c := s[j]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf[j] = c
			}
			return keyWords[string(buf[:len(s)])]
		}
	}
	return s
}

// memberMasks is, for one key, the set of members, as bits indexed by
// position in members, that list it among their first tokens and among
// their prefix words.
type memberMasks struct{ first, prefix uint64 }

// wordMasks holds the memberMasks of lower-case words and punctuation,
// typeFirst the first-token member sets of token types by
// tokenTypeIndex, and keyWords every word any member set names (first,
// prefix, follow or ahead), for keyText. parseClause looks each token up
// once per clause instead of once per member.
var wordMasks, typeFirst, keyWords = func() (map[string]memberMasks, []uint64, map[string]string) {
	if len(members) > 64 {
		panic("nlcron: more than 64 clause members")
	}
	words := map[string]memberMasks{}
	types := make([]uint64, len(tokenTypeNames)+1)
	names := map[string]string{}
	typeIndex := func(k string) int {
		for i, n := range tokenTypeNames {
			if n == k {
				return i
			}
		}
		return -1
	}
	addName := func(k string) {
		if typeIndex(k) < 0 {
			names[k] = k
		}
	}
	for i, m := range members {
		for k := range m.first {
			if t := typeIndex(k); t >= 0 {
				types[t] |= 1 << i
			} else {
				w := words[k]
				w.first |= 1 << i
				words[k] = w
			}
			addName(k)
		}
		for k := range m.prefix {
			w := words[k]
			w.prefix |= 1 << i
			words[k] = w
			addName(k)
		}
		for _, set := range m.follow {
			for k := range set {
				addName(k)
			}
		}
		for _, next := range m.ahead {
			for _, k := range next {
				addName(k)
			}
		}
	}
	return words, types, names
}()

// tokenTypeIndex is t's index in tokenTypeNames, or len(tokenTypeNames)
// for EOF and unknown types.
func tokenTypeIndex(t lexer.TokenType) int {
	if i := int(tWhitespace - t); i >= 0 && i < len(tokenTypeNames) {
		return i
	}
	return len(tokenTypeNames)
}

// startKeys is the lookahead of one clause with its keys' member sets.
type startKeys struct {
	k      [4][2]string
	n      int
	types  [4]int             // tokenTypeIndex of the tokens
	first  [4][2]uint64       // first-token member sets of k[i][0] and k[i][1]
	prefix [4]uint64          // prefix member set of k[i][1]
	rest   lexer.PeekingLexer // the tokens after k
}

// mayStart reports whether members[idx] can start with the tokens in s:
// optional prefix words followed by one of its first tokens.
func (s *startKeys) mayStart(idx int) bool {
	m := &members[idx]
	bit := uint64(1) << idx
	for i := range s.n {
		for j, key := range s.k[i] {
			if s.first[i][j]&bit == 0 {
				continue
			}
			if need, ok := m.ahead[key]; ok && !s.keyAfter(i, need) {
				return false
			}
			f, ok := m.follow[key]
			if !ok || i+1 >= s.n {
				return true
			}
			return f[s.k[i+1][0]] || f[s.k[i+1][1]]
		}
		if s.prefix[i]&bit == 0 {
			return false
		}
	}
	return s.n == len(s.k) // ran out of lookahead: let the parser decide
}

// keyAfter reports whether a token whose type name or text is one of
// names comes after the i-th, looking as far as the end of the phrase.
func (s *startKeys) keyAfter(i int, names []string) bool {
	for j := i + 1; j < s.n; j++ {
		for _, name := range names {
			if s.k[j][0] == name || s.k[j][1] == name {
				return true
			}
		}
	}
	rest := s.rest
	for !rest.Peek().EOF() {
		tok := rest.Next()
		typ, text := tokenName(tok.Type), keyText(tok.Value)
		for _, name := range names {
			if typ == name || text == name {
				return true
			}
		}
	}
	return false
}

// parseClause reads one clause, trying only the members that can start
// with the next tokens, in member order.
func parseClause(lex *lexer.PeekingLexer) (clause, error) {
	var s startKeys
	s.n = keys(lex, &s.k, &s.rest, &s.types)
	if s.n == 0 {
		return nil, participle.NextMatch
	}
	for i := range s.n {
		w := wordMasks[s.k[i][1]]
		s.first[i][0] = typeFirst[s.types[i]]
		s.first[i][1] = w.first
		s.prefix[i] = w.prefix
	}
	for i := range members {
		if !s.mayStart(i) {
			continue
		}
		if c, err := members[i].parse(lex); err == nil {
			return c, nil
		}
	}
	return nil, participle.NextMatch
}

// fastPhrase is a phrase read clause by clause with parseClause.
type fastPhrase phrase

// Parse implements participle.Parseable.
func (p *fastPhrase) Parse(lex *lexer.PeekingLexer) error {
	p.Clauses = make([]clause, 0, 4) // most phrases have at most four
	for {
		c, err := parseClause(lex)
		if err == participle.NextMatch {
			if !lex.Peek().EOF() {
				// participle reports this as an unexpected next token.
				return participle.NextMatch
			}
			return nil
		}
		p.Clauses = append(p.Clauses, c)
	}
}

// fastParserType reads phrases with first-token dispatch.
var fastParserType = participle.MustBuild[fastPhrase](grammarOptions...)

// fastParser is the parser Parse uses; it gives the same trees as parser.
var fastParser = fastParserAdapter{}

type fastParserAdapter struct{}

func (fastParserAdapter) ParseString(filename, s string) (*phrase, error) {
	p, err := fastParserType.ParseString(filename, s)
	return (*phrase)(p), err
}
