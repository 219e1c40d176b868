package memstore_test

import (
	"testing"

	"github.com/nlcron/nlcron/engine"
	"github.com/nlcron/nlcron/engine/enginetest"
	"github.com/nlcron/nlcron/engine/memstore"
)

func TestStore(t *testing.T) {
	enginetest.TestStore(t, func(t *testing.T) engine.Store { return memstore.New() })
}
