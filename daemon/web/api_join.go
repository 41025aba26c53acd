package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// joinView is what GET /bookings/{id}/join shows staff: the links to send
// out, the guest PIN, the lobby and the interview candidates.
type joinView struct {
	Booking string    `json:"booking"`
	Opens   time.Time `json:"opens"`
	Closes  time.Time `json:"closes"`
	// Lobby is whether guests wait to be admitted; LobbySetting what the
	// booking asks for ("default", "on", "off"; interviews and
	// confidential meetings always have it on).
	Lobby        bool            `json:"lobby"`
	LobbySetting string          `json:"lobby_setting"`
	GuestPIN     string          `json:"guest_pin,omitempty"`
	HostURL      string          `json:"host_url"`
	GuestURL     string          `json:"guest_url"`
	Candidates   []candidateView `json:"candidates"`
}

type candidateView struct {
	ID    uint16    `json:"id"`
	Label string    `json:"label"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	URL   string    `json:"url"`
}

var lobbySettings = map[int8]string{0: "default", 1: "on", -1: "off"}

var errNotHybrid = newProblem(http.StatusConflict, "not-hybrid", "not-hybrid")

func (s *server) joinView(b rooms.Booking, js store.JoinSettings) (joinView, error) {
	opens, closes := s.joins.Window(b)
	v := joinView{Booking: b.ID, Opens: opens.UTC(), Closes: closes.UTC(), Lobby: admission.LobbyOn(b, js),
		LobbySetting: lobbySettings[js.Lobby], GuestPIN: js.GuestPIN, Candidates: []candidateView{}}
	var err error
	if v.HostURL, err = s.joins.Link(joinlink.Claims{Booking: b.ID, Kind: joinlink.KindHost, Generation: js.HostGeneration}); err != nil {
		return v, err
	}
	if v.GuestURL, err = s.joins.Link(joinlink.Claims{Booking: b.ID, Kind: joinlink.KindGuest, Generation: js.GuestGeneration}); err != nil {
		return v, err
	}
	for _, c := range js.Candidates {
		u, err := s.joins.Link(joinlink.Claims{Booking: b.ID, Kind: joinlink.KindCandidate, Candidate: c.ID, Generation: c.Generation})
		if err != nil {
			return v, err
		}
		v.Candidates = append(v.Candidates, candidateView{ID: c.ID, Label: c.Label, Start: c.Start.UTC(), End: c.End.UTC(), URL: u})
	}
	return v, nil
}

// joinSettingsOf reads a booking's join settings for a caller who may see
// the booking; non-hybrid bookings have none.
func (s *server) readableJoin(c *caller, id string) (rooms.Booking, store.JoinSettings, error) {
	b, err := s.store.Get(id)
	if err != nil {
		return b, store.JoinSettings{}, err
	}
	if !canRead(c, &b) {
		return b, store.JoinSettings{}, errForbidden
	}
	if !b.Hybrid.Enabled {
		return b, store.JoinSettings{}, errNotHybrid
	}
	js, err := s.store.JoinSettings(id)
	return b, js, err
}

func (s *server) getJoin(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, js, err := s.readableJoin(c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeJoin(w, http.StatusOK, b, js)
}

func (s *server) writeJoin(w http.ResponseWriter, status int, b rooms.Booking, js store.JoinSettings) error {
	v, err := s.joinView(b, js)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the links are credentials
	writeJSON(w, status, v)
	return nil
}

// updateJoin runs one change of a booking's join settings, then tells an
// open meeting about it (a new lobby setting applies at once).
func (s *server) updateJoin(w http.ResponseWriter, r *http.Request, c *caller, status int, change func(b rooms.Booking, js *store.JoinSettings) error) error {
	var booking rooms.Booking
	js, err := s.store.UpdateJoinSettings(r.PathValue("id"), c.name(), func(b rooms.Booking, js *store.JoinSettings) error {
		if !canRead(c, &b) {
			return errForbidden
		}
		if !b.Hybrid.Enabled {
			return errNotHybrid
		}
		booking = b
		return change(b, js)
	})
	if err != nil {
		return err
	}
	if s.hub != nil {
		s.hub.Update(s.joins.Spec(booking, js))
		// A rotated or deleted link stops at once for those who use it
		// now too, in the lobby or in the meeting.
		s.hub.Revoke(booking.ID, admission.LinkValid(js))
	}
	return s.writeJoin(w, status, booking, js)
}

type joinInput struct {
	GuestPIN *string `json:"guest_pin"`
	Lobby    *string `json:"lobby"`
}

func (s *server) patchJoin(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in joinInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return s.updateJoin(w, r, c, http.StatusOK, func(b rooms.Booking, js *store.JoinSettings) error {
		if in.GuestPIN != nil {
			js.GuestPIN = *in.GuestPIN // the store checks: 8 to 10 digits, none, or unchanged
		}
		if in.Lobby != nil {
			var v int8 = -2
			for k, name := range lobbySettings {
				if name == *in.Lobby {
					v = k
				}
			}
			switch {
			case v == -2:
				return invalidJoin("lobby", "invalid-join.lobby-value")
			case v == -1 && (b.Confidential || b.Kind == rooms.KindInterview):
				return invalidJoin("lobby", "invalid-join.lobby-required")
			}
			js.Lobby = v
		}
		return nil
	})
}

func invalidJoin(field, key string, kv ...any) *problem {
	q := newProblem(http.StatusUnprocessableEntity, "invalid-join-settings", key, kv...)
	q.Errors = []fieldError{{Field: field, Code: "invalid-join-settings", key: key, args: q.args}}
	return q
}

type rotateInput struct {
	Link      string `json:"link"`
	Candidate uint16 `json:"candidate"`
}

// rotateJoin issues a new link; the old one stops working at once (its
// generation no longer matches), and whoever is connected with it is
// removed (they can come back with the new link).
func (s *server) rotateJoin(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in rotateInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return s.updateJoin(w, r, c, http.StatusOK, func(_ rooms.Booking, js *store.JoinSettings) error {
		switch in.Link {
		case "host":
			js.HostGeneration++
		case "guest":
			js.GuestGeneration++
		case "candidate":
			for i := range js.Candidates {
				if js.Candidates[i].ID == in.Candidate {
					js.Candidates[i].Generation++
					return nil
				}
			}
			return newProblem(http.StatusNotFound, "no-such-candidate", "no-such-candidate.number", "number", in.Candidate)
		default:
			return invalidJoin("link", "invalid-join.link")
		}
		return nil
	})
}

type candidateInput struct {
	Label string    `json:"label"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// addCandidate gives an interview candidate a link of their own, valid in
// their time slot only.
func (s *server) addCandidate(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in candidateInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.Label = strings.TrimSpace(in.Label)
	return s.updateJoin(w, r, c, http.StatusCreated, func(b rooms.Booking, js *store.JoinSettings) error {
		switch {
		case b.Kind != rooms.KindInterview:
			return invalidJoin("kind", "invalid-join.kind")
		case in.Label == "" || len([]rune(in.Label)) > 100:
			return invalidJoin("label", "invalid-join.label")
		case in.Start.IsZero() || in.End.IsZero() || !in.Start.Before(in.End):
			return invalidJoin("start", "invalid-join.slot-order")
		case in.Start.Before(b.Start) || in.End.After(b.End):
			return invalidJoin("start", "invalid-join.slot-outside")
		}
		for _, o := range js.Candidates {
			if in.Start.Before(o.End) && o.Start.Before(in.End) {
				return invalidJoin("start", "invalid-join.slot-overlap", "label", problems.Quoted(o.Label))
			}
		}
		js.Candidates = append(js.Candidates, store.JoinCandidate{ID: js.NextCandidate, Label: in.Label,
			Start: in.Start.UTC(), End: in.End.UTC(), Generation: 1})
		js.NextCandidate++
		return nil
	})
}

func (s *server) deleteCandidate(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := strconv.ParseUint(r.PathValue("cid"), 10, 16)
	if err != nil {
		return newProblem(http.StatusNotFound, "no-such-candidate", "no-such-candidate")
	}
	return s.updateJoin(w, r, c, http.StatusOK, func(_ rooms.Booking, js *store.JoinSettings) error {
		for i, cand := range js.Candidates {
			if cand.ID == uint16(id) {
				js.Candidates = append(js.Candidates[:i], js.Candidates[i+1:]...)
				return nil
			}
		}
		return newProblem(http.StatusNotFound, "no-such-candidate", "no-such-candidate.number", "number", id)
	})
}
