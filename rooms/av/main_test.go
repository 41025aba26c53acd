package av

import (
	"testing"

	"go.uber.org/goleak"
)

// Every supervisor goroutine must end on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
