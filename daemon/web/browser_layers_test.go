package web

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJoinPageSmallTileGetsTheLowLayerInChromium: the host's camera sends
// 1280 pixels wide in three layers (320, 640, 1280); a guest's page in a
// wide window shows the host's tile large and receives more than the low
// layer; narrowed to a phone's width (the page's own one-column layout,
// the tile about 330 pixels wide) it receives the low layer, 320 pixels
// wide, and the host's page sends only that layer; widened again it gets
// a larger layer back. The camera is the same
// throughout, so the width received is the SFU's choice for the tile.
func TestJoinPageSmallTileGetsTheLowLayerInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"title": "Bauausschuss", "hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	shots := keptShots(t, "layers")

	browser := newBrowser(t)
	host := openJoinTab(t, browser, "host", v.HostURL, true)
	guest := openJoinTab(t, browser, "guest", v.GuestURL, false)
	host.enter("Vorsitz")
	host.do(chromedp.WaitVisible(chromedp.CSS("#host")))
	guest.enter("Gast")
	guest.do(chromedp.WaitVisible(chromedp.CSS("#meeting")))

	// The page asks the camera for 1280×720: the host's own tile shows
	// what it got, so its layers are 320, 640 and 1280 wide and only the
	// low one is 320 or less.
	host.until("host's camera at 1280 pixels", `document.querySelector('#grid .tile.mine video').videoWidth === 1280`, 20000)

	// The layers the host's page sends (the SFU's layers message pauses
	// what no viewer needs).
	const sending = `(await window.koggeStats()).outbound.filter((o) => o.rid && o.active).map((o) => o.rid).sort().join()`
	const received = `window.koggeStats().then((s) => s.inbound.filter((i) => i.framesDecoded > 0).map((i) => i.frameWidth))`
	// Widths received: one camera (the host's), decoding.
	large := func(what string) {
		t.Helper()
		guest.do(chromedp.EmulateViewport(1280, 800))
		guest.until(what, `(async () => { const w = await `+received+`; return w.length === 1 && w[0] > 320; })()`, 30000)
		host.until(what+": the host sends more than the low layer", sending+` !== '' && `+sending+` !== 'l'`, 10000)
		t.Logf("%s: guest receives %v wide, view %v", what, value[any](guest, received), value[any](guest, `window.koggeStats().then((s) => s.view)`))
	}
	large("a large tile in a wide window")
	guest.shot(shots, "layers-large")

	guest.do(chromedp.EmulateViewport(360, 800))
	guest.until("the page's one-column layout", `document.querySelector('#grid .tile:not(.mine) video').getBoundingClientRect().width < 352`, 5000)
	guest.until("a small tile gets the low layer", `(async () => { const w = await `+received+`; return w.length === 1 && w[0] > 0 && w[0] <= 320; })()`, 30000)
	// And it is the low layer: the host sends nothing else now.
	host.until("the host sends only the low layer", sending+` === 'l'`, 10000)
	t.Logf("small tile: guest receives %v wide, view %v", value[any](guest, received), value[any](guest, `window.koggeStats().then((s) => s.view)`))
	guest.shot(shots, "layers-small")

	large("the tile large again")
}
