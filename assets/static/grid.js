// A time track: one room's day as a column (week view) or a row (day
// view), with closed hours, busy stretches (setup and teardown shaded) and
// the bookings as buttons. Dragging across free time picks a slot.
import { el, parts, hhmm, clock } from './api.js';
import { t } from './i18n.js';

export const FROM = 6 * 60; // the grid shows 06:00–23:00
export const TO = 23 * 60;
const STEP = 15;

const pct = (m) => `${((Math.max(FROM, Math.min(TO, m)) - FROM) / (TO - FROM)) * 100}%`;
const size = (a, b) => `${((Math.min(TO, b) - Math.max(FROM, a)) / (TO - FROM)) * 100}%`;

// span turns an instant pair into minutes of day, clipped to day.
function span(zone, day, start, end) {
  const s = parts(zone, start), e = parts(zone, end);
  const a = s.day < day ? 0 : s.day > day ? 24 * 60 : s.minutes;
  const b = e.day > day ? 24 * 60 : e.day < day ? 0 : e.minutes;
  return [a, b];
}

function place(node, axis, a, b) {
  if (axis === 'y') { node.style.top = pct(a); node.style.height = size(a, b); }
  else { node.style.left = pct(a); node.style.width = size(a, b); }
  return node;
}

export function bookingLabel(b) {
  if (!b) return t('b.confidential');
  if (b.redacted || !b.title || b.title === 'Confidential booking') return t('b.confidential');
  return b.title;
}

// track renders one day of one room. opts: zone, day, axis, slots (from
// availability), byId (booking views from the list), onOpen(id), onPick(day, start, end), label.
export function track(opts) {
  const { zone, day, axis } = opts;
  // A named group: screen readers announce the day (or room) before its
  // bookings; aria-label on a plain div would be ignored.
  const node = el('div', { class: `track ${axis}`, 'data-day': day, role: 'group', 'aria-label': opts.label });
  for (const s of opts.slots) {
    const [a, b] = span(zone, day, s.start, s.end);
    if (b <= FROM || a >= TO || b <= a) continue;
    if (s.state === 'closed') node.append(place(el('div', { class: 'closed', 'aria-hidden': 'true' }), axis, a, b));
    if (s.state !== 'busy' || !s.booking) continue;
    node.append(place(el('div', { class: 'buffer', 'aria-hidden': 'true', title: t('b.buffers') }), axis, a, b));
  }
  const shown = new Set();
  const blocks = [];
  for (const s of opts.slots) if (s.booking && !shown.has(s.booking.id)) { shown.add(s.booking.id); blocks.push({ ...s.booking, ...(opts.byId.get(s.booking.id) || {}) }); }
  for (const v of opts.byId.values()) {
    if (shown.has(v.id) || v.room !== opts.room || ['cancelled', 'released'].includes(v.status)) continue;
    const [a, b] = span(zone, day, v.start, v.end);
    if (b > a) { shown.add(v.id); blocks.push(v); }
  }
  for (const bk of blocks) {
    const [a, b] = span(zone, day, bk.start, bk.end);
    if (b <= FROM || a >= TO || b <= a) continue;
    const title = bookingLabel(bk);
    const time = `${clock(zone, bk.start)}–${clock(zone, bk.end)}`;
    // The button's name is its text (title, then time), so that speech
    // input users can say what they see. Short blocks get smaller lines
    // that do not wrap, so that the time stays whole.
    const btn = el('button', { type: 'button', class: `booking kind-${bk.kind || 'none'}${bk.redacted ? ' redacted' : ''} ${fit(axis, b - a)}`,
      'data-id': bk.id, title: `${time} ${title}`, onclick: () => opts.onOpen(bk.id) },
    el('span', { class: 'btitle', text: title }), ' ', el('span', { class: 'btime', text: time }));
    node.append(place(btn, axis, a, b));
  }
  drag(node, opts);
  return node;
}

// fit names the layout a block of that many minutes has room for at the
// default hour height (kogge.css --hour): in a column, two short lines
// from 45 minutes, one line ("16:00–16:30 Title") below; in a row the
// height suffices and the time may break after its dash.
function fit(axis, minutes) {
  if (axis !== 'y' || minutes >= 90) return 'tall';
  return minutes >= 45 ? 'short' : 'tiny';
}

// drag lets a pointer pick a slot; the form is the keyboard way.
function drag(node, opts) {
  let startMin = null, sel = null;
  const at = (ev) => {
    const r = node.getBoundingClientRect();
    const f = opts.axis === 'y' ? (ev.clientY - r.top) / r.height : (ev.clientX - r.left) / r.width;
    return Math.round((FROM + Math.max(0, Math.min(1, f)) * (TO - FROM)) / STEP) * STEP;
  };
  node.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0 || ev.target.closest('.booking')) return;
    ev.preventDefault();
    node.setPointerCapture(ev.pointerId);
    startMin = at(ev);
    sel = el('div', { class: 'selection', 'aria-hidden': 'true' });
    node.append(place(sel, opts.axis, startMin, startMin + STEP));
  });
  node.addEventListener('pointermove', (ev) => {
    if (startMin === null) return;
    const m = at(ev);
    place(sel, opts.axis, Math.min(startMin, m), Math.max(startMin + STEP, m));
  });
  const done = (ev) => {
    if (startMin === null) return;
    const m = at(ev);
    let a = Math.min(startMin, m), b = Math.max(startMin, m);
    if (b - a < 30) b = a + 60; // a click books an hour
    startMin = null;
    sel.remove();
    opts.onPick(opts.room, opts.day, hhmm(a), hhmm(b));
  };
  node.addEventListener('pointerup', done);
  node.addEventListener('pointercancel', () => { startMin = null; if (sel) sel.remove(); });
}

// hours is the scale beside or above the tracks.
export function hours(axis) {
  const node = el('div', { class: `hours ${axis}`, 'aria-hidden': 'true' });
  for (let m = FROM; m < TO; m += 60) node.append(place(el('span', { text: hhmm(m) }), axis, m, m + 60));
  return node;
}
