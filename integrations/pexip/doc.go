// Package pexip talks to a Pexip Infinity Management Node (configuration
// and status APIs, HTTP Basic auth) and manages DFNconf rooms, which have no
// provisioning API and are therefore handed out from a pre-created pool.
//
// The package also contains an in-process emulator of the management API
// (Emulator) used by tests and demo mode. Protocol facts come from
// docs/protocols/pexip.md.
package pexip
