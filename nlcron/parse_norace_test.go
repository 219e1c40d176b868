//go:build !race

package nlcron

const (
	dispatchSampleEvery = 1    // compare every phrase with the union grammar
	lexerRandomN        = 3000 // random strings lexed both ways
)
