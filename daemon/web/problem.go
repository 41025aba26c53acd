package web

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/integrations/broker"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/accounts"
	"github.com/kogge-project/kogge/rooms/store"
)

// problem is an RFC 9457 problem detail. Type is a stable, relative URI
// ("/problems/conflict") that clients switch on; Title and Detail are for
// people and come from the catalogue in daemon/problems, in the language
// the request asks for (writeProblem fills them). Errors, Conflicts,
// Providers and Occurrences are the machine-readable members
// (problem_members.go).
type problem struct {
	Type      string                `json:"type"`
	Title     string                `json:"title"`
	Status    int                   `json:"status"`
	Detail    string                `json:"detail,omitempty"`
	Errors    []fieldError          `json:"errors,omitempty"`
	Conflicts []bookingConflictView `json:"conflicts,omitempty"`
	// Providers says why each video provider refused a meeting.
	Providers []providerReason `json:"providers,omitempty"`
	// Occurrences lists the meetings of a series that collide.
	Occurrences []skippedView `json:"occurrences,omitempty"`

	code       string
	key        string // the detail's template in the catalogue
	args       problems.Args
	zone       *time.Location // for the providers' times; nil: as given
	retryAfter time.Duration
}

// Error is for logs, which are English.
func (p *problem) Error() string {
	q := p.localised(problems.EN)
	return q.Title + ": " + q.Detail
}

// newProblem makes a problem of type code whose detail is the catalogue
// template key, filled with kv: name, value, name, value…
func newProblem(status int, code, key string, kv ...any) *problem {
	return &problem{Type: "/problems/" + code, Status: status, code: code, key: key, args: pairs(kv)}
}

func pairs(kv []any) problems.Args {
	if len(kv) == 0 {
		return nil
	}
	a := make(problems.Args, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		a[kv[i].(string)] = kv[i+1]
	}
	return a
}

// fieldProblem is a validation error made by the daemon itself; its
// English text (for Error and the CLI) comes from the catalogue too.
func fieldProblem(field, key string, kv ...any) *rooms.ValidationError {
	a := pairs(kv)
	return &rooms.ValidationError{Problems: []rooms.FieldProblem{{Field: field, Code: rooms.CodeInvalidField,
		Message: problems.Render(problems.EN, key, a), Key: key, Args: a}}}
}

// localised returns a copy of p with its texts in l (p may be shared, as
// errForbidden is, so it is never changed).
func (p *problem) localised(l problems.Lang) *problem {
	q := *p
	q.Title, _ = problems.Title(l, p.code)
	if p.key != "" {
		q.Detail = problems.Render(l, p.key, p.args)
	}
	q.Errors = make([]fieldError, len(p.Errors))
	var details []string
	for i, e := range p.Errors {
		e.Detail = problems.Render(l, e.key, e.args)
		q.Errors[i] = e
		if !slices.Contains(details, e.Detail) {
			details = append(details, e.Detail)
		}
	}
	if len(p.Errors) > 0 && p.key == "" {
		q.Detail = strings.Join(details, " ")
	}
	if len(p.Providers) > 0 {
		q.Providers = make([]providerReason, len(p.Providers))
		lines := make([]string, len(p.Providers))
		for i, r := range p.Providers {
			q.Providers[i] = r.localised(l, p.zone)
			lines[i] = problems.Render(l, "no-provider.reason", problems.Args{"provider": q.Providers[i].Name, "why": q.Providers[i].Why})
		}
		q.Detail = problems.Render(l, p.key, problems.Args{"reasons": strings.Join(lines, " ")})
	}
	return &q
}

// Problems raised by the HTTP layer itself.
var (
	errUnauthenticated = newProblem(http.StatusUnauthorized, "unauthenticated", "unauthenticated")
	errForbidden       = newProblem(http.StatusForbidden, "forbidden", "forbidden")
	errMustEnrol       = newProblem(http.StatusForbidden, "totp-enrolment-required", "totp-enrolment-required")
	errPreconditionReq = newProblem(http.StatusPreconditionRequired, "precondition-required", "precondition-required")
	errBadCursor       = newProblem(http.StatusBadRequest, "bad-cursor", "bad-cursor")
)

// toProblem maps every error the API can meet onto one problem. This is the
// only place that decides what a caller sees; unknown errors become a 500
// without internals.
// storeRetryAfter is what a client is told to wait when the cluster's
// store has no quorum: about an etcd election and a member's restart.
const storeRetryAfter = 10 * time.Second

func toProblem(err error) *problem {
	var p *problem
	var ve *rooms.ValidationError
	var rl *accounts.RateLimitError
	var mbe *http.MaxBytesError
	var np *broker.NoProviderError
	var dr *rooms.DamagedRecordError
	switch {
	case errors.As(err, &np):
		return noProviderProblem(np)
	case errors.As(err, &p):
		return p
	case errors.As(err, &ve):
		return validationProblem(ve)
	case errors.As(err, &mbe):
		return newProblem(http.StatusRequestEntityTooLarge, "too-large", "too-large", "size", sizeWords(mbe.Limit))
	case store.NoSpace(err):
		return newProblem(http.StatusInsufficientStorage, "disk-full", "disk-full")
	case store.Unavailable(err):
		q := newProblem(http.StatusServiceUnavailable, "store-unavailable", "store-unavailable")
		q.retryAfter = storeRetryAfter
		return q
	case errors.As(err, &dr):
		return newProblem(http.StatusInternalServerError, "damaged-record", "damaged-record", "record", dr.Bucket+"/"+dr.Key)
	case errors.Is(err, rooms.ErrNotFound):
		return newProblem(http.StatusNotFound, "not-found", "not-found")
	case errors.Is(err, rooms.ErrVersionMismatch):
		return newProblem(http.StatusPreconditionFailed, "stale", "stale")
	case errors.Is(err, store.ErrInvalidJoinSettings):
		return newProblem(http.StatusUnprocessableEntity, "invalid-join-settings", "invalid-join-settings")
	case errors.Is(err, store.ErrBadCursor):
		return errBadCursor
	case errors.As(err, &rl):
		q := newProblem(http.StatusTooManyRequests, "rate-limited", "rate-limited.login", "wait", waitFor(rl.RetryAfter))
		q.retryAfter = rl.RetryAfter
		return q
	case errors.Is(err, accounts.ErrTOTPRequired):
		return newProblem(http.StatusUnauthorized, "totp-required", "totp-required")
	case errors.Is(err, accounts.ErrInvalidCredentials):
		return newProblem(http.StatusUnauthorized, "invalid-credentials", "invalid-credentials")
	case errors.Is(err, accounts.ErrUserExists):
		return newProblem(http.StatusConflict, "user-exists", "user-exists")
	case errors.Is(err, accounts.ErrNoSuchUser):
		return newProblem(http.StatusNotFound, "no-such-user", "no-such-user")
	case errors.Is(err, accounts.ErrInvalidName):
		return newProblem(http.StatusUnprocessableEntity, "invalid-account", "invalid-account.name")
	case errors.Is(err, accounts.ErrWeakPassword):
		return newProblem(http.StatusUnprocessableEntity, "invalid-account", "invalid-account.password")
	case errors.Is(err, accounts.ErrInvalidLabel):
		return newProblem(http.StatusUnprocessableEntity, "invalid-account", "invalid-account.label")
	case errors.Is(err, accounts.ErrTOTPNotPending):
		return newProblem(http.StatusConflict, "totp-not-pending", "totp-not-pending")
	case errors.Is(err, accounts.ErrInvalidToken):
		return newProblem(http.StatusNotFound, "no-such-token", "no-such-token")
	}
	return newProblem(http.StatusInternalServerError, "internal", "internal")
}

// validationProblem: the first field problem's code is the type; the
// detail is every field problem's text.
func validationProblem(ve *rooms.ValidationError) *problem {
	q := newProblem(http.StatusUnprocessableEntity, ve.Problems[0].Code, "")
	for _, fp := range ve.Problems {
		key, args := fp.Key, fp.Args
		if key == "" { // a code without its own words: say what kind of problem
			key = fp.Code
		}
		if name, ok := args["field"].(string); ok {
			args = maps.Clone(args)
			args["field"] = problems.Key("field." + name)
		}
		q.Errors = append(q.Errors, fieldError{Field: fp.Field, Code: fp.Code, key: key, args: args})
	}
	return q
}

// noProviderProblem explains, provider by provider, why none can host a
// booking's meeting; nothing was written.
func noProviderProblem(e *broker.NoProviderError) *problem {
	p := newProblem(http.StatusUnprocessableEntity, "no-provider", "no-provider")
	for _, r := range e.Reasons {
		p.Providers = append(p.Providers, providerReason{Provider: r.Provider, Code: r.Code, reason: r})
	}
	return p
}

// inZone is t in room's zone, for times said in words.
func inZone(room rooms.Room, t time.Time) time.Time {
	if room.Zone == nil {
		return t
	}
	return t.In(room.Zone)
}

// waitFor is how long to wait, in whole seconds, rounded up.
func waitFor(d time.Duration) time.Duration {
	return d.Truncate(time.Second) + time.Second
}

// writeProblem answers with p in the language of the request's
// Accept-Language (German unless it prefers English).
func writeProblem(w http.ResponseWriter, r *http.Request, p *problem) {
	l := problems.Negotiate(r.Header.Get("Accept-Language"))
	q := p.localised(l)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Language", string(l))
	h.Add("Vary", "Accept-Language")
	h.Set("Cache-Control", "no-store")
	if p.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(p.retryAfter.Seconds())+1))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(q)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// sizeWords is a request limit as people write it: 1 MiB, 64 KiB.
func sizeWords(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " Bytes"
}
