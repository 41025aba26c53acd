package demo

import "github.com/kogge-project/kogge/signaling/joinlink"

// JoinLinks makes the URL of a join link; *admission.Joins is one.
type JoinLinks interface {
	Link(joinlink.Claims) (string, error)
}
