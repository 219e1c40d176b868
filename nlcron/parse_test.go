package nlcron

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// looksLikeCronSpec is looksLikeCron as first written: a cron expression
// or macro is "@word", or five to seven fields whose first two match
// cronFieldRE.
func looksLikeCronSpec(phrase string) (string, bool) {
	cronFieldRE := regexp.MustCompile(`^[0-9*][0-9*,/\-]*$`)
	t := strings.TrimSpace(phrase)
	if strings.HasPrefix(t, "@") && !strings.ContainsAny(t, " \t\n") {
		return t, true
	}
	fs := strings.Fields(t)
	if len(fs) >= 5 && len(fs) <= 7 && cronFieldRE.MatchString(fs[0]) && cronFieldRE.MatchString(fs[1]) {
		return strings.Join(fs, " "), true
	}
	return "", false
}

// TestLooksLikeCronMatchesSpec checks the allocation-free looksLikeCron
// against its specification on the test phrases and on random strings.
func TestLooksLikeCronMatchesSpec(t *testing.T) {
	t.Parallel()
	inputs := append(dispatchPhrases(t), "", " ", "@daily", " @hourly ", "@every 5m", "* * * * *", "*/5 9-17 * * 1-5",
		"0 9 * * 1 extra", "0 9 * * 1 a b c", "0 9 * *", "1,2 3/4 x y z", "a 1 * * *", "1 a * * *", "0\u00a09 * * *",
		"0\u20009\u2000*\u2000*\u2000*", "5pm 9 * * *", "- - - - -", "0 9 * * *\n")
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"*", "0", "9", ",", "/", "-", " ", "\t", "\u00a0", "x", "@", "1"}
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(16) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	for _, in := range inputs {
		wantExpr, wantOK := looksLikeCronSpec(in)
		gotExpr, gotOK := looksLikeCron(in)
		if wantExpr != gotExpr || wantOK != gotOK {
			t.Errorf("looksLikeCron(%q) = %q, %v; want %q, %v", in, gotExpr, gotOK, wantExpr, wantOK)
		}
	}
}
