// Package fuzz holds fuzz targets that exercise several packages together.
// FuzzHandler sends arbitrary requests to the demo server's HTTP handler
// over a real engine and an in-memory store.
//
//	go test ./fuzz -run '^$' -fuzz FuzzHandler -fuzztime 20s
package fuzz
