package gotomeeting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// CreateMeeting creates a meeting for this organizer. ref is the caller's
// idempotency reference (store it before calling); it is embedded in the
// subject. If the POST's outcome is unknown (5xx, timeout) the meeting is
// looked up by ref: if it exists it is returned (Recovered set), if it
// provably does not the POST is tried again, otherwise ErrAmbiguous is
// returned and the caller must look it up later with the same ref.
func (c *Client) CreateMeeting(ctx context.Context, ref string, m MeetingRequest) (MeetingCreated, error) {
	if ref == "" {
		return MeetingCreated{}, errors.New("gotomeeting: CreateMeeting needs an idempotency reference")
	}
	body, err := wireRequest(m, ref)
	if err != nil {
		return MeetingCreated{}, err
	}
	var lastErr error
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		var out []MeetingCreated
		err := c.do(ctx, http.MethodPost, "/meetings", body, &out)
		if err == nil {
			if len(out) != 1 {
				return MeetingCreated{}, fmt.Errorf("gotomeeting: create returned %d meetings", len(out))
			}
			return out[0], nil
		}
		if !errors.Is(err, ErrAmbiguous) || ctx.Err() != nil {
			return MeetingCreated{}, err
		}
		lastErr = err
		found, ferr := c.recoverCreated(ctx, ref)
		switch {
		case ferr == nil:
			return found, nil
		case !errors.Is(ferr, ErrNotFound):
			// Could not tell: leave it to the caller (and the reconciler).
			return MeetingCreated{}, errors.Join(err, ferr)
		}
		// Provably not created: a new POST cannot duplicate it.
		if err := sleep(ctx, c.backoff(attempt)); err != nil {
			return MeetingCreated{}, errors.Join(lastErr, err)
		}
	}
	return MeetingCreated{}, lastErr
}

func (c *Client) recoverCreated(ctx context.Context, ref string) (MeetingCreated, error) {
	up, err := c.FindByReference(ctx, ref)
	if err != nil {
		return MeetingCreated{}, err
	}
	m, err := c.GetMeeting(ctx, up.MeetingID)
	if err != nil {
		return MeetingCreated{}, err
	}
	return MeetingCreated{
		JoinURL:            c.cfg.JoinURLBase + m.MeetingID.String(),
		MeetingID:          m.MeetingID,
		UniqueMeetingID:    m.UniqueMeetingID,
		MaxParticipants:    m.MaxParticipants,
		ConferenceCallInfo: m.ConferenceCallInfo,
		Recovered:          true,
	}, nil
}

// UpdateMeeting replaces the meeting (PUT is a full replace, so all fields
// are sent). ref keeps the reference in the subject; pass the one used at
// creation.
func (c *Client) UpdateMeeting(ctx context.Context, id MeetingID, ref string, m MeetingRequest) error {
	body, err := wireRequest(m, ref)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, "/meetings/"+id.String(), body, nil)
}

// DeleteMeeting deletes a meeting. A 404 is returned as ErrNotFound (it
// may mean an earlier attempt already succeeded); callers that only want
// it gone can treat that as success.
func (c *Client) DeleteMeeting(ctx context.Context, id MeetingID) error {
	return c.do(ctx, http.MethodDelete, "/meetings/"+id.String(), nil, nil)
}

// GetMeeting returns one meeting (GoTo wraps it in an array).
func (c *Client) GetMeeting(ctx context.Context, id MeetingID) (Meeting, error) {
	var out []Meeting
	if err := c.do(ctx, http.MethodGet, "/meetings/"+id.String(), nil, &out); err != nil {
		return Meeting{}, err
	}
	if len(out) != 1 {
		return Meeting{}, fmt.Errorf("gotomeeting: get returned %d meetings", len(out))
	}
	return out[0], nil
}

// UpcomingMeetings lists this organizer's meetings that have not ended.
func (c *Client) UpcomingMeetings(ctx context.Context) ([]UpcomingMeeting, error) {
	var out []UpcomingMeeting
	err := c.do(ctx, http.MethodGet, "/upcomingMeetings", nil, &out)
	return out, err
}

// FindByReference finds this organizer's upcoming meeting carrying ref.
// Only upcoming meetings are searched (GoTo has no search by subject), so
// it is meant for meetings that have not ended yet.
func (c *Client) FindByReference(ctx context.Context, ref string) (UpcomingMeeting, error) {
	up, err := c.UpcomingMeetings(ctx)
	if err != nil {
		return UpcomingMeeting{}, err
	}
	for _, m := range up {
		if r, ok := ReferenceOf(m.Subject); ok && r == ref {
			return m, nil
		}
	}
	return UpcomingMeeting{}, fmt.Errorf("gotomeeting: reference %q: %w", ref, ErrNotFound)
}

// StartURL returns the host URL that starts the meeting without login.
func (c *Client) StartURL(ctx context.Context, id MeetingID) (string, error) {
	var out struct {
		HostURL string `json:"hostURL"`
	}
	err := c.do(ctx, http.MethodGet, "/meetings/"+id.String()+"/start", nil, &out)
	return out.HostURL, err
}
