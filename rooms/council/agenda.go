package council

import (
	"slices"
	"time"
)

// ItemInput is an agenda item as the import or the secretary gives it.
type ItemInput struct {
	Number string `json:"number"`
	Name   string `json:"name"`
	Public bool   `json:"public"`
}

// Seed takes the agenda of the imported meeting, once: later imports do
// not overwrite what the secretary edited.
func (s *Session) Seed(items []ItemInput) {
	if s.Seeded || len(s.Agenda) > 0 {
		return
	}
	s.Seeded = true
	for _, in := range items {
		if len(s.Agenda) >= MaxItems {
			break
		}
		it, err := cleanItem(in)
		if err != nil {
			continue // a name the text policy refuses is left for the secretary
		}
		it.ID = s.NextItem
		s.NextItem++
		s.Agenda = append(s.Agenda, it)
	}
	if len(s.Agenda) > 0 {
		s.note("council_agenda_seed", "%d items from the council information system", len(s.Agenda))
	}
}

func cleanItem(in ItemInput) (Item, error) {
	name, err := cleanText("item", in.Name, MaxNameLen*2)
	if err != nil {
		return Item{}, err
	}
	num := in.Number
	if num != "" {
		if num, err = cleanText("number", num, maxNumberLen); err != nil {
			return Item{}, err
		}
	}
	return Item{Number: num, Name: name, Public: in.Public}, nil
}

// Item returns an agenda item by ID.
func (s *Session) Item(id uint16) (*Item, error) {
	for i := range s.Agenda {
		if s.Agenda[i].ID == id {
			return &s.Agenda[i], nil
		}
	}
	return nil, refuse("no-such-item", "There is no agenda item number %d.", id)
}

// AddItem appends an item, or inserts it before the item before (0: at
// the end).
func (s *Session) AddItem(in ItemInput, before uint16) (*Item, error) {
	it, err := cleanItem(in)
	if err != nil {
		return nil, err
	}
	if len(s.Agenda) >= MaxItems {
		return nil, refuse("too-many-items", "An agenda has at most %d items.", MaxItems)
	}
	at := len(s.Agenda)
	if before != 0 {
		if _, err := s.Item(before); err != nil {
			return nil, err
		}
		at = slices.IndexFunc(s.Agenda, func(x Item) bool { return x.ID == before })
	}
	it.ID = s.NextItem
	s.NextItem++
	s.Agenda = slices.Insert(s.Agenda, at, it)
	s.note("council_item_add", "%s", auditLabel(it))
	return &s.Agenda[at], nil
}

// EditItem changes an item's number, name and public flag. The open item
// cannot change between public and closed: open the other part instead.
func (s *Session) EditItem(id uint16, in ItemInput) error {
	it, err := s.Item(id)
	if err != nil {
		return err
	}
	c, err := cleanItem(in)
	if err != nil {
		return err
	}
	if s.Open == id && c.Public != it.Public {
		return refuse("item-open", "Close the item before making it public or closed.")
	}
	it.Number, it.Name, it.Public = c.Number, c.Name, c.Public
	s.note("council_item_edit", "%s", auditLabel(*it))
	return nil
}

// MoveItem puts an item before another (0: at the end), changing only
// the order.
func (s *Session) MoveItem(id, before uint16) error {
	if id == before {
		return nil
	}
	it, err := s.Item(id)
	if err != nil {
		return err
	}
	if before != 0 {
		if _, err := s.Item(before); err != nil {
			return err
		}
	}
	moved := *it
	s.Agenda = slices.DeleteFunc(s.Agenda, func(x Item) bool { return x.ID == id })
	at := len(s.Agenda)
	if before != 0 {
		at = slices.IndexFunc(s.Agenda, func(x Item) bool { return x.ID == before })
	}
	s.Agenda = slices.Insert(s.Agenda, at, moved)
	s.note("council_item_move", "%s to place %d", auditLabel(moved), at+1)
	return nil
}

// DeleteItem removes an item that was never opened.
func (s *Session) DeleteItem(id uint16) error {
	it, err := s.Item(id)
	if err != nil {
		return err
	}
	if len(it.Spans) > 0 {
		return refuse("item-held", "Item %s was dealt with already and stays in the minutes.", label(*it))
	}
	s.note("council_item_delete", "%s", auditLabel(*it))
	s.Agenda = slices.DeleteFunc(s.Agenda, func(x Item) bool { return x.ID == id })
	return nil
}

// OpenItem opens an item (closing the one open before).
func (s *Session) OpenItem(now time.Time, id uint16) error {
	it, err := s.Item(id)
	if err != nil {
		return err
	}
	if s.Open == id {
		return nil
	}
	if s.openVote() != nil {
		return refuse("vote-open", "Close the open vote first.")
	}
	s.closeOpen(now)
	it.Spans = append(it.Spans, Span{Start: now.UTC()})
	s.Open = id
	s.note("council_item_open", "%s (%s)", auditLabel(*it), map[bool]string{true: "public", false: "closed"}[it.Public])
	return nil
}

// CloseItem closes the open item.
func (s *Session) CloseItem(now time.Time) error {
	if s.Open == 0 {
		return refuse("no-open-item", "No agenda item is open.")
	}
	if s.openVote() != nil {
		return refuse("vote-open", "Close the open vote first.")
	}
	s.closeOpen(now)
	return nil
}

func (s *Session) closeOpen(now time.Time) {
	if s.Open == 0 {
		return
	}
	if it, err := s.Item(s.Open); err == nil && len(it.Spans) > 0 {
		it.Spans[len(it.Spans)-1].End = now.UTC()
		s.note("council_item_close", "%s", auditLabel(*it))
	}
	s.Open = 0
}

// OpenItem returns the open item (nil: none).
func (s *Session) OpenedItem() *Item {
	if s.Open == 0 {
		return nil
	}
	it, _ := s.Item(s.Open)
	return it
}

// AddSpeaker records that someone was given the floor on the open item.
func (s *Session) AddSpeaker(now time.Time, name string) error {
	it := s.OpenedItem()
	if it == nil {
		return refuse("no-open-item", "No agenda item is open.")
	}
	name, err := cleanText("name", name, MaxNameLen)
	if err != nil {
		return err
	}
	if len(it.Speakers) >= MaxSpeakers {
		return refuse("too-many-speakers", "An item has at most %d speakers in the minutes.", MaxSpeakers)
	}
	it.Speakers = append(it.Speakers, Speaker{Name: name, At: now.UTC()})
	s.note("council_speaker", "%s: %s", auditLabel(*it), name)
	return nil
}

// label is how an item is named in the audit and messages.
func label(it Item) string {
	if it.Number == "" {
		return it.Name
	}
	return it.Number + " " + it.Name
}

// auditLabel names an item in the audit, which outlives the session and
// keeps meeting content out (docs/security.md §4): a closed item by its
// number only.
func auditLabel(it Item) string {
	if it.Public {
		return label(it)
	}
	return "item " + it.Number + " (closed)"
}
