package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind (callback
// deliveries, HTTP connections, engine loops).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
