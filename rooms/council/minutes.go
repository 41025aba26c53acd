package council

import (
	"encoding/csv"
	"io"
	"strings"
	"time"
)

// Minutes are the session's record for the minutes, named after the OParl
// objects a council information system takes (Meeting, AgendaItem,
// Person): attendance with times, items with their times and speakers,
// and the votes with their results.
type Minutes struct {
	Type       string          `json:"type"` // OParl's Meeting type
	Booking    string          `json:"booking"`
	Name       string          `json:"name"`
	Start      time.Time       `json:"start"`
	End        time.Time       `json:"end"`
	Quorum     Quorum          `json:"quorum"`
	Person     []MinutesPerson `json:"person"`
	Attendance []Presence      `json:"attendance"`
	AgendaItem []MinutesItem   `json:"agendaItem"`
}

// MinutesPerson is a member and whether they were present at all.
type MinutesPerson struct {
	Name    string `json:"name"`
	Group   string `json:"group,omitempty"`
	Present bool   `json:"present"` // at any time of the session
}

// MinutesItem is one agenda item (OParl AgendaItem) with its votes.
type MinutesItem struct {
	Number   string        `json:"number"`
	Name     string        `json:"name"`
	Public   bool          `json:"public"`
	Spans    []Span        `json:"spans"`
	Speakers []Speaker     `json:"speakers"`
	Votes    []MinutesVote `json:"votes"`
}

// MinutesVote is one vote's result.
type MinutesVote struct {
	Question string        `json:"question"`
	Secret   bool          `json:"secret"`
	Opened   time.Time     `json:"opened"`
	Closed   time.Time     `json:"closed,omitzero"`
	Totals   []OptionCount `json:"totals"`
	Ballots  []Ballot      `json:"ballots"`
}

// Minutes builds the minutes; name, start and end are the booking's.
func (s *Session) Minutes(name string, start, end time.Time) Minutes {
	m := Minutes{Type: "https://schema.oparl.org/1.1/Meeting", Booking: s.Booking, Name: name,
		Start: start.UTC(), End: end.UTC(), Quorum: s.Quorum, Person: []MinutesPerson{},
		Attendance: s.Attendance, AgendaItem: []MinutesItem{}}
	seen := map[uint16]bool{}
	for _, p := range s.Attendance {
		seen[p.Member] = seen[p.Member] || p.Present
	}
	for _, mb := range s.Members {
		m.Person = append(m.Person, MinutesPerson{Name: mb.Name, Group: mb.Group, Present: seen[mb.ID] || mb.Present()})
	}
	for _, it := range s.Agenda {
		mi := MinutesItem{Number: it.Number, Name: it.Name, Public: it.Public, Spans: it.Spans,
			Speakers: it.Speakers, Votes: []MinutesVote{}}
		if mi.Spans == nil {
			mi.Spans = []Span{}
		}
		if mi.Speakers == nil {
			mi.Speakers = []Speaker{}
		}
		for i := range s.Votes {
			v := &s.Votes[i]
			if v.Item != it.ID {
				continue
			}
			mv := MinutesVote{Question: v.Question, Secret: v.Secret, Opened: v.Opened, Closed: v.Closed,
				Totals: v.Totals(), Ballots: v.Ballots}
			if v.Secret || mv.Ballots == nil {
				mv.Ballots = []Ballot{}
			}
			mi.Votes = append(mi.Votes, mv)
		}
		m.AgendaItem = append(m.AgendaItem, mi)
	}
	return m
}

// CSV writes the minutes as one table in German (what a secretary opens
// in a spreadsheet): kind, local time, item, name, detail.
func (m Minutes) CSV(w io.Writer, loc *time.Location) error {
	cw := csv.NewWriter(w)
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("02.01.2006 15:04:05")
	}
	rows := [][]string{{"Art", "Zeit", "TOP", "Name", "Angabe"}}
	for _, p := range m.Attendance {
		word := "anwesend"
		if !p.Present {
			word = "abwesend"
		}
		where := map[string]string{"room": "im Saal", "remote": "per Video"}[p.How]
		rows = append(rows, []string{"Anwesenheit", at(p.At), "", p.Name, word + " (" + where + ")"})
	}
	for _, it := range m.AgendaItem {
		part := "öffentlich"
		if !it.Public {
			part = "nicht öffentlich"
		}
		for _, sp := range it.Spans {
			rows = append(rows, []string{"TOP geöffnet", at(sp.Start), it.Number, it.Name, part})
			if !sp.End.IsZero() {
				rows = append(rows, []string{"TOP geschlossen", at(sp.End), it.Number, it.Name, ""})
			}
		}
		for _, sp := range it.Speakers {
			rows = append(rows, []string{"Wortmeldung", at(sp.At), it.Number, sp.Name, ""})
		}
		for _, v := range it.Votes {
			res := ""
			for i, t := range v.Totals {
				if i > 0 {
					res += ", "
				}
				res += t.Option + ": " + itoa(t.Count)
			}
			kind := "Abstimmung"
			if v.Secret {
				kind = "Geheime Abstimmung"
			}
			rows = append(rows, []string{kind, at(v.Closed), it.Number, v.Question, res})
			for _, b := range v.Ballots {
				how := "im Saal"
				if b.Remote {
					how = "per Video"
				}
				rows = append(rows, []string{"Stimme", at(b.At), it.Number, b.Name, b.Option + " (" + how + ")"})
			}
		}
	}
	for _, r := range rows {
		for i := range r {
			r[i] = cell(r[i])
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// cell keeps a spreadsheet from reading a name as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
