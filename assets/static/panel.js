// The room panel at the door: now and next (or closed), check-in, extend,
// end, book now, scenes, camera presets, microphone mute, device health
// the speaker queue with who speaks by video, and a council session's
// item and attendance
// (panel-council.js); ending asks first (panel-end.js). Everything from
// the server goes into textContent.
import { t, apply, lang, setLang } from './i18n.js';
import { deviceLine, sceneLabel } from './words.js';
import { renderCouncil, wireCouncil } from './panel-council.js';
import { showEnd, wireEnd } from './panel-end.js';

const $ = (id) => document.getElementById(id);
const main = $('panel');
const room = main.dataset.room;
const api = '/api/v1/panel/' + encodeURIComponent(room) + '/';
const EVENT_KINDS = ['prep', 'start', 'noshow', 'end_warning', 'end', 'teardown', 'device', 'council'];
const MAX_BACKOFF_MS = 30000;
const NOTE_MS = 120000; // how long the sentence about an action stays (the next action replaces it)

let state = null;      // last state from the server (kept when offline)
let clockOffset = 0;   // server now − local now, ms
let queue = [];
let speaker = '';      // who speaks in the session's meeting now (a name)
let es = null;
let backoff = 1000;
let retryTimer = null;
let refreshTimer = null;
// note is the sentence about the last action as a catalogue key and its
// values, so a language switch says it again in the other language. A
// sentence with the server's words in it (a refusal's reason) carries
// words: the language they are in and a plain key said in any other
// language, so the panel never shows half German, half English.
let note = null;
let noteTimer = null;

const hhmm = (local) => (local || '').slice(11, 16);
const serverNow = () => Date.now() + clockOffset;
const titleOf = (b) => (b.redacted ? t('panel.confidential') : b.title);

function offline(on) { $('offline').hidden = !on; }

// say shows the sentence for key (null: none) for a while; words, if
// given, is { plain, lang } for a sentence with the server's words in it.
function say(key, vars = {}, words = null) {
  clearTimeout(noteTimer);
  note = key ? { key, vars, words } : null;
  if (note) noteTimer = setTimeout(() => say(null), NOTE_MS);
  showMessage();
}

// showMessage shows the last action's sentence, else the check-in hint.
function showMessage() {
  const cur = state && state.current;
  const due = state && [cur, state.next].some((b) => b && b.checkin_allowed && b.checkin_due);
  const mixed = note && note.words && note.words.lang !== lang;
  $('message').textContent = note ? (mixed ? t(note.words.plain) : t(note.key, note.vars)) : (due ? t('panel.checkinDue') : '');
}

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function button(text, onclick, attrs = {}) {
  const b = el('button', text, { type: 'button', ...attrs });
  b.addEventListener('click', onclick);
  return b;
}

async function loadState() {
  let r;
  try {
    r = await fetch(api + 'state', { cache: 'no-store', headers: { 'Accept-Language': lang } });
  } catch {
    offline(true);
    return false;
  }
  if (r.status === 401) { location.replace('/panel'); return false; }
  if (!r.ok) { offline(true); return false; }
  render(await r.json(), true);
  return true;
}

// render draws a state: fresh from the server, or the last one again (a
// language switch, a refused action).
function render(st, fresh = false) {
  state = st;
  // A fresh state carries the speaker queue of a council session running
  // now and who speaks in its meeting; queue and speaker events keep them
  // current in between, so the last state drawn again must not undo them.
  if (fresh) {
    queue = st.queue || [];
    speaker = st.speaker || '';
  }
  if (!st.current) { queue = []; speaker = ''; }
  clockOffset = Date.parse(st.now) - Date.now();
  const cur = st.current;
  // A running meeting wins over closed, as busy does over closed in the
  // room's availability.
  const closed = !cur && st.closed;
  main.className = cur ? 'busy' : (closed ? 'closed' : 'free');
  $('now-label').textContent = t(cur ? 'panel.busy' : (closed ? 'panel.closed' : 'panel.free'));
  if (closed) {
    $('now-title').textContent = closed.reason || '';
    $('now-time').textContent = closed.reopens_today ? t('panel.closedUntil', { time: hhmm(closed.until_local) }) : t('panel.closedToday');
  } else {
    $('now-title').textContent = cur ? titleOf(cur) : '';
    $('now-time').textContent = cur ? hhmm(cur.start_local) + '–' + hhmm(cur.end_local) : '';
  }
  const checkinTarget = [cur, st.next].find((b) => b && b.checkin_allowed);
  $('checkin').hidden = !checkinTarget;
  $('checkin').classList.toggle('due', !!(checkinTarget && checkinTarget.checkin_due));
  $('extend').hidden = !cur;
  showEnd(cur);
  const bn = $('book-now');
  bn.replaceChildren(el('span', t('panel.bookNow'), { id: 'book-now-label' }));
  for (const m of st.book_now || []) {
    bn.append(button(t('panel.minutes', { min: m }), () => act('book-now', { minutes: m },
      (v) => ['panel.didBook', { min: m, time: hhmm(v.current && v.current.end_local) }]), { 'data-minutes': String(m) }));
  }
  bn.hidden = !!cur || !!closed || !(st.book_now || []).length;
  showMessage();

  const next = st.next;
  $('next-title').textContent = next ? titleOf(next) : t('panel.nothingNext');
  $('next-time').textContent = next ? hhmm(next.start_local) + '–' + hhmm(next.end_local) : '';

  const scenes = $('scenes');
  scenes.replaceChildren(...(st.scenes || []).map((s) =>
    button(sceneLabel(s, st.scene_labels), (ev) => runScene(s, ev.currentTarget.textContent), { 'data-scene': s })));
  // Presets are a row of numbers after "Camera"; each says its whole
  // name to screen readers.
  $('presets-row').hidden = !st.camera;
  $('presets').replaceChildren(...(st.camera ? st.camera.presets : []).map((n) =>
    button(String(n), () => act('camera/preset', { preset: n }, () => ['panel.didPreset', { n }]),
      { 'aria-label': t('panel.preset', { n }) })));
  const mute = $('mute');
  mute.hidden = !st.mic;
  if (st.mic) {
    const muted = st.mic.muted === true;
    mute.setAttribute('aria-pressed', String(muted));
    mute.textContent = t(muted ? 'panel.unmute' : 'panel.mute');
  }
  $('devices').replaceChildren(...(st.devices || []).map((d) =>
    el('li', deviceLine(d), { class: d.health })));
  $('av').hidden = !(st.scenes || []).length && !st.camera && !st.mic && !(st.devices || []).length;
  renderQueue();
  renderCouncil(st, setPresence);
  tick();
}

// setPresence marks a council member present in (or gone from) the room.
function setPresence(m, inRoom) {
  act('council/members/' + m.id + '/presence', { in_room: inRoom },
    () => [inRoom ? 'panel.didPresent' : 'panel.didAbsent', { name: m.name }], undefined, 'PUT');
}

function renderQueue() {
  $('queue-box').hidden = !queue.length && !speaker;
  $('speaker').hidden = !speaker;
  $('speaker').textContent = speaker ? t('panel.speaker', { name: speaker }) : '';
  $('queue').replaceChildren(...queue.map((q) => el('li', q.seat
    ? (q.name ? t('meeting.queueSeat', { name: q.name, n: q.seat }) : t('meeting.queueSeatOnly', { n: q.seat }))
    : q.name || q.display_name || '')));
}

// tick updates the clock and the countdown once a second from the cached
// state, so the door stays right while the connection is down.
function tick() {
  const now = new Date(serverNow());
  $('clock').textContent = now.toLocaleTimeString(lang === 'en' ? 'en-GB' : 'de-DE', { hour: '2-digit', minute: '2-digit', timeZone: (state && state.zone) || undefined });
  if (!state) return;
  const cur = state.current;
  const mins = (iso) => Math.max(0, Math.ceil((Date.parse(iso) - now.getTime()) / 60000));
  let text = '';
  if (cur) text = t('panel.endsIn', { min: mins(cur.end) });
  else if (state.closed) text = reopening(state.closed);
  else if (state.next) text = t('panel.freeUntil', { time: hhmm(state.next.start_local) }) + ' · ' + t('panel.startsIn', { min: mins(state.next.start) });
  else text = t('panel.freeAllDay');
  $('countdown').textContent = text;
}

// reopening names the day and time a room closed today opens again.
function reopening(closed) {
  if (closed.reopens_today || !closed.until) return '';
  const day = new Date(closed.until).toLocaleDateString(lang === 'en' ? 'en-GB' : 'de-DE',
    { weekday: 'long', day: 'numeric', month: 'long', timeZone: state.zone || undefined });
  return t('panel.reopensOn', { day, time: hhmm(closed.until_local) });
}

// runScene starts a scene: the panel answers at once ("started") and
// hears the end on the event stream, never waiting for a projector's
// warm-up; a scene some device did not follow is said then.
// A fast scene can end before its POST's answer arrives: the ends seen
// are kept (a few) until the answer names its run.
let sceneRun = null; // { id, label }
const sceneEnds = new Map(); // run id -> failed count
function runScene(name, label) {
  act('scenes/' + encodeURIComponent(name), undefined,
    (v) => {
      if (sceneEnds.has(v.id)) {
        const failed = sceneEnds.get(v.id);
        sceneEnds.delete(v.id);
        return [failed ? 'panel.didScenePartly' : 'panel.didSceneDone', { scene: label }];
      }
      sceneRun = { id: v.id, label };
      return ['panel.didScene', { scene: label }];
    },
    ['panel.sceneRunning', { scene: label }]);
}

function sceneEvent(ev) {
  let s;
  try { s = JSON.parse(ev.data); } catch { return; }
  if (!s.done) return;
  if (!sceneRun || s.id !== sceneRun.id) {
    sceneEnds.set(s.id, s.failed || 0);
    if (sceneEnds.size > 20) sceneEnds.delete(sceneEnds.keys().next().value);
    return;
  }
  say(s.failed ? 'panel.didScenePartly' : 'panel.didSceneDone', { scene: sceneRun.label });
  sceneRun = null;
}

// act posts an action; done(reply) returns the sentence [key, vars] that
// says what happened. pending is said while a slow action (a scene) runs.
async function act(path, body, done, pending, method = 'POST') {
  sceneRun = null; // a newer action's message is not to be overwritten by an older scene's end
  const buttons = [...main.querySelectorAll('button, input')];
  buttons.forEach((b) => { b.disabled = true; });
  say(...(pending || [null]));
  const asked = lang; // the language the server answers in
  let r;
  try {
    r = await fetch(api + path, {
      method, headers: { 'Content-Type': 'application/json', 'Accept-Language': lang }, body: JSON.stringify(body || {}),
    });
  } catch {
    offline(true);
    buttons.forEach((b) => { b.disabled = false; });
    return;
  }
  buttons.forEach((b) => { b.disabled = false; });
  if (r.status === 401) { location.replace('/panel'); return; }
  const v = await r.json().catch(() => ({}));
  if (!r.ok) {
    if (typeof v.detail === 'string' && v.detail) say('panel.failed', { detail: v.detail }, { plain: 'panel.failedPlain', lang: asked });
    else say('panel.failedPlain');
    if (state) render(state); // a refused box goes back to what it was
    return;
  }
  say(...done(v));
  if (v.room && 'book_now' in v) render(v, true);
  else if (path === 'mute') { if (state) { state.mic = v; render(state); } }
  else loadState();
}

// The live stream. EventSource retries by itself only on network errors;
// a 401 or 5xx closes it for good, so every error closes it here and
// reconnects with exponential backoff after checking the state (a revoked
// panel goes back to pairing).
function connect() {
  clearTimeout(retryTimer);
  es = new EventSource(api + 'events');
  es.addEventListener('open', () => {
    offline(false);
    backoff = 1000;
    loadState();
  });
  for (const k of EVENT_KINDS) es.addEventListener(k, scheduleRefresh);
  es.addEventListener('scene', sceneEvent);
  es.addEventListener('queue', (ev) => {
    try { queue = JSON.parse(ev.data).queue || []; } catch { queue = []; }
    renderQueue();
  });
  es.addEventListener('speaker', (ev) => {
    try { speaker = JSON.parse(ev.data).speaker || ''; } catch { speaker = ''; }
    renderQueue();
  });
  es.addEventListener('error', () => {
    es.close();
    offline(true);
    retryTimer = setTimeout(async () => {
      await loadState();
      connect();
    }, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  });
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(loadState, 300);
}

apply();
const langBtn = $('lang');
langBtn.textContent = t('lang.switch');
langBtn.addEventListener('click', () => {
  setLang(lang === 'de' ? 'en' : 'de');
  langBtn.textContent = t('lang.switch');
  if (state) render(state);
  showMessage();
});
const EXTEND_MIN = 15;
$('checkin').addEventListener('click', () => act('checkin', undefined, () => ['panel.didCheckin']));
$('extend').addEventListener('click', () => act('extend', { minutes: EXTEND_MIN },
  (v) => ['panel.didExtend', { min: EXTEND_MIN, time: hhmm(v.current && v.current.end_local) }]));
wireEnd(() => state && state.current, () => act('end', undefined, () => ['panel.didEnd']));
$('mute').addEventListener('click', () => {
  const mute = $('mute').getAttribute('aria-pressed') !== 'true';
  act('mute', { mute }, () => [mute ? 'panel.didMute' : 'panel.didUnmute']);
});
wireCouncil(() => { if (state) render(state); });
setInterval(tick, 1000);
setInterval(loadState, 60000); // status changes with time (check-in opens, meetings end)
loadState().then(connect);
