package nlcron

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGrammarEBNF pins the grammar: every change to it shows up in review
// as a diff of testdata/grammar.ebnf (refresh with -update).
func TestGrammarEBNF(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "grammar.ebnf")
	got := parser.String() + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("grammar changed (-testdata/grammar.ebnf +now); run with -update if intended:\n%s", diff)
	}
}

// TestMembersMatchUnion checks that the dispatch members and the union
// grammar list the same clause types in the same order.
func TestMembersMatchUnion(t *testing.T) {
	t.Parallel()
	for i, m := range members {
		for j, other := range members[i+1:] {
			if m.name == other.name {
				t.Errorf("member %q listed twice (at %d and %d)", m.name, i, i+1+j)
			}
		}
		if m.ebnf() == "" {
			t.Errorf("member %q has no grammar", m.name)
		}
	}
}
