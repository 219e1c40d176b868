// Package pgtest finds the PostgreSQL server that tests use, the same way
// for every package: its URL is in NLCRON_TEST_POSTGRES_URL; without it the
// test is skipped, or fails when NLCRON_REQUIRE_POSTGRES is set (as .ci/run
// sets it), so a CI run cannot pass by skipping the PostgreSQL suites.
package pgtest

import (
	"os"
	"testing"
)

// URLEnv names the environment variable holding the test database's URL,
// for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const URLEnv = "NLCRON_TEST_POSTGRES_URL"

// RequireEnv names the environment variable that turns a missing URL from
// a skip into a failure.
const RequireEnv = "NLCRON_REQUIRE_POSTGRES"

// URL returns the test database's URL, or skips tb (fails it when
// RequireEnv is set).
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(URLEnv)
	switch {
	case u != "":
		return u
	case os.Getenv(RequireEnv) != "":
		tb.Fatalf("%s is not set but %s is", URLEnv, RequireEnv)
	default:
		tb.Skipf("%s is not set", URLEnv)
	}
	return ""
}
