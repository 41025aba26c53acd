package systemd

import _ "embed"

// Unit is kogge.service, to install as /etc/systemd/system/kogge.service.
//
//go:embed kogge.service
var Unit []byte

// ExampleConfig is kogge.toml.example, to install as /etc/kogge/kogge.toml.
//
//go:embed kogge.toml.example
var ExampleConfig []byte
