package nlcron

import (
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Participle copies its parse state (about 160 bytes on the heap) for each
// try of an optional group and for each alternative of a disjunction it
// tries, so an optional group of words that most phrases do not have,
// such as `@('of' ('the' | 'every')? 'month' | 'a' 'month')?`, costs
// several copies every time the parser passes it. oneOf reads such a
// group by hand, checking the next tokens against the group's word
// sequences without copying anything.
//
// A oneOf is written "@@" and costs what any capture costs (about 300
// bytes: participle records every capture to apply it later), or "@@?"
// and costs one copy, plus the capture when it matches. So a group that
// is usually there is a set with an empty sequence, written "@@"; a group
// that is usually not there is a set without one, written "@@?".

// wordSet is the set of word sequences a oneOf reads. Its seqs are the
// sequences the grammar group can match, in the order the group's
// alternatives try them (the first that matches wins); an empty sequence,
// last, matches nothing and makes the group optional.
// TestOneOfMatchesGrammar checks each set against the group it replaces.
type wordSet interface{ seqs() [][]string }

// oneOf is a group of words read by hand: the tokens of the first of S's
// sequences that the next tokens match, concatenated as participle
// concatenates a string capture. When none matches it consumes nothing
// and fails, or, when S has an empty sequence, succeeds with "".
type oneOf[S wordSet] string

// Parse implements participle.Parseable.
func (o *oneOf[S]) Parse(lex *lexer.PeekingLexer) error {
	var set S
	for _, seq := range set.seqs() {
		if len(seq) == 0 {
			return nil
		}
		if n := matchWords(lex, seq); n > 0 {
			if n == 1 {
				*o = oneOf[S](lex.Next().Value)
				return nil
			}
			var b strings.Builder
			for range n {
				b.WriteString(lex.Next().Value)
			}
			*o = oneOf[S](b.String())
			return nil
		}
	}
	return participle.NextMatch
}

// matchWords returns len(seq) when the next tokens are the words of seq,
// compared as participle compares literals, and 0 otherwise.
func matchWords(lex *lexer.PeekingLexer, seq []string) int {
	if !literalMatch(lex.Peek(), seq[0]) {
		return 0
	}
	if len(seq) == 1 {
		return 1
	}
	cp := *lex
	cp.Next()
	for _, w := range seq[1:] {
		if !literalMatch(cp.Next(), w) {
			return 0
		}
	}
	return len(seq)
}

// literalMatch reports whether tok matches the grammar literal w: in any
// case for the caseInsensitiveTokens types, exactly for the others.
func literalMatch(tok *lexer.Token, w string) bool {
	if tok.EOF() {
		return false
	}
	if caseInsensitiveType[tokenTypeIndex(tok.Type)] {
		return strings.EqualFold(tok.Value, w)
	}
	return tok.Value == w
}

// caseInsensitiveType is caseInsensitiveTokens by tokenTypeIndex.
var caseInsensitiveType = func() []bool {
	out := make([]bool, len(tokenTypeNames)+1)
	for _, name := range caseInsensitiveTokens {
		for i, n := range tokenTypeNames {
			if n == name {
				out[i] = true
			}
		}
	}
	return out
}()

// wordSeqs splits "of the month | a month" into word sequences; a
// trailing "|" adds the empty sequence.
func wordSeqs(s string) [][]string {
	var out [][]string
	for _, alt := range strings.Split(s, "|") {
		out = append(out, strings.Fields(alt))
	}
	return out
}

// wordSets lists every wordSet, so that the words they read count as
// grammar vocabulary and are checked by TestOneOfMatchesGrammar.
var wordSets = []wordSet{intervalSuffix{}, dowPrefix{}, article{}, dowWeek{}, domPrefix{}, domOfMonth{}, monthPrefix{}, timeAt{}, dayWord{}, fillerWord{}, secondWord{}}

// intervalSuffix is the "of the week" after an interval.
type intervalSuffix struct{}

var intervalSuffixSeqs = wordSeqs("of the week | of the month | of every week | of every month | of each week | of each month | " +
	"of a week | of a month | of week | of month | in a month | a month")

func (intervalSuffix) seqs() [][]string { return intervalSuffixSeqs }

// dowPrefix is the word before the days of a dowClause.
type dowPrefix struct{}

var dowPrefixSeqs = wordSeqs("every | on | from | each | only on | only | or on | if it falls on |")

func (dowPrefix) seqs() [][]string { return dowPrefixSeqs }

// dowWeek is the "of the week" after the days of a dowClause.
type dowWeek struct{}

var dowWeekSeqs = wordSeqs("of the week | of week | of every week | each week | every week")

func (dowWeek) seqs() [][]string { return dowWeekSeqs }

// domPrefix is the word before the days of a domClause.
type domPrefix struct{}

var domPrefixSeqs = wordSeqs("on | every | each | from | only on | of |")

func (domPrefix) seqs() [][]string { return domPrefixSeqs }

// domOfMonth is the "of the month" after the days of a domClause.
type domOfMonth struct{}

var domOfMonthSeqs = wordSeqs("of the month | of every month | of each month | of a month | of month | " +
	"in a month | every month | each month")

func (domOfMonth) seqs() [][]string { return domOfMonthSeqs }

// monthPrefix is the word before the months of a monthClause.
type monthPrefix struct{}

var monthPrefixSeqs = wordSeqs("in the month of | in the months of | in the month | in the months | in | " +
	"only in | only during | during | of | every | each | from | on | through |")

func (monthPrefix) seqs() [][]string { return monthPrefixSeqs }

// timeAt is the "at" before the times of a timeClause.
type timeAt struct{}

var timeAtSeqs = wordSeqs("at | @ | by |")

func (timeAt) seqs() [][]string { return timeAtSeqs }

// article is the "the" or "a" before the days of a dowClause.
type article struct{}

var articleSeqs = wordSeqs("the | a")

func (article) seqs() [][]string { return articleSeqs }

// dayWord is the "day" before or after a day of the month.
type dayWord struct{}

var dayWordSeqs = wordSeqs("day | days")

func (dayWord) seqs() [][]string { return dayWordSeqs }

// fillerWord is the punctuation or word of a fillerClause.
type fillerWord struct{}

var fillerWordSeqs = wordSeqs(", | run | and | every | in | at | once | of | . | ; | ! | : | - | also | then | runs | running | " +
	"fire | fires | execute | executes | trigger | triggers | schedule | scheduled | repeat | repeats | repeating | " +
	"it | this | please | should | on | only | just | the | each | a job | a task | a command | job | task | command | time | " +
	"for ever | for good | for | forever")

func (fillerWord) seqs() [][]string { return fillerWordSeqs }

// secondWord is the unit in "at second 10", which a minuteClause reads to
// refuse it.
type secondWord struct{}

var secondWordSeqs = wordSeqs("seconds | second | secs | sec")

func (secondWord) seqs() [][]string { return secondWordSeqs }
