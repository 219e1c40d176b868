//go:build !race

package nlcron

const (
	dispatchSampleEvery = 1    // compare every phrase with the union grammar
	dispatchRandomN     = 5000 // random phrases parsed both ways
	lexerRandomN        = 3000 // random strings lexed both ways
)
