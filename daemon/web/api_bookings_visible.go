package web

import (
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// listVisible is store.List for a filter on a field the caller may not see
// (the kind of someone else's confidential booking, shown as a busy block
// without it): such bookings must neither be on the page nor leave a trace
// of themselves, such as a short page with a "next" link or a cursor after
// them. So the page is filled with visible matches only, and it has a next
// link only when another visible match follows.
func (s *server) listVisible(q store.Query, visible func(*rooms.Booking) bool) (store.Page, error) {
	limit := q.Limit
	var (
		out store.Page
		// from and taken locate the last booking on out: the taken-th
		// store match after cursor from.
		from  = q.After
		taken int
	)
	cursor := q.After
	for {
		sub := q
		sub.After, sub.Limit = cursor, store.MaxLimit
		page, err := s.store.List(sub)
		if err != nil {
			return store.Page{}, err
		}
		for i := range page.Bookings {
			b := &page.Bookings[i]
			if !visible(b) {
				continue
			}
			if len(out.Bookings) == limit {
				// Another visible match follows: the next page starts
				// after the last one on this page.
				sub.After, sub.Limit = from, taken
				last, err := s.store.List(sub)
				if err != nil {
					return store.Page{}, err
				}
				out.Next = last.Next
				return out, nil
			}
			out.Bookings = append(out.Bookings, *b)
			from, taken = cursor, i+1
		}
		if page.Next == "" {
			return out, nil
		}
		cursor = page.Next
	}
}
