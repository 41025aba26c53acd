package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBodyBytes bounds every request body; larger ones get 413.
const maxBodyBytes = 1 << 20

// decodeJSON reads exactly one JSON object into v, refusing unknown fields,
// trailing data and bodies above maxBodyBytes, with messages that say where
// the problem is.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return newProblem(http.StatusUnsupportedMediaType, "unsupported-media-type", "JSON expected", "Send the request body as application/json.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return err // *http.MaxBytesError → 413
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(err)
	}
	if dec.More() {
		return newProblem(http.StatusBadRequest, "malformed-json", "Malformed request", "The body must hold exactly one JSON object.")
	}
	return nil
}

func malformed(err error) *problem {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tp *timeParseError
	detail := "The request body is not valid JSON."
	switch {
	case errors.As(err, &tp):
		detail = tp.Error()
	case errors.As(err, &syn):
		detail = fmt.Sprintf("The request body is not valid JSON (at byte %d).", syn.Offset)
	case errors.As(err, &typ):
		detail = fmt.Sprintf("Field %q must be %s.", typ.Field, typ.Type.String())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		detail = "The request body is empty or cut off."
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		detail = "Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
	}
	return newProblem(http.StatusBadRequest, "malformed-json", "Malformed request", "%s", detail)
}

// apiTime is an RFC 3339 instant with an explicit offset, as the API demands.
type apiTime struct{ time.Time }

type timeParseError struct{ value string }

func (e *timeParseError) Error() string {
	return fmt.Sprintf("%q is not a time with offset, e.g. 2026-12-01T16:00:00+01:00.", e.value)
}

func (t *apiTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &timeParseError{value: string(b)}
	}
	v, err := parseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

func parseTime(s string) (time.Time, error) {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &timeParseError{value: s}
	}
	return v.UTC(), nil
}

// queryTime reads an optional RFC 3339 query parameter.
func queryTime(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, badQuery(name, err.Error())
	}
	return t, nil
}

func queryInt(r *http.Request, name string, def, min, max int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, badQuery(name, fmt.Sprintf("must be a number from %d to %d", min, max))
	}
	return n, nil
}

func badQuery(name, detail string) *problem {
	return newProblem(http.StatusBadRequest, "bad-query", "Invalid query parameter", "Parameter %q: %s", name, detail)
}
