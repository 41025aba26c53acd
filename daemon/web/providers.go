package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kogge-project/kogge/integrations/gotomeeting"
)

// ErrNoGoTo: GoToMeeting is not among the configured providers.
var ErrNoGoTo = newProblem(http.StatusNotFound, "no-such-provider", "no-such-provider.goto")

// AuthorizeGoTo trades an organizer's one-time authorization code for
// tokens, saved encrypted; it uses the running client, so a re-authorised
// organizer works at once.
func AuthorizeGoTo(clients map[string]*gotomeeting.Client) func(ctx context.Context, organizer, code string) error {
	return func(ctx context.Context, organizer, code string) error {
		c, ok := clients[organizer]
		if !ok {
			return ErrNoGoTo
		}
		if _, err := c.Exchange(ctx, code); err != nil {
			return fmt.Errorf("gotomeeting: exchanging the code: %v: %w", err,
				newProblem(http.StatusBadGateway, "authorization-failed", "authorization-failed"))
		}
		return nil
	}
}
