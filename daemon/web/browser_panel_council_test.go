package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kogge-project/kogge/signaling"
)

// TestPanelCouncilAttendanceInChromium: during a council session the
// Ratssaal's door shows the open item and the quorum; the list of members
// opens from a button (and takes the side column, AV included, until it
// closes) and a tap on a member marks them present, which the
// quorum and the sentence under the actions say; when the secretary opens
// a closed item the door shows it by number only, without a reload. With
// a speaker queue and the AV controls it fits both screens without
// scrolling, the queue's heading and first entries in view; it passes
// axe and has no German left in English.
func TestPanelCouncilAttendanceInChromium(t *testing.T) {
	e := newTestEnv(t)
	e.withDemoDevices()
	anna := e.login("anna")
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt", "room": "ratssaal",
		"start": "2026-11-26T09:30:00+01:00", "end": "2026-11-26T12:00:00+01:00"})
	base := "/api/v1/bookings/" + b.ID + "/council"
	var s councilSession
	for i, n := range []string{"Anna Arendt", "Bernd Brandt", "Clara Claußen", "Dieter Dahl", "Emine Ekinci",
		"Frank Fuchs", "Gül Gündoğan", "Hanna Hansen", "Ivo Ilić"} {
		s = councilDo(t, anna, "POST", base+"/members", map[string]any{"name": n, "group": []string{"Fraktion A", "Fraktion B", "fraktionslos"}[i%3]})
	}
	councilDo(t, anna, "POST", base+"/agenda", map[string]any{"number": "1", "name": "Haushaltssatzung 2027", "public": true})
	s = councilDo(t, anna, "POST", base+"/agenda", map[string]any{"number": "2", "name": "Grundstücksangelegenheiten", "public": false})
	e.now = e.now.Add(45 * time.Minute) // 09:45, the session runs
	councilDo(t, anna, "POST", fmt.Sprintf("%s/agenda/%d/open", base, s.Agenda[0].ID), nil)
	door := e.panel("ratssaal", "Tür Ratssaal")

	browser := newBrowser(t)
	if _, err := chromedp.Call(browser, network.SetCookie, network.SetCookieParams{
		Name: door.cookie.Name, Value: door.cookie.Value, URL: e.srv.URL}); err != nil {
		t.Fatal(err)
	}
	p := newPanelTab(t, browser)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	p.do(chromedp.EmulateViewport(1280, 800), chromedp.Navigate(e.srv.URL+"/panel/ratssaal"),
		chromedp.WaitVisible(css("#council-box")), chromedp.WaitVisible(css("#attendance-toggle")))
	if got := p.text("#council-item"); got != "Seit 09:45 Uhr geöffnet: TOP 1: Haushaltssatzung 2027 (öffentlich)" {
		t.Errorf("open item at the door: %q", got)
	}
	if got := p.text("#council-quorum"); !strings.HasPrefix(got, "Nicht beschlussfähig: 0 von 9 Mitgliedern anwesend") {
		t.Errorf("quorum at the door: %q", got)
	}
	// Seats and a remote participant ask to speak, someone speaks by
	// video: with the list closed the door keeps its AV controls, the
	// speaker queue and the session on one screen, both sizes, and the
	// queue shows its heading and first entries.
	// The panel may not have its events stream yet: the queue is sent
	// again until the door shows it, within a deadline.
	pub := &Server{s: e.server}
	for deadline := time.Now().Add(30 * time.Second); ; {
		pub.PublishQueue(b.ID, []signaling.QueueEntry{{ID: "s3", Name: "Clara Claußen", Seat: 3},
			{ID: "p1", Name: "Gül Gündoğan"}, {ID: "s7", Seat: 7}, {ID: "s5", Name: "Ivo Ilić", Seat: 5}})
		pub.PublishSpeaker(b.ID, "Emine Ekinci")
		_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.querySelectorAll("#queue li").length === 4 && !document.getElementById("speaker").hidden`,
			chromedp.WithPollingTimeout(2*time.Second)))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the door shows no speaker queue: %v", err)
		}
	}
	p.look("council-queue")
	p.queueReadable("council session")
	checkAccessibility(t, p.ctx, "Ratssaal panel (council session)")
	p.toEnglish("the Ratssaal's panel (council session, queue)")
	p.look("council-queue-en")
	p.queueReadable("council session in English")
	p.do(chromedp.Click(css("#lang"))) // back to German

	p.click("#attendance-toggle")
	p.do(chromedp.WaitVisible(css("#attendance li")))
	first := fmt.Sprint(s.Members[0].ID)
	p.do(chromedp.Click(css(`#attendance input[data-member="` + first + `"]`)))
	p.waitMessage("Anna Arendt ist als anwesend im Saal eingetragen.")
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.getElementById("council-quorum").textContent.includes("1 von 9")`)); err != nil {
		t.Fatalf("quorum after marking present: %q (%v)", p.text("#council-quorum"), err)
	}
	// The redrawn box keeps the focus, so a keyboard user goes on from there.
	if got := p.eval(`document.activeElement.dataset.member || document.activeElement.tagName`); got != first {
		t.Errorf("focus after marking present is on %q", got)
	}
	if s = councilDo(t, anna, "GET", base, nil); !s.Members[0].InRoom {
		t.Fatal("the secretary's session does not have Anna Arendt in the room")
	}
	p.look("council-attendance")
	checkAccessibility(t, p.ctx, "Ratssaal panel (attendance list)")
	p.toEnglish("the Ratssaal's panel (council session)")
	p.waitMessage("Anna Arendt is marked present in the room.")
	p.do(chromedp.Click(css("#lang"))) // back to German

	// The secretary opens the closed item: the door follows on its own.
	councilDo(t, anna, "POST", base+"/close-item", nil)
	councilDo(t, anna, "POST", fmt.Sprintf("%s/agenda/%d/open", base, s.Agenda[1].ID), nil)
	want := "Seit 09:45 Uhr geöffnet: TOP 2 (nicht öffentlich)"
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](`document.getElementById("council-item").textContent === `+jsString(want))); err != nil {
		t.Fatalf("closed item at the door: %q, want %q (%v)", p.text("#council-item"), want, err)
	}
	if strings.Contains(p.text("#panel"), "Grundstücksangelegenheiten") {
		t.Error("the door shows the closed item's name")
	}
	p.look("council-closed-item")
	p.click("#attendance-toggle")
	p.do(chromedp.WaitVisible(css("#av")), chromedp.WaitNotVisible(css("#attendance")))
	p.look("council-list-closed") // with the sentence about the last tap
}

// queueReadable checks on each screen that the page does not scroll and
// that the speaker queue's heading and first two entries are shown whole,
// inside their card and the screen.
func (p *panelTab) queueReadable(what string) {
	p.t.Helper()
	for _, s := range screens {
		p.do(chromedp.EmulateViewport(s.w, s.h))
		if bad := p.eval(queueReadableJS); bad != "" {
			p.t.Errorf("%s at %s: %s", what, s.tag, bad)
		}
	}
}

const queueReadableJS = `(() => {
  const bad = [], page = document.scrollingElement;
  if (page.scrollHeight > innerHeight) bad.push("the page is " + page.scrollHeight + " px tall in " + innerHeight);
  const box = document.getElementById("queue-box").getBoundingClientRect();
  const inside = (el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= box.top && r.bottom <= box.bottom && r.top >= 0 && r.bottom <= innerHeight &&
      r.left >= box.left && r.right <= box.right;
  };
  const shown = [document.getElementById("queue-label"), ...[...document.querySelectorAll("#queue li")].slice(0, 2)];
  for (const el of shown) if (!inside(el)) bad.push("«" + el.textContent + "» is not shown whole in the queue's card");
  return bad.join("; ");
})()`
