package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPanelPairsAndRunsTheRoomInChromium: a tablet opens the room's panel,
// is sent to pairing and shows a code; an admin approves it; the panel
// shows the meeting (a hostile title as text), checks in, ends it and,
// once the teardown has passed, books the room now. Screenshots of both
// pages at 1280×800 and 800×480 are kept.
func TestPanelPairsAndRunsTheRoomInChromium(t *testing.T) {
	e := newTestEnv(t)
	hostile := `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`
	e.login("bernd").create(map[string]any{"room": "sitzungszimmer-2", "title": hostile,
		"start": "2026-11-26T09:00:00+01:00", "end": "2026-11-26T10:00:00+01:00"})
	shots, err := os.MkdirTemp("", "kogge-panel-screens-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(browser, 60*time.Second) // a failure bound, not a wait
	defer cancel()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		for _, vp := range []struct {
			w, h int64
			tag  string
		}{{1280, 800, "1280x800"}, {800, 480, "800x480"}} {
			err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.w, vp.h))
			var png []byte
			if err == nil {
				png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
			}
			if err == nil {
				err = os.WriteFile(filepath.Join(shots, name+"-"+vp.tag+".png"), png, 0o644)
			}
			if err != nil {
				t.Log(err)
			}
		}
		do(chromedp.EmulateViewport(1280, 800))
	}
	noScript := func() {
		t.Helper()
		xss, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__xss === 1`))
		if err != nil || xss {
			t.Fatalf("a booking title ran as script (%v)", err)
		}
	}

	// Without a cookie the room's page sends the tablet to pairing.
	do(chromedp.Navigate(e.srv.URL + "/panel/sitzungszimmer-2"))
	code, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById('code').dataset.code`))
	if err != nil {
		t.Fatal(err)
	}
	shot("pairing")
	checkAccessibility(t, ctx, "panel pairing")
	// An admin approves it on the booking page, in another tab.
	adminTab, closeAdmin := chromedp.NewContext(browser)
	defer closeAdmin()
	if err := chromedp.Do(adminTab, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	admin, cancelAdmin := context.WithTimeout(adminTab, 60*time.Second)
	defer cancelAdmin()
	if err := chromedp.Do(admin,
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#login-form input[name=name]"), "admin"),
		chromedp.SendKeys(css("#login-form input[name=password]"), testPassword),
		chromedp.Click(css("#login-form button")),
		chromedp.WaitVisible(css("#panels")),
		chromedp.WaitVisible(css("#pairing-list li")),
		chromedp.WaitReady(css(`#pair-form select[name=room] option[value="sitzungszimmer-2"]`)),
		chromedp.SendKeys(css("#pair-form input[name=code]"), code),
		chromedp.SetValue(css("#pair-form select[name=room]"), "sitzungszimmer-2"),
		chromedp.SendKeys(css("#pair-form input[name=name]"), "Tür SZ2"),
		chromedp.Click(css("#pair-form button")),
		chromedp.WaitVisible(css("#panel-list li button")),
	); err != nil {
		t.Fatal(err)
	}
	checkAccessibility(t, admin, "booking page (admin, panels)")
	closeAdmin()

	// The next poll brings the panel to its room.
	do(chromedp.WaitVisible(css("#checkin")))
	if got := text("#now-title"); got != hostile {
		t.Fatalf("title %q, want the hostile text as text", got)
	}
	noScript()
	shot("panel-busy")
	checkAccessibility(t, ctx, "panel (busy)")
	do(chromedp.Click(css("#checkin")), chromedp.WaitNotVisible(css("#checkin")),
		chromedp.WaitVisible(css("#end")), chromedp.Click(css("#end")),
		chromedp.WaitVisible(css("main.free")))

	// After the teardown (10 min) the room can be booked from the door.
	e.now = e.now.Add(15 * time.Minute)
	do(chromedp.Reload(), chromedp.WaitVisible(css(`#book-now button[data-minutes="30"]`)))
	shot("panel-free")
	checkAccessibility(t, ctx, "panel (free)")
	// The book-now buttons are redrawn with every state: click in the page.
	do(chromedp.WaitVisible(css(`#book-now button[data-minutes="30"]`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#book-now button[data-minutes="30"]').click()`),
		chromedp.WaitVisible(css("main.busy")))
	if got := text("#now-title"); got != "Spontanbuchung" {
		t.Fatalf("after book now: %q", got)
	}
	if got := text("#now-time"); got != "09:15–09:45" {
		t.Fatalf("after book now: %q", got)
	}
	noScript()
	// English is one click away.
	do(chromedp.Click(css("#lang")))
	if got := text("#now-label"); !strings.EqualFold(got, "In use") { // shown in capitals
		t.Fatalf("label in English %q", got)
	}
}
