package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kogge-project/kogge/integrations/ical"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
)

// Feed windows: what a subscribed calendar shows.
const (
	feedPast   = 30 * 24 * time.Hour
	feedFuture = 18 * 31 * 24 * time.Hour
)

var feedKinds = []string{"room", "organizer", "committee"}

type feedInput struct {
	Kind   string `json:"kind"`
	Target string `json:"id"`
}

// createFeed answers POST /feeds {kind, id}: a calendar URL with a token
// of its own, shown once; confidential bookings appear in it as far as the
// caller may read them.
func (s *server) createFeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in feedInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if !slices.Contains(feedKinds, in.Kind) || strings.TrimSpace(in.Target) == "" || len(in.Target) > 200 || strings.ContainsAny(in.Target, "/?#") {
		return fieldProblem("kind", "field.feed")
	}
	if in.Kind == "room" {
		if _, ok := s.catalog.Get(in.Target); !ok {
			return rooms.UnknownRoom(in.Target)
		}
	}
	plain, ft, err := s.store.CreateFeedToken(store.FeedToken{Kind: in.Kind, Target: in.Target, Owner: c.user.Name, OwnerAdmin: c.isAdmin()})
	if err != nil {
		return err
	}
	link := strings.TrimSuffix(s.publicURL, "/") + "/ical/" + in.Kind + "/" + url.PathEscape(in.Target) + ".ics?token=" + plain
	writeJSON(w, http.StatusCreated, map[string]any{"url": link, "feed": ft})
	return nil
}

func (s *server) listFeeds(w http.ResponseWriter, _ *http.Request, c *caller) error {
	owner := c.user.Name
	if c.isAdmin() {
		owner = ""
	}
	fts, err := s.store.FeedTokens(owner)
	if err != nil {
		return err
	}
	if fts == nil {
		fts = []store.FeedToken{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"feeds": fts})
	return nil
}

func (s *server) revokeFeed(w http.ResponseWriter, r *http.Request, c *caller) error {
	id := r.PathValue("id")
	if !c.isAdmin() {
		fts, err := s.store.FeedTokens(c.user.Name)
		if err != nil {
			return err
		}
		mine := false
		for _, ft := range fts {
			mine = mine || ft.ID == id
		}
		if !mine {
			return newProblem(http.StatusNotFound, "no-such-feed", "no-such-feed")
		}
	}
	if err := s.store.RevokeFeedToken(id); err != nil {
		if errors.Is(err, rooms.ErrNotFound) {
			return newProblem(http.StatusNotFound, "no-such-feed", "no-such-feed")
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// feed answers GET /ical/{kind}/{file}?token=: the calendar itself. The
// token is the only credential (calendar clients cannot log in); it must
// belong to exactly this kind and target, and every failure looks alike.
func (s *server) feed(w http.ResponseWriter, r *http.Request, _ *caller) error {
	kind, target := r.PathValue("kind"), strings.TrimSuffix(r.PathValue("file"), ".ics")
	notFound := newProblem(http.StatusNotFound, "no-such-feed", "no-such-feed.link")
	ft, err := s.store.FeedTokenFor(r.URL.Query().Get("token"))
	if err != nil || ft.Kind != kind || ft.Target != target {
		return notFound
	}
	// The owner's account, as it is now: a disabled account's feeds stop,
	// a demoted one's read with the new rights.
	owner, err := s.accounts.User(ft.Owner)
	if err != nil || owner.Disabled {
		return notFound
	}
	now := s.now()
	bookings, err := s.feedBookings(ft, now.Add(-feedPast), now.Add(feedFuture))
	if err != nil {
		return err
	}
	series, err := s.feedSeries(ft, &bookings)
	if err != nil {
		return err
	}
	name := map[string]string{"room": "Raum ", "organizer": "Buchungen von ", "committee": ""}[kind] + target
	if room, ok := s.catalog.Get(target); ok && kind == "room" {
		name = room.Name
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("Content-Disposition", `inline; filename="kogge-`+ft.ID+`.ics"`)
	return ical.WriteFeed(w, ical.Feed{
		Name: "Kogge – " + name, Zone: s.defaultZone(), Bookings: bookings, Series: series,
		// A feed URL is a bearer credential that calendar services outside
		// our control fetch: confidential bookings are busy blocks in every
		// feed, whoever made it (docs/security.md §3).
		Rooms: s.catalog.Get, Visible: func(b *rooms.Booking) bool { return !b.Confidential },
		JoinURL: s.joins.InviteJoinURL, DialIn: s.joins.InviteDialIn,
		Now: now, Refresh: time.Hour,
	})
}

// feedBookings collects what a feed shows in [from, to).
func (s *server) feedBookings(ft store.FeedToken, from, to time.Time) ([]rooms.Booking, error) {
	q := store.Query{From: from, To: to}
	if ft.Kind == "room" {
		q.Room = ft.Target
	}
	var out []rooms.Booking
	err := s.store.Each(q, func(b rooms.Booking) (bool, error) {
		if feedShows(ft, &b) {
			out = append(out, b)
		}
		return true, nil
	})
	return out, err
}

// feedShows says whether a booking belongs in a feed. Organizer and
// committee feeds leave confidential bookings out altogether: even a busy
// block would tell who has an interview when.
func feedShows(ft store.FeedToken, b *rooms.Booking) bool {
	switch ft.Kind {
	case "room":
		return b.Room == ft.Target
	case "organizer":
		return !b.Confidential && strings.EqualFold(b.Organizer, ft.Target)
	case "committee":
		return !b.Confidential && strings.EqualFold(b.Committee, ft.Target)
	}
	return false
}

// feedSeries loads the series of the feed's occurrences, and adds their
// occurrences the window missed so that each rule is complete where shown.
// A series whose template does not belong in the feed (one occurrence
// moved into this room) is left out: its occurrences stand as single events.
func (s *server) feedSeries(ft store.FeedToken, bookings *[]rooms.Booking) ([]rooms.Series, error) {
	seen := map[string]bool{}
	have := map[string]bool{}
	for _, b := range *bookings {
		have[b.ID] = true
	}
	var out []rooms.Series
	for _, b := range *bookings {
		if b.SeriesID == "" || seen[b.SeriesID] {
			continue
		}
		seen[b.SeriesID] = true
		sr, err := s.store.GetSeries(b.SeriesID)
		if err != nil {
			return nil, err
		}
		if !feedShows(ft, &sr.Template) {
			continue
		}
		occ, err := s.store.SeriesBookings(sr.ID, time.Time{})
		if err != nil {
			return nil, err
		}
		for _, o := range occ {
			if !have[o.ID] && feedShows(ft, &o) {
				*bookings = append(*bookings, o)
				have[o.ID] = true
			}
		}
		out = append(out, sr)
	}
	return out, nil
}

func (s *server) defaultZone() *time.Location {
	if all := s.catalog.All(); len(all) > 0 && all[0].Zone != nil {
		return all[0].Zone
	}
	zone, _ := time.LoadLocation(rooms.DefaultZone)
	return zone
}
