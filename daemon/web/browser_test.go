package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kogge-project/kogge/internal/testdeps"
)

// newBrowser starts headless Chromium with a fresh profile (and extra
// flags). A missing browser fails the test: a skipped browser test would
// hide broken pages.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(testdeps.Command(t, "chromium", "chromium")), // Debian's
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	return ctx
}

// TestFrontPageBooksAndRendersHostileTitlesAsText drives the front page in
// Chromium: log in, look at a room's week, see a booking whose title is an
// XSS attempt shown as text, get a conflict, then book a free slot.
func TestFrontPageBooksAndRendersHostileTitlesAsText(t *testing.T) {
	e := newTestEnv(t)
	hostile := `<img src=x onerror="window.__xss=1">"'&`
	e.login("bernd").create(map[string]any{"title": hostile})
	p := openPage(t, e)
	book := func(title, start, end string) {
		p.set("#book input[name=title]", title)
		p.set("#book select[name=room]", "ratssaal")
		p.set("#book input[name=day]", "2026-12-01")
		p.set("#book input[name=start]", start)
		p.set("#book input[name=end]", end)
		p.submit("#book")
	}

	p.logIn("anna")
	p.set("#room", "ratssaal")
	p.set("#day", "2026-12-01")
	p.do(chromedp.WaitVisible(chromedp.CSS(`#week .track[data-day="2026-12-01"] .booking`)))
	week := p.text("#week")
	block := p.text(`#week .track[data-day="2026-12-01"] .booking`)
	images := p.eval(`document.querySelectorAll("#week img").length`)
	xss := p.eval(`window.__xss === undefined ? 0 : 1`)
	buffers := p.eval(`document.querySelectorAll("#week .track[data-day='2026-12-01'] .buffer").length`)

	book("Bauausschuss", "19:10", "20:00")
	p.waitText("#book-error", "schon belegt")
	conflict := p.text("#book-error")

	book("Bauausschuss", "19:45", "21:00")
	p.waitText("#book-ok", "Gebucht")
	booked := p.text("#book-ok")
	if path := os.Getenv("KOGGE_SCREENSHOT"); path != "" { // for people reviewing the page
		p.screenshot(filepath.Dir(path), filepath.Base(path))
	}

	if !strings.Contains(week, hostile) || images != 0 || xss != 0 {
		t.Fatalf("hostile title not shown as text: week %q, %d <img>, xss %d", week, images, xss)
	}
	if !strings.Contains(block, "16:00–19:00") || buffers != 1 {
		t.Errorf("booking block %q, %d buffer shadings", block, buffers)
	}
	// One conflict is named once, in the problem's sentence.
	if !strings.Contains(conflict, "„"+hostile+"“ am 1. Dezember 2026 von 16:00 bis 19:00 Uhr") || strings.Contains(conflict, "Kollidiert") {
		t.Errorf("conflict shown as %q", conflict)
	}
	if !strings.HasPrefix(booked, "Gebucht: „Bauausschuss“ am Dienstag, 1. Dezember von 19:45 bis 21:00 Uhr im Raum Ratssaal.") {
		t.Errorf("booked: %q", booked)
	}
}

// TestFrontPageRunsAScene: the page shows a room's devices and runs a scene.
func TestFrontPageRunsAScene(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	step, cancel := context.WithTimeout(ctx, 60*time.Second) // a failure bound, not a wait
	defer cancel()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	err := chromedp.Do(step,
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#login-form input[name=name]"), "anna"),
		chromedp.SendKeys(css("#login-form input[name=password]"), testPassword),
		chromedp.Click(css("#login-form button")),
		chromedp.WaitReady(css("#room option[value=sitzungszimmer-2]")),
		chromedp.SetValue(css("#room"), "sitzungszimmer-2"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("room").dispatchEvent(new Event("change"))`),
		chromedp.WaitVisible(css("#scenes button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The device list and the scene buttons are redrawn by live events:
	// click and look in the page itself, where no node can go stale
	// between finding and using it.
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`document.querySelector("#scenes button[data-scene=on]").click(); true`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelector("#devices li.online") !== null`)); err != nil {
		t.Fatal(err)
	}
	var result, devices string
	for result == "" || result == "Szene „Bildschirm an“ läuft …" {
		if result, err = chromedp.Run(step, chromedp.Text(css("#scene-result"))); err != nil {
			t.Fatal(err)
		}
	}
	// The device list follows the scene through the events stream, a
	// moment after the scene's own answer.
	for !strings.Contains(devices, "Bildschirm:an") {
		if devices, err = chromedp.Run(step, chromedp.TextContent(css("#devices"))); err != nil {
			t.Fatalf("%v; devices %q", err, devices)
		}
	}
	if result != "Szene „Bildschirm an“ ausgeführt." || strings.Contains(devices, "display") || strings.Contains(devices, "power") {
		t.Fatalf("scene result %q, devices %q", result, devices)
	}
}
