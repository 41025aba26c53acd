package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
)

// problem is an RFC 9457 problem detail. Type is a stable, relative URI
// ("/problems/conflict") that clients switch on; Detail is for people.
type problem struct {
	Type      string                `json:"type"`
	Title     string                `json:"title"`
	Status    int                   `json:"status"`
	Detail    string                `json:"detail,omitempty"`
	Errors    []rooms.FieldProblem  `json:"errors,omitempty"`
	Conflicts []bookingConflictView `json:"conflicts,omitempty"`
	// Providers says why each video provider refused a meeting.
	Providers []broker.Reason `json:"providers,omitempty"`
	// Occurrences lists the meetings of a series that collide.
	Occurrences []skippedView `json:"occurrences,omitempty"`

	retryAfter time.Duration
}

func (p *problem) Error() string { return p.Title + ": " + p.Detail }

func newProblem(status int, code, title, detail string, args ...any) *problem {
	return &problem{Type: "/problems/" + code, Title: title, Status: status, Detail: fmt.Sprintf(detail, args...)}
}

// Problems raised by the HTTP layer itself.
var (
	errUnauthenticated = newProblem(http.StatusUnauthorized, "unauthenticated", "Not logged in", "Please log in.")
	errForbidden       = newProblem(http.StatusForbidden, "forbidden", "Not allowed", "Your account may not do this.")
	errMustEnrol       = newProblem(http.StatusForbidden, "totp-enrolment-required", "Two-factor setup required", "Set up two-factor authentication before you continue.")
	errPreconditionReq = newProblem(http.StatusPreconditionRequired, "precondition-required", "Version required", "Send the booking's ETag in an If-Match header, so that you do not overwrite someone else's change.")
	errBadCursor       = newProblem(http.StatusBadRequest, "bad-cursor", "Invalid page cursor", "The page cursor is not valid; start again from the first page.")
)

// toProblem maps every error the API can meet onto one problem. This is the
// only place that decides what a caller sees; unknown errors become a 500
// without internals.
func toProblem(err error) *problem {
	var p *problem
	var ve *rooms.ValidationError
	var rl *accounts.RateLimitError
	var mbe *http.MaxBytesError
	var np *broker.NoProviderError
	switch {
	case errors.As(err, &np):
		return noProviderProblem(np)
	case errors.As(err, &p):
		return p
	case errors.As(err, &ve):
		first := ve.Problems[0]
		q := newProblem(http.StatusUnprocessableEntity, first.Code, "The booking cannot be made", "%s", ve.Error())
		q.Errors = ve.Problems
		return q
	case errors.As(err, &mbe):
		return newProblem(http.StatusRequestEntityTooLarge, "too-large", "Request too large", "Requests may be at most %d bytes.", mbe.Limit)
	case errors.Is(err, rooms.ErrNotFound):
		return newProblem(http.StatusNotFound, "not-found", "Booking not found", "There is no such booking.")
	case errors.Is(err, rooms.ErrVersionMismatch):
		return newProblem(http.StatusPreconditionFailed, "stale", "Changed by someone else", "The booking was changed since you loaded it. Reload it and try again.")
	case errors.Is(err, store.ErrInvalidJoinSettings):
		return newProblem(http.StatusUnprocessableEntity, "invalid-join-settings", "Invalid join settings", "%s", err.Error())
	case errors.Is(err, store.ErrBadCursor):
		return errBadCursor
	case errors.As(err, &rl):
		q := newProblem(http.StatusTooManyRequests, "rate-limited", "Too many attempts", "Too many login attempts. Try again in %d seconds.", int(rl.RetryAfter.Seconds())+1)
		q.retryAfter = rl.RetryAfter
		return q
	case errors.Is(err, accounts.ErrTOTPRequired):
		return newProblem(http.StatusUnauthorized, "totp-required", "Code required", "Enter the six-digit code from your authenticator app.")
	case errors.Is(err, accounts.ErrInvalidCredentials):
		return newProblem(http.StatusUnauthorized, "invalid-credentials", "Login failed", "The name, password or code is not correct.")
	case errors.Is(err, accounts.ErrUserExists):
		return newProblem(http.StatusConflict, "user-exists", "User exists", "There is already a user with that name.")
	case errors.Is(err, accounts.ErrNoSuchUser):
		return newProblem(http.StatusNotFound, "no-such-user", "User not found", "There is no user with that name.")
	case errors.Is(err, accounts.ErrInvalidName), errors.Is(err, accounts.ErrWeakPassword), errors.Is(err, accounts.ErrInvalidLabel):
		return newProblem(http.StatusUnprocessableEntity, "invalid-account", "Invalid account data", "%s", err.Error())
	case errors.Is(err, accounts.ErrTOTPNotPending):
		return newProblem(http.StatusConflict, "totp-not-pending", "No setup in progress", "Start the two-factor setup first.")
	case errors.Is(err, accounts.ErrInvalidToken):
		return newProblem(http.StatusNotFound, "no-such-token", "Token not found", "There is no such API token.")
	}
	return newProblem(http.StatusInternalServerError, "internal", "Internal error", "Something went wrong on our side; it has been logged.")
}

func writeProblem(w http.ResponseWriter, p *problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(p.retryAfter.Seconds())+1))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
