package council

import "time"

// Action is one action in a council session's meeting (signaling's
// CouncilAct): what the chair, a member's link or the meeting itself did.
type Action struct {
	// Kind: "opened" (the meeting opened: nobody is connected yet),
	// "joined" and "left" (a member's personal link), "open_item",
	// "close_item", "start_vote", "close_vote", "vote", "speaker".
	Kind string
	// Actor names who did it, for the audit (display name and role).
	Actor    string
	Member   uint16
	Item     uint16
	Question string
	Options  []string
	Secret   bool
	Vote     uint16
	Option   string
	Name     string // speaker
}

// Act runs a meeting's action on a booking's session and returns the view
// once it is stored (signaling.Council).
func (s *Service) Act(bookingID string, a Action) (View, error) {
	// The meeting's own notes (it opened, a member's link joined or
	// left) follow the meeting, which only runs while the session sits;
	// a member leaving as the meeting closes is still recorded. What
	// the chair and the members do is a proceeding.
	update := s.Proceed
	switch a.Kind {
	case "opened", "joined", "left":
		update = s.Update
	}
	ses, err := update(bookingID, a.Actor, func(ses *Session, now time.Time) error {
		switch a.Kind {
		case "opened":
			ses.ResetRemote(now)
			return nil
		case "joined", "left":
			return ses.SetRemote(now, a.Member, a.Kind == "joined")
		case "open_item":
			return ses.OpenItem(now, a.Item)
		case "close_item":
			return ses.CloseItem(now)
		case "start_vote":
			_, err := ses.StartVote(now, a.Question, a.Options, a.Secret)
			return err
		case "close_vote":
			_, err := ses.CloseVote(now)
			return err
		case "vote":
			if v := ses.OpenVote(); v == nil || v.ID != a.Vote {
				return refuse("no-open-vote", "This vote is closed.")
			}
			return ses.Cast(now, a.Member, a.Option, true)
		case "speaker":
			return ses.AddSpeaker(now, a.Name)
		}
		return refuse("unknown-action", "Unknown action %q.", a.Kind)
	})
	if err != nil {
		return View{}, err
	}
	return ses.View(), nil
}
