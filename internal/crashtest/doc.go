// Package crashtest proves that the durable stores lose and double nothing
// when the process running the engine is killed at random moments.
//
// The package has no API: it is a test. For each store (engine/sqlitestore,
// and engine/pgstore when NLCRON_TEST_POSTGRES_URL is set) the test binary
// re-executes itself as a child process (the environment variable
// NLCRON_CRASHTEST_CHILD carries the child's configuration). The child opens
// the store, runs an [engine.Engine] whose runner takes a few milliseconds
// per run, and creates a few schedules while it runs, printing each id once
// CreateSchedule has returned. Its wall clock is accelerated (600 times:
// every-10-minutes schedules fire every second of real time) and continuous
// across children, so time passes while no child is running, and the
// catch-up policy decides what happens to the fires missed meanwhile.
//
// The parent kills the child with SIGKILL at a random moment, at least 20
// times, restarting it each time (sometimes after a longer pause), then runs
// a last child that it stops gracefully, and checks:
//
//   - every schedule whose creation a child acknowledged still exists;
//   - every fire time of every schedule, from its creation up to its
//     NextRunAt, has exactly one occurrence (dispatched, or skipped as missed
//     or overlap), and no occurrence lies outside that window;
//   - every dispatched occurrence names a run of that schedule and fire time,
//     and no (schedule, fire time) has two runs or a run without an
//     occurrence;
//   - no run is left in progress, and no run was started twice;
//   - the last child caught every schedule up to its start.
//
// The counts it checked are logged (go test -v ./internal/crashtest/).
package crashtest
