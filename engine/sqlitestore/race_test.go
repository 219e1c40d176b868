//go:build race

package sqlitestore_test

// raceEnabled: the race detector instruments all of modernc.org/sqlite (SQLite
// translated to Go), which makes it 20-50 times slower; heavy tests scale down.
const raceEnabled = true
