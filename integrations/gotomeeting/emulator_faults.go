package gotomeeting

import "net/http"

// Fault is one injected failure of a meeting API request.
type Fault struct {
	// Status to answer with (e.g. 500, 429, 403). Ignored if Hang.
	Status int
	// IntErrCode/Msg form the product error body; defaults by status.
	IntErrCode, Msg string
	// RetryAfter is sent as the Retry-After header if non-empty.
	RetryAfter string
	// Hang blocks until the client gives up (request context done),
	// emulating a timeout.
	Hang bool
	// AfterCommit performs the request first and then fails, so the
	// change is made but the client cannot know: the ambiguous POST.
	AfterCommit bool
	// Create waits for the next meeting create (POST /meetings); the
	// requests before it (probes, lookups) pass untouched. A test that
	// must catch a create in flight (kill the daemon while GoTo holds
	// it) cannot have a health probe take the fault instead.
	Create bool
}

// Inject queues f for the next n meeting API requests (OAuth is never
// affected; use SetOutage for that).
func (e *Emulator) Inject(n int, f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for range n {
		e.faults = append(e.faults, f)
	}
}

// SetOutage makes every endpoint, OAuth included, answer 503 until cleared.
func (e *Emulator) SetOutage(down bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.outage = down
}

// popFault takes the first queued fault that applies to this request
// (isCreate: a meeting create).
func (e *Emulator) popFault(isCreate bool) (Fault, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if f.Create && !isCreate {
			continue
		}
		e.faults = append(e.faults[:i:i], e.faults[i+1:]...)
		return f, true
	}
	return Fault{}, false
}

func (f Fault) apply(w http.ResponseWriter, r *http.Request) {
	if f.Hang {
		<-r.Context().Done()
		return
	}
	code, msg := f.IntErrCode, f.Msg
	if code == "" {
		switch f.Status {
		case http.StatusTooManyRequests:
			code = "TooManyRequests"
		case http.StatusForbidden:
			code = "InvalidToken"
		default:
			code = "InternalError"
		}
	}
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	writeProductError(w, f.Status, code, msg)
}

// Requests is the number of meeting API requests served; Hits how many
// ended with the status (0 = client gave up while hanging).
func (e *Emulator) Requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests
}

func (e *Emulator) Hits(status int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits[status]
}
