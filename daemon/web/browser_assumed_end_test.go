package web

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kogge-project/kogge/rooms"
)

// TestBookingPageSaysAnEndWasAssumed: a meeting the council import booked
// without a usable end says so on its booking page, in words, German
// first and English after the switch.
func TestBookingPageSaysAnEndWasAssumed(t *testing.T) {
	e := newTestEnv(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 12, 2, 17, 0, 0, 0, berlin)
	if _, err := e.store.Create(rooms.Booking{Room: "ratssaal", Title: "Haupt- und Finanzausschuss", Kind: rooms.KindCommittee,
		Organizer: "Ratsinformationssystem", Status: rooms.StatusConfirmed, Start: start.UTC(), End: start.Add(2 * time.Hour).UTC(),
		External: "oparl:https://ris.example/oparl/v1/meeting/7", EndAssumed: true}, "oparl-import"); err != nil {
		t.Fatal(err)
	}
	shots := keptShots(t, "assumed-end")

	p := openPage(t, e)
	p.logIn("admin")
	p.set("#room", "ratssaal")
	p.set("#day", "2026-12-01")
	p.do(chromedp.Click(chromedp.CSS(`#week .track[data-day="2026-12-02"] .booking`)),
		chromedp.WaitVisible(chromedp.CSS("#detail #history-title")))
	p.waitText("#detail-body .fields", "Ende nicht angegeben – 2 Stunden angenommen")
	p.waitText("#detail-body .fields", "17:00 – 19:00")
	p.screenshot(shots, "detail-assumed-end-de.png")

	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById("lang").click()`))
	p.waitText("#detail-body .fields", "End not given – 2 hours assumed")
	if f := p.text("#detail-body .fields"); rawText.MatchString(f) {
		t.Errorf("the details show raw text: %q", f)
	}
	p.screenshot(shots, "detail-assumed-end-en.png")
}
