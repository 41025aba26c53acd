package web

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// joinLayout measures the meeting page in the page itself and returns what
// is wrong with it: control buttons stretched beyond their natural height,
// a video whose box does not have its picture's aspect ratio (a black band
// below or beside the picture), a tile taller than its video, the sidebar
// not beside the stage on a wide screen or not below it on a phone, or a
// page wider than the screen. It first waits (at most 60 s) until every
// tile's video knows its size, so the boxes are measured with pictures.
const joinLayout = `(async (wide) => {
  const until = Date.now() + 60000; // a failure bound: fake media starts slowly on a busy machine
  const videos = () => [...document.querySelectorAll('.tile video')];
  while (!(videos().length >= 2 && videos().every((v) => v.videoWidth > 0))) {
    if (Date.now() > until) return ['after 60 s, ' + videos().length + ' videos, not all with a size'];
    await new Promise((r) => setTimeout(r, 100));
  }
  const problems = [];
  const px = (n) => Math.round(n) + ' px';
  for (const b of document.querySelectorAll('.controls button')) {
    const h = b.getBoundingClientRect().height;
    if (h > 64) problems.push('control button #' + b.id + ' is ' + px(h) + ' tall');
  }
  for (const v of videos()) {
    const box = v.getBoundingClientRect(), tile = v.closest('.tile').getBoundingClientRect();
    const who = v.closest('.tile').querySelector('figcaption').textContent;
    const want = v.videoWidth / v.videoHeight, got = box.width / box.height;
    if (Math.abs(got / want - 1) > 0.03) {
      problems.push('video of ' + who + ' is ' + px(box.width) + '×' + px(box.height) + ' for a ' + v.videoWidth + '×' + v.videoHeight + ' picture');
    }
    if (tile.bottom - box.bottom > 4) problems.push('tile of ' + who + ' reaches ' + px(tile.bottom - box.bottom) + ' below its video');
  }
  const grid = document.querySelector('#grid').getBoundingClientRect();
  const controls = document.querySelector('.controls').getBoundingClientRect();
  const side = document.querySelector('.sidebar').getBoundingClientRect();
  if (wide && side.left < grid.right) problems.push('the sidebar is not beside the videos');
  if (!wide && side.top < controls.bottom) problems.push('the sidebar is not below the controls');
  if (document.documentElement.scrollWidth > innerWidth) problems.push('the page is ' + px(document.documentElement.scrollWidth) + ' wide on a ' + px(innerWidth) + ' screen');
  return problems;
})(%t)`

// assertJoinLayout fails the test with everything joinLayout finds.
func assertJoinLayout(t *testing.T, ctx context.Context, who string, wide bool) {
	t.Helper()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(joinLayout, wide), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", who, p)
	}
}

// foreignText lists every text of the join page's catalogue (assets/static/
// i18n.js) in the language NOT shown that is visible on the page: text
// nodes of rendered elements, the chosen options, labels in attributes and
// the document title. A text with {placeholders} is matched by its fixed
// parts; texts the same in both languages ("PIN") are skipped, and a match
// must be whole words, so "Gast" does not hide in "Gastgeber". What people
// wrote themselves (marked translate="no") is theirs, in their language.
const foreignText = `(async (shown) => {
  const { messages } = await import('/assets/i18n.js');
  if (document.documentElement.lang !== shown) return ['<html lang="' + document.documentElement.lang + '">'];
  const other = shown === 'en' ? 'de' : 'en';
  const prefixes = ['product', 'lang.', 'prejoin.', 'lobby.', 'meeting.', 'host.', 'state.', 'reason', 'council.'];
  const fragments = new Set();
  for (const [key, value] of Object.entries(messages[other])) {
    if (!prefixes.some((p) => key.startsWith(p))) continue;
    const same = [messages[shown][key]].flat();
    for (const text of [value].flat()) {
      if (same.includes(text)) continue;
      for (const f of text.split(/\{\w+\}/)) if (/\p{L}{2}/u.test(f)) fragments.add(f.trim());
    }
  }
  const texts = [document.title];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (n.parentElement.closest('[translate=no]')) continue; // people's own words (a vote's question)
    if (n.textContent.trim() && n.parentElement.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) texts.push(n.textContent);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) texts.push(el.getAttribute(a));
    if (el instanceof HTMLSelectElement && el.selectedOptions.length) texts.push(el.selectedOptions[0].textContent);
  }
  const found = [];
  for (const f of fragments) {
    const word = new RegExp('(?<!\\p{L})' + f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?!\\p{L})', 'u');
    for (const s of texts) if (word.test(s)) found.push(JSON.stringify(f) + ' in ' + JSON.stringify(s.trim()));
  }
  return found;
})(%q)`

// assertOnlyLanguage fails the test if the page shows a catalogue text of
// the other language.
func assertOnlyLanguage(t *testing.T, ctx context.Context, who, lang string) {
	t.Helper()
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(foreignText, lang), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s, page in %q, still shows %s", who, lang, f)
	}
}
