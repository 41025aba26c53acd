package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// untilIn waits in the page (not in the test) until the awaited
// expression is true, for at most ms milliseconds, and reports whether it
// became true.
const untilIn = `(async () => {
  const until = Date.now() + %d;
  for (;;) {
    if (await (async () => %s)()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
})()`

// TestJoinPagesPresentInChromium: the host publishes the camera in three
// simulcast layers; the host lets the guest present, the guest shares
// Chromium's fake screen and the host's page decodes it on the stage; the
// host stops it; the host takes over from the guest's next presentation
// and the guest's page decodes the host's screen. The pages with a
// presentation are checked with axe, in both languages, and saved as
// screenshots.
func TestJoinPagesPresentInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Bauausschuss",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	shots := keptShots(t, "present")

	// The fake capture device answers getDisplayMedia too; the flag picks
	// the whole screen without asking.
	browser := newBrowser(t, chromedp.Flag("auto-select-desktop-capture-source", "Entire screen"))
	// The pages' console ends up in the test log: a script error is the
	// first thing to know when a step times out.
	logConsole := func(ctx context.Context, who string) {
		lctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		messages := chromedp.Console(lctx)
		go func() {
			defer close(done)
			for m, err := range messages {
				if err != nil {
					return
				}
				t.Logf("%s console %s: %s %s:%d", who, m.Type, m.Text, m.URL, m.Line)
			}
		}()
		t.Cleanup(func() { stop(); <-done })
	}
	logConsole(browser, "host")
	if err := chromedp.Do(browser, chromedp.Navigate(v.HostURL)); err != nil {
		t.Fatal(err)
	}
	guestTab, closeGuest := chromedp.NewContext(browser)
	defer closeGuest()
	logConsole(guestTab, "guest")
	if err := chromedp.Do(guestTab, chromedp.Navigate(v.GuestURL)); err != nil {
		t.Fatal(err)
	}
	host, cancelHost := context.WithTimeout(browser, 180*time.Second) // failure bounds, not waits
	defer cancelHost()
	guest, cancelGuest := context.WithTimeout(guestTab, 180*time.Second)
	defer cancelGuest()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do := func(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(ctx context.Context, js string) {
		t.Helper()
		do(ctx, chromedp.Evaluate[chromedp.Void](js))
	}
	// until fails the test if the page's expression is not true within ms.
	until := func(ctx context.Context, who, expr string, ms int) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(untilIn, ms, expr), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			stats, _ := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`window.koggeStats()`, chromedp.EvalAwaitPromise))
			t.Fatalf("%s: not within %d ms: %s (stats %v)", who, ms, expr, stats)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(css(sel)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	shot := func(ctx context.Context, name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		}
		if err != nil {
			t.Log(err)
		}
	}
	enter := func(ctx context.Context, name string) {
		t.Helper()
		do(ctx, chromedp.WaitVisible(css("#prejoin-form")), chromedp.SetValue(css("#name"), name), chromedp.Click(css("#join-button")))
	}
	const hidden = `document.getElementById('presentation').hidden`
	const decodesPresentation = `(await window.koggeStats()).presentationFrames > 0`

	enter(host, "Vorsitz")
	do(host, chromedp.WaitVisible(css("#host")))
	enter(guest, "Gast")
	do(host, chromedp.WaitVisible(css("#lobby-list li[data-waiting] button")))
	eval(host, `document.querySelector("#lobby-list li[data-waiting] button").click()`)
	do(guest, chromedp.WaitVisible(css("#meeting")))

	// Simulcast: the host's page has three camera streams, one per rid,
	// and sends what a viewer needs. The others may already be paused
	// (the SFU's layers message: one guest at a tile's size needs one
	// layer), maybe before their first packet on a busy machine.
	until(host, "host's simulcast", `(await window.koggeStats()).outbound.filter((o) => o.rid).length >= 3 && (await window.koggeStats()).outbound.some((o) => o.rid && o.packetsSent > 0)`, 30000)
	out, err := chromedp.Run(host, chromedp.Evaluate[[]map[string]any](`window.koggeStats().then((s) => s.outbound)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var rids []string
	for _, o := range out {
		rids = append(rids, fmt.Sprint(o["rid"]))
	}
	slices.Sort(rids)
	if strings.Join(rids, ",") != "h,l,m" {
		t.Errorf("outbound video streams %v, want the rids h, l, m", out)
	}
	t.Logf("host's outbound video: %v", out)

	// A guest may present only once the host allows it.
	visible, err := chromedp.Run(guest, chromedp.Evaluate[bool](`!document.getElementById('share').hidden`))
	if err != nil || visible {
		t.Fatalf("guest sees the share button before being allowed (%v)", err)
	}
	do(host, chromedp.WaitVisible(css("#people button[data-allow-present]")))
	eval(host, `document.querySelector("#people button[data-allow-present]").click()`)
	do(guest, chromedp.WaitVisible(css("#share")), chromedp.Click(css("#share")))
	do(guest, chromedp.WaitVisible(css(`#share[aria-pressed="true"]`)))
	do(host, chromedp.WaitVisible(css("#presentation")))
	until(host, "host decodes the guest's screen", decodesPresentation, 30000)
	if got := text(host, "#presentation-caption"); got != "Präsentation von Gast" {
		t.Errorf("host's stage says %q", got)
	}
	// The host's view asks for the presentation at its stage size, larger
	// than the guest's camera tile beside it.
	until(host, "host's view with the presentation", `(async () => {
	  const s = await window.koggeStats();
	  const stage = document.getElementById('presentation-video').getBoundingClientRect();
	  const pres = s.view.find((v) => v.track === document.getElementById('presentation-video').dataset.track);
	  const cams = s.view.filter((v) => v !== pres);
	  return s.view.length === 2 && pres && Math.abs(pres.width - Math.round(stage.width * devicePixelRatio)) <= 1 &&
	    cams.every((c) => c.width > 0 && c.width < pres.width);
	})()`, 5000)
	until(guest, "guest's own screen on the stage", `document.getElementById('presentation-video').videoWidth > 0`, 20000)

	for _, screen := range []struct {
		name          string
		width, height int64
		phone         bool
	}{{"1280x800", 1280, 800, false}, {"390x844", 390, 844, true}} {
		for _, tab := range []struct {
			name string
			ctx  context.Context
		}{{"host", host}, {"guest", guest}} {
			opts := []chromedp.EmulateViewportOption{}
			if screen.phone {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
			}
			do(tab.ctx, chromedp.EmulateViewport(screen.width, screen.height, opts...))
			until(tab.ctx, tab.name+"'s stage has a picture", `document.getElementById('presentation-video').videoWidth > 0`, 20000)
			until(tab.ctx, tab.name+"'s page fits the screen", `document.documentElement.scrollWidth <= innerWidth`, 5000)
			shot(tab.ctx, "present-"+tab.name+"-"+screen.name)
		}
	}
	for _, tab := range []struct {
		name string
		ctx  context.Context
	}{{"host", host}, {"guest", guest}} {
		do(tab.ctx, chromedp.EmulateViewport(1280, 800))
		checkAccessibility(t, tab.ctx, "join page (presentation, "+tab.name+")")
		do(tab.ctx, chromedp.Click(css("#lang")))
		assertOnlyLanguage(t, tab.ctx, tab.name+" with a presentation", "en")
		shot(tab.ctx, "present-"+tab.name+"-en")
		do(tab.ctx, chromedp.Click(css("#lang")))
		assertOnlyLanguage(t, tab.ctx, tab.name+" with a presentation", "de")
	}

	// The host stops the guest's presentation: the guest's sharing ends.
	do(host, chromedp.Click(css("#stop-presentation")))
	until(host, "host's stage empty", hidden, 10000)
	until(guest, "guest's stage empty", hidden, 10000)
	do(guest, chromedp.WaitVisible(css(`#share[aria-pressed="false"]`)))
	if got := text(guest, "#meeting-note"); got != "Ihre Präsentation wurde beendet." {
		t.Errorf("guest's note after the host's stop: %q", got)
	}

	// The guest presents again; the host takes over with their own screen.
	do(guest, chromedp.Click(css("#share")))
	until(host, "host decodes the guest's second presentation", decodesPresentation, 30000)
	do(host, chromedp.Click(css("#share")))
	do(guest, chromedp.WaitVisible(css(`#share[aria-pressed="false"]`)))
	until(guest, "guest decodes the host's screen", decodesPresentation, 30000)
	if got := text(guest, "#presentation-caption"); got != "Präsentation von Vorsitz" {
		t.Errorf("guest's stage says %q", got)
	}
	shot(guest, "present-takeover-guest")
	do(host, chromedp.Click(css("#share")))
	until(guest, "guest's stage empty after the host stopped", hidden, 10000)
}
