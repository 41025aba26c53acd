package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kogge-project/kogge/internal/testdeps"
)

// axePath is axe-core, installed from daemon/testdata/axe (testdeps.NPM)
// (.ci/run does it).
const axePath = "../testdata/axe/node_modules/axe-core/axe.min.js"

// axeViolation is what the check reports of one rule.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkAccessibility runs axe-core on the page the tab shows, with every
// rule for WCAG 2.1 A and AA, and fails on serious or critical violations.
// Asked by tag, axe leaves out its rules marked experimental (some WCAG
// rules are), so the rules are named one by one; deprecated ones stay out.
// The script is injected through the DevTools protocol, which the page's
// CSP does not govern: the page itself still loads nothing but its own
// files.
func checkAccessibility(t *testing.T, tab context.Context, page string) {
	t.Helper()
	testdeps.NPM(t, filepath.Dir(filepath.Dir(filepath.Dir(axePath))))
	src, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core missing: %v", err)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](string(src)+";true")); err != nil {
		t.Fatalf("injecting axe-core into %s: %v", page, err)
	}
	const run = `axe.run(document, {runOnly: {type: "rule", values: axe.getRules(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
	    .filter(r => !r.tags.includes("deprecated")).map(r => r.ruleId)}})
	  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
	     nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))})))`
	violations, err := chromedp.Run(tab, chromedp.Evaluate[[]axeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range violations {
		msg := page + ": " + v.Impact + " " + v.ID + " (" + v.Help + ") at " + strings.Join(v.Nodes, ", ")
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}
