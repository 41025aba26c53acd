package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/signaling/admission"
	"github.com/kogge-project/kogge/signaling/joinlink"
)

// The secretary's side of a council session (rooms/council): members and
// their personal links, the agenda, who is present in the room, the
// votes of room members, and the minutes. Each handler decodes, runs one
// change of the session (stored with its audit line before it answers)
// and writes the session back.

// councilView is GET /bookings/{id}/council: the session with each
// member's personal link and the view the meeting shows.
type councilView struct {
	*council.Session
	Links map[uint16]string `json:"links"` // member id -> personal link
	Now   council.View      `json:"now"`
	// NotSitting: why the session takes no proceedings now
	// (council.Service.NotSitting; "" while it sits).
	NotSitting string `json:"not_sitting,omitempty"`
}

var errNoCouncil = newProblem(http.StatusNotFound, "no-council", "no-council")

// councilBooking reads a council booking the caller may see.
func (s *server) councilBooking(c *caller, id string) (rooms.Booking, error) {
	if s.council == nil {
		return rooms.Booking{}, errNoCouncil
	}
	b, err := s.store.Get(id)
	if err != nil {
		return b, err
	}
	if !canRead(c, &b) {
		return b, errForbidden
	}
	if b.Kind != rooms.KindCouncil {
		return b, errNoCouncil
	}
	return b, nil
}

func (s *server) writeSession(w http.ResponseWriter, b rooms.Booking, ses *council.Session) error {
	v := councilView{Session: ses, Links: map[uint16]string{}, Now: ses.View()}
	var err error
	if v.NotSitting, err = s.council.NotSitting(b.ID); err != nil {
		return err
	}
	if s.joins != nil && b.Hybrid.Enabled {
		for _, m := range ses.Members {
			u, err := s.joins.Link(joinlink.Claims{Booking: b.ID, Kind: joinlink.KindMember, Member: m.ID, Generation: m.Generation})
			if err != nil {
				return err
			}
			v.Links[m.ID] = u
		}
	}
	w.Header().Set("Cache-Control", "no-store") // the links are credentials
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *server) getCouncil(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.councilBooking(c, r.PathValue("id"))
	if err != nil {
		return err
	}
	ses, err := s.council.Get(b.ID)
	if err != nil {
		return err
	}
	return s.writeSession(w, b, ses)
}

// changeCouncil runs one change of the session's preparation (members,
// agenda, quorum) and answers with the session.
func (s *server) changeCouncil(w http.ResponseWriter, r *http.Request, c *caller, change func(ses *council.Session, now time.Time) error) error {
	return s.runCouncil(w, r, c, false, change)
}

// proceedCouncil runs one of the session's proceedings (items opened and
// closed, votes, ballots, presence), which are refused while the session
// does not sit (council.Service.Proceed).
func (s *server) proceedCouncil(w http.ResponseWriter, r *http.Request, c *caller, change func(ses *council.Session, now time.Time) error) error {
	return s.runCouncil(w, r, c, true, change)
}

func (s *server) runCouncil(w http.ResponseWriter, r *http.Request, c *caller, proceeding bool, change func(ses *council.Session, now time.Time) error) error {
	b, err := s.councilBooking(c, r.PathValue("id"))
	if err != nil {
		return err
	}
	update := s.council.Update
	if proceeding {
		update = s.council.Proceed
	}
	ses, err := update(b.ID, c.name(), change)
	if ce, ok := errors.AsType[*council.Error](err); ok {
		return councilProblem(ce)
	}
	if err != nil {
		return err
	}
	return s.writeSession(w, b, ses)
}

// councilProblem: the rule's code names the detail; its English message
// (which names the member or item) is the fallback.
func councilProblem(e *council.Error) *problem {
	status := http.StatusConflict
	if len(e.Code) > 8 && e.Code[:8] == "invalid-" {
		status = http.StatusUnprocessableEntity
	}
	return newProblem(status, "council-refused", "council."+e.Code)
}

// pathNumber reads a member, item or vote number from the path.
func pathNumber(r *http.Request, name string) uint16 {
	n, _ := strconv.ParseUint(r.PathValue(name), 10, 16)
	return uint16(n) // 0 matches nothing
}

type memberInput struct {
	Name  string `json:"name"`
	Group string `json:"group"`
}

func (s *server) addMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in memberInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return s.changeCouncil(w, r, c, func(ses *council.Session, _ time.Time) error {
		_, err := ses.AddMember(in.Name, in.Group)
		return err
	})
}

func (s *server) deleteMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := pathNumber(r, "mid")
	err := s.changeCouncil(w, r, c, func(ses *council.Session, now time.Time) error { return ses.RemoveMember(now, id) })
	if err == nil {
		s.revokeMembers(r.PathValue("id"))
	}
	return err
}

func (s *server) rotateMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := pathNumber(r, "mid")
	err := s.changeCouncil(w, r, c, func(ses *council.Session, _ time.Time) error { return ses.RotateLink(id) })
	if err == nil {
		s.revokeMembers(r.PathValue("id"))
	}
	return err
}

// revokeMembers sends away whoever is in the meeting with a member link
// that was rotated or whose member was removed.
func (s *server) revokeMembers(bookingID string) {
	if s.hub == nil || s.council == nil {
		return
	}
	ses, err := s.council.Get(bookingID)
	if err != nil {
		return
	}
	valid := map[string]bool{}
	for _, m := range ses.Members {
		valid[admission.MemberLink(m.ID, m.Generation)] = true
	}
	memberPrefix := joinlink.KindMember.String() + ":"
	s.hub.Revoke(bookingID, func(link string) bool {
		return len(link) < len(memberPrefix) || link[:len(memberPrefix)] != memberPrefix || valid[link]
	})
}

type presenceInput struct {
	InRoom *bool `json:"in_room"`
}

func (s *server) setPresence(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in presenceInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.InRoom == nil {
		return councilProblem(&council.Error{Code: "invalid-presence"})
	}
	id := pathNumber(r, "mid")
	return s.proceedCouncil(w, r, c, func(ses *council.Session, now time.Time) error { return ses.SetInRoom(now, id, *in.InRoom) })
}

type itemInput struct {
	council.ItemInput
	Before uint16 `json:"before"`
}

func (s *server) addItem(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in itemInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return s.changeCouncil(w, r, c, func(ses *council.Session, _ time.Time) error {
		_, err := ses.AddItem(in.ItemInput, in.Before)
		return err
	})
}

func (s *server) editItem(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in council.ItemInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	id := pathNumber(r, "iid")
	return s.changeCouncil(w, r, c, func(ses *council.Session, _ time.Time) error { return ses.EditItem(id, in) })
}

type moveInput struct {
	Before uint16 `json:"before"` // 0: to the end
}

func (s *server) moveItem(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in moveInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	id := pathNumber(r, "iid")
	return s.changeCouncil(w, r, c, func(ses *council.Session, _ time.Time) error { return ses.MoveItem(id, in.Before) })
}

func (s *server) deleteItem(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := pathNumber(r, "iid")
	return s.changeCouncil(w, r, c, func(ses *council.Session, _ time.Time) error { return ses.DeleteItem(id) })
}

func (s *server) openItem(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := pathNumber(r, "iid")
	return s.proceedCouncil(w, r, c, func(ses *council.Session, now time.Time) error { return ses.OpenItem(now, id) })
}

func (s *server) closeItem(w http.ResponseWriter, r *http.Request, c *caller) error {
	return s.proceedCouncil(w, r, c, func(ses *council.Session, now time.Time) error { return ses.CloseItem(now) })
}

type voteInput struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Secret   bool     `json:"secret"`
}

func (s *server) startVote(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in voteInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return s.proceedCouncil(w, r, c, func(ses *council.Session, now time.Time) error {
		_, err := ses.StartVote(now, in.Question, in.Options, in.Secret)
		return err
	})
}

type ballotInput struct {
	Member uint16 `json:"member"`
	Option string `json:"option"`
}

// castRoomVote enters a room member's vote (the secretary's list).
func (s *server) castRoomVote(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in ballotInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	vid := pathNumber(r, "vid")
	return s.proceedCouncil(w, r, c, func(ses *council.Session, now time.Time) error {
		if v := ses.OpenVote(); v == nil || v.ID != vid {
			return &council.Error{Code: "no-open-vote", Message: "This vote is closed."}
		}
		return ses.Cast(now, in.Member, in.Option, false)
	})
}

type handsInput struct {
	Counts map[string]int `json:"counts"`
}

func (s *server) setHands(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in handsInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	vid := pathNumber(r, "vid")
	return s.proceedCouncil(w, r, c, func(ses *council.Session, _ time.Time) error {
		if v := ses.OpenVote(); v == nil || v.ID != vid {
			return &council.Error{Code: "no-open-vote", Message: "This vote is closed."}
		}
		return ses.SetHands(in.Counts)
	})
}

func (s *server) closeVote(w http.ResponseWriter, r *http.Request, c *caller) error {
	vid := pathNumber(r, "vid")
	return s.proceedCouncil(w, r, c, func(ses *council.Session, now time.Time) error {
		// The vote the page showed, not whichever is open now (a double
		// click, a stale page).
		if v := ses.OpenVote(); v == nil || v.ID != vid {
			return &council.Error{Code: "no-open-vote", Message: "This vote is closed."}
		}
		_, err := ses.CloseVote(now)
		return err
	})
}

func (s *server) setQuorum(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in council.Quorum
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return s.changeCouncil(w, r, c, func(ses *council.Session, _ time.Time) error { return ses.SetQuorum(in) })
}

// minutes answers the minutes as JSON (named after the OParl objects) or,
// for minutes.csv, as a table in German with local times.
func (s *server) minutes(w http.ResponseWriter, r *http.Request, c *caller) error {
	b, err := s.councilBooking(c, r.PathValue("id"))
	if err != nil {
		return err
	}
	ses, err := s.council.Get(b.ID)
	if err != nil {
		return err
	}
	m := ses.Minutes(b.Title, b.Start, b.End)
	if strings.HasSuffix(r.URL.Path, ".csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="niederschrift.csv"`)
		return m.CSV(w, s.defaultZone())
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}
