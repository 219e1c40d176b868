//go:build !race

package sqlitestore_test

// raceEnabled: see race_test.go.
const raceEnabled = false
