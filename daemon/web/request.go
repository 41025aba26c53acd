package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
)

// maxBodyBytes bounds every request body; larger ones get 413.
const maxBodyBytes = 1 << 20

// decodeJSON reads exactly one JSON object into v, refusing unknown fields,
// trailing data and bodies above maxBodyBytes, with messages that say where
// the problem is.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return newProblem(http.StatusUnsupportedMediaType, "unsupported-media-type", "unsupported-media-type")
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
		return newProblem(http.StatusBadRequest, "malformed-json", "malformed-json.one")
	}
	return nil
}

func malformed(err error) *problem {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tp *timeParseError
	bad := func(key string, kv ...any) *problem {
		return newProblem(http.StatusBadRequest, "malformed-json", key, kv...)
	}
	switch {
	case errors.As(err, &tp):
		return bad("malformed-json.time", "value", problems.Quoted(tp.value))
	case errors.As(err, &syn):
		return bad("malformed-json.at", "offset", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return bad("malformed-json.one") // the body itself: an array, a string
	case errors.As(err, &typ):
		return bad("malformed-json.type"+kindWord(typ.Type), "field", problems.Quoted(typ.Field))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return bad("malformed-json.empty")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return bad("malformed-json.unknown", "field", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return bad("malformed-json")
}

// kindWord names what a field's JSON must be (the catalogue's
// malformed-json.type.* keys) by its Go type: never the type's own name,
// which means nothing to whoever calls the API.
func kindWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return ".object"
	case reflect.Slice, reflect.Array:
		return ".list"
	case reflect.String:
		return ".text"
	case reflect.Bool:
		return ".bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return ".number"
	}
	return ""
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
		return time.Time{}, badQuery(name, "bad-query.time")
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
		return 0, badQuery(name, "bad-query.number", "min", min, "max", max)
	}
	return n, nil
}

func badQuery(name, key string, kv ...any) *problem {
	return newProblem(http.StatusBadRequest, "bad-query", key, append([]any{"name", name}, kv...)...)
}
