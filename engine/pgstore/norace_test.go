//go:build !race

package pgstore_test

// replicaSchedules is the number of schedules TestReplicas runs.
const replicaSchedules = 2000
