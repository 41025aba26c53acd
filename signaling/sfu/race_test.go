//go:build race

package sfu

// raceEnabled: the race detector slows pion several-fold, too much for
// tests that judge how fast bandwidth estimation reacts on real-time
// links; those run in CI's pass without it (.ci/run).
const raceEnabled = true
