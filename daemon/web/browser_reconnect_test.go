package web

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
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

// TestJoinPagesReconnectInChromium: a host and a guest (let in from the
// lobby, hand raised) talk with fake cameras; the server's meetings stop
// (every page gets closed{shutdown}) and come back on the same address
// and store. Both pages say they reconnect, come back on their own as the
// same participants, decode each other's video again, the guest without
// the lobby and with the hand still raised.
func TestJoinPagesReconnectInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	shots, err := os.MkdirTemp("", "kogge-reconnect-*") // kept for a reviewer
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	browser := newBrowser(t)
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
	for _, tab := range []*joinTab{host, guest} {
		tab.until("video before the restart", framesRising, 15000)
	}
	const people = `Array.from(document.querySelectorAll("#people li"), (li) => li.textContent).sort().join(" | ")`
	peopleBefore := value[string](host, people)

	e.restartMeetings(func() {
		for _, tab := range []*joinTab{host, guest} {
			tab.until("the reconnecting sentence", `!document.getElementById("reconnecting").hidden`, 10000)
		}
		guest.do(chromedp.EmulateViewport(1280, 800))
		guest.shot(shots, "join-reconnecting-1280x800")
		if got := guest.text("#reconnecting"); got != "Die Verbindung ist unterbrochen. Kogge verbindet Sie wieder …" {
			t.Errorf("the guest's page says %q while it reconnects", got)
		}
	})

	for _, tab := range []*joinTab{host, guest} {
		tab.until("back in the meeting", `document.getElementById("reconnecting").hidden && !document.getElementById("meeting").hidden`, 20000)
		tab.until("video after the restart", framesRising, 15000)
	}
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
	guest.shot(shots, "join-reconnected-1280x800")
}
