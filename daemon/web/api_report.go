package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kogge-project/kogge/daemon/problems"
	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/usage"
)

// Report periods: 90 days unless asked otherwise, at most three years
// (a report over last year, compared with the one before).
const (
	defaultReportDays = 90
	maxReportDays     = 3*366 + 1
)

// reportView is the JSON answer: the report and when it was made.
type reportView struct {
	usage.Report
	Generated time.Time `json:"generated"`
	// AllRooms: no room was chosen, the report covers every room.
	AllRooms bool `json:"all_rooms"`
}

// utilisationReport answers GET /reports/utilisation?from=&to=&room=
// (&format=csv, &lang=de|en for its header): the rooms' use per week, the remote participation and
// the licence pools' use per day over the period (local dates, both
// included; default the last 90 days up to today). room may be repeated;
// without it every room is reported. Confidential bookings count in every
// figure, but their titles are never shown (the store leaves them out).
func (s *server) utilisationReport(w http.ResponseWriter, r *http.Request, _ *caller) error {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return badQuery("format", "bad-query.format")
	}
	all := s.catalog.All()
	if len(all) == 0 {
		return newProblem(http.StatusNotFound, "unknown-room", "unknown-room", "room", "")
	}
	zone := all[0].Zone
	if zone == nil {
		zone = time.UTC
	}
	var chosen []rooms.Room
	for _, id := range q["room"] {
		for _, id := range strings.Split(id, ",") {
			room, ok := s.catalog.Get(id)
			if !ok {
				return newProblem(http.StatusNotFound, "unknown-room", "unknown-room", "room", id)
			}
			if !slices.ContainsFunc(chosen, func(c rooms.Room) bool { return c.ID == room.ID }) {
				chosen = append(chosen, room)
			}
		}
	}
	if len(chosen) == 0 {
		chosen = all
	}
	to := rooms.DateOf(s.now(), zone)
	if v := q.Get("to"); v != "" {
		d, err := rooms.ParseDate(v)
		if err != nil {
			return badQuery("to", "bad-query.date")
		}
		to = d
	}
	from := dateAdd(to, -(defaultReportDays - 1))
	if v := q.Get("from"); v != "" {
		d, err := rooms.ParseDate(v)
		if err != nil {
			return badQuery("from", "bad-query.date")
		}
		from = d
	}
	if to.Before(from) {
		return badQuery("to", "bad-query.to-after-from")
	}
	if !to.Before(dateAdd(from, maxReportDays)) {
		return badQuery("to", "bad-query.window", "days", maxReportDays)
	}
	in := usage.Input{From: from, To: to, Zone: zone, Rooms: chosen, Closures: s.closureList(), Providers: s.reportProviders}
	start, end := in.Span()
	ms, err := s.store.UsageHistory(start, end)
	if err != nil {
		return err
	}
	in.Meetings = ms
	rep := reportView{Report: usage.Compute(in), Generated: s.now().UTC().Truncate(time.Second), AllRooms: len(q["room"]) == 0}
	if format == "csv" {
		// A download link cannot set Accept-Language: the page names
		// its language in the query.
		l := problems.Negotiate(r.Header.Get("Accept-Language"))
		if v := q.Get("lang"); v == string(problems.DE) || v == string(problems.EN) {
			l = problems.Lang(v)
		}
		return writeReportCSV(w, rep, l)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func dateAdd(d rooms.Date, days int) rooms.Date {
	return rooms.DateOf(time.Date(d.Year, d.Month, d.Day+days, 12, 0, 0, 0, time.UTC), time.UTC)
}

// reportColumns head the CSV, in the reader's language: one row per room
// and week, then one per provider pool and day.
var reportColumns = map[problems.Lang][]string{
	problems.DE: {"Zeile", "Raum", "Woche ab", "Tage", "Buchbare Stunden", "Gebuchte Stunden", "Auslastung %", "Stunden Rat", "Stunden Ausschuss",
		"Stunden Vorstellungsgespräch", "Stunden Besprechung", "Genutzte Stunden", "Buchungen", "Mit Check-in", "Eingecheckt", "Nicht erschienen",
		"Früher beendet", "Anbieter", "Tag", "Lizenzen gleichzeitig (Höchstwert)", "Lizenzen im Pool"},
	problems.EN: {"row", "room", "week from", "days", "bookable hours", "booked hours", "utilisation %", "council hours", "committee hours",
		"interview hours", "meeting hours", "used hours", "bookings", "check-in required", "checked in", "no-shows",
		"ended early", "provider", "day", "licences at once (peak)", "licences in pool"},
}

// writeReportCSV writes the CSV (RFC 4180; numbers with a decimal point,
// so every spreadsheet reads them the same).
func writeReportCSV(w http.ResponseWriter, rep reportView, l problems.Lang) error {
	cols := reportColumns[problems.DE]
	if l == problems.EN {
		cols = reportColumns[problems.EN]
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="kogge-auslastung-%s-%s.csv"`, rep.From, rep.To))
	cw := csv.NewWriter(w)
	_ = cw.Write(cols)
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
	pct := func(p *float64) string {
		if p == nil {
			return ""
		}
		return num(*p)
	}
	names := map[string]string{}
	for _, r := range rep.Rooms {
		names[r.Room] = r.Name
	}
	kind := [2]string{"Raum und Woche", "Lizenzen und Tag"}
	if l == problems.EN {
		kind = [2]string{"room and week", "licences and day"}
	}
	for _, wk := range rep.Weeks {
		f := wk.Figures
		_ = cw.Write([]string{kind[0], names[wk.Room], wk.Week, strconv.Itoa(wk.Days), num(f.BookableHours), num(f.BookedHours), pct(f.Utilisation),
			num(f.ByKind[rooms.KindCouncil]), num(f.ByKind[rooms.KindCommittee]), num(f.ByKind[rooms.KindInterview]), num(f.ByKind[rooms.KindMeeting]),
			num(f.UsedHours), strconv.Itoa(f.Bookings), strconv.Itoa(f.CheckinRequired), strconv.Itoa(f.CheckedIn), strconv.Itoa(f.NoShows),
			strconv.Itoa(f.EarlyEnds), "", "", "", ""})
	}
	for _, p := range rep.Licences {
		for _, d := range p.Days {
			row := make([]string, len(cols))
			row[0], row[17], row[18], row[19], row[20] = kind[1], p.Provider, d.Date, strconv.Itoa(d.Peak), strconv.Itoa(p.Pool)
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}
