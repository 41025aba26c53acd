package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCouncilBookingPageInChromium: the secretary runs a council session
// from the booking page (members, presence, agenda with a closed item, a
// vote with a room member's vote entered) and opens the minutes to print.
func TestCouncilBookingPageInChromium(t *testing.T) {
	e := newTestEnv(t)
	b := e.login("anna").create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	e.now = at(t, "2026-12-01T15:30:00Z") // the session runs (its proceedings are recorded only then)
	shots := keptShots(t, "council")

	p := openCouncilDetail(t, e)
	for _, name := range []string{"Rolf Raum", "Mia Mitglied"} {
		p.set("#council-member-form input[name=name]", name)
		p.submit("#council-member-form")
		p.waitText(".council-members", name)
	}
	if n := p.eval(`document.querySelectorAll(".council-members input.mono").length`); n != 2 {
		t.Errorf("%d personal links shown, want 2", n)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector(".council-members li input[type=checkbox]").click()`))
	p.waitText(".council-status", "1 von 2 Mitgliedern anwesend")
	p.waitText(".council-members", "im Saal anwesend")

	for _, it := range []struct {
		number, name string
		public       bool
	}{{"1", "Haushaltssatzung 2027", true}, {"2", "Grundstücksangelegenheiten", false}} {
		p.set("#council-item-form input[name=number]", it.number)
		p.set("#council-item-form input[name=name]", it.name)
		p.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector("#council-item-form input[name=public]").checked = %t`, it.public)))
		p.submit("#council-item-form")
		p.waitText(".council-agenda", it.name)
	}
	p.waitText(".council-agenda li:nth-child(2)", "nicht öffentlich")
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector(".council-agenda li:first-child button").click()`))
	p.waitText(".council-status", "TOP 1: Haushaltssatzung 2027 (öffentlich)")
	p.submit("#council-start-vote")
	p.do(chromedp.WaitVisible(chromedp.CSS(".council-vote-admin select")))
	p.set(".council-vote-admin select", "Ja")
	p.waitText(".council-vote-admin", "bisher Ja 1, Nein 0, Enthaltung 0")
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector(".council-vote-admin").scrollIntoView()`))
	p.screenshot(shots, "booking-council-vote.png")
	checkAccessibility(t, p.step, "booking page (council session, vote open)")
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("#council-close-vote").click()`))
	p.waitText("#council-votes-done", "Ja 1, Nein 0, Enthaltung 0")
	p.screenshot(shots, "booking-council-done.png")

	p.do(chromedp.Navigate(e.srv.URL + "/assets/minutes.html?booking=" + b.ID))
	p.waitText("#minutes", "Abstimmung: Zustimmung zu TOP 1: Haushaltssatzung 2027?")
	for _, want := range []string{"Rat der Stadt", "1 von 2 Mitgliedern waren anwesend.", "Rolf Raum", "anwesend (im Saal)",
		"TOP 2: Grundstücksangelegenheiten (nicht öffentlich)", "Nicht behandelt.", "Ergebnis: Ja 1, Nein 0, Enthaltung 0"} {
		if got := p.text("#minutes"); !strings.Contains(got, want) {
			t.Errorf("the minutes lack %q:\n%s", want, got)
		}
	}
	p.screenshot(shots, "minutes.png")
	checkAccessibility(t, p.step, "minutes page")

	// After the session the booking page shows its record only: no
	// presence boxes, no buttons to open items or start votes.
	e.now = at(t, "2026-12-01T18:00:00Z").Add(e.wrtc.EndGrace.Duration)
	p.do(chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#app")),
		chromedp.WaitReady(chromedp.CSS("#room option[value=ratssaal]")))
	p.set("#room", "ratssaal")
	p.set("#day", "2026-12-01")
	p.do(chromedp.Click(chromedp.CSS(`#week .track[data-day="2026-12-01"] .booking`)))
	p.waitText(".council-status", "Die Sitzung ist beendet.")
	p.waitText("#detail", "Die Links galten bis Dienstag, 1. Dezember") // the join links: over, with their day
	p.waitText("#council-votes-done", "Ja 1, Nein 0, Enthaltung 0")
	if n := p.eval(`document.querySelectorAll(".council-admin button, .council-admin input, .council-admin select").length`); n != 0 {
		t.Errorf("%d controls on an ended session, want none", n)
	}
	// Its history says what was done in the session, not "changed
	// something about the booking" once per step.
	p.waitText("ol.history", "hat einen Tagesordnungspunkt geöffnet.")
	p.waitText("ol.history", "hat eine Abstimmung geschlossen.")
	if h := p.text("ol.history"); strings.Contains(h, "etwas an der Buchung geändert") {
		t.Errorf("the session's steps read as unspecified changes:\n%s", h)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector(".council-admin").scrollIntoView()`))
	p.screenshot(shots, "booking-council-ended.png")
}

// openCouncilDetail logs anna in and opens the detail of the council
// session booked in the Ratssaal on 1 December.
func openCouncilDetail(t *testing.T, e *testEnv) page {
	t.Helper()
	p := openPage(t, e)
	p.logIn("anna")
	p.set("#room", "ratssaal")
	p.set("#day", "2026-12-01")
	p.do(chromedp.Click(chromedp.CSS(`#week .track[data-day="2026-12-01"] .booking`)),
		chromedp.WaitVisible(chromedp.CSS("#council-member-form")))
	return p
}

// TestCouncilWithoutVideoInChromium: a council session booked without
// video has no personal links, and its members' entries say where they
// come from instead of offering a button that shows nothing; switched on
// in the booking's edit form, each member has a link.
func TestCouncilWithoutVideoInChromium(t *testing.T) {
	e := newTestEnv(t)
	e.login("anna").create(map[string]any{"kind": "council", "title": "Rat der Stadt"})
	e.now = at(t, "2026-12-01T15:30:00Z")
	p := openCouncilDetail(t, e)
	p.set("#council-member-form input[name=name]", "Rolf Raum")
	p.submit("#council-member-form")
	p.waitText(".council-members", "sobald die Teilnahme per Video eingeschaltet ist")
	if n := p.eval(`document.querySelectorAll(".council-members input.mono").length`); n != 0 {
		t.Errorf("%d personal links without video, want none", n)
	}
	p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("form.edit input[name=hybrid]").click()`))
	p.submit("form.edit")
	p.waitJS(`document.querySelectorAll(".council-members input.mono").length === 1`)
}

// TestCouncilJoinPagesInChromium: the chair, a remote member (on a phone's
// screen) and a guest in one council session. The member votes on the
// join page and changes the vote, the secretary enters a room member's
// vote, the chair closes the vote and sees the result by option; the guest
// cannot vote, is moved to the lobby while a closed item is open (letting
// go of camera and microphone) and comes back with video when a public
// item opens.
func TestCouncilJoinPagesInChromium(t *testing.T) {
	e := newTestEnv(t)
	anna := e.token("anna") // a session cookie would expire when the clock moves on
	b := anna.create(map[string]any{"kind": "council", "title": "Rat der Stadt",
		"hybrid": map[string]any{"enabled": true, "expected_remote": 2}})
	base := "/api/v1/bookings/" + b.ID + "/council"
	var s councilSession
	for _, n := range []string{"Mia Mitglied", "Rolf Raum"} {
		s = councilDo(t, anna, "POST", base+"/members", map[string]any{"name": n})
	}
	mia, rolf := s.Members[0].ID, s.Members[1].ID
	e.now = at(t, "2026-12-01T15:30:00Z") // the session runs
	councilDo(t, anna, "PUT", fmt.Sprintf("%s/members/%d/presence", base, rolf), map[string]any{"in_room": true})
	for _, it := range []map[string]any{{"number": "1", "name": "Haushaltssatzung 2027", "public": true},
		{"number": "2", "name": "Grundstücksangelegenheiten", "public": false}, {"number": "3", "name": "Verschiedenes", "public": true}} {
		s = councilDo(t, anna, "POST", base+"/agenda", it)
	}
	if r := anna.do("PATCH", "/api/v1/bookings/"+b.ID+"/join", map[string]any{"lobby": "off"}); r.status != http.StatusOK {
		t.Fatalf("lobby off: %d %s", r.status, r.body)
	}
	v := e.joinView(anna, b.ID)
	shots := keptShots(t, "council")

	browser := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(v.HostURL)); err != nil {
		t.Fatal(err)
	}
	tab := func(url string, w, h int64) page {
		ctx, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h), chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
		step, cancelStep := context.WithTimeout(ctx, 150*time.Second) // a failure bound, not a wait
		t.Cleanup(cancelStep)
		return page{t: t, step: step}
	}
	hostStep, cancelHost := context.WithTimeout(browser, 150*time.Second)
	defer cancelHost()
	chair := page{t: t, step: hostStep}
	member := tab(s.Links[fmt.Sprint(mia)], 390, 844)
	guest := tab(v.GuestURL, 1280, 800)
	// A member's own link brings the member's name, which is what the
	// others see: the form shows it rather than asking for another.
	member.do(chromedp.WaitVisible(chromedp.CSS("#prejoin-form")))
	if !member.check(`document.querySelector("#name").value === "Mia Mitglied" && document.querySelector("#name").readOnly`) {
		t.Error("the member's form does not show the member's own name")
	}
	for _, x := range []struct {
		p    page
		name string
	}{{chair, "Vorsitz"}, {member, "Mia"}, {guest, "Presse"}} {
		x.p.do(chromedp.WaitVisible(chromedp.CSS("#prejoin-form")), chromedp.SetValue(chromedp.CSS("#name"), x.name),
			chromedp.Click(chromedp.CSS("#join-button")), chromedp.WaitVisible(chromedp.CSS("#meeting")))
	}
	chair.do(chromedp.WaitVisible(chromedp.CSS("#council-chair")))
	chair.waitText("#council-quorum", "Beschlussfähig: 2 von 2 Mitgliedern anwesend (1 im Saal, 1 per Video)")
	// The lists are redrawn by every state: click in the page.
	click := func(p page, sel string) {
		t.Helper()
		p.do(chromedp.Evaluate[chromedp.Void](`document.querySelector(` + fmt.Sprintf("%q", sel) + `).click()`))
	}
	click(chair, "#council-agenda li:nth-child(1) button")
	member.waitText("#council-item", "TOP 1: Haushaltssatzung 2027 (öffentlich)")
	chair.waitJS(`!document.querySelector("#council-vote-form").hidden`)
	chair.submit("#council-vote-form")

	member.do(chromedp.WaitVisible(chromedp.CSS(`.vote-options button[data-option="Nein"]`)))
	click(member, `.vote-options button[data-option="Nein"]`)
	member.waitText("#council-my-vote", "„Nein“ ist gezählt")
	click(member, `.vote-options button[data-option="Ja"]`)
	member.waitText("#council-my-vote", "„Ja“ ist gezählt")
	member.waitJS(`document.querySelector('.vote-options button[data-option="Ja"]').getAttribute("aria-pressed") === "true"`)
	guest.waitText("#council-vote", "Abstimmung läuft")
	if guest.check(`document.querySelector(".vote-options") !== null`) {
		t.Error("the guest's page offers to vote")
	}
	cur := councilDo(t, anna, "GET", base, nil)
	councilDo(t, anna, "POST", fmt.Sprintf("%s/votes/%d/ballots", base, cur.Now.Vote.ID), map[string]any{"member": rolf, "option": "Enthaltung"})
	member.waitText("#council-vote", "2 Stimmen abgegeben")
	member.screenshot(shots, "join-member-phone-vote.png")
	checkAccessibility(t, member.step, "join page (member, vote open)")
	assertOnlyLanguage(t, member.step, "member voting", "de")
	click(member, "#lang")
	member.waitText("#council-my-vote", "Your vote “Ja” is counted")
	assertOnlyLanguage(t, member.step, "member voting", "en")
	click(member, "#lang")

	click(chair, "#council-vote-close")
	chair.waitText("#council-result", "Ergebnis: Ja 1, Nein 0, Enthaltung 1")
	member.waitText("#council-result", "Ergebnis: Ja 1, Nein 0, Enthaltung 1")
	if got := chair.text("#council-vote details"); !strings.Contains(got, "Mia Mitglied: Ja (per Video)") || !strings.Contains(got, "Rolf Raum: Enthaltung (im Saal)") {
		t.Errorf("votes by name: %q", got)
	}
	chair.screenshot(shots, "join-chair-result.png")
	chair.do(chromedp.EmulateViewport(1280, 800))
	chair.screenshot(shots, "join-chair-result-1280x800.png")
	checkAccessibility(t, chair.step, "join page (chair, vote closed)")

	// A closed item: the guest waits in the lobby without media.
	click(chair, "#council-agenda li:nth-child(2) button")
	guest.do(chromedp.WaitVisible(chromedp.CSS("#lobby")))
	guest.waitText("#lobby-text", "nicht öffentlicher Tagesordnungspunkt")
	// The page ends its media before it shows the lobby.
	if stats, err := chromedp.Run(guest.step, chromedp.Evaluate[map[string]any](`window.koggeStats()`, chromedp.EvalAwaitPromise)); err != nil ||
		stats["connected"] != false || len(stats["outbound"].([]any)) != 0 {
		t.Errorf("the guest in the lobby still sends or receives: %v (%v)", stats, err)
	}
	member.waitText("#council-item", "(nicht öffentlich)")
	guest.screenshot(shots, "join-guest-moved.png")
	checkAccessibility(t, guest.step, "join page (guest moved to the lobby)")
	if !member.check(`!document.querySelector("#meeting").hidden`) {
		t.Error("the member left the meeting during the closed item")
	}

	// A public item again: the guest is back and sees video.
	click(chair, "#council-agenda li:nth-child(3) button")
	guest.do(chromedp.WaitVisible(chromedp.CSS("#meeting")))
	guest.waitText("#council-item", "TOP 3: Verschiedenes")
	frames, err := chromedp.Run(guest.step, chromedp.Evaluate[int](framesWithin, chromedp.EvalAwaitPromise))
	if err != nil || frames <= 0 {
		t.Errorf("the guest decoded %d frames after coming back (%v)", frames, err)
	}
	guest.screenshot(shots, "join-guest-back.png")
}
