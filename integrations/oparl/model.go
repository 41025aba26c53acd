package oparl

import "time"

// Object type URIs of OParl 1.1. The client does not insist on them (some
// vendors still send 1.0 types, some none at all); the emulator sends them.
const (
	TypeSystem       = "https://schema.oparl.org/1.1/System"
	TypeBody         = "https://schema.oparl.org/1.1/Body"
	TypeOrganization = "https://schema.oparl.org/1.1/Organization"
	TypeMeeting      = "https://schema.oparl.org/1.1/Meeting"
	TypeLocation     = "https://schema.oparl.org/1.1/Location"
	TypeAgendaItem   = "https://schema.oparl.org/1.1/AgendaItem"
)

// System is the entry point of an OParl server.
type System struct {
	ID           string
	Name         string
	OParlVersion string
	// BodyList is the URL of the list of bodies.
	BodyList string
}

// Body is a municipality (or district, or association of municipalities).
type Body struct {
	ID        string
	Name      string
	ShortName string
	// AGS is the official municipality key (Amtlicher Gemeindeschlüssel).
	AGS string
	// OrganizationList and MeetingList are URLs of lists.
	OrganizationList string
	MeetingList      string
}

// Organization is a council, committee, faction, … of a body.
type Organization struct {
	ID        string
	Name      string
	ShortName string
	// Classification is free text in OParl; "Parlament" and "Ausschuss" are
	// the common values, but vendors also send "Gremien" for all or
	// nothing (kind.go decides council or committee).
	Classification string
	// Type is OParl's organizationType ("Gremium", "Fraktion", …).
	Type    string
	Deleted bool
}

// Location is where a meeting takes place. OParl has no room object: the
// room is text in Room or Description, which is why Mapping matches text.
type Location struct {
	ID            string
	Description   string
	StreetAddress string
	Room          string
	PostalCode    string
	Locality      string
}

// AgendaItem is one item of a meeting's agenda. Start and End are zero when
// the source gives none (most do not).
type AgendaItem struct {
	Number string
	Name   string
	// Public: the item is handled in public session. A source that says
	// nothing gets false, so that a join page errs on hiding an item.
	Public     bool
	Start, End time.Time
}

// Meeting is an OParl Meeting as the client understood it. Times are
// instants; a missing start or end is zero.
type Meeting struct {
	ID   string
	Name string
	// Start and End are instants. StartDateOnly/EndDateOnly record that the
	// source gave only a date: Start is then local midnight of that day and
	// End local midnight after the end day (a whole-day meeting).
	Start, End    time.Time
	StartDateOnly bool
	EndDateOnly   bool
	// Location is nil when the meeting names none. LocationRef is the URL
	// when the source referenced the location instead of embedding it; the
	// client resolves references, so Location is set for those too unless
	// the reference could not be fetched.
	Location    *Location
	LocationRef string
	// Organizations are the ids of the organizations that meet; embedded
	// organizations (a quirk) are also kept in Embedded.
	Organizations []string
	Embedded      []Organization
	Cancelled     bool
	Agenda        []AgendaItem
	Modified      time.Time
	// Deleted marks a tombstone: the meeting was deleted at the source and
	// only its id, type and modification time remain.
	Deleted bool
	Web     string
}
