package web

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// A guest link with a PIN: a wrong PIN brings the PIN form back with a
// sentence, and it stays there when the server's connection then closes
// (it used to give way to the general error notice); the right PIN then
// gets the guest into the lobby with the camera and microphone still
// on (they used to be stopped with the wrong PIN's close).
func TestJoinPageAsksForThePINAgainInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Rat",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	if r := anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"guest_pin": "24680135"}); r.status != http.StatusOK {
		t.Fatalf("set pin: %d %s", r.status, r.body)
	}
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	guest := openJoinTab(t, newBrowser(t), "guest", v.GuestURL, true)
	// Count the page's WebSocket closes (and keep what it heard, for a
	// failure), to look after the last one.
	guest.eval(`window.__closes = 0; window.__log = []; window.WebSocket = class extends window.WebSocket {
	  constructor(...a) { super(...a); this.addEventListener('message', (e) => window.__log.push(e.data));
	    this.addEventListener('close', (e) => { window.__closes++; window.__log.push('close ' + e.code); }); } }; 0`)
	guest.do(chromedp.WaitVisible(chromedp.CSS("#pin-row")),
		chromedp.SetValue(chromedp.CSS("#name"), "Gast"),
		chromedp.SetValue(chromedp.CSS("#pin"), "11111111"),
		chromedp.Click(chromedp.CSS("#join-button")))
	guest.until("the connection closed after the wrong PIN", `window.__closes >= 1`, 20000)
	if !value[bool](guest, `!document.getElementById("prejoin").hidden && document.getElementById("notice").hidden &&
	  document.getElementById("prejoin-error").textContent.trim() !== ""`) {
		t.Fatalf("after a wrong PIN the page shows the notice; log %v", value[[]string](guest, `window.__log`))
	}
	live := `(document.getElementById("preview").srcObject?.getTracks() || []).filter((tr) => tr.readyState === "live").length`
	if n := value[int](guest, live); n != 2 {
		t.Fatalf("after a wrong PIN the preview has %d live tracks, want camera and microphone", n)
	}
	guest.do(chromedp.SetValue(chromedp.CSS("#pin"), "24680135"), chromedp.Click(chromedp.CSS("#join-button")))
	guest.until("the guest in the lobby", `!document.getElementById("lobby").hidden`, 20000)
	if n := value[int](guest, live); n != 2 {
		t.Fatalf("in the lobby after the right PIN %d live tracks, want camera and microphone", n)
	}
}
