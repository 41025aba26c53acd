package gctarget

import (
	"runtime/debug"
	"testing"
)

// percent reads the collector's target (SetGCPercent returns the old one).
func percent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestApplyKeepsAnOperatorsGOGC(t *testing.T) {
	was := percent()
	t.Cleanup(func() { debug.SetGCPercent(was) })

	debug.SetGCPercent(100)
	t.Setenv("GOGC", "")
	Apply()
	if p := percent(); p != DefaultPercent {
		t.Fatalf("without GOGC the target is %d, want %d", p, DefaultPercent)
	}

	debug.SetGCPercent(100)
	t.Setenv("GOGC", "100")
	Apply()
	if p := percent(); p != 100 {
		t.Fatalf("with GOGC=100 set the target is %d, want 100", p)
	}
}
