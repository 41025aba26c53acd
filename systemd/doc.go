// Package systemd holds the files that run Kogge under systemd: the service
// unit and the documented example configuration. They are embedded so that
// the daemon can print them (an admin installs exactly what was tested) and
// the tests of other packages can load them.
package systemd
