package nlcron

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/nlcron/nlcron/schedule"
)

// maxPhrase bounds the input length; no schedule needs more words.
const maxPhrase = 1000

func parse(phrase string, o options) (Result, error) {
	if strings.TrimSpace(phrase) == "" {
		return Result{}, &ParseError{Input: phrase, Line: 1, Column: 1, Msg: "empty phrase: say how often, e.g. \"every day at 9am\"", err: ErrEmpty}
	}
	if len(phrase) > maxPhrase {
		return Result{}, newError(phrase, maxPhrase, "", ErrSyntax, "", "phrase too long (over %d bytes)", maxPhrase)
	}
	if !utf8.ValidString(phrase) {
		i := 0
		for i < len(phrase) {
			r, n := utf8.DecodeRuneInString(phrase[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return Result{}, newError(phrase, i, "", ErrSyntax, "", "invalid UTF-8 at byte %d", i)
	}
	if expr, ok := looksLikeCron(phrase); ok {
		return parseCron(phrase, expr, o)
	}
	tree, err := fastParser.ParseString("", phrase)
	if err != nil {
		return Result{}, convertParticiple(phrase, err)
	}
	c := newCollector(phrase)
	c.collect(tree)
	var fields cronFields
	if !c.failed() {
		c.resolve(&fields)
	}
	if c.failed() {
		return Result{}, c.err
	}
	loc := o.loc
	if c.loc != nil {
		loc = c.loc
	}
	expr := fields.String()
	canon, err := canonicalCron(expr)
	if err != nil {
		// The grammar produced something schedule refuses: an impossible
		// combination we did not catch ourselves.
		var se *schedule.ParseError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = se.Msg
		}
		sentinel := ErrUnsupported
		if errors.Is(err, schedule.ErrNeverFires) || errors.Is(err, schedule.ErrRange) {
			sentinel = ErrRange
		}
		pe := newError(phrase, 0, strings.TrimSpace(phrase), sentinel, "", "%s (as cron: %s)", msg, expr)
		pe.err = fmt.Errorf("%w: %w", sentinel, err)
		return Result{}, pe
	}
	return Result{Cron: canon, Location: loc, Warnings: fields.warnings}, nil
}

// canonCacheMax bounds canonCache; when it is full it starts again empty.
const canonCacheMax = 4096

// canonCache maps a cron expression that schedule.Parse accepted to its
// canonical form. Many phrases share a cron ("0 9 * * 1-5"), and neither
// validity nor the canonical form depends on the location, so the
// validation is done once per expression. Refused expressions are not
// cached: their errors are built afresh.
var canonCache struct {
	sync.Mutex
	m map[string]string
}

// canonicalCron returns schedule.Parse(expr)'s canonical form, or its error.
func canonicalCron(expr string) (string, error) {
	canonCache.Lock()
	c, ok := canonCache.m[expr]
	canonCache.Unlock()
	if ok {
		return c, nil
	}
	s, err := schedule.Parse(expr, time.UTC)
	if err != nil {
		return "", err
	}
	c = s.String()
	canonCache.Lock()
	if canonCache.m == nil || len(canonCache.m) >= canonCacheMax {
		canonCache.m = make(map[string]string)
	}
	canonCache.m[expr] = c
	canonCache.Unlock()
	return c, nil
}

func newError(in string, off int, text string, sentinel error, suggestion, format string, args ...any) *ParseError {
	line, col := lineCol(in, off)
	return &ParseError{Input: in, Offset: off, Line: line, Column: col, Text: text,
		Msg: fmt.Sprintf(format, args...), Suggestion: suggestion, err: sentinel}
}

func lineCol(in string, off int) (int, int) {
	off = min(off, len(in))
	line := 1 + strings.Count(in[:off], "\n")
	col := utf8.RuneCountInString(in[strings.LastIndexByte(in[:off], '\n')+1:off]) + 1
	return line, col
}

// isCronField reports whether f can be the minute or hour field of a
// cron expression (^[0-9*][0-9*,/-]*$); a phrase never starts with two
// such words.
func isCronField(f string) bool {
	if f == "" || (f[0] != '*' && !isDigit(f[0])) {
		return false
	}
	for i := 1; i < len(f); i++ {
		if c := f[i]; !isDigit(c) && c != '*' && c != ',' && c != '/' && c != '-' {
			return false
		}
	}
	return true
}

// looksLikeCron reports whether phrase is a cron expression or macro
// rather than English. It runs before every parse, so it looks at the
// fields without collecting them unless the phrase is cron.
func looksLikeCron(phrase string) (string, bool) {
	t := strings.TrimSpace(phrase)
	if strings.HasPrefix(t, "@") && !strings.ContainsAny(t, " \t\n") {
		return t, true
	}
	n := 0
	for f := range strings.FieldsSeq(t) {
		if n < 2 && !isCronField(f) {
			return "", false
		}
		if n++; n > 7 {
			return "", false
		}
	}
	if n < 5 {
		return "", false
	}
	return strings.Join(strings.Fields(t), " "), true
}

// parseCron accepts a cron expression as is, in canonical form.
func parseCron(phrase, expr string, o options) (Result, error) {
	off := strings.Index(phrase, strings.TrimSpace(phrase))
	canon, err := canonicalCron(expr)
	if err != nil {
		var se *schedule.ParseError
		msg := err.Error()
		text := expr
		if errors.As(err, &se) {
			msg = se.Msg
			if se.Field != "" {
				msg = se.Field + " " + msg
			}
			if se.Value != "" {
				if i := strings.Index(phrase, se.Value); i >= 0 {
					off, text = i, se.Value
				}
			}
		}
		sentinel := ErrSyntax
		switch {
		case errors.Is(err, schedule.ErrRange), errors.Is(err, schedule.ErrNeverFires), errors.Is(err, schedule.ErrStep):
			sentinel = ErrRange
		}
		pe := newError(phrase, off, text, sentinel, "", "invalid cron expression: %s", msg)
		pe.err = fmt.Errorf("%w: %w", sentinel, err)
		return Result{}, pe
	}
	return Result{Cron: canon, Location: o.loc}, nil
}

// convertParticiple turns a participle error into a ParseError, with a
// suggestion when the offending word is close to a word we know.
func convertParticiple(in string, err error) *ParseError {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return newError(in, 0, "", ErrSyntax, "", "cannot read the phrase")
	}
	pos := perr.Position()
	var tok lexer.Token
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) {
		tok = ute.Unexpected
		pos = tok.Pos
	}
	if tok.EOF() || pos.Offset >= len(in) {
		return newError(in, len(in), "", ErrSyntax, "", "the phrase ends too early")
	}
	text := tok.Value
	if text == "" {
		text = firstWord(in[pos.Offset:])
	}
	if pe := spacedZone(in, pos.Offset, text); pe != nil {
		return pe
	}
	low := strings.ToLower(text)
	sugg, kind := suggest(low)
	switch {
	case isWord(low) && !knownWord(low) && sugg != "":
		return newError(in, pos.Offset, text, ErrSyntax, sugg, "unknown %s %q", kind, text)
	case isWord(low) && !knownWord(low):
		return newError(in, pos.Offset, text, ErrSyntax, "", "unknown word %q", text)
	}
	return newError(in, pos.Offset, text, ErrSyntax, "", "unexpected %q", text)
}

// spacedZone reads a zone name written with a space for an underscore,
// "America/New York", of which the parser stopped at the word after the
// space; it returns nil when the words before off are not such a zone.
func spacedZone(in string, off int, word string) *ParseError {
	before := strings.TrimRight(in[:off], " \t")
	if len(before) == off {
		return nil
	}
	start := strings.LastIndexAny(before, " \t\n") + 1
	zone := before[start:]
	if !strings.Contains(zone, "/") {
		return nil
	}
	text := in[start : off+len(word)]
	sugg := suggestZone(text)
	if sugg == "" {
		return nil
	}
	return newError(in, start, text, ErrUnknownZone, sugg, "unknown time zone %q: zone names use \"_\" for spaces", text)
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t\n,"); i > 0 {
		return s[:i]
	}
	return s
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '\'' {
			return false
		}
	}
	return true
}

// vocabulary is every word the grammar knows, read from its EBNF and the
// oneOf sets, plus the day and month names; it feeds the did-you-mean
// suggestions.
var vocabulary = func() map[string]string {
	v := map[string]string{}
	for _, m := range regexp.MustCompile(`"([a-z'’]+)"`).FindAllStringSubmatch(parser.String(), -1) {
		v[m[1]] = "word"
	}
	// The grammar's EBNF names a oneOf group by its type.
	for _, set := range wordSets {
		for _, seq := range set.seqs() {
			for _, w := range seq {
				if isWord(w) {
					v[w] = "word"
				}
			}
		}
	}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
		"mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
		"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"} {
		v[d] = "day"
	}
	for _, m := range []string{"january", "february", "march", "april", "may", "june", "july", "august",
		"september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
		"sep", "sept", "oct", "nov", "dec"} {
		v[m] = "month"
	}
	return v
}()

// vocabularyWords is vocabulary's words in order, for deterministic ties.
var vocabularyWords = func() []string {
	words := make([]string, 0, len(vocabulary))
	for w := range vocabulary {
		words = append(words, w)
	}
	slices.Sort(words)
	return words
}()

func knownWord(s string) bool {
	_, ok := vocabulary[s]
	return ok
}

// suggest returns the known word closest to s (by edit distance, ties
// broken alphabetically) when it is close enough to be a typo, and its
// kind: "day", "month" or "word".
func suggest(s string) (string, string) {
	if len(s) < 3 {
		return "", ""
	}
	limit := 1
	if len(s) >= 5 {
		limit = 2
	}
	if len(s) >= 9 {
		limit = 3
	}
	best, bestD := "", limit+1
	for _, w := range vocabularyWords {
		if len(w) < 3 {
			continue
		}
		if d := editDistance(s, w, bestD); d < bestD || (d == bestD && len(w) > len(best) && vocabulary[w] != "word") {
			best, bestD = w, d
		}
	}
	if best == "" || bestD > limit {
		return "", ""
	}
	return best, vocabulary[best]
}

// editDistance is the optimal-string-alignment distance (insertions,
// deletions, substitutions and adjacent transpositions), giving up with
// limit+1 once the distance must exceed limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	var buf [3][32]int
	var prev2, prev, cur []int
	if len(b) < len(buf[0]) {
		prev2, prev, cur = buf[0][:len(b)+1], buf[1][:len(b)+1], buf[2][:len(b)+1]
	} else {
		prev2, prev, cur = make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
