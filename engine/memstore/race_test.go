//go:build race

package memstore

// The race detector makes everything 5-10x slower: scale the big loops down.
const raceScale = 10
