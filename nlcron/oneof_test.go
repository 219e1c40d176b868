package nlcron

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar groups the oneOf sets replace, as participle reads them.
type (
	probeIntervalSuffix struct {
		V string `parser:"@('of' ('the' | 'every' | 'each' | 'a')? ('week' | 'month') | 'in' 'a' 'month' | 'a' 'month')?"`
	}
	probeDowPrefix struct {
		V string `parser:"@('every' | 'on' | 'from' | 'each' | 'only' 'on' | 'only' | 'or' 'on' | 'if' 'it' 'falls' 'on')?"`
	}
	probeDowWeek struct {
		V string `parser:"@('of' ('the'? 'week' | 'every' 'week') | 'each' 'week' | 'every' 'week')?"`
	}
	probeDomPrefix struct {
		V string `parser:"@('on' | 'every' | 'each' | 'from' | 'only' 'on' | 'of')?"`
	}
	probeDomOfMonth struct {
		V string `parser:"@('of' ('the' | 'every' | 'each' | 'a')? 'month' | 'in' 'a' 'month' | 'every' 'month' | 'each' 'month')?"`
	}
	probeMonthPrefix struct {
		V string `parser:"@('in' ('the' ('month' | 'months') 'of'?)? | 'only' ('in' | 'during') | 'during' | 'of' | 'every' | 'each' | 'from' | 'on' | 'through')?"`
	}
	probeArticle struct {
		V string `parser:"@('the' | 'a')?"`
	}
	probeDayWord struct {
		V string `parser:"@('day' | 'days')?"`
	}
	probeFillerWord struct {
		V string `parser:"@(',' | 'run' | 'and' | 'every' | 'in' | 'at' | 'once' | 'of' | '.' | ';' | '!' | ':' | '-' | 'also' | 'then' | 'runs' | 'running' | 'fire' | 'fires' | 'execute' | 'executes' | 'trigger' | 'triggers' | 'schedule' | 'scheduled' | 'repeat' | 'repeats' | 'repeating' | 'it' | 'this' | 'please' | 'should' | 'on' | 'only' | 'just' | 'the' | 'each' | 'a' ('job' | 'task' | 'command') | 'job' | 'task' | 'command' | 'time' | 'for' ('ever' | 'good')? | 'forever')?"`
	}
	probeSecondWord struct {
		V string `parser:"@('seconds' | 'second' | 'secs' | 'sec')?"`
	}
	probeTimeAt struct {
		V string `parser:"@('at' | '@' | 'by')?"`
	}
)

// TestOneOfMatchesGrammar checks that each oneOf set reads the same
// tokens, and captures the same text, as the grammar group it replaces,
// on random word sequences drawn from the set's words and a few others in
// random case.
func TestOneOfMatchesGrammar(t *testing.T) {
	t.Parallel()
	checkOneOf[intervalSuffix, probeIntervalSuffix](t, func(p *probeIntervalSuffix) string { return p.V })
	checkOneOf[dowPrefix, probeDowPrefix](t, func(p *probeDowPrefix) string { return p.V })
	checkOneOf[dowWeek, probeDowWeek](t, func(p *probeDowWeek) string { return p.V })
	checkOneOf[domPrefix, probeDomPrefix](t, func(p *probeDomPrefix) string { return p.V })
	checkOneOf[domOfMonth, probeDomOfMonth](t, func(p *probeDomOfMonth) string { return p.V })
	checkOneOf[monthPrefix, probeMonthPrefix](t, func(p *probeMonthPrefix) string { return p.V })
	checkOneOf[timeAt, probeTimeAt](t, func(p *probeTimeAt) string { return p.V })
	checkOneOf[article, probeArticle](t, func(p *probeArticle) string { return p.V })
	checkOneOf[dayWord, probeDayWord](t, func(p *probeDayWord) string { return p.V })
	checkOneOf[fillerWord, probeFillerWord](t, func(p *probeFillerWord) string { return p.V })
	checkOneOf[secondWord, probeSecondWord](t, func(p *probeSecondWord) string { return p.V })
	if len(wordSets) != 11 {
		t.Errorf("wordSets has %d sets, the test checks 11", len(wordSets))
	}
}

func checkOneOf[S wordSet, P any](t *testing.T, value func(*P) string) {
	t.Helper()
	p := participle.MustBuild[P](grammarOptions...)
	pool := []string{"the", "a", "x", "5", "5pm", "monday", "june", "in the morning", ",", "@", "-"}
	var set S
	optional := false
	for _, seq := range set.seqs() {
		pool = append(pool, seq...)
		optional = optional || len(seq) == 0
	}
	r := rand.New(rand.NewPCG(7, 8))
	upgrade := func(s string) *lexer.PeekingLexer {
		l, err := nlLexer.(lexer.StringDefinition).LexString("", s)
		if err != nil {
			t.Fatal(err)
		}
		pl, err := lexer.Upgrade(l)
		if err != nil {
			t.Fatal(err)
		}
		return pl
	}
	for range 20000 {
		words := make([]string, r.IntN(6))
		for i := range words {
			w := pool[r.IntN(len(pool))]
			switch r.IntN(4) {
			case 0:
				w = strings.ToUpper(w)
			case 1:
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			words[i] = w
		}
		in := strings.Join(words, " ")
		want := upgrade(in)
		v, err := p.ParseFromLexer(want, participle.AllowTrailing(true))
		if err != nil {
			t.Fatalf("%T: %q: %v", *v, in, err)
		}
		got := upgrade(in)
		start := got.Cursor()
		var o oneOf[S]
		if err := o.Parse(got); err == participle.NextMatch {
			// As "@@?": no match, nothing consumed.
			if got.Cursor() != start {
				t.Fatalf("oneOf[%T]: %q: failed after reading up to token %d", set, in, got.Cursor())
			}
			if optional {
				t.Fatalf("oneOf[%T]: %q: failed though the set has an empty sequence", set, in)
			}
		} else if err != nil {
			t.Fatalf("oneOf[%T]: %q: %v", set, in, err)
		}
		if string(o) != value(v) || got.Cursor() != want.Cursor() {
			t.Errorf("oneOf[%T]: %q: read %q up to token %d, the grammar %q up to %d",
				set, in, o, got.Cursor(), value(v), want.Cursor())
		}
	}
}
