package broker

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// Request is what a booking needs from a provider.
type Request struct {
	// Confidential: the booking is confidential or an interview.
	Confidential bool
	// Participants expected: remote participants plus the room endpoint.
	Participants int
	// DialIn: phone dial-in is needed.
	DialIn bool
	// From and To are the interval the licence is held (buffers included).
	From, To time.Time
	// Duration of the meeting itself (end - start, without buffers).
	Duration time.Duration
}

// RequestFor derives a booking's request. Bookings do not ask for dial-in
// (yet); the caller may set DialIn afterwards.
func RequestFor(b rooms.Booking) Request {
	return Request{
		Confidential: IsConfidential(b),
		Participants: b.Hybrid.ExpectedRemote + 1,
		From:         b.OccupiedFrom(),
		To:           b.OccupiedUntil(),
		Duration:     b.End.Sub(b.Start),
	}
}

// IsConfidential: confidential bookings and every interview stay on
// providers under our control.
func IsConfidential(b rooms.Booking) bool {
	return b.Confidential || b.Kind == rooms.KindInterview
}

// Choose picks the first provider in order that fits req and a free licence
// of it over [req.From, req.To): the first free one in pool order, or ""
// for an unlimited pool. busy reads the transaction in progress; down and
// busy may be nil. Nothing fits: a *NoProviderError with one reason per
// provider. An error from busy is returned as is.
func Choose(providers []Provider, req Request, busy store.BusyFunc, down func(name string) bool, exclude []string) (Provider, string, error) {
	var reasons []Reason
	for _, p := range providers {
		var why Reason
		switch {
		case slices.Contains(exclude, p.Name):
			why = reason(ReasonExcluded, "excluded after failure", nil)
		case down != nil && down(p.Name):
			why = reason(ReasonDown, "marked down", nil)
		default:
			why = unfit(p, req)
		}
		if why.Code == "" {
			lic, ok, err := freeLicence(p, req, busy)
			if err != nil {
				return Provider{}, "", err
			}
			if ok {
				return p, lic, nil
			}
			why = reason(ReasonLicences, fmt.Sprintf("all %d licences are held between %s and %s", len(p.Licences),
				req.From.UTC().Format("2006-01-02 15:04"), req.To.UTC().Format("2006-01-02 15:04 MST")),
				map[string]any{"count": len(p.Licences), "from": req.From.UTC(), "to": req.To.UTC()})
		}
		why.Provider, why.Kind = p.Name, p.Kind
		reasons = append(reasons, why)
	}
	return Provider{}, "", &NoProviderError{Reasons: reasons}
}

func reason(code, why string, args map[string]any) Reason {
	return Reason{Code: code, Why: why, Args: args}
}

// unfit says why p cannot carry req regardless of licences; a zero Reason
// if it can.
func unfit(p Provider, req Request) Reason {
	switch {
	case req.Confidential && p.Kind == KindGoToMeeting:
		return reason(ReasonConfidentialGoTo, "confidential meetings never go to GoToMeeting (a service outside our control)", nil)
	case req.Confidential && !p.ConfidentialOK:
		return reason(ReasonConfidential, "confidential meetings stay on providers marked confidential_ok", nil)
	case p.MaxParticipants > 0 && req.Participants > p.MaxParticipants:
		return reason(ReasonParticipants, fmt.Sprintf("%d participants exceed its maximum of %d", req.Participants, p.MaxParticipants),
			map[string]any{"participants": req.Participants, "max": p.MaxParticipants})
	case req.DialIn && !p.DialIn:
		return reason(ReasonDialIn, "no dial-in", nil)
	case p.MaxDuration > 0 && req.Duration > p.MaxDuration:
		return reason(ReasonDuration, fmt.Sprintf("a meeting of %s exceeds its maximum of %s", fmtDur(req.Duration), fmtDur(p.MaxDuration)),
			map[string]any{"length": req.Duration, "max": p.MaxDuration})
	}
	return Reason{}
}

// freeLicence returns the first licence of p not busy over the interval.
func freeLicence(p Provider, req Request, busy store.BusyFunc) (string, bool, error) {
	if p.Licences == nil {
		return "", true, nil
	}
	for _, l := range p.Licences {
		if busy == nil {
			return l, true, nil
		}
		held, err := busy(p.Name, l, req.From, req.To)
		if err != nil {
			return "", false, err
		}
		if !held {
			return l, true, nil
		}
	}
	return "", false, nil
}

func fmtDur(d time.Duration) string {
	s := d.Round(time.Minute).String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Error lists every provider's reason on one line.
func (e *NoProviderError) Error() string {
	var b strings.Builder
	b.WriteString("no provider fits this meeting")
	for i, r := range e.Reasons {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(r.Provider + ": " + r.Why)
	}
	return b.String()
}
