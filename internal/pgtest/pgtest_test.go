package pgtest

import (
	"testing"
)

// fakeTB records how URL ends a test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skipf(string, ...any)  { f.skipped = true }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }
func (f *fakeTB) Errorf(string, ...any) { f.failed = true }
func (f *fakeTB) Logf(string, ...any)   {}
func (f *fakeTB) Setenv(k, v string)    {}
func (f *fakeTB) Cleanup(func())        {}
func (f *fakeTB) Name() string          { return "fake" }

func TestURL(t *testing.T) {
	tests := []struct {
		name, url, require string
		want               string
		skipped, failed    bool
	}{
		{name: "set", url: "postgres://x/test", want: "postgres://x/test"},
		{name: "set and required", url: "postgres://x/test", require: "1", want: "postgres://x/test"},
		{name: "unset: skip", skipped: true},
		{name: "unset but required: fail", require: "1", failed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(URLEnv, tc.url)
			t.Setenv(RequireEnv, tc.require)
			f := &fakeTB{}
			got := URL(f)
			if got != tc.want || f.skipped != tc.skipped || f.failed != tc.failed {
				t.Errorf("URL = %q (skipped %v, failed %v), want %q (skipped %v, failed %v)",
					got, f.skipped, f.failed, tc.want, tc.skipped, tc.failed)
			}
		})
	}
}
