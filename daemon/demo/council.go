package demo

import (
	"fmt"
	"time"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/council"
	"github.com/kogge-project/kogge/rooms/store"
)

// The demo's last council session, as the secretary and the chair ran
// it: nine members (five in the chamber, three by video, one absent), an
// agenda with a closed item, speakers, and a finished vote of room and
// remote members. The booking page shows it and its minutes.
var councilMembers = []struct {
	name, group string
	how         string // "room", "remote" or "" (absent)
}{
	{"Sabine Weber", "Fraktion Mitte", "room"},
	{"Jörg Hansen", "Fraktion Mitte", "room"},
	{"Aylin Demir", "Grüne Liste", "room"},
	{"Peter Albers", "Grüne Liste", "remote"},
	{"Maren Schulte", "Bürgerforum", "room"},
	{"Klaus Petersen", "Bürgerforum", "remote"},
	{"Ingrid Lorenz", "Fraktion Mitte", "room"},
	{"Tobias Brandt", "Grüne Liste", "remote"},
	{"Heike Marx", "Bürgerforum", ""},
}

var councilAgenda = []council.ItemInput{
	{Number: "1", Name: "Eröffnung und Feststellung der Beschlussfähigkeit", Public: true},
	{Number: "2", Name: "Bebauungsplan Nr. 42 „Am Stadtpark“", Public: true},
	{Number: "3", Name: "Grundstücksangelegenheiten", Public: false},
	{Number: "4", Name: "Verschiedenes", Public: true},
}

// councilVotes is how each member voted on item 2 (in member order).
var councilVotes = []string{"Ja", "Ja", "Nein", "Ja", "Enthaltung", "Ja", "Ja", "Nein", ""}

// seedCouncil records the session of the latest council meeting in the
// history through the council service, as the daemon and its meetings do,
// on a clock that walks through the evening.
func (d Data) seedCouncil(now time.Time) error {
	chamber, _ := d.Catalog.Get("ratssaal")
	page, err := d.Store.List(store.Query{Room: chamber.ID, Kind: rooms.KindCouncil, From: now.AddDate(0, 0, -7*historyWeeks), To: now, Limit: 100})
	if err != nil {
		return err
	}
	var b rooms.Booking
	for _, c := range page.Bookings {
		if c.End.Before(now) && c.Start.After(b.Start) {
			b = c
		}
	}
	if b.ID == "" {
		return nil // no council session in the history (a short history)
	}
	at := b.Start
	svc := council.NewService(council.Options{Store: d.Store, Now: func() time.Time { return at }})
	step := func(after time.Duration, change func(ses *council.Session, now time.Time) error) error {
		at = at.Add(after)
		_, err := svc.Update(b.ID, admin, change)
		return err
	}
	ids := make([]uint16, len(councilMembers))
	items := make([]uint16, len(councilAgenda))
	steps := []struct {
		after  time.Duration
		change func(ses *council.Session, now time.Time) error
	}{
		{-30 * time.Minute, func(ses *council.Session, _ time.Time) error { // the secretary prepares
			for i, m := range councilMembers {
				mb, err := ses.AddMember(m.name, m.group)
				if err != nil {
					return err
				}
				ids[i] = mb.ID
			}
			for i, in := range councilAgenda {
				it, err := ses.AddItem(in, 0)
				if err != nil {
					return err
				}
				items[i] = it.ID
			}
			return nil
		}},
		{28 * time.Minute, func(ses *council.Session, now time.Time) error { // arrivals
			for i, m := range councilMembers {
				var err error
				switch m.how {
				case "room":
					err = ses.SetInRoom(now, ids[i], true)
				case "remote":
					err = ses.SetRemote(now, ids[i], true)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{3 * time.Minute, func(ses *council.Session, now time.Time) error { return ses.OpenItem(now, items[0]) }},
		{time.Minute, func(ses *council.Session, now time.Time) error { return ses.AddSpeaker(now, "Sabine Weber") }},
		{6 * time.Minute, func(ses *council.Session, now time.Time) error { return ses.OpenItem(now, items[1]) }},
		{4 * time.Minute, func(ses *council.Session, now time.Time) error { return ses.AddSpeaker(now, "Aylin Demir") }},
		{7 * time.Minute, func(ses *council.Session, now time.Time) error { return ses.AddSpeaker(now, "Peter Albers") }},
		{9 * time.Minute, func(ses *council.Session, now time.Time) error {
			_, err := ses.StartVote(now, "Zustimmung zum Bebauungsplan Nr. 42 „Am Stadtpark“?", nil, false)
			return err
		}},
		{2 * time.Minute, func(ses *council.Session, now time.Time) error {
			for i, option := range councilVotes {
				if option == "" {
					continue
				}
				if err := ses.Cast(now, ids[i], option, councilMembers[i].how == "remote"); err != nil {
					return err
				}
			}
			return nil
		}},
		{time.Minute, func(ses *council.Session, now time.Time) error { _, err := ses.CloseVote(now); return err }},
		{2 * time.Minute, func(ses *council.Session, now time.Time) error { return ses.OpenItem(now, items[2]) }},
		{25 * time.Minute, func(ses *council.Session, now time.Time) error { return ses.OpenItem(now, items[3]) }},
		{8 * time.Minute, func(ses *council.Session, now time.Time) error { return ses.CloseItem(now) }},
		{2 * time.Minute, func(ses *council.Session, now time.Time) error { // departures
			for i := range councilMembers {
				if err := ses.SetInRoom(now, ids[i], false); err != nil {
					return err
				}
				if err := ses.SetRemote(now, ids[i], false); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for i, s := range steps {
		if err := step(s.after, s.change); err != nil {
			return fmt.Errorf("demo council session, step %d: %w", i+1, err)
		}
	}
	return nil
}
