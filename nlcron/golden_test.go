package nlcron

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/nlcron/nlcron/schedule"
)

// Golden files under testdata/golden pin what Parse makes of our own
// phrases. Each archive is a list of cases; a case starts with an "input"
// file and is followed by either "cron", "zone", "warnings",
// "description" and "next" (the next three fire times after goldenStart),
// or by "error". Run `go test ./nlcron -run Golden -update` to rewrite the
// expected sections from the current output, then review the diff.

// goldenStart is the fixed instant the "next" sections count from: a
// Saturday, the day before daylight saving starts in the United States.
var goldenStart = time.Date(2025, 3, 8, 12, 0, 0, 0, time.UTC)

var goldenSections = map[string]bool{"cron": true, "zone": true, "warnings": true, "description": true, "next": true, "error": true}

type goldenCase struct {
	input    string
	sections []txtar.File
}

func readGolden(t testing.TB, path string) (*txtar.Archive, []goldenCase) {
	t.Helper()
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, f := range a.Files {
		switch {
		case f.Name == "input":
			cases = append(cases, goldenCase{input: strings.TrimSuffix(string(f.Data), "\n")})
		case !goldenSections[f.Name]:
			t.Fatalf("%s: unknown section %q", path, f.Name)
		case len(cases) == 0:
			t.Fatalf("%s: section %q before the first input", path, f.Name)
		default:
			cases[len(cases)-1].sections = append(cases[len(cases)-1].sections, f)
		}
	}
	return a, cases
}

// goldenOutput computes the sections for one input.
func goldenOutput(in string) []txtar.File {
	res, err := Parse(in)
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			return []txtar.File{{Name: "error", Data: []byte("not a *ParseError: " + err.Error() + "\n")}}
		}
		return []txtar.File{{Name: "error", Data: []byte(err.Error() + "\n")}}
	}
	out := []txtar.File{
		{Name: "cron", Data: []byte(res.Cron + "\n")},
		{Name: "zone", Data: []byte(res.Location.String() + "\n")},
	}
	if len(res.Warnings) > 0 {
		out = append(out, txtar.File{Name: "warnings", Data: []byte(strings.Join(res.Warnings, "\n") + "\n")})
	}
	desc, err := Describe(res.Cron)
	if err != nil {
		desc = "Describe error: " + err.Error()
	}
	out = append(out, txtar.File{Name: "description", Data: []byte(desc + "\n")})
	s, err := schedule.Parse(res.Cron, res.Location)
	var next strings.Builder
	if err != nil {
		fmt.Fprintf(&next, "schedule.Parse error: %v\n", err)
	} else {
		t := goldenStart
		for range 3 {
			t = s.Next(t)
			if t.IsZero() {
				next.WriteString("never\n")
				break
			}
			next.WriteString(t.Format("Mon 2006-01-02 15:04 MST -0700") + "\n")
		}
	}
	return append(out, txtar.File{Name: "next", Data: []byte(next.String())})
}

func goldenFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	return files
}

// goldenInputs returns every golden input phrase.
func goldenInputs(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, f := range goldenFiles(t) {
		_, cases := readGolden(t, f)
		for _, c := range cases {
			out = append(out, c.input)
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	t.Parallel()
	total := 0
	for _, path := range goldenFiles(t) {
		a, cases := readGolden(t, path)
		total += len(cases)
		want := &txtar.Archive{Comment: a.Comment}
		for _, c := range cases {
			want.Files = append(want.Files, txtar.File{Name: "input", Data: []byte(c.input + "\n")})
			want.Files = append(want.Files, goldenOutput(c.input)...)
		}
		got := txtar.Format(want)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(old), string(got)); diff != "" {
			t.Errorf("%s mismatch (-file +now); run with -update if the change is intended:\n%s", path, diff)
		}
	}
	if total < 300 {
		t.Errorf("only %d golden phrases, want at least 300", total)
	}
}
