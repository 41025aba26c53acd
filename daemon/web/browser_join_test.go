package web

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// framesWithin waits in the page (not in the test) until its down
// connection has decoded video frames, for at most ms milliseconds, and
// returns how many.
const framesWithin = `(async (ms) => {
  const until = Date.now() + ms;
  for (;;) {
    const s = await window.koggeStats();
    if (s.framesDecoded > 0 || Date.now() > until) return s.framesDecoded;
    await new Promise((r) => setTimeout(r, 100));
  }
})(10000)`

// TestJoinPagesInChromium: a host and a guest open their links in two
// Chromium tabs with fake cameras; the guest waits in the lobby, the host
// admits them, and each page decodes the other's video within 10 s. Both
// pages are measured on a desktop (1280×800) and a phone (390×844) screen,
// and every text, also the ones redrawn by what happened in the meeting,
// follows the language switch.
func TestJoinPagesInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna")
	b := anna.create(map[string]any{"kind": "council", "title": `Rat <img src=x onerror="window.__xss=1">`,
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	v := e.joinView(anna, b.ID)
	e.now = at(t, "2026-12-01T15:30:00Z")
	// Kept after the test (not t.TempDir) so a reviewer can look.
	shots := keptShots(t, "screens")

	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(v.HostURL)); err != nil {
		t.Fatal(err)
	}
	guestTab, closeGuest := chromedp.NewContext(browser)
	defer closeGuest()
	if err := chromedp.Do(guestTab, chromedp.Navigate(v.GuestURL)); err != nil {
		t.Fatal(err)
	}
	host, cancelHost := context.WithTimeout(browser, 120*time.Second) // failure bounds, not waits
	defer cancelHost()
	guest, cancelGuest := context.WithTimeout(guestTab, 120*time.Second)
	defer cancelGuest()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do := func(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
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
	// switchTo clicks the language switch and checks that no text of the
	// other language is left anywhere on the page.
	switchTo := func(ctx context.Context, who, lang string) {
		t.Helper()
		do(ctx, chromedp.Click(css("#lang")))
		assertOnlyLanguage(t, ctx, who, lang)
	}
	enter := func(ctx context.Context, name string) {
		t.Helper()
		do(ctx, chromedp.WaitVisible(css("#prejoin-form")),
			chromedp.SetValue(css("#name"), name),
			chromedp.Click(css("#join-button")))
	}

	enter(host, "Vorsitz")
	do(host, chromedp.WaitVisible(css("#meeting")), chromedp.WaitVisible(css("#host")))
	enter(guest, "Gast")
	do(guest, chromedp.WaitVisible(css("#lobby")))
	shot(guest, "join-lobby")
	checkAccessibility(t, guest, "join page (lobby)")
	// German by default, English one click away (and back).
	lobbyTitle := func() string {
		t.Helper()
		v, err := chromedp.Run(guest, chromedp.Text(css("#lobby h2")))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := lobbyTitle(); got != "Bitte warten" {
		t.Fatalf("German lobby title %q", got)
	}
	assertOnlyLanguage(t, guest, "guest in the lobby", "de")
	switchTo(guest, "guest in the lobby", "en")
	if got := lobbyTitle(); got != "Please wait" {
		t.Fatalf("English lobby title %q", got)
	}
	shot(guest, "join-lobby-en")
	switchTo(guest, "guest in the lobby", "de")
	do(host, chromedp.WaitVisible(css("#lobby-list li[data-waiting] button")))
	shot(host, "join-host-lobby")
	// The host's lobby list (drawn by the script) follows the switch too.
	switchTo(host, "host with a guest waiting", "en")
	switchTo(host, "host with a guest waiting", "de")
	// The lobby list is redrawn by every state message: click in the page,
	// where the button cannot go stale between finding and clicking it.
	do(host, chromedp.Evaluate[chromedp.Void](`document.querySelector("#lobby-list li[data-waiting] button").click()`))
	do(guest, chromedp.WaitVisible(css("#meeting")))

	type tab struct {
		name string
		ctx  context.Context
	}
	tabs := []tab{{"host", host}, {"guest", guest}}
	for _, tab := range tabs {
		frames, err := chromedp.Run(tab.ctx, chromedp.Evaluate[int](framesWithin, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if frames <= 0 {
			t.Errorf("the %s's page decoded no video within 10 s", tab.name)
		}
	}

	// Things happen that the script writes into the page: the guest asks
	// to speak, the host mutes themself and the guest and locks the door.
	do(guest, chromedp.Click(css("#toggle-hand")))
	do(host, chromedp.WaitVisible(css("#queue li button")))
	do(guest, chromedp.WaitVisible(css(`#toggle-hand[aria-pressed="true"]`)))
	do(host, chromedp.Click(css("#toggle-mic")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#people li button").click()`),
		chromedp.Click(css("#lock")), chromedp.WaitVisible(css(`#lock[aria-pressed="true"]`)))
	do(guest, chromedp.WaitVisible(css("#meeting-note")))

	// The layout on a desktop and on a phone: tiles with their picture's
	// shape, a control bar of buttons, the sidebar beside or below.
	for _, screen := range []struct {
		name          string
		width, height int64
		phone         bool
	}{{"1280x800", 1280, 800, false}, {"390x844", 390, 844, true}} {
		for _, tab := range tabs {
			opts := []chromedp.EmulateViewportOption{}
			if screen.phone {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
			}
			do(tab.ctx, chromedp.EmulateViewport(screen.width, screen.height, opts...))
			assertJoinLayout(t, tab.ctx, tab.name+" at "+screen.name, !screen.phone)
			shot(tab.ctx, "join-meeting-"+tab.name+"-"+screen.name)
		}
	}
	// Redrawn buttons keep what they say, not only the language.
	said := map[string]map[string]string{
		"host":  {"#toggle-mic": "Unmute", "#toggle-hand": "Raise hand", "#lock": "Unlock meeting"},
		"guest": {"#toggle-mic": "Unmute", "#toggle-hand": "Lower hand"},
	}
	for _, tab := range tabs {
		checkAccessibility(t, tab.ctx, "join page (meeting, "+tab.name+", phone)")
		do(tab.ctx, chromedp.EmulateViewport(1280, 800))
		switchTo(tab.ctx, tab.name+" in the meeting", "en")
		for sel, want := range said[tab.name] {
			if got, err := chromedp.Run(tab.ctx, chromedp.Text(css(sel))); err != nil || got != want {
				t.Errorf("%s's %s says %q in English, want %q (%v)", tab.name, sel, got, want, err)
			}
		}
		shot(tab.ctx, "join-meeting-"+tab.name+"-en")
		switchTo(tab.ctx, tab.name+" in the meeting", "de")
		checkAccessibility(t, tab.ctx, "join page (meeting, "+tab.name+")")
	}
	title, err := chromedp.Run(host, chromedp.Text(css("#title")))
	if err != nil {
		t.Fatal(err)
	}
	xss, err := chromedp.Run(host, chromedp.Evaluate[bool](`window.__xss === 1`))
	if err != nil || xss || title != `Rat <img src=x onerror="window.__xss=1">` {
		t.Fatalf("title %q, script ran: %v (%v)", title, xss, err)
	}

	// The page after leaving: its notice follows the switch as well.
	do(guest, chromedp.Click(css("#leave")), chromedp.WaitVisible(css("#notice")))
	assertOnlyLanguage(t, guest, "guest after leaving", "de")
	rejoin := func() string {
		t.Helper()
		v, err := chromedp.Run(guest, chromedp.Text(css("#notice-reload")))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Whoever left by mistake can come back: the button says so, in
	// either language, and brings the form back with their name.
	do(guest, chromedp.WaitVisible(css("#notice-reload")))
	if got := rejoin(); got != "Wieder teilnehmen" {
		t.Errorf("German rejoin button %q", got)
	}
	switchTo(guest, "guest after leaving", "en")
	if got := rejoin(); got != "Join again" {
		t.Errorf("English rejoin button %q", got)
	}
	shot(guest, "join-left-en")
	switchTo(guest, "guest after leaving", "de")
	do(guest, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	shot(guest, "join-left-390x844")
	checkAccessibility(t, guest, "join page (left)")
	do(guest, chromedp.Click(css("#notice-reload")), chromedp.WaitVisible(css("#prejoin-form")))
	name, err := chromedp.Run(guest, chromedp.Value(css("#name")))
	if err != nil || name != "Gast" {
		t.Errorf("the form after rejoining has the name %q (%v)", name, err)
	}
	shot(guest, "join-rejoin-390x844")
}
