package broker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/kogge-project/kogge/integrations/gotomeeting"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// goTo provisions GoToMeeting meetings; the licence is the organizer.
type goTo struct {
	clients map[string]*gotomeeting.Client
	orgs    []string
}

// NewGoTo is the GoToMeeting backend: one client per organizer (the
// provider's licences), all sharing one gotomeeting.NewLimiter().
func NewGoTo(clients map[string]*gotomeeting.Client) Backend {
	g := &goTo{clients: clients}
	for o := range clients {
		g.orgs = append(g.orgs, o)
	}
	slices.Sort(g.orgs)
	return g
}

func (g *goTo) client(org string) (*gotomeeting.Client, error) {
	c := g.clients[org]
	if c == nil {
		return nil, backendErr("gotomeeting: no client for organizer %q", org)
	}
	return c, nil
}

func meetingRequest(b rooms.Booking) gotomeeting.MeetingRequest {
	return gotomeeting.MeetingRequest{Subject: subjectFor(b), Start: b.Start, End: b.End}
}

func (g *goTo) Create(ctx context.Context, a store.Allocation, b rooms.Booking) (Meeting, error) {
	if IsConfidential(b) {
		// Choose never picks GoTo for these; this is the last line.
		return Meeting{}, backendErr("gotomeeting: refusing a confidential booking")
	}
	c, err := g.client(a.Licence)
	if err != nil {
		return Meeting{}, err
	}
	// An earlier attempt may have created it: an ambiguous POST the
	// client could not resolve (then Attempts > 0), or a POST of a node
	// that died before it could record anything (a cluster's leader
	// killed mid-create: its successor finds Attempts still 0). Look
	// before posting, as the Pexip backend does; the reference is unique.
	var m Meeting
	var id gotomeeting.MeetingID
	up, err := c.FindByReference(ctx, a.Ref)
	switch {
	case err == nil:
		id = up.MeetingID
		m = Meeting{Licence: a.Licence, ExternalID: id.String(), Ref: a.Ref,
			JoinURL: gotomeeting.DefaultJoinURLBase + id.String()}
	case errors.Is(err, gotomeeting.ErrNotFound):
		mc, err := c.CreateMeeting(ctx, a.Ref, meetingRequest(b))
		if err != nil {
			return Meeting{}, err
		}
		id = mc.MeetingID
		m = Meeting{Licence: a.Licence, ExternalID: id.String(), Ref: a.Ref, JoinURL: mc.JoinURL}
	default:
		return Meeting{}, err
	}
	// The host link is a convenience: without it the organizer logs in.
	if host, err := c.StartURL(ctx, id); err == nil {
		m.HostURL = host
	}
	return m, nil
}

func parseMeetingID(s string) (gotomeeting.MeetingID, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, backendErr("gotomeeting: meeting id %q", s)
	}
	return gotomeeting.MeetingID(n), nil
}

func (g *goTo) Update(ctx context.Context, a store.Allocation, b rooms.Booking) error {
	if IsConfidential(b) {
		return backendErr("gotomeeting: refusing a confidential booking")
	}
	c, err := g.client(a.Licence)
	if err != nil {
		return err
	}
	id, err := parseMeetingID(a.ExternalID)
	if err != nil {
		return err
	}
	err = c.UpdateMeeting(ctx, id, a.Ref, meetingRequest(b))
	if errors.Is(err, gotomeeting.ErrNotFound) {
		return errors.Join(errGone, err)
	}
	return err
}

func (g *goTo) Delete(ctx context.Context, ref store.ExternalRef) error {
	c, err := g.client(ref.Licence)
	if err != nil {
		return err
	}
	id, err := parseMeetingID(ref.ExternalID)
	if err != nil {
		return err
	}
	if err := c.DeleteMeeting(ctx, id); err != nil && !errors.Is(err, gotomeeting.ErrNotFound) {
		return err
	}
	return nil
}

// List returns every organizer's upcoming meetings that carry a Kogge
// reference. One organizer failing fails the whole list: a partial list
// would make reconcile recreate meetings that exist.
func (g *goTo) List(ctx context.Context) ([]Meeting, error) {
	var out []Meeting
	for _, org := range g.orgs {
		ups, err := g.clients[org].UpcomingMeetings(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range ups {
			ref, ok := gotomeeting.ReferenceOf(u.Subject)
			if !ok {
				continue
			}
			out = append(out, Meeting{Licence: org, ExternalID: u.MeetingID.String(), Ref: ref})
		}
	}
	return out, nil
}

// Probe lists one organizer's upcoming meetings (a cheap authenticated
// GET), trying the next organizer when one fails: GoTo is up if any of
// them gets an answer.
func (g *goTo) Probe(ctx context.Context) error {
	var err error
	for _, o := range g.orgs {
		if _, err = g.clients[o].UpcomingMeetings(ctx); err == nil {
			return nil
		}
	}
	if errors.Is(err, gotomeeting.ErrNotFound) || errors.Is(err, gotomeeting.ErrInvalidGrant) {
		// No organizer authorised (yet), or its grant was withdrawn: our
		// configuration, not an outage.
		return fmt.Errorf("%w: %w", errBackend, err)
	}
	return err
}
