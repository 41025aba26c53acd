// Package av drives a room's AV equipment: one sub-package per protocol
// (pjlink, visca, tesira), each with a client and an emulator that behaves
// like the device, and here the supervisor that gives every device its own
// goroutine, queue, timeouts, backoff and circuit breaker, and the scenes
// that set several devices at once.
package av
