//go:build !race

package schedule

// raceBuild scales heavy test loops down under the race detector, which
// makes them roughly ten times slower.
const raceBuild = false
