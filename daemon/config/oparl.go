package config

import (
	"time"

	"github.com/kogge-project/kogge/integrations/oparl"
	"github.com/kogge-project/kogge/rooms"
)

// OParl is the [oparl] table: the council information system whose
// committee meetings Kogge books (import job action "oparl-import").
type OParl struct {
	// Endpoint is the OParl System URL; empty switches the import off.
	Endpoint string `toml:"endpoint"`
	// Body is the body's AGS (Amtlicher Gemeindeschlüssel) or OParl id.
	Body string `toml:"body"`
	// Organizations are the OParl ids of the organizations to follow
	// (empty: all).
	Organizations []string `toml:"organizations"`
	// Locations map an OParl location (a case-insensitive part of its
	// description, room or street address) to a Kogge room.
	Locations []OParlLocation `toml:"locations"`
	// Kinds maps organization classifications to booking kinds; a
	// classification not listed is read for its words, then the
	// organization's name (integrations/oparl/kind.go).
	Kinds map[string]string `toml:"kinds"`
	// OrganizationKinds overrides the kind per OParl organization id.
	OrganizationKinds map[string]string `toml:"organization_kinds"`
	// DefaultLength is a meeting's length when OParl gives no usable end
	// (none, or a placeholder: integrations/oparl/times.go).
	DefaultLength Duration `toml:"default_length"`
	// RoomLengths overrides DefaultLength per room id.
	RoomLengths map[string]Duration `toml:"room_lengths"`
	// Organizer is the organizer name of imported bookings.
	Organizer string `toml:"organizer"`
	// OtherHosts are hosts (host[:port]) besides the endpoint's that the
	// server's objects may link to; links elsewhere are refused.
	OtherHosts []string `toml:"other_hosts"`
}

// OParlLocation is one [[oparl.locations]] rule.
type OParlLocation struct {
	Match string `toml:"match"`
	Room  string `toml:"room"`
}

// Mapping converts the table for the import.
func (o OParl) Mapping() oparl.Mapping {
	m := oparl.Mapping{Body: o.Body, Organizations: o.Organizations, DefaultLength: o.DefaultLength.Duration, Organizer: o.Organizer}
	for _, l := range o.Locations {
		m.Locations = append(m.Locations, oparl.LocationRule{Match: l.Match, Room: l.Room})
	}
	if len(o.Kinds) > 0 {
		m.KindByClassification = map[string]rooms.Kind{}
		for k, v := range o.Kinds {
			m.KindByClassification[k] = rooms.Kind(v)
		}
	}
	if len(o.OrganizationKinds) > 0 {
		m.KindByOrganization = map[string]rooms.Kind{}
		for k, v := range o.OrganizationKinds {
			m.KindByOrganization[k] = rooms.Kind(v)
		}
	}
	if len(o.RoomLengths) > 0 {
		m.LengthByRoom = map[string]time.Duration{}
		for room, d := range o.RoomLengths {
			m.LengthByRoom[room] = d.Duration
		}
	}
	return m
}
