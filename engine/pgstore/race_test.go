//go:build race

package pgstore_test

// replicaSchedules is smaller under the race detector, which slows the
// engines several times.
const replicaSchedules = 300
