package council

import (
	"slices"
	"strings"
	"time"
)

// OpenVote returns the open vote (nil: none).
func (s *Session) OpenVote() *Vote { return s.openVote() }

// Vote returns a vote by ID.
func (s *Session) Vote(id uint16) (*Vote, error) {
	for i := range s.Votes {
		if s.Votes[i].ID == id {
			return &s.Votes[i], nil
		}
	}
	return nil, refuse("no-such-vote", "There is no vote number %d.", id)
}

// errSecretRemote is why a secret ballot cannot include remote members.
var errSecretRemote = refuse("secret-remote",
	"A secret ballot cannot be held with members taking part remotely: their vote could not be kept secret. Hold it in the room only, or as an open vote.")

// StartVote opens a vote on the open item. No options: Ja, Nein,
// Enthaltung.
func (s *Session) StartVote(now time.Time, question string, options []string, secret bool) (*Vote, error) {
	it := s.OpenedItem()
	if it == nil {
		return nil, refuse("no-open-item", "Open the agenda item first.")
	}
	if s.openVote() != nil {
		return nil, refuse("vote-open", "Another vote is still open.")
	}
	if len(s.Votes) >= MaxVotes {
		return nil, refuse("too-many-votes", "A session has at most %d votes.", MaxVotes)
	}
	q, err := cleanText("question", question, MaxNameLen*2)
	if err != nil {
		return nil, err
	}
	opts, err := cleanOptions(options)
	if err != nil {
		return nil, err
	}
	if secret && s.QuorumNow().Remote > 0 {
		return nil, errSecretRemote
	}
	id := uint16(1)
	if n := len(s.Votes); n > 0 {
		id = s.Votes[n-1].ID + 1
	}
	s.Votes = append(s.Votes, Vote{ID: id, Item: it.ID, Question: q, Options: opts, Secret: secret,
		Opened: now.UTC(), Ballots: []Ballot{}})
	s.note("council_vote_start", "%s: vote %d%s", auditLabel(*it), id, map[bool]string{true: " (secret)"}[secret])
	return &s.Votes[len(s.Votes)-1], nil
}

func cleanOptions(in []string) ([]string, error) {
	if len(in) == 0 {
		return slices.Clone(DefaultOptions), nil
	}
	if len(in) < 2 || len(in) > MaxOptions {
		return nil, refuse("invalid-options", "A vote has 2 to %d options.", MaxOptions)
	}
	out := make([]string, 0, len(in))
	for _, o := range in {
		// Its own code: "invalid-option" is a ballot for an option the
		// vote does not have.
		c, err := cleanText("option-text", o, maxOptionLen)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, c) }) {
			return nil, refuse("invalid-options", "The option %q is named twice.", c)
		}
		out = append(out, c)
	}
	return out, nil
}

// Cast records a member's vote: remote from the member's own link, or
// entered by the secretary for a member in the room. A second vote
// replaces the first until the vote closes.
func (s *Session) Cast(now time.Time, member uint16, option string, remote bool) error {
	v := s.openVote()
	if v == nil {
		return refuse("no-open-vote", "No vote is open.")
	}
	m, err := s.Member(member)
	if err != nil {
		return err
	}
	if v.Secret {
		if remote {
			return errSecretRemote
		}
		return refuse("secret-named", "A secret ballot records no names: enter the counts.")
	}
	if !slices.Contains(v.Options, option) {
		return refuse("invalid-option", "%q is not an option of this vote.", option)
	}
	if remote && !m.Remote {
		return refuse("not-present", "%s is not in the meeting.", m.Name)
	}
	if !remote && !m.InRoom {
		return refuse("not-present", "%s is not marked present in the room.", m.Name)
	}
	b := Ballot{Member: m.ID, Name: m.Name, Option: option, At: now.UTC(), Remote: remote}
	if i := slices.IndexFunc(v.Ballots, func(x Ballot) bool { return x.Member == m.ID }); i >= 0 {
		v.Ballots[i] = b
		s.note("council_vote_cast", "vote %d: %s changed to %s", v.ID, m.Name, option)
	} else {
		v.Ballots = append(v.Ballots, b)
		s.note("council_vote_cast", "vote %d: %s %s", v.ID, m.Name, option)
	}
	return nil
}

// SetHands records the counts per option of the room members who voted
// by show of hands (replacing the counts entered before). Together with
// the named ballots they cannot exceed the members present.
func (s *Session) SetHands(counts map[string]int) error {
	v := s.openVote()
	if v == nil {
		return refuse("no-open-vote", "No vote is open.")
	}
	sum := 0
	for o, n := range counts {
		if !slices.Contains(v.Options, o) {
			return refuse("invalid-option", "%q is not an option of this vote.", o)
		}
		if n < 0 {
			return refuse("negative-count", "A count cannot be negative.")
		}
		if q := s.QuorumNow(); n > q.Present {
			// Checked one by one as well: a sum of huge counts could wrap.
			return refuse("invalid-count", "%d votes counted, but only %d members are present.", n, q.Present)
		}
		sum += n
	}
	if q := s.QuorumNow(); sum+len(v.Ballots) > q.Present {
		return refuse("invalid-count", "%d votes counted, but only %d members are present.", sum+len(v.Ballots), q.Present)
	}
	v.Hands = map[string]int{}
	for o, n := range counts {
		if n > 0 {
			v.Hands[o] = n
		}
	}
	s.note("council_vote_hands", "vote %d: %s", v.ID, totalsText(v))
	return nil
}

// CloseVote ends the open vote; its result is final.
func (s *Session) CloseVote(now time.Time) (*Vote, error) {
	v := s.openVote()
	if v == nil {
		return nil, refuse("no-open-vote", "No vote is open.")
	}
	v.Closed = now.UTC()
	s.note("council_vote_close", "vote %d: %s", v.ID, totalsText(v))
	return v, nil
}

func totalsText(v *Vote) string {
	parts := []string{}
	for _, t := range v.Totals() {
		parts = append(parts, t.Option+" "+itoa(t.Count))
	}
	return strings.Join(parts, ", ")
}
