package web

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/kogge-project/kogge/rooms"
)

// page drives the secretary page in Chromium. Every wait is chromedp's
// (a selector or a polled condition), bounded by the step context.
type page struct {
	t    *testing.T
	step context.Context
}

func (p page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.step, actions...); err != nil {
		p.fail(err)
	}
}

// fail ends the test with what the page showed.
func (p page) fail(err error) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.step), 5*time.Second)
	defer cancel()
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	p.t.Fatalf("%v; the page showed:\n%s", err, body)
}

func (p page) text(sel string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.step, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("%s: %v", sel, err)
	}
	return v
}

func (p page) eval(js string) int {
	p.t.Helper()
	v, err := chromedp.Run(p.step, chromedp.Evaluate[int](js))
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// waitJS waits until the expression is true.
func (p page) waitJS(js string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.step, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		p.t.Fatalf("waiting for %s: %v", js, err)
	}
}

// waitText waits until the element's text contains want.
func (p page) waitText(sel, want string) {
	p.t.Helper()
	q, _ := json.Marshal(sel)
	w, _ := json.Marshal(want)
	p.waitJS(`(document.querySelector(` + string(q) + `)?.textContent ?? "").includes(` + string(w) + `)`)
}

// submit sends a form as its submit button would. A pointer click can
// miss: the live conflict warning may appear above the button between
// finding it and clicking it.
func (p page) submit(sel string) {
	p.t.Helper()
	q, _ := json.Marshal(sel)
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector(` + string(q) + `).requestSubmit()`))
}

// set types a value the way a user's edit ends: input and change events.
func (p page) set(sel, value string) {
	p.t.Helper()
	q, _ := json.Marshal(sel)
	v, _ := json.Marshal(value)
	p.do(chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector(` + string(q) + `); e.value = ` + string(v) +
		`; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`))
}

// check evaluates a condition now (no waiting).
func (p page) check(js string) bool {
	p.t.Helper()
	v, err := chromedp.Run(p.step, chromedp.Evaluate[bool](js))
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// timeShownWhole is a condition: there are booking blocks for sel, and
// each shows its time whole, neither cut by the block's edge nor
// shortened with an ellipsis.
func timeShownWhole(sel string) string {
	q, _ := json.Marshal(sel)
	return `(() => { const bs = [...document.querySelectorAll(` + string(q) + `)];
	  return bs.length > 0 && bs.every((b) => { const s = b.querySelector(".btime"), r = b.getBoundingClientRect(), x = s.getBoundingClientRect();
	    return b.scrollHeight <= b.clientHeight && s.scrollWidth <= s.clientWidth && x.top >= r.top && x.bottom <= r.bottom + 0.5 && x.right <= r.right + 0.5; }); })()`
}

func (p page) screenshot(dir, name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.step, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// logIn logs name in with the test password (no second factor) and
// waits for the booking page with its rooms.
func (p page) logIn(name string) {
	p.t.Helper()
	p.do(chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=name]"), name),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=password]"), testPassword),
		chromedp.Click(chromedp.CSS("#login-form button")),
		chromedp.WaitVisible(chromedp.CSS("#app")),
		chromedp.WaitReady(chromedp.CSS("#room option[value=ratssaal]")))
}

func openPage(t *testing.T, e *testEnv) page {
	t.Helper()
	ctx := newBrowser(t)
	// Script errors and console output go to the test log.
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			t.Logf("page exception: %s (%s:%d)", msg, d.URL, d.LineNumber)
		case *runtime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				t.Logf("console.%s: %s", ev.Type, a.Value)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	// The first action starts the browser and must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	step, cancel := context.WithTimeout(ctx, 40*time.Second) // a failure bound, not a wait
	t.Cleanup(cancel)
	return page{t: t, step: step}
}

// TestSecretaryBooksWithTOTPAndSeesConflicts: a secretary with a second
// factor logs in with password and code, books through the form, is warned
// of a collision (naming the booking) before sending a second booking for
// the same slot, sees the booking in the week and day views and its detail,
// and switches to English. Hostile titles stay text.
func TestSecretaryBooksWithTOTPAndSeesConflicts(t *testing.T) {
	e := newTestEnv(t)
	e.server.closures = func() []rooms.Closure { return christmas }
	// Enrol anna's second factor directly. The accounts service runs on
	// e.now and refuses a time step twice, so enrolment uses the step
	// before now and the login the step after (both within the ±1 skew).
	secret, _, err := e.accounts.BeginTOTP("anna", "enrolment-session")
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(secret, e.now.Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.accounts.ConfirmTOTP("anna", "enrolment-session", code); err != nil {
		t.Fatal(err)
	}
	loginCode, err := totp.GenerateCode(secret, e.now.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	hostile := `<img src=x onerror=window.__xss=1>`
	bernd := e.login("bernd")
	bernd.create(map[string]any{"title": hostile, "start": "2026-12-02T10:00:00+01:00", "end": "2026-12-02T11:00:00+01:00"})
	bernd.create(map[string]any{"title": "Bewerbung Meier", "kind": "interview", "confidential": true,
		"start": "2026-12-03T10:00:00+01:00", "end": "2026-12-03T11:00:00+01:00"})

	shots := keptShots(t, "secretary")

	p := openPage(t, e)
	p.do(chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=name]"), "anna"),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=password]"), testPassword),
		chromedp.Click(chromedp.CSS("#login-form button")),
		chromedp.WaitVisible(chromedp.CSS("#code-label")),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=code]"), loginCode),
		chromedp.Click(chromedp.CSS("#login-form button")),
		chromedp.WaitVisible(chromedp.CSS("#app")),
		chromedp.WaitReady(chromedp.CSS("#room option[value=ratssaal]")))
	if who := p.text("#who-name"); !strings.Contains(who, "anna") {
		t.Fatalf("logged in as %q", who)
	}

	// The form's room follows the room whose week is shown, until the
	// secretary picks one in the form itself.
	formRoom := func(when, want string) {
		t.Helper()
		if got := p.eval(`document.querySelector("#book select[name=room]").value === "` + want + `" ? 1 : 0`); got != 1 {
			t.Errorf("%s, the form's room is not %s", when, want)
		}
	}
	p.set("#room", "sitzungszimmer-2")
	formRoom("with the week of Sitzungszimmer 2 shown", "sitzungszimmer-2")
	p.set("#book select[name=room]", "interviewraum")

	// The week of 30 November 2026 in the Ratssaal.
	p.set("#room", "ratssaal")
	p.set("#day", "2026-12-01")
	p.do(chromedp.WaitVisible(chromedp.CSS(`#week .track[data-day="2026-12-02"] .booking`)))
	formRoom("after the secretary chose the Interviewraum in the form", "interviewraum")
	p.waitText("#week-title", "30. November")
	if got := p.text(`#week .track[data-day="2026-12-02"] .booking .btitle`); got != hostile {
		t.Errorf("hostile title shown as %q", got)
	}
	if got := p.text(`#week .track[data-day="2026-12-03"] .booking .btitle`); got != "Vertraulicher Termin" {
		t.Errorf("confidential booking shown as %q", got)
	}
	if n := p.eval(`document.querySelectorAll("#week .track[data-day='2026-12-06'] .closed").length`); n == 0 {
		t.Error("Sunday (not bookable) is not greyed")
	}
	// The one-hour booking shows its time whole.
	if !p.check(timeShownWhole(`#week .track[data-day="2026-12-02"] .booking`)) {
		t.Errorf("a one-hour booking cuts its time: %q", p.text(`#week .track[data-day="2026-12-02"] .booking`))
	}
	// The legend names every kind in its colour, the buffers and closed time.
	for _, want := range []string{"Ratssitzung", "Ausschusssitzung", "Vorstellungsgespräch", "Besprechung", "Vor- und Nachbereitung", "Nicht buchbar"} {
		p.waitText("#week .legend", want)
	}
	if !p.check(`getComputedStyle(document.querySelector("#week .legend .kind-interview")).backgroundColor ===
	    getComputedStyle(document.querySelector("#week .booking.redacted")).backgroundColor`) {
		t.Error("the legend's colour for interviews is not the grid's")
	}

	// Book through the form: the slot is free.
	p.set("#book input[name=title]", "Bauausschuss")
	p.set("#book select[name=kind]", "committee")
	p.set("#book select[name=room]", "ratssaal")
	p.set("#book input[name=day]", "2026-12-01")
	p.set("#book input[name=start]", "16:00")
	p.set("#book input[name=end]", "19:00")
	p.waitText("#conflict-warning", "frei")
	p.submit("#book")
	p.waitText("#book-ok", "Gebucht: „Bauausschuss“ am Dienstag, 1. Dezember von 16:00 bis 19:00 Uhr im Raum Ratssaal.")
	// The emptied form follows the week shown again.
	p.waitJS(`document.querySelector("#book select[name=room]").value === "ratssaal" && document.querySelector("#book input[name=title]").value === ""`)
	// What a secretary sees on a laptop after booking.
	p.do(chromedp.EmulateViewport(1280, 800), chromedp.ScrollIntoView(chromedp.CSS("#book-ok")))
	if png, err := chromedp.Run(p.step, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(shots, "booked-1280x800.png"), png, 0o644)
	}
	p.do(chromedp.EmulateViewport(1400, 1000))
	p.waitText(`#week .track[data-day="2026-12-01"]`, "Bauausschuss")
	// A wait, not a read: the booking's event may render the week again.
	p.waitJS(`document.querySelector('#week .track[data-day="2026-12-01"] .booking .btime')?.textContent === "16:00–19:00"`)

	// A second booking for the same slot: warned before sending, naming
	// the booking it collides with.
	p.set("#book input[name=title]", "Zweiter Versuch")
	p.set("#book select[name=room]", "ratssaal")
	p.set("#book input[name=day]", "2026-12-01")
	p.set("#book input[name=start]", "17:00")
	p.set("#book input[name=end]", "18:00")
	p.waitText("#conflict-warning", "Bauausschuss")
	warning := p.text("#conflict-warning")
	if !strings.Contains(warning, "Konflikt") || !strings.Contains(warning, "„Bauausschuss“ (16:00–19:00") {
		t.Errorf("conflict warning %q", warning)
	}
	// Over the confidential interview: the warning does not reveal it.
	p.set("#book input[name=day]", "2026-12-03")
	p.set("#book input[name=start]", "10:30")
	p.set("#book input[name=end]", "11:30")
	p.waitText("#conflict-warning", "Vertraulicher Termin")
	if w := p.text("#conflict-warning"); strings.Contains(w, "Meier") {
		t.Errorf("confidential title leaked: %q", w)
	}
	// Sent anyway, the 409's conflicts are listed.
	p.set("#book input[name=day]", "2026-12-01")
	p.set("#book input[name=start]", "17:00")
	p.set("#book input[name=end]", "18:00")
	p.waitText("#conflict-warning", "Bauausschuss")
	p.submit("#book")
	p.waitText("#book-error", "Der Raum ist zu dieser Zeit schon belegt: „Bauausschuss“ am 1. Dezember 2026 von 16:00 bis 19:00 Uhr. Die Vor- und Nachbereitung beider Termine zählt mit.") // the API's problem, in German
	if e := p.text("#book-error"); strings.Contains(e, "Kollidiert") {
		t.Errorf("the one conflict is named twice: %q", e)
	}
	p.waitText("#room-info", "von 07:00 bis 22:00 Uhr") // the room's hours, in German
	p.screenshot(shots, "week.png")
	checkAccessibility(t, p.step, "booking page (week)")

	// The detail of the booking, then of the hostile one.
	p.do(chromedp.Click(chromedp.CSS(`#week .track[data-day="2026-12-01"] .booking`)),
		chromedp.WaitVisible(chromedp.CSS("#detail #history-title")))
	if got := p.text("#detail-title"); got != "Bauausschuss" {
		t.Errorf("detail title %q", got)
	}
	p.waitText("#detail-body .fields", "Ausschusssitzung")
	p.waitText("#detail-body .history", "anna")
	p.screenshot(shots, "detail.png")
	checkAccessibility(t, p.step, "booking page (detail)")
	p.do(chromedp.Click(chromedp.CSS("#detail-close")), chromedp.WaitNotVisible(chromedp.CSS("#detail")))
	p.do(chromedp.Click(chromedp.CSS(`#week .track[data-day="2026-12-02"] .booking`)),
		chromedp.WaitVisible(chromedp.CSS("#detail #history-title")))
	p.waitText("#detail-title", hostile)
	p.do(chromedp.Click(chromedp.CSS("#detail-close")), chromedp.WaitNotVisible(chromedp.CSS("#detail")))

	// All rooms on one day.
	p.do(chromedp.Click(chromedp.CSS("#show-day")), chromedp.WaitVisible(chromedp.CSS("#dayview .track.x .booking")))
	p.waitText("#dayview", "Bauausschuss")
	if n := p.eval(`document.querySelectorAll("#dayview .roomhead").length`); n != 3 {
		t.Errorf("day view has %d rooms, want 3", n)
	}
	if !p.check(timeShownWhole("#dayview .booking")) {
		t.Error("the day view cuts a booking's time")
	}
	// One room's hours above all rooms would read as everybody's; and
	// each room's name stays on one line ("Sitzungszimmer 2" wrapped).
	if !p.check(`document.querySelector("#room-info").hidden`) {
		t.Error("the day view shows the picked room's hours above all rooms")
	}
	if !p.check(`[...document.querySelectorAll("#dayview .roomhead")].every((h) => { const r = document.createRange(); r.selectNodeContents(h); return r.getClientRects().length === 1; })`) {
		t.Error("a room's name wraps in the day view")
	}
	p.screenshot(shots, "day.png")
	checkAccessibility(t, p.step, "booking page (day, all rooms)")

	// Six Thursdays, one of them Christmas Eve: the preview names the date
	// left out before anything is sent, and the detail counts what was
	// booked and lists the date with its reason.
	p.do(chromedp.Click(chromedp.CSS("#show-week")))
	p.set("#book input[name=title]", "Sozialausschuss")
	p.set("#book select[name=kind]", "committee")
	p.set("#book select[name=room]", "ratssaal")
	p.set("#book input[name=day]", "2026-12-10")
	p.set("#book input[name=start]", "10:00")
	p.set("#book input[name=end]", "11:00")
	p.set("#book input[name=count]", "6")
	p.set("#book select[name=repeat]", "1")
	p.waitText("#rule-preview", "5 Termine werden gebucht")
	if got := p.text("#rule-preview"); !strings.Contains(got, "Jeden Donnerstag, 10:00–11:00, 6 Termine") ||
		!strings.Contains(got, "Ausgelassen werden: Do., 24.12.2026 (geschlossen: Weihnachten)") {
		t.Errorf("series preview %q", got)
	}
	p.submit("#book")
	p.waitText("#book-ok", "Serie mit 5 Terminen angelegt (1 ausgelassen)")
	p.set("#day", "2026-12-10")
	p.do(chromedp.WaitVisible(chromedp.CSS(`#week .track[data-day="2026-12-10"] .booking`)))
	p.do(chromedp.Click(chromedp.CSS(`#week .track[data-day="2026-12-10"] .booking`)),
		chromedp.WaitVisible(chromedp.CSS("#detail #series-title")))
	p.waitText("#detail .series", "Gebucht: 5 Termine.")
	if got := p.text("#detail .series"); !strings.Contains(got, "Ausgelassen: Do., 24.12.2026 (geschlossen: Weihnachten)") || strings.Contains(got, "Keine Ausnahmen") {
		t.Errorf("series in the detail: %q", got)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("#series-title").scrollIntoView()`))
	p.screenshot(shots, "series-detail.png")
	checkAccessibility(t, p.step, "booking page (series detail)")
	p.do(chromedp.Click(chromedp.CSS("#detail-close")), chromedp.WaitNotVisible(chromedp.CSS("#detail")),
		chromedp.Click(chromedp.CSS("#show-day")), chromedp.WaitVisible(chromedp.CSS("#dayview .track.x .booking")))
	p.waitText("#dayview", "Sozialausschuss")
	if !p.check(timeShownWhole("#dayview .booking")) { // one hour, across
		t.Error("the day view cuts a one-hour booking's time")
	}
	p.screenshot(shots, "day-one-hour.png")

	// English.
	p.do(chromedp.Click(chromedp.CSS("#lang")))
	p.waitText("#book-title", "New booking")
	p.waitText("#dayview", "All rooms on")
	// The refused booking once more: the page now asks in English, and the
	// API's problem answers in English.
	p.set("#book input[name=title]", "Nachtrag")
	p.set("#book select[name=room]", "ratssaal")
	p.set("#book input[name=day]", "2026-12-01")
	p.set("#book input[name=start]", "17:00")
	p.set("#book input[name=end]", "18:00")
	p.waitText("#conflict-warning", "Bauausschuss")
	p.submit("#book")
	p.waitText("#book-error", "The room is already booked at that time: “Bauausschuss” on 1 December 2026 from 16:00 to 19:00")
	p.screenshot(shots, "conflict-en.png")
	if got := p.text("#lang"); got != "Deutsch" {
		t.Errorf("language button %q", got)
	}

	if n := p.eval(`document.querySelectorAll("main img").length`); n != 0 {
		t.Errorf("%d <img> elements on the page", n)
	}
	if x := p.eval(`window.__xss === undefined ? 0 : 1`); x != 0 {
		t.Error("the hostile title ran a script")
	}
}

// keptShots is a folder for a browser test's screenshots, named after
// what it shows and kept after the test so a reviewer can look at them
// (its path is in the test's log).
func keptShots(t *testing.T, what string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kogge-"+what+"-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}
