package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// joinTab is one join page in Chromium for the media tests (simulcast
// layers, active speaker): its steps fail the test, each bounded by the
// tab's deadline, and its console goes to the test log (a script error is
// the first thing to know when a step times out).
type joinTab struct {
	t   *testing.T
	who string
	ctx context.Context
}

// openJoinTab opens url in a new tab of browser (or in its first tab when
// first) with a failure bound of three minutes.
func openJoinTab(t *testing.T, browser context.Context, who, url string, first bool) *joinTab {
	t.Helper()
	tab := browser
	if !first {
		var closeTab context.CancelFunc
		tab, closeTab = chromedp.NewContext(browser)
		t.Cleanup(closeTab)
	}
	lctx, stop := context.WithCancel(tab)
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
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tab, 180*time.Second) // a failure bound, not a wait
	t.Cleanup(cancel)
	return &joinTab{t: t, who: who, ctx: ctx}
}

func (j *joinTab) do(actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	if err := chromedp.Do(j.ctx, actions...); err != nil {
		j.t.Fatalf("%s: %v", j.who, err)
	}
}

func (j *joinTab) eval(js string) {
	j.t.Helper()
	j.do(chromedp.Evaluate[chromedp.Void](js))
}

// value evaluates js (awaiting a promise) into T.
func value[T any](j *joinTab, js string) T {
	j.t.Helper()
	v, err := chromedp.Run(j.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		j.t.Fatalf("%s: %s: %v", j.who, js, err)
	}
	return v
}

// until fails the test if the page's expression is not true within ms
// (the page waits, not the test: untilIn).
func (j *joinTab) until(what, expr string, ms int) {
	j.t.Helper()
	if !value[bool](j, fmt.Sprintf(untilIn, ms, expr)) {
		stats, _ := chromedp.Run(j.ctx, chromedp.Evaluate[map[string]any](`window.koggeStats()`, chromedp.EvalAwaitPromise))
		j.t.Fatalf("%s: %s not within %d ms: %s (stats %v)", j.who, what, ms, expr, stats)
	}
}

func (j *joinTab) text(sel string) string {
	j.t.Helper()
	s, err := chromedp.Run(j.ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		j.t.Fatalf("%s: %v", j.who, err)
	}
	return s
}

// enter joins under name from the pre-join form.
func (j *joinTab) enter(name string) {
	j.t.Helper()
	j.do(chromedp.WaitVisible(chromedp.CSS("#prejoin-form")), chromedp.SetValue(chromedp.CSS("#name"), name),
		chromedp.Click(chromedp.CSS("#join-button")))
}

// shot keeps a screenshot of the page in dir (for a reviewer).
func (j *joinTab) shot(dir, name string) {
	j.t.Helper()
	png, err := chromedp.Run(j.ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		j.t.Log(err)
	}
}
