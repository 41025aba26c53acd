package web

import (
	"bytes"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"time"

	"github.com/kogge-project/kogge/integrations/ical"
	"github.com/kogge-project/kogge/integrations/mail"
	"github.com/kogge-project/kogge/rooms"
)

// MailNotifier tells a booking's contact what happened to it, with an
// iCalendar invitation their groupware understands.
type MailNotifier struct {
	mailer  *mail.Mailer
	from    ical.Address
	catalog *rooms.Catalog
	series  func(id string) (rooms.Series, error)
	log     *slog.Logger
	// joinURL and dialIn say how to join a hybrid booking remotely; nil
	// until join links are set up.
	joinURL, dialIn func(b *rooms.Booking) string
}

// Why a mail is sent.
const (
	mailConfirmed = "confirmed"
	mailChanged   = "changed"
	mailCancelled = "cancelled"
	mailReleased  = "released"
	mailMoved     = "moved" // the meeting moved to another provider
)

// NewMailNotifier sends through m as from; series reads a series for its mails.
func NewMailNotifier(m *mail.Mailer, from string, catalog *rooms.Catalog, series func(string) (rooms.Series, error), log *slog.Logger) *MailNotifier {
	addr := ical.Address{Name: "Kogge"}
	if a, err := netmail.ParseAddress(from); err == nil {
		addr = ical.Address{Name: a.Name, Email: a.Address}
	}
	return &MailNotifier{mailer: m, from: addr, catalog: catalog, series: series, log: log}
}

// SetJoinLinks says how to join a hybrid booking remotely (invitations
// carry it); set once join links are set up, before any mail is sent.
func (n *MailNotifier) SetJoinLinks(joinURL, dialIn func(b *rooms.Booking) string) {
	n.joinURL, n.dialIn = joinURL, dialIn
}

// send queues the mail for one booking event (Changed decides which); it
// never blocks the commit that caused it. A provider move (mailMoved) is an
// updated invitation carrying the same join link; a release (mailReleased)
// tells that nobody checked in.
func (n *MailNotifier) send(why string, b rooms.Booking) {
	if n == nil || b.Contact == "" {
		return
	}
	room, _ := n.catalog.Get(b.Room)
	if room.Zone == nil { // a room gone from the config: its past bookings still get mail
		room.Zone, _ = time.LoadLocation(rooms.DefaultZone)
		room.Name = b.Room
	}
	method := ical.MethodRequest
	if why == mailCancelled || why == mailReleased {
		method = ical.MethodCancel
	}
	inv := ical.Invitation{Method: method, Organizer: n.from, Attendees: []ical.Address{{Name: b.Organizer, Email: b.Contact}},
		Booking: &b, Zone: room.Zone, Rooms: n.catalog.Get, Now: time.Now(), JoinURL: n.joinURL, DialIn: n.dialIn}
	if b.SeriesID != "" {
		if sr, err := n.series(b.SeriesID); err == nil {
			inv.Series = &sr
		}
	}
	var ics bytes.Buffer
	if err := ical.WriteInvitation(&ics, inv); err != nil {
		n.log.Error("invitation not written", "booking", b.ID, "err", err)
		return
	}
	when := fmt.Sprintf("%s, %s–%s", b.Start.In(room.Zone).Format("02.01.2006"), b.Start.In(room.Zone).Format("15:04"), b.End.In(room.Zone).Format("15:04"))
	subject, text := mailText(why, b.Title, room.Name, when)
	if method == ical.MethodRequest && n.joinURL != nil {
		if u := n.joinURL(&b); u != "" {
			text += "\nOnline teilnehmen: " + u + "\n"
		}
		if d := n.dialIn(&b); d != "" {
			text += "Telefonische Einwahl: " + d + "\n"
		}
	}
	if err := n.mailer.Enqueue(mail.Message{To: []string{b.Contact}, Subject: subject, Text: text, ICS: ics.Bytes(), Method: string(method)}); err != nil {
		n.log.Warn("mail not queued", "booking", b.ID, "why", why, "err", err) // no address in the log
	}
}

func mailText(why, title, room, when string) (subject, text string) {
	switch why {
	case mailChanged:
		return "Buchung geändert: " + title, fmt.Sprintf("Ihre Buchung „%s“ wurde geändert: %s, %s.\n\nDie Einladung im Anhang aktualisiert Ihren Kalender.\n", title, room, when)
	case mailCancelled:
		return "Buchung abgesagt: " + title, fmt.Sprintf("Ihre Buchung „%s“ (%s, %s) wurde abgesagt.\n", title, room, when)
	case mailMoved:
		return "Videokonferenz verlegt: " + title, fmt.Sprintf("Die Videokonferenz Ihrer Buchung „%s“ (%s, %s) findet jetzt bei einem anderen Anbieter statt. Ihr Einladungslink bleibt gleich und führt dorthin.\n\nDie Einladung im Anhang aktualisiert Ihren Kalender.\n", title, room, when)
	case mailReleased:
		return "Raum freigegeben: " + title, fmt.Sprintf("Für Ihre Buchung „%s“ (%s, %s) hat niemand rechtzeitig eingecheckt; der Raum wurde freigegeben.\n", title, room, when)
	}
	return "Buchung bestätigt: " + title, fmt.Sprintf("Ihre Buchung „%s“ ist bestätigt: %s, %s.\n\nDie Einladung im Anhang trägt den Termin in Ihren Kalender ein.\n", title, room, when)
}

// sendSeries mails the whole series (its rule, exceptions and cancelled
// dates) to the template's contact.
func (n *MailNotifier) sendSeries(why string, sr rooms.Series, occ []rooms.Booking) {
	if n == nil || sr.Template.Contact == "" {
		return
	}
	room, _ := n.catalog.Get(sr.Template.Room)
	if room.Zone == nil {
		room.Zone, _ = time.LoadLocation(rooms.DefaultZone)
		room.Name = sr.Template.Room
	}
	method := ical.MethodRequest
	if why == mailCancelled {
		method = ical.MethodCancel
	}
	tmpl := sr.Template
	inv := ical.Invitation{Method: method, Organizer: n.from, Attendees: []ical.Address{{Name: tmpl.Organizer, Email: tmpl.Contact}},
		Series: &sr, Occurrences: occ, Zone: room.Zone, Rooms: n.catalog.Get, Now: time.Now(), JoinURL: n.joinURL, DialIn: n.dialIn}
	var ics bytes.Buffer
	if err := ical.WriteInvitation(&ics, inv); err != nil {
		n.log.Error("series invitation not written", "series", sr.ID, "err", err)
		return
	}
	rule, _, err := rooms.DescribeRule(sr.Rule, tmpl.Start, tmpl.End, room.Zone)
	if err != nil {
		rule = sr.Rule
	}
	subject, text := mailText(why, tmpl.Title, room.Name, rule)
	if err := n.mailer.Enqueue(mail.Message{To: []string{tmpl.Contact}, Subject: subject, Text: text, ICS: ics.Bytes(), Method: string(method)}); err != nil {
		n.log.Warn("mail not queued", "series", sr.ID, "why", why, "err", err)
	}
}
