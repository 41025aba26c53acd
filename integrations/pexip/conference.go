package pexip

import (
	"context"
	"encoding/json"
	"net/url"
)

// Conference is a Pexip VMR (configuration/v1/conference). Only the fields
// Kogge sets or reads are modelled.
type Conference struct {
	ID          int    `json:"id,omitempty"`
	ResourceURI string `json:"resource_uri,omitempty"`
	Name        string `json:"name"` // unique, ≤250
	// ServiceType is "conference" (a VMR) unless set otherwise.
	ServiceType string `json:"service_type,omitempty"`
	Description string `json:"description,omitempty"`
	PIN         string `json:"pin,omitempty"` // host PIN, 4–20 digits, optional trailing '#'
	// AllowGuests: true gives host/guest roles, false makes everyone host.
	AllowGuests bool   `json:"allow_guests"`
	GuestPIN    string `json:"guest_pin,omitempty"` // must differ from PIN
	// ParticipantLimit nil means unlimited (sent as JSON null).
	ParticipantLimit *int    `json:"participant_limit"`
	Tag              string  `json:"tag,omitempty"` // appears as service_tag in status
	Aliases          []Alias `json:"aliases,omitempty"`
}

// Alias is a dialable alias. On create only Alias/Description are sent; GETs
// also fill the other fields.
type Alias struct {
	ID          int    `json:"id,omitempty"`
	Alias       string `json:"alias"`
	Description string `json:"description,omitempty"`
	Conference  string `json:"conference,omitempty"` // resource URI
	ResourceURI string `json:"resource_uri,omitempty"`
}

// Meeting is what Kogge needs for one hybrid meeting's VMR.
type Meeting struct {
	Name             string
	Alias            string
	HostPIN          string
	GuestPIN         string
	ParticipantLimit int // 0 = unlimited
	AllowGuests      bool
	Tag              string // e.g. "kogge:<booking id>", used by reconciliation
	Description      string
}

// Conference converts m to the documented create body.
func (m Meeting) Conference() Conference {
	c := Conference{
		Name: m.Name, ServiceType: "conference", Description: m.Description,
		PIN: m.HostPIN, AllowGuests: m.AllowGuests, GuestPIN: m.GuestPIN, Tag: m.Tag,
	}
	if m.ParticipantLimit > 0 {
		limit := m.ParticipantLimit
		c.ParticipantLimit = &limit
	}
	if m.Alias != "" {
		c.Aliases = []Alias{{Alias: m.Alias}}
	}
	return c
}

// CreateMeetingRoom creates the VMR for one meeting. It is sent once (see
// Client.MaxAttempts); on an ambiguous failure look it up with
// FindConferenceByName before trying again.
func (c *Client) CreateMeetingRoom(ctx context.Context, m Meeting) (ObjectURL, error) {
	return c.CreateConference(ctx, m.Conference())
}

// CreateConference POSTs a conference; ServiceType defaults to "conference".
func (c *Client) CreateConference(ctx context.Context, conf Conference) (ObjectURL, error) {
	if conf.ServiceType == "" {
		conf.ServiceType = "conference"
	}
	conf.ID, conf.ResourceURI = 0, ""
	return c.create(ctx, Conferences, conf)
}

// GetConference reads one VMR.
func (c *Client) GetConference(ctx context.Context, o ObjectURL) (Conference, error) {
	var conf Conference
	err := c.get(ctx, o, &conf)
	return conf, err
}

// UpdateConference PATCHes only the given fields, e.g.
// {"participant_limit":60,"guest_pin":"123456"}.
func (c *Client) UpdateConference(ctx context.Context, o ObjectURL, fields map[string]any) error {
	return c.patch(ctx, o, fields)
}

// DeleteConference deletes a VMR (and its aliases). A 404 counts as success:
// a retried DELETE whose first response was lost, or a manual cleanup, both
// leave the room gone, which is what the caller wants.
func (c *Client) DeleteConference(ctx context.Context, o ObjectURL) error {
	if err := c.delete(ctx, o); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// ListConferences returns all VMRs matching the Tastypie filter (nil = all),
// across all pages.
func (c *Client) ListConferences(ctx context.Context, filter url.Values) ([]Conference, error) {
	var out []Conference
	err := c.list(ctx, Conferences, filter, func(raw json.RawMessage) error {
		var conf Conference
		if err := json.Unmarshal(raw, &conf); err != nil {
			return err
		}
		out = append(out, conf)
		return nil
	})
	return out, err
}

// FindConferenceByName returns the VMR with exactly this name, if any.
func (c *Client) FindConferenceByName(ctx context.Context, name string) (Conference, bool, error) {
	cs, err := c.ListConferences(ctx, url.Values{"name": {name}})
	if err != nil {
		return Conference{}, false, err
	}
	// The filter is the server's; what Kogge then updates or deletes must
	// really be the VMR of that name (a server or proxy that ignores the
	// filter would otherwise hand back someone else's room).
	for _, cf := range cs {
		if cf.Name == name {
			return cf, true, nil
		}
	}
	return Conference{}, false, nil
}
