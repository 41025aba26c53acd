// The API client and the time helpers every view shares. Times are shown in
// the room's zone (Europe/Berlin for the demo rooms), whatever the browser's
// own zone is.
import { t, lang } from './i18n.js';

// api calls the API in the page's current language (lang is read at each
// call, so the switch takes effect at once): its problems come back with
// title and detail in that language. A failed connection is status 0.
export async function api(method, path, body, headers = {}) {
  const opts = { method, headers: { 'Accept-Language': lang, ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, opts);
  } catch {
    return { ok: false, status: 0, data: null, etag: null };
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, data, etag: res.headers.get('ETag') };
}

// listBookings follows the next cursors until the window is complete.
export async function listBookings(params) {
  const out = [];
  let cursor = '';
  for (let i = 0; i < 50; i++) {
    const q = new URLSearchParams({ ...params, limit: '500' });
    if (cursor) q.set('cursor', cursor);
    const r = await api('GET', `/bookings?${q}`);
    if (!r.ok) return { ok: false, r, bookings: out };
    out.push(...r.data.bookings);
    cursor = r.data.next;
    if (!cursor) break;
  }
  return { ok: true, bookings: out };
}

// problemText explains a failed request: the API's problem says it in the
// language api() asked for. Only what the page meets itself has its own
// words: no connection, or an answer that is no problem document.
export function problemText(r, fallback) {
  const d = r.data || {};
  if (typeof d.detail === 'string' && d.detail) return d.detail;
  if (typeof d.title === 'string' && d.title) return d.title;
  if (r.status === 0) return t('p.network');
  return fallback || t('p.failed', { status: r.status });
}

// offsetAt returns the UTC offset ("+01:00") of zone at a wall-clock time.
export function offsetAt(zone, y, m, d, hh, mm) {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const name = (t) => {
    const n = fmt.formatToParts(new Date(t)).find((p) => p.type === 'timeZoneName').value;
    return n === 'GMT' ? '+00:00' : n.slice(3);
  };
  const mins = (off) => (off[0] === '-' ? -1 : 1) * (parseInt(off.slice(1, 3)) * 60 + parseInt(off.slice(4, 6)));
  let guess = Date.UTC(y, m - 1, d, hh, mm);
  for (let i = 0; i < 3; i++) {
    const next = Date.UTC(y, m - 1, d, hh, mm) - mins(name(guess)) * 60000;
    if (next === guess) break;
    guess = next;
  }
  return name(guess);
}

// localInstant is "YYYY-MM-DDTHH:MM:00+01:00" for a day and time in zone.
export function localInstant(zone, day, time) {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  if (hh === 24) return localInstant(zone, addDays(day, 1), '00:00');
  return `${day}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00${offsetAt(zone, y, m, d, hh, mm)}`;
}

export function addDays(day, n) {
  const t = new Date(day + 'T12:00:00Z');
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

// weekStart is the Monday of day's week.
export function weekStart(day) {
  const wd = (new Date(day + 'T12:00:00Z').getUTCDay() + 6) % 7;
  return addDays(day, -wd);
}

// parts gives the local day ("2026-12-01") and minutes since midnight of an
// instant in zone.
export function parts(zone, instant) {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`, minutes: parseInt(p.hour) * 60 + parseInt(p.minute) };
}

export function hhmm(minutes) {
  const m = Math.max(0, Math.min(24 * 60, Math.round(minutes)));
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export function clock(zone, instant) {
  return hhmm(parts(zone, instant).minutes);
}

export function dayLabel(day, lang, opts = { weekday: 'short', day: 'numeric', month: 'numeric' }) {
  return new Date(day + 'T12:00:00Z').toLocaleDateString(lang === 'en' ? 'en-GB' : 'de-DE', { timeZone: 'UTC', ...opts });
}

export function dateTime(zone, instant, lang) {
  return new Date(instant).toLocaleString(lang === 'en' ? 'en-GB' : 'de-DE', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
}

// serverSkew is the server's clock minus the browser's, learnt from
// GET /session: "today" is the server's today.
let serverSkew = 0;
export function setServerNow(iso) {
  const t = Date.parse(iso);
  if (!Number.isNaN(t)) serverSkew = t - Date.now();
}

// serverNow is the server's clock now (ms), as far as it is known.
export function serverNow() {
  return Date.now() + serverSkew;
}

export function today(zone) {
  return parts(zone, serverNow()).day;
}

// el builds an element; text goes in as textContent, never as HTML.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}
