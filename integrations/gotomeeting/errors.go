package gotomeeting

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

var (
	// ErrNotFound: 404 from GoTo, or no meeting carries the reference.
	ErrNotFound = errors.New("gotomeeting: not found")
	// ErrConflict: 409 (organizer conflict, or the organizer already hosts
	// a running meeting).
	ErrConflict = errors.New("gotomeeting: conflict")
	// ErrAmbiguous: a POST may or may not have taken effect (5xx, timeout,
	// broken connection). Never retry it blindly; look it up by reference.
	ErrAmbiguous = errors.New("gotomeeting: outcome unknown")
	// ErrInvalidGrant: the refresh token (or code) is used up or expired;
	// the organizer must authorise again. Alert on this.
	ErrInvalidGrant = errors.New("gotomeeting: invalid_grant")
)

// APIError is a non-2xx answer from the meeting API.
type APIError struct {
	Status     int
	IntErrCode string // e.g. InvalidToken; empty if the body had none
	Msg        string
	RetryAfter time.Duration // from a 429's Retry-After, if any
}

func (e *APIError) Error() string {
	return fmt.Sprintf("gotomeeting: HTTP %d %s: %s", e.Status, e.IntErrCode, e.Msg)
}

// Is lets callers use errors.Is(err, ErrNotFound) / ErrConflict.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	}
	return false
}

func parseAPIError(status int, body []byte, h http.Header, now time.Time) *APIError {
	e := &APIError{Status: status}
	var pe productError
	if json.Unmarshal(body, &pe) == nil && (pe.IntErrCode != "" || pe.Msg != "") {
		e.IntErrCode, e.Msg = pe.IntErrCode, pe.Msg
	} else {
		var le legacyError
		if json.Unmarshal(body, &le) == nil && le.Error.Message != "" {
			e.Msg = le.Error.Message
		} else {
			e.Msg = http.StatusText(status)
		}
	}
	e.RetryAfter = parseRetryAfter(h.Get("Retry-After"), now)
	return e
}

// parseRetryAfter understands both delta-seconds and an HTTP-date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// isTokenError: GoTo answers a bad/expired token with 401 or, as observed
// on the same gateway, 403 int_err_code InvalidToken. A plain 403 (non-admin
// calling an admin endpoint) is not a token problem and must not refresh.
func (e *APIError) isTokenError() bool {
	return e.Status == http.StatusUnauthorized ||
		(e.Status == http.StatusForbidden && e.IntErrCode == "InvalidToken")
}
