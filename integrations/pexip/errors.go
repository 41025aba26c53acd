package pexip

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// APIError is a 4xx or 5xx answer from the management node.
type APIError struct {
	Method string
	Path   string
	Status int
	// Fields holds 400 validation messages by field name. Pexip wraps them
	// under the resource name ({"conference":{"name":[...]}}) or not; both
	// shapes end up here.
	Fields map[string][]string
	// Message is an "error"/"error_message" text or a trimmed raw body.
	Message string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pexip: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "; %s: %s", k, strings.Join(e.Fields[k], " "))
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Temporary reports whether retrying later may succeed (rate limit, server
// trouble). 4xx validation and auth errors will not fix themselves.
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// IsNotFound reports a 404 from Pexip.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsRateLimited reports a 429 from Pexip.
func IsRateLimited(err error) bool { return statusOf(err) == http.StatusTooManyRequests }

func statusOf(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func parseAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) == nil {
		for _, k := range []string{"error", "error_message"} {
			var s string
			if json.Unmarshal(raw[k], &s) == nil && s != "" {
				e.Message = s
				return e
			}
		}
		e.Fields = fieldErrors(raw)
		if len(e.Fields) > 0 {
			return e
		}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	e.Message = msg
	return e
}

// fieldErrors flattens {"field":["msg"]} and {"resource":{"field":["msg"]}}.
func fieldErrors(raw map[string]json.RawMessage) map[string][]string {
	out := map[string][]string{}
	for k, v := range raw {
		var msgs []string
		if json.Unmarshal(v, &msgs) == nil {
			out[k] = msgs
			continue
		}
		var nested map[string][]string
		if json.Unmarshal(v, &nested) == nil {
			for f, m := range nested {
				out[f] = m
			}
		}
	}
	return out
}
