package sfu

import (
	"sync"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// ifaceRefresh is how old a list of network interfaces may get before
// an ICE agent made later reads a new one.
const ifaceRefresh = 5 * time.Second

// sharedNet is the network every ICE agent of the Engine uses. Without
// one, pion gives each agent its own stdnet.Net, which lists the
// machine's interfaces and addresses (netlink) at every connection and
// keeps that list for the connection's life: some 7 kB per subscriber.
// Here agents share a list at most ifaceRefresh old; a list, once made,
// is never changed, so agents may read it at any time.
type sharedNet struct {
	*stdnet.Net // dialing, listening, resolving: plain package net

	mu  sync.Mutex
	at  time.Time
	cur *stdnet.Net
}

func newSharedNet() (*sharedNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &sharedNet{Net: n, at: time.Now(), cur: n}, nil
}

// list returns the current interface list, reading a new one when it is
// older than ifaceRefresh (and keeping the old one if that fails).
func (s *sharedNet) list() *stdnet.Net {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.at) > ifaceRefresh {
		s.at = time.Now()
		if n, err := stdnet.NewNet(); err == nil {
			s.cur = n
		}
	}
	return s.cur
}

// Interfaces implements transport.Net.
func (s *sharedNet) Interfaces() ([]*transport.Interface, error) {
	return s.list().Interfaces()
}

// InterfaceByIndex implements transport.Net.
func (s *sharedNet) InterfaceByIndex(i int) (*transport.Interface, error) {
	return s.list().InterfaceByIndex(i)
}

// InterfaceByName implements transport.Net.
func (s *sharedNet) InterfaceByName(name string) (*transport.Interface, error) {
	return s.list().InterfaceByName(name)
}
