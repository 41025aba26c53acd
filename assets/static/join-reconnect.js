// Reconnecting (signaling/PROTOCOL.md, "Reconnecting"): when the join page
// tries again after its connection ended unexpectedly, and how the meeting
// looks meanwhile. What the page shows then is the last state before the
// drop, so it says so: the lists and the others' pictures are marked as
// stale, and the controls that need the server are disabled with the
// reason, until the next welcome.
import { t, say } from './i18n.js';
import { setTilesStale } from './join-tiles.js';

const $ = (id) => document.getElementById(id);

const backoff = [500, 1000, 2000, 4000]; // then every 5 s
const maxRetries = 60;                   // about five minutes in all
// What works without the server: our own microphone and camera (the mute
// is sent again after the welcome) and leaving.
const offline = new Set(['toggle-mic', 'toggle-camera', 'leave']);
// The lists that show the last state while it may be out of date.
const lists = ['people', 'queue', 'lobby-list', 'council-agenda'];

let connect = () => {};
let retries = 0;
let timer = 0;             // the next try is waiting (not yet under way)
let stale = false;
let upSince = 0;           // when the last welcome came (0: not up)
// A connection that stayed up this long starts the backoff afresh; one
// that drops sooner (a node welcoming and failing again) keeps counting
// towards giving up, so a meeting cannot make its pages retry forever.
const stableAfter = 30000;

export function initReconnect(opts) {
  connect = opts.connect;
  // The browser may know before the server does: back online, or the tab
  // shown again (a phone woken up, a laptop opened): try now.
  window.addEventListener('online', retryNow);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') retryNow(); });
}

// retry says that the page reconnects and tries again after the next
// backoff (with jitter, so that a whole meeting does not come back at
// once). It returns false when the page gives up.
export function retry() {
  if (upSince && Date.now() - upSince >= stableAfter) retries = 0;
  upSince = 0;
  if (retries >= maxRetries) { settle(); return false; }
  markStale(true);
  const base = backoff[retries] ?? 5000;
  retries++;
  clearTimeout(timer);
  timer = setTimeout(() => { timer = 0; connect(); }, Math.min(5000, base * (0.8 + 0.4 * Math.random())));
  return true;
}

function retryNow() {
  if (!timer) return; // not reconnecting, or a try is under way
  clearTimeout(timer);
  timer = 0;
  connect();
}

// welcomed: we are in again. It reports whether a reconnect ended.
export function welcomed() {
  const back = stale;
  upSince = Date.now();
  settle();
  return back;
}

// settle ends reconnecting: back in, a final close, leaving, giving up.
export function settle() {
  clearTimeout(timer);
  timer = 0;
  markStale(false);
}

function markStale(on) {
  if (stale === on) return;
  stale = on;
  // The sentence is in a live region that is always there (empty when
  // all is well): a screen reader hears it when it appears.
  say($('reconnecting'), on ? () => t('meeting.reconnecting') : '');
  $('meeting').classList.toggle('stale', on);
  for (const id of lists) {
    const l = $(id);
    if (!l) continue;
    if (on) l.setAttribute('aria-busy', 'true'); else l.removeAttribute('aria-busy');
  }
  setTilesStale(on);
  markControls();
}

// markControls disables the meeting's buttons that need the server while
// reconnecting (also those drawn anew meanwhile, after a language switch)
// and gives back those it disabled. Buttons disabled for other reasons are
// left alone.
export function markControls() {
  if (!stale) {
    for (const b of document.querySelectorAll('#meeting button[data-stale]')) {
      b.disabled = false;
      b.removeAttribute('title');
      b.removeAttribute('aria-describedby');
      delete b.dataset.stale;
    }
    return;
  }
  for (const b of document.querySelectorAll('#meeting button')) {
    if (offline.has(b.id) || (b.disabled && !('stale' in b.dataset))) continue;
    b.disabled = true;
    b.dataset.stale = '';
    b.title = t('meeting.needsConnection');
    b.setAttribute('aria-describedby', 'reconnecting');
  }
}
