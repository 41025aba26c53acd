package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts headless Chromium with a fresh profile. A missing
// browser fails the test: a skipped browser test would hide broken pages.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s not found: apt-get install -y chromium (as .ci/run does)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	return ctx
}

// TestFrontPageBooksAndRendersHostileTitlesAsText drives the front page in
// Chromium: log in, look at a day, see a booking whose title is an XSS
// attempt shown as text, get a conflict, then book a free slot.
func TestFrontPageBooksAndRendersHostileTitlesAsText(t *testing.T) {
	e := newTestEnv(t)
	hostile := `<img src=x onerror="window.__xss=1">"'&`
	e.login("bernd").create(map[string]any{"title": hostile})
	ctx := newBrowser(t)

	// The first action starts the browser and must not run under a timeout
	// (it would end the browser); later ones are bounded.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	step, cancel := context.WithTimeout(ctx, 60*time.Second) // a failure bound, not a wait
	defer cancel()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(step, actions...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(step, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	eval := func(js string) int {
		t.Helper()
		v, err := chromedp.Run(step, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	book := func(title, start, end string) {
		do(chromedp.SetValue(css("#book input[name=title]"), title),
			chromedp.SetValue(css("#book input[name=start]"), start),
			chromedp.SetValue(css("#book input[name=end]"), end),
			chromedp.Click(css("#book button")))
	}

	do(chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#login-form input[name=name]"), "anna"),
		chromedp.SendKeys(css("#login-form input[name=password]"), testPassword),
		chromedp.Click(css("#login-form button")),
		chromedp.WaitVisible(css("#app")),
		chromedp.WaitReady(css("#room option[value=ratssaal]")),
		chromedp.SetValue(css("#room"), "ratssaal"),
		chromedp.SetValue(css("#day"), "2026-12-01"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("day").dispatchEvent(new Event("change"))`),
		chromedp.WaitVisible(css("#slots li.busy")))
	slots := text("#slots")
	images := eval(`document.querySelectorAll("#slots img").length`)
	xss := eval(`window.__xss === undefined ? 0 : 1`)

	book("Bauausschuss", "19:10", "20:00")
	do(chromedp.WaitVisible(css("#book-error p")))
	conflict := text("#book-error")

	book("Bauausschuss", "19:45", "21:00")
	do(chromedp.WaitVisible(css("#book-ok:not(:empty)")))
	booked := text("#book-ok")
	if path := os.Getenv("KOGGE_SCREENSHOT"); path != "" { // for people reviewing the page
		png, err := chromedp.Run(step, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(path, png, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}

	if !strings.Contains(slots, hostile) || images != 0 || xss != 0 {
		t.Fatalf("hostile title not shown as text: slots %q, %d <img>, xss %d", slots, images, xss)
	}
	if !strings.Contains(slots, "16:00–19:15") && !strings.Contains(slots, "15:30–19:15") {
		t.Errorf("busy slot with buffers missing in %q", slots)
	}
	if !strings.Contains(conflict, "Kollidiert mit "+hostile) || !strings.Contains(conflict, "16:00–19:00") {
		t.Errorf("conflict shown as %q", conflict)
	}
	if booked != "Gebucht: Bauausschuss, 19:45–21:00" {
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
		chromedp.Click(css("#scenes button:last-child")), // "on" (scenes are sorted: off, on)
		chromedp.WaitVisible(css(`#devices li.online`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	var result, devices string
	for result == "" || result == "Szene „on“ läuft …" {
		if result, err = chromedp.Run(step, chromedp.Text(css("#scene-result"))); err != nil {
			t.Fatal(err)
		}
	}
	// The device list follows the scene through the events stream, a
	// moment after the scene's own answer.
	for !strings.Contains(devices, "power: on") {
		if devices, err = chromedp.Run(step, chromedp.Text(css("#devices"))); err != nil {
			t.Fatalf("%v; devices %q", err, devices)
		}
	}
	if result != "Szene „on“ ausgeführt." || !strings.Contains(devices, "display") || !strings.Contains(devices, "power: on") {
		t.Fatalf("scene result %q, devices %q", result, devices)
	}
}
