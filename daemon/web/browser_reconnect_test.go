package web

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kogge-project/kogge/signaling"
)

// restartMeetings stops the signaling hub and the SFU as a stopping
// daemon does (closed{shutdown} to every page, the meetings' memos kept
// in the store), then builds them again on the same store and serves the
// same address again, as the restarted daemon would. between runs while
// nothing serves.
func (e *testEnv) restartMeetings(between func()) {
	e.t.Helper()
	addr, handler := e.srv.Listener.Addr().String(), e.srv.Config.Handler
	e.meetings.Close()
	e.srv.Close() // waits for the handlers: none reads the hub below any more
	between()
	mt := newTestMeetings(e.t, e.wrtc, e.publicURL, e.store, e.server.joins, e.web, e.server.council)
	e.meetings, e.server.hub = mt, mt.Hub()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: handler}}
	e.srv.Start()
	e.t.Cleanup(e.srv.Close)
}

// framesRising: the page's inbound video is decoded and keeps coming.
const framesRising = `(async () => {
  const a = (await window.koggeStats()).framesDecoded;
  if (a === 0) return false;
  await new Promise((r) => setTimeout(r, 300));
  return (await window.koggeStats()).framesDecoded > a;
})()`

// reconnectingNow: the page says that it reconnects.
const reconnectingNow = `document.getElementById("reconnecting").textContent !== ""`

// backInTheMeeting: the page is in the meeting again, nothing stale.
const backInTheMeeting = `!(` + reconnectingNow + `) && !document.getElementById("meeting").hidden &&
  !document.getElementById("meeting").classList.contains("stale") && !document.getElementById("toggle-hand").disabled &&
  !document.getElementById("toggle-hand").hasAttribute("title") && !document.getElementById("people").hasAttribute("aria-busy")`

// resumeSecrets reads the meeting's memo in the store: each participant's
// newest resume secret (its SHA-256), and whether any of them still has
// the secret before it working (its page has not shown it has the new
// one yet: signaling/resume.go).
func (e *testEnv) resumeSecrets(meetingID string) (newest map[string]string, older bool) {
	e.t.Helper()
	raw, err := e.store.MeetingMemo(meetingID)
	var mm signaling.MeetingMemo
	if err == nil && raw != nil {
		err = json.Unmarshal(raw, &mm)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	newest = map[string]string{}
	for _, p := range mm.Participants {
		newest[p.ID] = base64.StdEncoding.EncodeToString(p.SecretHash)
		older = older || len(p.PrevSecretHash) > 0
	}
	return newest, older
}

// TestJoinPagesReconnectInChromium: a host and a guest (let in from the
// lobby, hand raised, allowed to present and presenting Chromium's fake
// screen) talk with fake cameras; the server's meetings stop (every page
// gets closed{shutdown}) and come back on the same address and store.
// While nothing serves, both pages say they reconnect, mark the lists and
// the others' pictures as out of date and disable the buttons that need
// the server (checked with axe, kept as screenshots). Then they come back
// on their own as the same participants and decode each other's video
// again, the guest without the lobby, with the hand still raised and
// presenting the same screen again. Each came back with a new resume
// secret, and once the pages pinged the old ones are over (the memo in
// the store says so); a second restart in a row brings both back again,
// with the secrets their last welcomes brought.
func TestJoinPagesReconnectInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	shots := keptShots(t, "reconnect")

	// The fake capture device answers getDisplayMedia too; the flag picks
	// the whole screen without asking.
	browser := newBrowser(t, chromedp.Flag("auto-select-desktop-capture-source", "Entire screen"))
	host := openJoinTab(t, browser, "host", v.HostURL, true)
	guest := openJoinTab(t, browser, "guest", v.GuestURL, false)
	host.enter("Vorsitz")
	host.do(chromedp.WaitVisible(chromedp.CSS("#host")))
	guest.enter("Gast")
	guest.do(chromedp.WaitVisible(chromedp.CSS("#lobby")))
	host.until("the guest waits", `document.querySelector("#lobby-list li[data-waiting] button") !== null`, 10000)
	host.eval(`document.querySelector("#lobby-list li[data-waiting] button").click()`)
	guest.do(chromedp.WaitVisible(chromedp.CSS("#meeting")))
	guest.do(chromedp.Click(chromedp.CSS("#toggle-hand")), chromedp.WaitVisible(chromedp.CSS(`#toggle-hand[aria-pressed="true"]`)))
	host.until("the guest's hand in the queue", `document.querySelector("#queue").textContent.includes("Gast")`, 10000)
	host.do(chromedp.WaitVisible(chromedp.CSS("#people button[data-allow-present]")))
	host.eval(`document.querySelector("#people button[data-allow-present]").click()`)
	guest.do(chromedp.WaitVisible(chromedp.CSS("#share")), chromedp.Click(chromedp.CSS("#share")))
	guest.do(chromedp.WaitVisible(chromedp.CSS(`#share[aria-pressed="true"]`)))
	const decodesPresentation = `(async () => {
	  const a = (await window.koggeStats()).presentationFrames;
	  if (a === 0) return false;
	  await new Promise((r) => setTimeout(r, 300));
	  return (await window.koggeStats()).presentationFrames > a;
	})()`
	host.until("the guest's screen on the host's stage", decodesPresentation, 30000)
	for _, tab := range []*joinTab{host, guest} {
		tab.until("video before the restart", framesRising, 15000)
	}
	const people = `Array.from(document.querySelectorAll("#people li"), (li) => li.textContent).sort().join(" | ")`
	peopleBefore := value[string](host, people)

	var first map[string]string
	e.restartMeetings(func() {
		first, _ = e.resumeSecrets(b.ID)
		if len(first) != 2 {
			t.Fatalf("the memo after the restart holds %d participants, want 2", len(first))
		}
		for _, tab := range []*joinTab{host, guest} {
			tab.until("the reconnecting sentence", reconnectingNow, 10000)
		}
		if got := guest.text("#reconnecting"); got != "Die Verbindung ist unterbrochen. Kogge verbindet Sie wieder …" {
			t.Errorf("the guest's page says %q while it reconnects", got)
		}
		// The last state stays, marked as out of date; the hand waits for
		// the server, and says why.
		for _, tab := range []*joinTab{host, guest} {
			tab.until("the lists marked stale", `document.getElementById("meeting").classList.contains("stale") &&
			  document.getElementById("people").getAttribute("aria-busy") === "true" &&
			  document.querySelectorAll("#people li").length === 2`, 5000)
			tab.until("the hand disabled with its reason", `(() => {
			  const b = document.getElementById("toggle-hand");
			  return b.disabled && b.title !== "" && b.getAttribute("aria-describedby") === "reconnecting" &&
			    !document.getElementById("toggle-mic").disabled && !document.getElementById("leave").disabled;
			})()`, 5000)
		}
		host.until("the guest's frozen tile labelled", `Array.from(document.querySelectorAll("#grid .tile.stale figcaption"),
		  (c) => c.textContent).some((s) => s.startsWith("Gast") && s.endsWith("Verbindung wird wiederhergestellt"))`, 5000)
		host.until("the guest's frozen presentation labelled", `!document.getElementById("presentation").hidden &&
		  document.getElementById("presentation").classList.contains("stale") &&
		  document.getElementById("presentation-caption").textContent.includes("Verbindung wird wiederhergestellt")`, 5000)
		if got := guest.text("#share"); got != "Teilen beenden" {
			t.Errorf("the guest's share button says %q while it reconnects: the share stopped", got)
		}
		for _, tab := range []*joinTab{host, guest} {
			checkAccessibility(t, tab.ctx, tab.who+"'s page while reconnecting")
		}
		reconnectShots(guest, shots, "join-reconnecting-guest")
		reconnectShots(host, shots, "join-reconnecting-host")
		// Said in the language shown, also after a switch meanwhile.
		guest.eval(`document.getElementById("lang").click()`)
		guest.until("the English reason", `document.getElementById("toggle-hand").title === "Available again once the connection is restored." &&
		  document.getElementById("reconnecting").textContent.startsWith("The connection was interrupted")`, 5000)
		guest.eval(`document.getElementById("lang").click()`)
		guest.until("the German reason again", `document.getElementById("toggle-hand").title.startsWith("Geht wieder")`, 5000)
	})

	for _, tab := range []*joinTab{host, guest} {
		tab.until("back in the meeting", backInTheMeeting, 20000)
		tab.until("video after the restart", framesRising, 15000)
	}
	// The guest presents the same screen again, and the host sees it.
	host.until("the guest's screen on the host's stage again", decodesPresentation, 30000)
	if got := host.text("#presentation-caption"); got != "Präsentation von Gast" {
		t.Errorf("the host's stage says %q after the reconnect", got)
	}
	guest.do(chromedp.WaitVisible(chromedp.CSS(`#share[aria-pressed="true"]`)))
	if !value[bool](guest, `document.getElementById("lobby").hidden`) {
		t.Error("the guest is in the lobby again")
	}
	guest.do(chromedp.WaitVisible(chromedp.CSS(`#toggle-hand[aria-pressed="true"]`)))
	host.until("the guest's hand still in the queue", `document.querySelector("#queue").textContent.includes("Gast")`, 10000)
	host.until("the same two people", `document.querySelectorAll("#people li").length === 2`, 10000)
	// The same people (in the order they came back).
	if after := value[string](host, people); after != peopleBefore {
		t.Errorf("people before the restart %q, after %q", peopleBefore, after)
	}
	if strings.Contains(host.text("#lobby-list"), "Gast") {
		t.Error("the guest waits in the host's lobby list again")
	}
	reconnectShots(guest, shots, "join-reconnected-guest")
	reconnectShots(host, shots, "join-reconnected-host")

	// Both pages have new secrets, and their heartbeat pings (every 5 s)
	// end the ones before: polled in the store, which the meeting writes
	// after each change.
	deadline := time.Now().Add(20 * time.Second)
	for {
		now, older := e.resumeSecrets(b.ID)
		rotated := len(now) == 2
		for id, h := range first {
			rotated = rotated && now[id] != "" && now[id] != h
		}
		if rotated && !older {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the memo's secrets %v (older ones still working: %v), before the restart %v", now, older, first)
		}
		time.Sleep(50 * time.Millisecond) // polling the store, not timing
	}
	// Only the newest secrets work now: the second restart in a row.
	e.restartMeetings(func() {
		for _, tab := range []*joinTab{host, guest} {
			tab.until("reconnecting the second time", reconnectingNow, 10000)
		}
	})
	for _, tab := range []*joinTab{host, guest} {
		tab.until("back in the meeting the second time", backInTheMeeting, 20000)
		tab.until("video after the second restart", framesRising, 15000)
	}
	if !value[bool](guest, `document.getElementById("lobby").hidden`) {
		t.Error("the guest is in the lobby after the second restart")
	}
	host.until("the guest's hand still in the queue after the second restart", `document.querySelector("#queue").textContent.includes("Gast")`, 10000)
	host.until("the same two people after the second restart", `document.querySelectorAll("#people li").length === 2`, 10000)
	if after := value[string](host, people); after != peopleBefore {
		t.Errorf("people before the restarts %q, after the second %q", peopleBefore, after)
	}
	reconnectShots(guest, shots, "join-reconnected-twice-guest")
}

// reconnectShots keeps screenshots of the tab on a desktop (1280×800) and
// a phone (390×844), and goes back to the desktop.
func reconnectShots(tab *joinTab, dir, name string) {
	tab.t.Helper()
	tab.do(chromedp.EmulateViewport(1280, 800))
	tab.shot(dir, name+"-1280x800")
	tab.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	tab.until("the page fits the phone", `document.documentElement.scrollWidth <= innerWidth`, 5000)
	tab.shot(dir, name+"-390x844")
	tab.do(chromedp.EmulateViewport(1280, 800))
}
