package council

func (q Quorum) valid() bool { return q.Den > 0 && q.Num > 0 && q.Num <= q.Den }

// Needed is how many of n members must be present.
func (q Quorum) Needed(n int) int {
	if !q.valid() {
		q = DefaultQuorum
	}
	if q.AtLeast {
		return (n*q.Num + q.Den - 1) / q.Den
	}
	return n*q.Num/q.Den + 1
}

// SetQuorum changes the rule.
func (s *Session) SetQuorum(q Quorum) error {
	if !q.valid() {
		return refuse("invalid-quorum", "The quorum must be a fraction between 0 and 1 of the members.")
	}
	s.Quorum = q
	s.note("council_quorum", "%d/%d (at least: %t)", q.Num, q.Den, q.AtLeast)
	return nil
}

// QuorumView is the attendance against the rule.
type QuorumView struct {
	Members int  `json:"members"`
	Present int  `json:"present"`
	InRoom  int  `json:"in_room"`
	Remote  int  `json:"remote"`
	Needed  int  `json:"needed"`
	Quorate bool `json:"quorate"`
}

// QuorumNow counts the present members.
func (s *Session) QuorumNow() QuorumView {
	v := QuorumView{Members: len(s.Members), Needed: s.Quorum.Needed(len(s.Members))}
	for _, m := range s.Members {
		switch {
		case m.InRoom:
			v.InRoom++
		case m.Remote:
			v.Remote++
		}
	}
	v.Present = v.InRoom + v.Remote
	v.Quorate = v.Members > 0 && v.Present >= v.Needed
	return v
}
