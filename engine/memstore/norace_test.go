//go:build !race

package memstore

const raceScale = 1
