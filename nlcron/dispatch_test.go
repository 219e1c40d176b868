package nlcron

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dispatchPhrases returns phrases to compare the two parsers on: the
// golden inputs, the fuzz seeds and the shared corpora when present.
func dispatchPhrases(t testing.TB) []string {
	t.Helper()
	var out []string
	out = append(out, goldenInputs(t)...)
	for _, name := range []string{"phrases.tsv", "describers.tsv"} {
		f, err := os.Open(filepath.Join("..", "..", "shared", "conformance", name))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); !strings.HasPrefix(line, "#") {
				out = append(out, strings.Split(line, "\t")[0])
			}
		}
		f.Close()
	}
	return out
}

func treeJSON(t *testing.T, p *phrase) string {
	t.Helper()
	if p == nil {
		return "<nil>"
	}
	var parts []string
	for _, c := range p.Clauses {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("%T %s", c, b))
	}
	return strings.Join(parts, "\n")
}

// randomPhrases returns n phrases of one to eight words drawn from the
// grammar's vocabulary and from sample tokens of every type, so that the
// dispatch is also compared on word orders no corpus has.
func randomPhrases(n int) []string {
	pool := append([]string{}, vocabularyWords...)
	pool = append(pool, "5pm", "17:30", "9", "15", "1st", "22nd", ":15", "3h", "10min", "America/New_York", "EST",
		"utc+5", "+05:30", ",", "-", "&", "(", ")", "@", "noon", "o'clock", "in the morning", "at night", "a.m.",
		"Monday", "JUNE", "Every", "x", "instance", "month", "hour")
	r := rand.New(rand.NewPCG(5, 6))
	out := make([]string, n)
	for i := range out {
		w := make([]string, 1+r.IntN(8))
		for j := range w {
			w[j] = pool[r.IntN(len(pool))]
		}
		out[i] = strings.Join(w, " ")
	}
	return out
}

// TestDispatchMatchesUnion checks that the first-token dispatch gives the
// same trees as the plain union grammar.
func TestDispatchMatchesUnion(t *testing.T) {
	t.Parallel()
	for i, in := range append(dispatchPhrases(t), randomPhrases(dispatchRandomN)...) {
		if i%dispatchSampleEvery != 0 {
			continue
		}
		want, werr := parser.ParseString("", in)
		got, gerr := fastParser.ParseString("", in)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%q: union error %v, dispatch error %v", in, werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		if diff := cmp.Diff(treeJSON(t, want), treeJSON(t, got)); diff != "" {
			t.Errorf("%q: trees differ (-union +dispatch):\n%s", in, diff)
		}
	}
}
