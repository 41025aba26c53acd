package council

import (
	"time"
)

// View is what a meeting shows of the session (signaling's state, the
// events stream): the open item, the quorum and the open vote, or the
// result of the last vote on the open item.
type View struct {
	Rev    uint64     `json:"rev"`
	Item   *ItemView  `json:"item"`
	Quorum QuorumView `json:"quorum"`
	// Vote is the open vote, or else the last closed one on the open item.
	Vote *VoteView `json:"vote"`
	// Agenda is the whole agenda, for the chair (meetings send it to
	// hosts only).
	Agenda []AgendaEntry `json:"agenda,omitempty"`
}

// AgendaEntry is one item of the agenda as the chair picks it.
type AgendaEntry struct {
	ID     uint16 `json:"id"`
	Number string `json:"number"`
	Name   string `json:"name"`
	Public bool   `json:"public"`
	// Done: the item was open before (and is not now).
	Done bool `json:"done"`
}

// ItemView is the open item.
type ItemView struct {
	ID     uint16    `json:"id"`
	Number string    `json:"number"`
	Name   string    `json:"name"`
	Public bool      `json:"public"`
	Since  time.Time `json:"since"`
}

// VoteView is a vote as participants see it: while it is open, who has
// voted (not how); once closed, the totals and, unless secret, the names.
type VoteView struct {
	ID       uint16   `json:"id"`
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Secret   bool     `json:"secret"`
	Open     bool     `json:"open"`
	// Voted are the members (by ID) who have a ballot in; Cast counts
	// ballots and hands.
	Voted   []uint16      `json:"voted"`
	Cast    int           `json:"cast"`
	Totals  []OptionCount `json:"totals,omitempty"`
	Ballots []Ballot      `json:"ballots,omitempty"`
}

// View is what participants see of the session now.
func (s *Session) View() View {
	v := View{Rev: s.Rev, Quorum: s.QuorumNow(), Agenda: []AgendaEntry{}}
	for _, a := range s.Agenda {
		v.Agenda = append(v.Agenda, AgendaEntry{ID: a.ID, Number: a.Number, Name: a.Name, Public: a.Public,
			Done: len(a.Spans) > 0 && a.ID != s.Open})
	}
	it := s.OpenedItem()
	if it == nil {
		return v
	}
	since := it.Spans[len(it.Spans)-1].Start
	v.Item = &ItemView{ID: it.ID, Number: it.Number, Name: it.Name, Public: it.Public, Since: since}
	var last *Vote // the open vote, or the last since the item opened
	for i := range s.Votes {
		if s.Votes[i].Item == it.ID && !s.Votes[i].Opened.Before(since) {
			last = &s.Votes[i]
		}
	}
	if last != nil {
		v.Vote = voteView(last)
	}
	return v
}

func voteView(vt *Vote) *VoteView {
	out := &VoteView{ID: vt.ID, Question: vt.Question, Options: vt.Options, Secret: vt.Secret, Open: vt.Open(), Voted: []uint16{}}
	for _, b := range vt.Ballots {
		out.Voted = append(out.Voted, b.Member)
		out.Cast++
	}
	for _, n := range vt.Hands {
		out.Cast += n
	}
	if !vt.Open() {
		out.Totals = vt.Totals()
		if !vt.Secret {
			out.Ballots = vt.Ballots
		}
	}
	return out
}

// Redacted is the view for readers outside the meeting (the events
// stream, room panels): a closed item shows only its number and that it is
// closed; a vote on it shows neither its question nor its options (they
// may name people, e.g. applicants), its results or who has voted — only
// how many ballots are in.
func (v View) Redacted() View {
	v.Agenda = nil
	if v.Item == nil || v.Item.Public {
		return v
	}
	it := *v.Item
	it.Name = ""
	v.Item = &it
	if v.Vote != nil {
		vt := *v.Vote
		vt.Question, vt.Ballots, vt.Options, vt.Totals, vt.Voted = "", nil, nil, nil, nil
		v.Vote = &vt
	}
	return v
}
