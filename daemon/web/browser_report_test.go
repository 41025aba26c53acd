package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kogge-project/kogge/rooms"
	"github.com/kogge-project/kogge/rooms/store"
	"github.com/kogge-project/kogge/rooms/usage"
)

// reportHistory stores four weeks of past meetings: council sessions and
// meetings in both demo rooms, a no-show, a confidential interview, and
// hybrid meetings that hold GoToMeeting licences (up to three at once).
func reportHistory(e *testEnv) {
	e.t.Helper()
	e.server.reportProviders = []usage.Provider{{Name: "builtin", ConfidentialOK: true}, {Name: "gotomeeting", Pool: 2, YearlyCost: 12000, MaxParticipants: 250}}
	n := 0
	e.store.SetAllocator(func(b rooms.Booking, prev *store.Allocation, _ store.BusyFunc) (*store.Allocation, error) {
		if !b.Hybrid.Enabled {
			return nil, nil
		}
		if prev != nil {
			return prev, nil
		}
		n++
		// Provisioned: nothing left for a worker to do in the past.
		return &store.Allocation{Provider: "gotomeeting", Licence: string(rune('A' + n%5)), From: b.OccupiedFrom(), To: b.OccupiedUntil(),
			State: store.AllocProvisioned}, nil
	})
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for d := 28; d >= 1; d-- {
		day := time.Date(2026, 11, 26-d, 0, 0, 0, 0, berlin)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
		e.pastBooking("ratssaal", "Ausschuss für Umwelt", rooms.KindCommittee, at(9), 3*time.Hour, func(b *rooms.Booking) {
			b.Hybrid = rooms.Hybrid{Enabled: true, ExpectedRemote: 8}
		})
		e.pastBooking("ratssaal", "Fraktionssitzung", rooms.KindMeeting, at(10), 2*time.Hour, func(b *rooms.Booking) {
			b.Room, b.Hybrid = "sitzungszimmer-2", rooms.Hybrid{Enabled: true, ExpectedRemote: 3}
		})
		if d%7 == 3 {
			e.pastBooking("sitzungszimmer-2", "Vorstellungsgespräch Frau Geheim", rooms.KindInterview, at(14), time.Hour, func(b *rooms.Booking) {
				b.Confidential = true
			})
		}
		if d%5 == 0 {
			e.pastBooking("sitzungszimmer-2", "Jour fixe", rooms.KindMeeting, at(15), time.Hour, func(b *rooms.Booking) {
				b.Status, b.CheckinRequired = rooms.StatusReleased, true
			})
		}
		if d == 4 {
			e.pastBooking("ratssaal", "Ratssitzung", rooms.KindCouncil, at(15), 4*time.Hour, func(b *rooms.Booking) {
				b.Hybrid = rooms.Hybrid{Enabled: true, ExpectedRemote: 40}
			})
		}
	}
}

// TestReportPageShowsChartsTablesAndCSV: from the booking page to the
// report, which shows the rooms, the remote participation and the GoTo
// pool as charts with accessible names and tables; axe finds nothing
// serious; the CSV downloads and parses; the print view is at most two
// A4 pages; and the confidential title is nowhere.
func TestReportPageShowsChartsTablesAndCSV(t *testing.T) {
	e := newTestEnv(t)
	reportHistory(e)
	p := openPage(t, e)
	p.do(chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=name]"), "anna"),
		chromedp.SendKeys(chromedp.CSS("#login-form input[name=password]"), testPassword),
		chromedp.Click(chromedp.CSS("#login-form button")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/assets/report.html"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/assets/report.html"]`)),
		chromedp.WaitVisible(chromedp.CSS("#licences .finding")))

	finding := p.text("#licences .finding")
	if !regexp.MustCompile(`^Höchstens 2 der 2 GoToMeeting-Lizenzen waren gleichzeitig belegt \(\d\d\.\d\d\.2026, 10:00–12:00\)\.$`).MatchString(finding) {
		t.Errorf("finding %q", finding)
	}
	// A pool of two: the licence chart counts on whole numbers only (not
	// 0.5, 1.5); the percentages keep their unit.
	ticks := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(p.step, chromedp.Evaluate[string](`[...document.querySelectorAll("`+sel+` svg .tick[text-anchor=end]")].map((n) => n.textContent).join(" | ")`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := ticks("#licences"); got != "0 | 1 | 2" {
		t.Errorf("licence chart's axis %q, want 0 | 1 | 2", got)
	}
	if got := ticks("#weeks-chart"); got != "0 % | 20 % | 40 % | 60 % | 80 % | 100 %" {
		t.Errorf("weeks chart's axis %q", got)
	}
	charts := p.eval(`document.querySelectorAll("svg[role=img]").length`)
	unnamed := p.eval(`[...document.querySelectorAll("svg[role=img]")].filter((s) => !(s.getAttribute("aria-label") || "").trim()).length`)
	if charts < 4 || unnamed != 0 {
		t.Errorf("%d charts, %d without a name", charts, unnamed)
	}
	if p.eval(`document.querySelectorAll("#rooms-table tbody tr").length`) != len(e.catalog.All()) {
		t.Error("the rooms table has not one row per room")
	}
	if !strings.Contains(p.text("#rooms-table"), "Ratssaal") || !strings.Contains(p.text("#licences"), "je genutzter Lizenzstunde") {
		t.Errorf("rooms %q, licences %q", p.text("#rooms-table"), p.text("#licences"))
	}
	if p.check(`document.body.textContent.includes("Geheim")`) {
		t.Error("the confidential title is on the page")
	}
	meetings := p.text("#meetings-table")
	if !strings.Contains(meetings, "nicht erfasst") {
		t.Errorf("meetings without a recorded peak do not say so: %q", meetings)
	}
	checkAccessibility(t, p.step, "report")
	if dir := os.Getenv("KOGGE_SCREENSHOT_DIR"); dir != "" { // for people reviewing the page
		p.screenshot(dir, "report-de.png")
	}
	// On a 1280×800 screen the rooms table shows all its columns without
	// scrolling sideways (the German headers are the long ones).
	p.do(chromedp.EmulateViewport(1280, 800))
	if !p.check(`(() => { const w = document.querySelector("#rooms-table"); return w.scrollWidth <= w.clientWidth; })()`) {
		t.Errorf("the rooms table is %d px wide in a %d px box", p.eval(`document.querySelector("#rooms-table").scrollWidth`), p.eval(`document.querySelector("#rooms-table").clientWidth`))
	}
	if dir := os.Getenv("KOGGE_SCREENSHOT_DIR"); dir != "" {
		p.screenshot(dir, "report-de-1280x800.png")
	}
	p.do(chromedp.EmulateViewport(1400, 1000))

	// The print view: two A4 pages at most.
	yes := true
	res, err := chromedp.Call(p.step, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69, PreferCSSPageSize: &yes})
	if err != nil {
		t.Fatal(err)
	}
	pdf := res.Data
	if pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1)); pages < 1 || pages > 2 {
		t.Errorf("the print view has %d pages, want at most 2", pages)
	}
	if dir := os.Getenv("KOGGE_SCREENSHOT_DIR"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "report-print.pdf"), pdf, 0o644)
		// The print layout as an image: A4's width at 96 dpi, less the margins.
		media := func(m string) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
				return err
			})
		}
		p.do(media("print"), chromedp.EmulateViewport(700, 1000))
		p.screenshot(dir, "report-print.png")
		p.do(media(""), chromedp.EmulateViewport(1400, 1000))
	}

	// The CSV downloads (through the link, as a user would) and parses.
	dl := t.TempDir()
	done := make(chan string, 1)
	err = chromedp.ListenBrowser(p.step, func(ev any) {
		if ev, ok := ev.(*browser.EventDownloadProgress); ok && ev.State == browser.DownloadProgressStateCompleted {
			select {
			case done <- ev.GUID:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(p.step, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dl, EventsEnabled: &yes}); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Click(chromedp.CSS("#csv")))
	var guid string
	select {
	case guid = <-done:
	case <-p.step.Done():
		t.Fatal("the CSV did not download")
	}
	body, err := os.ReadFile(filepath.Join(dl, guid))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	weeks, days := 0, 0
	for _, r := range rows[1:] {
		switch r[0] {
		case "Raum und Woche":
			weeks++
		case "Lizenzen und Tag":
			days++
		}
	}
	if rows[0][1] != "Raum" || weeks < 2*13 || days != 90 {
		t.Errorf("CSV header %q, %d week rows, %d day rows", rows[0], weeks, days)
	}

	// In English.
	p.do(chromedp.Click(chromedp.CSS("#lang")))
	p.waitText("#licences .finding", "At most 2 of the 2 GoToMeeting licences were in use at the same time")
	if dir := os.Getenv("KOGGE_SCREENSHOT_DIR"); dir != "" {
		p.screenshot(dir, "report-en.png")
	}
}
