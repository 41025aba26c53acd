package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kogge-project/kogge/rooms/store"
)

// rawText is what the page must never show a reader: instants in ISO
// form, field keys ("end:", "hybrid.enabled"), action keys and the
// devices' state keys.
var rawText = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|` +
	`(^|[\s(])(title|room|start|end|kind|organizer|committee|setup|teardown|status|notes|contact|errors|input|power|[a-z]+[._][a-z_.]+):|` +
	`hybrid\.enabled|join\.update|provider\.move|meeting\.|lamp_hours|builtin|\bpexip\b`)

// seedHistory writes the audit entries other writers make (a panel's
// check-in, the timeline's release, the broker's move, the meeting hub,
// a job, the import, and an action this page does not know), as they
// write them, so the history shows every kind of entry.
func seedHistory(t *testing.T, e *testEnv, id string) {
	t.Helper()
	at := testNow.Add(time.Minute)
	for i, a := range []store.AuditEntry{
		{Actor: "panel:Ratssaal-Tür (01JPANEL0000000000000000)", Action: "checkin", Changes: map[string]store.Change{
			"status": {Before: "confirmed", After: "checked_in"}, "checked_in": {After: "2026-12-02T13:58:00Z"}}},
		{Actor: TimelineActor, Action: "release", Changes: map[string]store.Change{"status": {Before: "confirmed", After: "released"}}},
		{Actor: TimelineActor, Action: "release.reason", Detail: "no check-in by 2026-12-02T15:15:00+01:00"},
		{Actor: "broker", Action: store.ActionProviderMove, Detail: "from builtin to pexip: licence pool full"},
		{Actor: "Eva Schulz (host)", Action: "meeting.admit", Detail: "Gast Müller (guest) p-17"},
		{Actor: "system", Action: "meeting.end", Detail: "closing time"},
		{Actor: "job series-horizon", Action: "update", Changes: map[string]store.Change{"hybrid.enabled": {Before: "false", After: "true"},
			"setup": {Before: "15m0s", After: "30m0s"}}},
		{Actor: "oparl-import", Action: "update", Changes: map[string]store.Change{"title": {Before: "(not recorded)", After: "(not recorded)"}}},
		{Actor: "broker", Action: "frobnicate.now", Detail: "x=1"},
	} {
		a.BookingID, a.Time = id, at.Add(time.Duration(i)*time.Second)
		if err := e.store.AppendAudit(a); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBookingPageSaysThingsInWords: the history of a booking reads as
// sentences with local times (German, then English, without a reload),
// devices are named by their labels with their states in words, the
// provider by name, the feed form picks a room from a list, and after a
// language switch no text of the other language is left in the panels
// section.
func TestBookingPageSaysThingsInWords(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	admin := e.login("admin")
	b := admin.create(map[string]any{"title": "Haushaltsausschuss", "start": "2026-12-02T14:00:00+01:00", "end": "2026-12-02T15:00:00+01:00",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 3}})
	etag := admin.do("GET", "/api/v1/bookings/"+b.ID, nil).header.Get("ETag")
	if r := admin.do("PATCH", "/api/v1/bookings/"+b.ID, map[string]any{"start": "2026-12-02T15:00:00+01:00", "end": "2026-12-02T16:00:00+01:00"}, "If-Match", etag); r.status != http.StatusOK {
		t.Fatalf("move: %d %s", r.status, r.body)
	}
	if r := admin.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"lobby": "on"}); r.status != http.StatusOK {
		t.Fatalf("lobby: %d %s", r.status, r.body)
	}
	seedHistory(t, e, b.ID)
	// The microphones muted at the DSP: the page shows what the device
	// reports, not what Kogge last asked for.
	for _, m := range e.server.av.Panel("ratssaal").Mics {
		if r := admin.do("POST", "/api/v1/rooms/ratssaal/devices/"+m.Device+"/commands", m.MuteCommand(true)); r.status != http.StatusOK {
			t.Fatalf("mute %s: %d %s", m.Channel, r.status, r.body)
		}
	}

	shots := keptShots(t, "words")

	p := openPage(t, e)
	p.logIn("admin")
	p.waitText("#who-name", "admin (Administrator/in)")

	// The room's devices by their labels, their states in words.
	p.set("#room", "ratssaal")
	p.set("#day", "2026-12-01")
	p.waitText("#devices", "Beamer:")
	p.waitText("#devices", "Mikrofone:stumm")
	p.waitText("#scenes", "Szene „Hybride Sitzung“")
	if d := p.text("#devices"); rawText.MatchString(d) || !strings.Contains(d, "Kamera:") {
		t.Errorf("devices say %q", d)
	}

	// The feed form: a room from a list, names for the others.
	if n := p.eval(`[...document.querySelectorAll("#feed-form select[name=room] option")].filter((o) => o.textContent === "Ratssaal").length`); n != 1 {
		t.Errorf("the feed form's room list has %d Ratssaal options", n)
	}
	if n := p.eval(`document.getElementById("feed-name").hidden ? 1 : 0`); n != 1 {
		t.Error("the feed form asks for a name for a room feed")
	}
	p.set("#feed-form select[name=room]", "sitzungszimmer-2")
	p.submit("#feed-form")
	p.waitText("#feed-list", "Raum: Sitzungszimmer 2")
	p.set("#feed-form select[name=kind]", "committee")
	if n := p.eval(`document.getElementById("feed-room").hidden && !document.getElementById("feed-name").hidden ? 1 : 0`); n != 1 {
		t.Error("a committee feed shows no name field")
	}

	// The detail: the history in sentences, the meeting's provider by name.
	p.do(chromedp.Click(chromedp.CSS(`#week .track[data-day="2026-12-02"] .booking`)),
		chromedp.WaitVisible(chromedp.CSS("#detail #history-title")))
	p.waitText("#detail-body .history", "admin hat die Buchung angelegt.")
	history := p.text("#detail-body .history")
	for _, want := range []string{
		"admin hat die Buchung geändert.", "Zeit geändert: 14:00–15:00 → 15:00–16:00 Uhr",
		"admin hat die Teilnahme per Link geändert:", "Warteraum eingeschaltet",
		"Eingecheckt – Panel Ratssaal-Tür.", "Wegen fehlender Anmeldung freigegeben.", "Bis 15:15 Uhr hat niemand eingecheckt.",
		"Die Videokonferenz ist von Eigener Videoserver zu Pexip (DFN) umgezogen.",
		"Eva Schulz (Sitzungsleitung) hat Gast Müller (Gast) eingelassen.", "Die Videokonferenz wurde zur Schlusszeit beendet.",
		"Ein geplanter Auftrag hat die Buchung geändert.", "Teilnahme per Video eingeschaltet", "Vorbereitung geändert: 15 → 30 min",
		"Der Import aus dem Ratsinformationssystem hat die Buchung geändert.", "Titel geändert (vertraulich",
		"Die Videokonferenz-Vermittlung hat etwas an der Buchung geändert.",
	} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
	if m := rawText.FindString(history); m != "" || strings.Contains(history, "frobnicate") || strings.Contains(history, "01JPANEL") {
		t.Errorf("history shows raw text %q:\n%s", m, history)
	}
	p.waitText("#detail-body", "Eigener Videoserver")
	p.waitText("#detail-body .devices", "Lampe 1.234 h")
	p.do(chromedp.ScrollIntoView(chromedp.CSS("#history-title")))
	p.screenshot(shots, "detail-history-de.png")
	p.do(chromedp.ScrollIntoView(chromedp.CSS("#detail-av-title")))
	p.screenshot(shots, "detail-av-de.png")

	// English, with the detail open: everything says itself again.
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("lang").click()`))
	p.waitText("#detail-body .history", "admin created the booking.")
	history = p.text("#detail-body .history")
	for _, want := range []string{"Time changed: 14:00–15:00 → 15:00–16:00", "Lobby switched on", "Checked in – Panel Ratssaal-Tür.",
		"The video conference moved from Built-in video server to Pexip (DFN).", "Released because nobody checked in."} {
		if !strings.Contains(history, want) {
			t.Errorf("English history lacks %q:\n%s", want, history)
		}
	}
	if m := rawText.FindString(history); m != "" || strings.Contains(history, "geändert") {
		t.Errorf("English history shows %q:\n%s", m, history)
	}
	p.waitText("#detail-body", "Built-in video server")
	p.waitText("#detail-body .devices", "lamp 1,234 h")
	p.waitText("#devices", "Mikrofone:muted") // the labels are the config's; the states English
	p.do(chromedp.ScrollIntoView(chromedp.CSS("#history-title")))
	p.screenshot(shots, "detail-history-en.png")
	p.do(chromedp.Click(chromedp.CSS("#detail-close")), chromedp.WaitNotVisible(chromedp.CSS("#detail")))
	p.waitText("#who-name", "admin (administrator)")
	p.waitText("#pairing-list", "No panel is waiting.")
	p.waitText("#panel-list", "No panels yet.")
	p.waitText("#feed-list", "Room: Sitzungszimmer 2")
	noOtherLanguage(p, "#panels", "de")
	noOtherLanguage(p, "#feeds", "de")

	// And back to German.
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("lang").click()`))
	p.waitText("#pairing-list", "Kein Panel wartet.")
	p.waitText("#panel-list", "Noch keine Panels.")
	noOtherLanguage(p, "#panels", "en")
	noOtherLanguage(p, "#feeds", "en")
}

// noOtherLanguage fails when the section shows a text of the other
// catalogue (its fixed part, at least six characters, where the two
// languages differ).
func noOtherLanguage(p page, sel, other string) {
	p.t.Helper()
	js := `(async () => {
		const { messages } = await import("/assets/i18n.js");
		const mine = "` + other + `" === "de" ? messages.en : messages.de;
		const text = document.querySelector("` + sel + `").innerText;
		return Object.entries(messages["` + other + `"])
			.filter(([k, v]) => typeof v === "string" && v !== mine[k])
			.map(([, v]) => v.split("{")[0].trim())
			// whole words only: "Sitzung" is not in "Sitzungszimmer 2"
			.filter((v) => v.length >= 6 && new RegExp("(^|[^\\p{L}])" + v.replace(/[.*+?^$()|[\]\\]/g, "\\$&") + "($|[^\\p{L}])", "u").test(text));
	})()`
	left, err := chromedp.Run(p.step, chromedp.Evaluate[[]string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatal(err)
	}
	if len(left) > 0 {
		p.t.Errorf("%s still shows %q", sel, left)
	}
}
