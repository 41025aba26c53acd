package web

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kogge-project/kogge/daemon/config"
	"github.com/kogge-project/kogge/rooms"
)

// panelTab drives one panel page in Chromium and keeps screenshots.
type panelTab struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

// screens are the panel's target screens: a 10" tablet and a 7" door panel.
var screens = []struct {
	w, h int64
	tag  string
}{{1280, 800, "1280x800"}, {800, 480, "800x480"}}

func newPanelTab(t *testing.T, browser context.Context) *panelTab {
	t.Helper()
	shots := keptShots(t, "panel-screens")
	ctx, cancel := context.WithTimeout(browser, 90*time.Second) // a failure bound, not a wait
	t.Cleanup(cancel)
	return &panelTab{t: t, ctx: ctx, shots: shots}
}

func (p *panelTab) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

func (p *panelTab) text(sel string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

func (p *panelTab) eval(js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// click clicks in the page itself: the panel redraws its buttons with
// every state, so a node found first could be gone when clicked.
func (p *panelTab) click(sel string) {
	p.t.Helper()
	p.eval(`document.querySelector(` + jsString(sel) + `).click(), ""`)
}

// waitMessage waits for the sentence under the actions.
func (p *panelTab) waitMessage(want string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.getElementById("message").textContent === `+jsString(want))); err != nil {
		p.t.Fatalf("message %q, want %q (%v)", p.text("#message"), want, err)
	}
}

// stillRunning checks with the server that the room's meeting still runs.
func (p *panelTab) stillRunning(what string) {
	p.t.Helper()
	if got := p.eval(`(async () => {
  const room = document.getElementById("panel").dataset.room;
  const st = await (await fetch("/api/v1/panel/" + room + "/state")).json();
  return st.current ? "running" : "ended";
})()`); got != "running" {
		p.t.Fatalf("%s the meeting has %s", what, got)
	}
}

// look checks that the page fits each screen and keeps a screenshot of it.
func (p *panelTab) look(name string) {
	p.t.Helper()
	for _, s := range screens {
		p.do(chromedp.EmulateViewport(s.w, s.h))
		p.fits(name + " at " + s.tag)
		png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
		if err == nil {
			err = os.WriteFile(filepath.Join(p.shots, name+"-"+s.tag+".png"), png, 0o644)
		}
		if err != nil {
			p.t.Log(err)
		}
	}
}

// fitsJS lists what does not fit the screen: the page scrolls, a visible
// button, the now and next boxes or the device list reach outside, or a
// button is smaller than a fingertip (48 px).
const fitsJS = `(() => {
  const bad = [], de = document.documentElement;
  if (de.scrollHeight > innerHeight) bad.push("the page is " + de.scrollHeight + " px tall");
  if (de.scrollWidth > innerWidth) bad.push("the page is " + de.scrollWidth + " px wide");
  for (const el of document.querySelectorAll("button, #now, #next, #devices")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue; // not shown
    const name = el.id || el.getAttribute("aria-label") || el.textContent;
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) bad.push(name + " is outside the screen");
    if (el.tagName === "BUTTON" && (r.width < 48 || r.height < 48)) bad.push(name + " is smaller than 48 px");
  }
  return bad.join("; ");
})()`

func (p *panelTab) fits(what string) {
	p.t.Helper()
	if bad := p.eval(fitsJS); bad != "" {
		p.t.Errorf("%s: %s", what, bad)
	}
}

// germanJS lists German catalogue texts the page shows: every fragment of
// a German message between its placeholders that no English message
// contains. The room's own words (names, titles, scenes, devices, a
// council session's members and item) are
// taken out first: they are data, not catalogue.
const germanJS = `(async () => {
  const { messages } = await import("/assets/i18n.js");
  const room = document.getElementById("panel").dataset.room;
  const st = await (await fetch("/api/v1/panel/" + room + "/state")).json();
  const data = [st.room_name, st.current && st.current.title, st.next && st.next.title, st.closed && st.closed.reason,
    ...(st.scenes || []).flatMap((s) => typeof s === "string" ? [s] : [s.name, s.label]),
    ...Object.values(st.scene_labels || {}),
    ...(st.devices || []).flatMap((d) => [d.id, d.label]),
    ...(st.council ? st.council.members : []).flatMap((m) => [m.name, m.group]), st.council && st.council.item && st.council.item.name].filter((s) => s && s.length >= 3)
    .sort((a, b) => b.length - a.length); // "Hybride Sitzung" before "hybrid"
  let text = document.body.innerText.toLowerCase();
  for (const d of data) text = text.split(d.toLowerCase()).join("\n");
  const en = Object.values(messages.en).flat().join("\n").toLowerCase();
  const found = [];
  for (const [key, m] of Object.entries(messages.de)) {
    for (const frag of [m].flat().flatMap((s) => s.split(/\{\w+\}/))) {
      const f = frag.trim().toLowerCase();
      if (f.length >= 4 && !en.includes(f) && text.includes(f)) found.push(key + " (" + frag.trim() + ")");
    }
  }
  if (document.documentElement.lang !== "en") found.push("lang=" + document.documentElement.lang);
  return found.join("; ");
})()`

// toEnglish switches the page to English and checks that no German
// catalogue text is left on it.
func (p *panelTab) toEnglish(what string) {
	p.t.Helper()
	if p.eval(germanJS) == "" { // the check must see the German it looks for
		p.t.Fatalf("%s in German: the check finds no German text", what)
	}
	p.do(chromedp.Click(chromedp.CSS("#lang")))
	if german := p.eval(germanJS); german != "" {
		p.t.Errorf("%s in English still shows German: %s", what, german)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestPanelPairsAndRunsTheRoomInChromium: a tablet opens the room's panel,
// is sent to pairing and shows a code; an admin approves it; the panel
// shows the meeting (a hostile title as text), checks in, ends it and,
// once the teardown has passed, books the room now, saying after each
// action what happened. Screenshots at 1280×800 and 800×480 are kept.
func TestPanelPairsAndRunsTheRoomInChromium(t *testing.T) {
	e := newTestEnv(t)
	hostile := `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`
	e.login("bernd").create(map[string]any{"room": "sitzungszimmer-2", "title": hostile,
		"start": "2026-11-26T09:00:00+01:00", "end": "2026-11-26T10:00:00+01:00"})

	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	p := newPanelTab(t, browser)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	noScript := func() {
		t.Helper()
		xss, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`window.__xss === 1`))
		if err != nil || xss {
			t.Fatalf("a booking title ran as script (%v)", err)
		}
	}

	// Without a cookie the room's page sends the tablet to pairing.
	p.do(chromedp.Navigate(e.srv.URL + "/panel/sitzungszimmer-2"))
	code, err := chromedp.Run(p.ctx, chromedp.Poll[string](`document.getElementById('code').dataset.code`))
	if err != nil {
		t.Fatal(err)
	}
	p.look("pairing")
	checkAccessibility(t, p.ctx, "panel pairing")
	// An admin approves it on the booking page, in another tab.
	approveInAdminTab(t, e, browser, code, p.shots)

	// The next poll brings the panel to its room.
	p.do(chromedp.WaitVisible(css("#checkin")))
	if got := p.text("#now-title"); got != hostile {
		t.Fatalf("title %q, want the hostile text as text", got)
	}
	noScript()
	p.look("panel-busy")
	checkAccessibility(t, p.ctx, "panel (busy)")
	p.do(chromedp.Click(css("#checkin")), chromedp.WaitNotVisible(css("#checkin")))
	p.waitMessage("Eingecheckt – die Buchung bleibt bestehen.")
	// Ending takes two taps: the first only asks; "no" puts the button back.
	p.do(chromedp.WaitVisible(css("#end")), chromedp.Click(css("#end")), chromedp.WaitVisible(css("#end-confirm")))
	p.stillRunning("after one tap on end")
	p.look("panel-end-question")
	checkAccessibility(t, p.ctx, "panel (end question)")
	if got := p.eval(`document.activeElement.id`); got != "end-no" {
		t.Errorf("after the first tap the focus is on %q, want the no", got)
	}
	p.do(chromedp.Click(css("#end-no")), chromedp.WaitVisible(css("#end")), chromedp.WaitNotVisible(css("#end-confirm")))
	if got := p.eval(`document.activeElement.id`); got != "end" {
		t.Errorf("after no the focus is on %q, want the end button", got)
	}
	p.stillRunning("after no")
	p.do(chromedp.Click(css("#end")), chromedp.WaitVisible(css("#end-yes")), chromedp.Click(css("#end-yes")), chromedp.WaitVisible(css("main.free")))
	p.waitMessage("Die Buchung ist beendet.")

	// After the teardown (10 min) the room can be booked from the door.
	e.now = e.now.Add(15 * time.Minute)
	p.do(chromedp.Reload(), chromedp.WaitVisible(css(`#book-now button[data-minutes="30"]`)))
	p.look("panel-free")
	checkAccessibility(t, p.ctx, "panel (free)")
	p.click(`#book-now button[data-minutes="30"]`)
	p.do(chromedp.WaitVisible(css("main.busy")))
	p.waitMessage("Für 30 Minuten gebucht – bis 09:45 Uhr.")
	if got := p.text("#now-title"); got != "Spontanbuchung" {
		t.Fatalf("after book now: %q", got)
	}
	if got := p.text("#now-time"); got != "09:15–09:45" {
		t.Fatalf("after book now: %q", got)
	}
	noScript()
	// English is one click away, and says the last action again.
	p.toEnglish("the small room's panel")
	if got := p.text("#now-label"); !strings.EqualFold(got, "In use") { // shown in capitals
		t.Fatalf("label in English %q", got)
	}
	p.waitMessage("Booked for 30 minutes – until 09:45.")
}

// approveInAdminTab approves the panel showing code for the small room on
// the booking page, in a browser tab in New York: the times in the "Raum-
// Panels" lists are the room's (Berlin), the lists follow the panels
// without a reload (the approved panel's first poll, a new code), and an
// approved panel is never said to have never been seen.
func approveInAdminTab(t *testing.T, e *testEnv, browser context.Context, code, shots string) {
	t.Helper()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	adminTab, closeAdmin := chromedp.NewContext(browser)
	defer closeAdmin()
	admin, cancelAdmin := context.WithTimeout(adminTab, 60*time.Second) // a failure bound, not a wait
	defer cancelAdmin()
	if _, err := chromedp.Call(admin, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	listSays := func(sel, want string) {
		t.Helper()
		if _, err := chromedp.Run(admin, chromedp.Poll[bool](`document.querySelector(`+jsString(sel)+`).textContent.includes(`+jsString(want)+`)`)); err != nil {
			got, _ := chromedp.Run(admin, chromedp.Text(css(sel)))
			t.Fatalf("%s says %q, want %q in it (%v)", sel, got, want, err)
		}
	}
	if err := chromedp.Do(admin,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#login-form input[name=name]"), "admin"),
		chromedp.SendKeys(css("#login-form input[name=password]"), testPassword),
		chromedp.Click(css("#login-form button")),
		chromedp.WaitVisible(css("#panels")),
	); err != nil {
		t.Fatal(err)
	}
	// Asked at 09:00 in Berlin, the code is valid for ten minutes.
	listSays("#pairing-list", "Code "+code+" aus ")
	listSays("#pairing-list", "gültig bis 26.11.2026, 09:10")
	if err := chromedp.Do(admin,
		chromedp.WaitReady(css(`#pair-form select[name=room] option[value="sitzungszimmer-2"]`)),
		chromedp.SendKeys(css("#pair-form input[name=code]"), code),
		chromedp.SetValue(css("#pair-form select[name=room]"), "sitzungszimmer-2"),
		chromedp.SendKeys(css("#pair-form input[name=name]"), "Tür SZ2"),
		chromedp.Click(css("#pair-form button")),
		chromedp.WaitVisible(css("#panel-list li button")),
	); err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(admin, chromedp.Text(css("#panel-list"))); err != nil || strings.Contains(got, "noch nie") {
		t.Errorf("the approved panel: %q (%v)", got, err)
	}
	// The panel's next poll fetches its token: the list says so by itself.
	listSays("#panel-list", "Tür SZ2 – Sitzungszimmer 2, zuletzt gesehen: 26.11.2026, 09:00")
	// A panel switched on now shows up without a reload.
	next := e.startPairing()
	listSays("#pairing-list", "Code "+next.Code+" aus ")
	checkAccessibility(t, admin, "booking page (admin, panels)")
	err := chromedp.Do(admin, chromedp.Evaluate[chromedp.Void](`document.getElementById("panels").scrollIntoView()`))
	var png []byte
	if err == nil {
		png, err = chromedp.Run(admin, chromedp.CaptureScreenshot())
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(shots, "admin-panels-1280x800.png"), png, 0o644)
	}
	if err != nil {
		t.Log(err)
	}
}

// TestPanelFitsTheDoorWithAVInChromium: the Ratssaal's panel (scenes,
// camera presets, microphone mute, device health) fits a 7" door panel
// (800×480) and a 10" tablet without scrolling, busy, free and closed;
// each action says what happened; on Christmas Eve (a closure from the
// configuration) and before opening hours it says the room is closed and
// offers no "book now"; in English no German is left.
func TestPanelFitsTheDoorWithAVInChromium(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	closures := config.Demo(t.TempDir()).ClosureList() // Christmas: 24–26 December 2026
	e.server.closures = func() []rooms.Closure { return closures }
	bernd := e.login("bernd")
	bernd.create(map[string]any{"room": "ratssaal", "title": "Haupt- und Finanzausschuss",
		"start": "2026-11-26T09:00:00+01:00", "end": "2026-11-26T10:00:00+01:00"})
	bernd.create(map[string]any{"room": "ratssaal", "title": "Bauausschuss",
		"start": "2026-11-26T11:00:00+01:00", "end": "2026-11-26T12:00:00+01:00"})
	door := e.panel("ratssaal", "Tür Ratssaal")

	browser := newBrowser(t)
	if _, err := chromedp.Call(browser, network.SetCookie, network.SetCookieParams{
		Name: door.cookie.Name, Value: door.cookie.Value, URL: e.srv.URL}); err != nil {
		t.Fatal(err)
	}
	p := newPanelTab(t, browser)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	p.do(chromedp.EmulateViewport(800, 480), chromedp.Navigate(e.srv.URL+"/panel/ratssaal"),
		chromedp.WaitVisible(css("main.busy")), chromedp.WaitVisible(css("#devices li")),
		chromedp.WaitVisible(css("#presets button")), chromedp.WaitVisible(css("#mute")))
	p.look("ratssaal-busy")
	checkAccessibility(t, p.ctx, "Ratssaal panel (busy)")

	p.click("#checkin")
	p.waitMessage("Eingecheckt – die Buchung bleibt bestehen.")
	p.click("#extend")
	p.waitMessage("Um 15 Minuten verlängert – jetzt bis 10:15 Uhr.")
	scene := p.text(`#scenes button[data-scene="hybrid"]`)
	p.click(`#scenes button[data-scene="hybrid"]`)
	p.waitMessage("Szene „" + scene + "“ gestartet.")
	p.click(`#presets button:nth-child(2)`)
	p.waitMessage("Kamera fährt auf Position 2.")
	p.click("#mute")
	p.waitMessage("Mikrofone stumm geschaltet.")
	p.do(chromedp.EmulateViewport(800, 480))
	p.fits("Ratssaal panel after the actions")
	p.toEnglish("the Ratssaal's panel (busy)")
	p.waitMessage("Microphones muted.")
	p.do(chromedp.Click(css("#lang"))) // back to German

	// The question after the first tap goes away by itself.
	p.click("#end")
	p.do(chromedp.WaitVisible(css("#end-confirm")))
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`!document.getElementById("end").hidden && document.getElementById("end-confirm").hidden`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the end question stays: %v", err)
	}
	p.stillRunning("after the end question went away")
	p.click("#end")
	p.click("#end-yes")
	p.waitMessage("Die Buchung ist beendet.")
	// A yes from a panel whose state was behind (the meeting had ended) is
	// refused with the server's reason; in English the panel says it was
	// not possible, never the German reason in an English sentence.
	p.click("#end-yes")
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.getElementById("message").textContent.startsWith("Nicht möglich: ")`)); err != nil {
		t.Fatalf("the late yes: message %q (%v)", p.text("#message"), err)
	}
	refused := p.text("#message")
	p.toEnglish("the Ratssaal's panel after a refusal")
	p.waitMessage("That was not possible.")
	p.do(chromedp.Click(css("#lang")))
	p.waitMessage(refused)
	e.now = e.now.Add(30 * time.Minute) // after the teardown (15 min)
	p.do(chromedp.Reload(), chromedp.WaitVisible(css(`#book-now button[data-minutes="30"]`)), chromedp.WaitVisible(css("#devices li")))
	p.look("ratssaal-free")
	checkAccessibility(t, p.ctx, "Ratssaal panel (free)")

	// Christmas Eve: closed all day, open again on Monday the 28th.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	e.now = time.Date(2026, 12, 24, 10, 0, 0, 0, berlin)
	p.do(chromedp.Reload(), chromedp.WaitVisible(css("main.closed")), chromedp.WaitVisible(css("#devices li")))
	closed := p.text("#now")
	for _, want := range []string{"Geschlossen", "Heute keine Buchungen", "Weihnachten", "Montag, 28. Dezember ab 07:00 Uhr"} {
		if !strings.Contains(strings.ToLower(closed), strings.ToLower(want)) { // the label is in capitals
			t.Errorf("closed panel says %q, want %q in it", closed, want)
		}
	}
	if n := p.eval(`String(document.querySelectorAll("#book-now:not([hidden]) button, #book-now button:not([hidden])").length)`); n != "0" {
		t.Errorf("a closed room offers book now (%s buttons)", n)
	}
	p.look("ratssaal-closed")
	checkAccessibility(t, p.ctx, "Ratssaal panel (closed)")
	p.toEnglish("the Ratssaal's panel (closed)")
	if got := p.text("#now-time"); got != "No bookings today" {
		t.Errorf("closed in English: %q", got)
	}
	p.do(chromedp.Click(css("#lang")))

	// Before opening hours it says when the room opens.
	e.now = time.Date(2026, 11, 27, 6, 30, 0, 0, berlin)
	p.do(chromedp.Reload(), chromedp.WaitVisible(css("main.closed")))
	if got := p.text("#now-time"); got != "Ab 07:00 Uhr wieder buchbar" {
		t.Errorf("before hours: %q", got)
	}
	if n := p.eval(`String(document.querySelectorAll("#book-now button").length)`); n != "0" {
		t.Errorf("a closed room offers book now (%s buttons)", n)
	}
	p.look("ratssaal-before-hours")
}
