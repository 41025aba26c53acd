// Kogge's secretary page: log in (password, then a TOTP code when the
// account has one), see a room's week or all rooms' day, book by dragging
// or by the form, open a booking's detail. Every text from the server is
// set with textContent, never as HTML: titles are hostile input.
import { api, addDays, today, problemText, setServerNow } from './api.js';
import { t, apply, lang, setLang, say, has } from './i18n.js';
import { renderWeek } from './week.js';
import { renderDay } from './dayview.js';
import { initForm, setRooms, fill, followRoom } from './bookingform.js';
import { initDetail, openDetail } from './detail.js';
import { refreshAV } from './av.js';
import { initFeeds, refreshFeeds, roomPicker } from './links.js';
import { initPanels } from './panels-admin.js';
import { initTOTP, openTOTP, closeTOTP, totpLabels } from './totp.js';

const $ = (id) => document.getElementById(id);
const state = { rooms: [], view: 'week' };

// show switches between the login, the app and 'enrol' (a session that
// must set up its second factor sees only that).
function show(section) {
  $('login').hidden = section !== 'login';
  $('app').hidden = section !== 'app';
  $('who').hidden = section === 'login';
  $('totp-open').hidden = section === 'enrol';
  if (section === 'login') closeTOTP(false);
}

function currentRoom() {
  return state.rooms.find((r) => r.id === $('room').value) || state.rooms[0];
}

function labels() {
  apply();
  $('lang').textContent = t('lang.switch');
  $('lang').lang = lang === 'de' ? 'en' : 'de';
  document.title = `Kogge – ${t('b.subtitle')}`;
  $('pick').setAttribute('aria-label', t('b.viewControls'));
  totpLabels();
}

async function start() {
  labels();
  const me = await api('GET', '/session');
  if (!me.ok) {
    show('login');
    return;
  }
  setServerNow(me.data.now);
  const u = me.data.user;
  say($('who-name'), () => t('b.who', { name: u.name, role: has('b.role.' + u.role) ? t('b.role.' + u.role) : u.role }));
  if (me.data.must_enrol_totp) {
    show('enrol');
    openTOTP(true);
    return;
  }
  show('app');
  const r = await api('GET', '/rooms');
  state.rooms.splice(0, state.rooms.length, ...(r.ok ? r.data.rooms : [])); // shared with the form and the detail
  roomOptions();
  setRooms(state.rooms);
  if (currentRoom()) followRoom(currentRoom().id);
  roomPicker(state.rooms);
  if (!$('day').value) $('day').value = today(state.rooms[0] ? state.rooms[0].zone : 'Europe/Berlin');
  await Promise.all([refresh(), refreshFeeds(), refreshAV(currentRoom()), initPanels(me.data, state.rooms)]);
  follow();
}

// follow redraws the view when bookings change elsewhere (another
// secretary, a panel, the timeline releasing a no-show); the browser's
// EventSource reconnects by itself, and the view is read anew then: what
// changed while it was away (a restart, another node behind the load
// balancer) has no event of its own.
let events = null, redraw = 0;
function follow() {
  if (events) return;
  events = new EventSource('/api/v1/events');
  const later = () => {
    clearTimeout(redraw);
    redraw = setTimeout(refresh, 300); // one redraw for a burst (a series)
  };
  for (const kind of ['booking', 'noshow', 'end']) events.addEventListener(kind, later);
  let opened = false;
  events.addEventListener('open', () => {
    if (opened) later();
    opened = true;
  });
  // A scene's results are for the button that started it (av.js).
  events.addEventListener('scene', (ev) => {
    try { document.dispatchEvent(new CustomEvent('kogge-scene', { detail: JSON.parse(ev.data) })); } catch { /* a broken event says nothing */ }
  });
  // A council session's change (a member joined, voted) is for its booking
  // page (council.js).
  events.addEventListener('council', (ev) => {
    try { document.dispatchEvent(new CustomEvent('kogge-council', { detail: JSON.parse(ev.data) })); } catch { /* a broken event says nothing */ }
  });
}

// hoursText says when a room is bookable in the page's language.
function hoursText(room) {
  const b = room.bookable;
  if (!b) return room.bookable_hours;
  if (b.days.length === 7 && b.from === '00:00' && b.until === '24:00') return t('b.hoursAlways');
  // 2024-01-01 was a Monday: day n of the ISO week is January n.
  const fmt = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'de-DE', { weekday: 'short', timeZone: 'UTC' });
  const days = b.days.map((n) => fmt.format(new Date(Date.UTC(2024, 0, n))));
  return t('b.hoursText', { days: days.join(', '), from: b.from, until: b.until });
}

function roomOptions() {
  const sel = $('room'), cur = sel.value;
  sel.replaceChildren(...state.rooms.map((room) => new Option(t('b.roomOption', { name: room.name, n: room.capacity }), room.id)));
  if (cur) sel.value = cur;
}

// refresh redraws the current view; only the latest request draws.
let drawing = 0;
async function refresh() {
  const seq = ++drawing;
  const room = currentRoom();
  if (!room) return;
  $('room-info').textContent = t('b.roomInfo', { building: room.building || '', hours: hoursText(room), setup: room.setup_minutes, teardown: room.teardown_minutes });
  // One room's hours above all rooms' day would read as everybody's.
  $('room-info').hidden = state.view !== 'week';
  const handlers = { open: openDetail, pick: fill };
  $('week').hidden = state.view !== 'week';
  $('dayview').hidden = state.view !== 'day';
  $('show-week').setAttribute('aria-pressed', String(state.view === 'week'));
  $('show-day').setAttribute('aria-pressed', String(state.view === 'day'));
  const target = document.createElement('div');
  if (state.view === 'week') await renderWeek(target, room, $('day').value, handlers);
  else await renderDay(target, state.rooms, $('day').value, handlers);
  if (seq === drawing) $(state.view === 'week' ? 'week' : 'dayview').replaceChildren(...target.childNodes);
}

function move(days) {
  $('day').value = addDays($('day').value, days);
  refresh();
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const r = await api('POST', '/session', { name: f.get('name'), password: f.get('password'), code: f.get('code') || '' });
  if (r.ok) {
    say($('login-error'), '');
    $('code-label').hidden = true;
    ev.target.reset();
    return start();
  }
  if (r.data && r.data.type === '/problems/totp-required') {
    $('code-label').hidden = false;
    say($('login-error'), () => t('b.codeNeeded'));
    ev.target.code.focus();
    return;
  }
  say($('login-error'), () => problemText(r));
});

$('logout').addEventListener('click', async () => {
  if (events) { events.close(); events = null; }
  await api('DELETE', '/session');
  show('login');
});

$('lang').addEventListener('click', () => {
  setLang(lang === 'de' ? 'en' : 'de');
  labels();
  if (!$('app').hidden && state.rooms.length) {
    roomOptions();
    roomPicker(state.rooms);
    refresh();
    refreshFeeds();
    refreshAV(currentRoom());
  }
});

$('room').addEventListener('change', () => { followRoom(currentRoom().id); refresh(); refreshAV(currentRoom()); });
$('day').addEventListener('change', refresh);
$('prev').addEventListener('click', () => move(state.view === 'week' ? -7 : -1));
$('next').addEventListener('click', () => move(state.view === 'week' ? 7 : 1));
$('today').addEventListener('click', () => { $('day').value = today(currentRoom() ? currentRoom().zone : 'Europe/Berlin'); refresh(); });
$('show-week').addEventListener('click', () => { state.view = 'week'; refresh(); });
$('show-day').addEventListener('click', () => { state.view = 'day'; refresh(); });
$('pick').addEventListener('submit', (ev) => ev.preventDefault());

initForm({ rooms: state.rooms, changed: refresh, open: openDetail });
initDetail({ rooms: state.rooms, changed: refresh });
initFeeds();
// After an enrolment that was required, the app loads for the first time.
initTOTP({ done: (wasRequired) => (wasRequired ? start() : undefined) });
start();
