// The booking form: kinds with their defaults, hybrid options, interview
// candidates, a weekly rule, and a live conflict check while a slot is
// chosen (before anything is sent).
import { api, localInstant, addDays, clock, dayLabel, el, problemText } from './api.js';
import { t, say, lang } from './i18n.js';
import { providerName } from './words.js';
import { bookingLabel } from './grid.js';
import { ruleOf, describeDraft, previewText, skipText } from './series.js';

const $ = (id) => document.getElementById(id);
const form = () => $('book');
let ctx = { rooms: [], changed: () => {}, open: () => {} };
let checkSeq = 0, previewSeq = 0;
// The form's room follows the room picker above the views (followRoom)
// until the secretary picks one in the form itself; emptying the form
// makes it follow again.
let shownRoom = '', ownRoom = false;

const kindDefaults = {
  council: { hybrid: true, lobby: 'on', confidential: false },
  interview: { hybrid: false, lobby: 'on', confidential: true },
  committee: { hybrid: false, lobby: 'default', confidential: false },
  meeting: { hybrid: false, lobby: 'default', confidential: false },
};

export function initForm(c) {
  ctx = c;
  const f = form();
  f.kind.addEventListener('change', () => applyKind(f.kind.value));
  f.hybrid.addEventListener('change', syncOptions);
  f.repeat.addEventListener('change', syncOptions);
  for (const name of ['room', 'day', 'start', 'end']) f[name].addEventListener('change', check);
  for (const name of ['room', 'day', 'start', 'end']) f[name].addEventListener('input', check);
  for (const name of ['repeat', 'weekday', 'until', 'count', 'room', 'start', 'end', 'hybrid']) f[name].addEventListener('change', preview);
  f.day.addEventListener('change', () => { f.weekday.value = weekdayOf(f.day.value); preview(); });
  $('add-candidate').addEventListener('click', () => addCandidate());
  f.room.addEventListener('change', () => { ownRoom = true; });
  f.addEventListener('reset', () => setTimeout(() => {
    applyKind('meeting'); $('conflict-warning').hidden = true; $('candidate-rows').replaceChildren();
    ownRoom = false;
    if (shownRoom) f.room.value = shownRoom;
  }));
  f.addEventListener('submit', submit);
  applyKind(f.kind.value);
  // A language switch says the live texts again: the rule, the conflict
  // check and the people's row labels (results and errors renew through say).
  document.addEventListener('kogge:lang', () => {
    preview();
    if (!$('conflict-warning').hidden) check();
    [...$('candidate-rows').children].forEach((li, i) => { li.querySelector('span').textContent = t('b.candidateLabel', { n: i + 1 }); });
  });
}

export function setRooms(rooms) {
  const sel = form().room;
  const cur = sel.value;
  sel.replaceChildren(...rooms.map((r) => new Option(r.name, r.id)));
  if (cur) sel.value = cur;
}

// followRoom is told the room the views show: the form takes it unless
// the secretary chose the form's room themselves.
export function followRoom(id) {
  shownRoom = id;
  if (ownRoom || form().room.value === id) return;
  form().room.value = id;
  check();
  preview();
}

// fill puts a slot picked in a view into the form and checks it.
export function fill(room, day, start, end) {
  const f = form();
  f.room.value = room;
  f.day.value = day;
  f.weekday.value = weekdayOf(day);
  f.start.value = start;
  f.end.value = end;
  check();
  preview();
  f.title.focus();
}

function weekdayOf(day) {
  return ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][new Date(day + 'T12:00:00Z').getUTCDay()];
}

function applyKind(kind) {
  const f = form(), d = kindDefaults[kind] || kindDefaults.meeting;
  f.hybrid.checked = d.hybrid;
  f.lobby.value = d.lobby;
  f.confidential.checked = d.confidential;
  syncOptions();
}

function syncOptions() {
  const f = form();
  $('hybrid-options').hidden = !f.hybrid.checked;
  $('candidates-fields').hidden = f.kind.value !== 'interview';
  for (const n of f.querySelectorAll('.series-only')) n.hidden = !f.repeat.value;
  preview();
}

// preview says the rule being built and, from the server's dry run, how
// many meetings it books and which dates it leaves out (closures, the
// room taken), before anything is sent.
async function preview() {
  const f = form(), out = $('rule-preview'), seq = ++previewSeq;
  if (!f.repeat.value) { out.textContent = ''; return; }
  const words = describeDraft(f.repeat.value, f.weekday.value, f.start.value, f.end.value, f.until.value, f.count.value) + '.';
  const room = currentRoom();
  if (!room || !f.day.value || !f.start.value || !f.end.value) { out.textContent = words; return; }
  out.textContent = `${words} ${t('b.previewChecking')}`;
  // The title is not what is checked: a placeholder lets the dates be
  // checked before it is typed.
  const b = { ...seriesBody(f, room), title: f.title.value.trim() || t('b.newBooking') };
  const r = await api('POST', '/series?dry_run=1', b);
  if (seq !== previewSeq) return; // a newer choice is being checked
  out.textContent = `${words} ${r.ok ? previewText(room.zone, r.data) : problemText(r)}`;
}

// firstDay is the first chosen weekday on or after the form's date: the
// series' first meeting.
function firstDay(f) {
  let day = f.day.value;
  while (weekdayOf(day) !== f.weekday.value) day = addDays(day, 1);
  return day;
}

// seriesBody is the POST /series body for the form; the dates it leaves
// out are the ones the preview named.
function seriesBody(f, room) {
  const b = body(f, room, firstDay(f));
  return { ...b, rule: ruleOf(f.repeat.value, f.weekday.value, f.until.value, f.count.value), on_conflict: 'skip' };
}

function addCandidate(label = '', start = '', end = '') {
  const n = $('candidate-rows').children.length + 1;
  const li = el('li', { class: 'row candidate' },
    el('label', {}, el('span', { text: t('b.candidateLabel', { n }) }), el('input', { name: 'cand-label', maxlength: '100', value: label })),
    el('label', {}, el('span', { text: t('b.start') }), el('input', { type: 'time', name: 'cand-start', step: '300', value: start })),
    el('label', {}, el('span', { text: t('b.end') }), el('input', { type: 'time', name: 'cand-end', step: '300', value: end })),
    el('button', { type: 'button', class: 'secondary', text: t('b.remove'), onclick: () => li.remove() }));
  $('candidate-rows').append(li);
  li.querySelector('input').focus();
}

function currentRoom() {
  return ctx.rooms.find((r) => r.id === form().room.value);
}

// conflicts asks the room's availability for the chosen day and returns
// what the slot (with the room's buffers) would collide with. ignore is the
// booking being edited.
export async function conflicts(room, day, start, end, ignore) {
  const from = localInstant(room.zone, day, '00:00'), to = localInstant(room.zone, addDays(day, 1), '00:00');
  const r = await api('GET', `/rooms/${encodeURIComponent(room.id)}/availability?${new URLSearchParams({ from, to })}`);
  if (!r.ok) return { error: problemText(r) };
  const a = Date.parse(localInstant(room.zone, day, start)), b = Date.parse(localInstant(room.zone, day, end));
  const occA = a - room.setup_minutes * 60000, occB = b + room.teardown_minutes * 60000;
  const hits = [], seen = new Set();
  let closed = false;
  for (const s of r.data.slots) {
    const sa = Date.parse(s.start), sb = Date.parse(s.end);
    if (s.state === 'closed' && sa < b && sb > a) closed = true;
    if (s.state === 'busy' && s.booking && s.booking.id !== ignore && sa < occB && sb > occA && !seen.has(s.booking.id)) {
      seen.add(s.booking.id);
      hits.push(s.booking);
    }
  }
  return { hits, closed, invalid: !(b > a) };
}

export function conflictText(room, hits) {
  return hits.map((h) => t('b.collides', { title: bookingLabel(h), from: clock(room.zone, h.start), to: clock(room.zone, h.end) })).join(' ');
}

async function check() {
  const f = form(), room = currentRoom(), w = $('conflict-warning');
  if (!room || !f.day.value || !f.start.value || !f.end.value) { w.hidden = true; return; }
  const seq = ++checkSeq;
  const c = await conflicts(room, f.day.value, f.start.value, f.end.value);
  if (seq !== checkSeq) return; // a newer choice is being checked
  const msgs = [];
  if (c.error) msgs.push(c.error);
  if (c.invalid) msgs.push(t('b.endBeforeStart'));
  if (c.closed) msgs.push(t('b.outsideHours', { hours: room.bookable_hours }));
  if (c.hits && c.hits.length) msgs.push(t('b.conflictAhead') + ' ' + conflictText(room, c.hits));
  w.textContent = msgs.length ? msgs.join(' ') : t('b.slotFree');
  w.className = msgs.length ? 'warning' : 'ok';
  w.hidden = false;
}

function body(f, room, day = f.day.value) {
  const b = {
    room: room.id, title: f.title.value, kind: f.kind.value, confidential: f.confidential.checked,
    start: localInstant(room.zone, day, f.start.value), end: localInstant(room.zone, day, f.end.value),
    hybrid: { enabled: f.hybrid.checked, expected_remote: f.hybrid.checked ? Number(f.expected_remote.value) || 0 : 0 },
    checkin_required: f.checkin_required.checked,
  };
  for (const k of ['organizer', 'committee', 'notes', 'contact']) if (f[k].value.trim()) b[k] = f[k].value.trim();
  return b;
}

async function submit(ev) {
  ev.preventDefault();
  const f = form(), room = currentRoom(), err = $('book-error'), ok = $('book-ok');
  say(err, '');
  say(ok, '');
  if (!room) return;
  const b = f.repeat.value ? seriesBody(f, room) : body(f, room);
  let r, created;
  if (f.repeat.value) {
    r = await api('POST', '/series', b);
    created = r.ok && r.data.occurrences && r.data.occurrences[0];
  } else {
    r = await api('POST', '/bookings', b);
    created = r.ok && r.data;
  }
  if (!r.ok) return showProblem(room, r);
  const notes = [];
  if (created && b.hybrid.enabled && f.lobby.value !== 'default') {
    const j = await api('PATCH', `/bookings/${created.id}/join`, { lobby: f.lobby.value });
    if (!j.ok) notes.push(problemText(j));
  }
  if (created && b.kind === 'interview') {
    for (const li of $('candidate-rows').children) {
      const [label, cs, ce] = [...li.querySelectorAll('input')].map((i) => i.value);
      if (!label || !cs || !ce) continue;
      const day = created.start_local.slice(0, 10); // a series' first meeting may be after the form's date
      const c = await api('POST', `/bookings/${created.id}/candidates`, { label, start: localInstant(room.zone, day, cs), end: localInstant(room.zone, day, ce) });
      if (!c.ok) notes.push(`${label}: ${problemText(c)}`);
    }
  }
  const what = created || b, series = !!f.repeat.value;
  // The day and room booked, said again: the form is emptied below, and a
  // series' first meeting may be after the form's date.
  const day = (created && created.start_local) ? created.start_local.slice(0, 10) : f.day.value;
  say(ok, (node) => {
    node.replaceChildren([t('b.booked', { title: what.title, room: room.name,
      date: dayLabel(day, lang, { weekday: 'long', day: 'numeric', month: 'long' }),
      from: clock(room.zone, what.start), to: clock(room.zone, what.end) }),
      series ? t('b.seriesBooked', { n: r.data.booked, skipped: (r.data.skipped || []).length }) : '', ...notes].filter(Boolean).join(' '));
    if (created) node.append(' ', el('button', { type: 'button', class: 'linkish', text: t('b.openDetail'), onclick: () => ctx.open(created.id) }));
  });
  f.reset();
  $('conflict-warning').hidden = true;
  await ctx.changed();
}

export function showProblem(room, r, target = $('book-error')) {
  say(target, () => { problemLines(room, r, target); });
}

function problemLines(room, r, target) {
  target.replaceChildren(el('p', { text: problemText(r) }));
  const conflicts = (r.data && r.data.conflicts) || [];
  // One conflict the caller may see is already named, with its date and
  // times, by the problem's own sentence (conflictProblem in
  // daemon/web/api_bookings.go); the others are listed one a line.
  const named = conflicts.length === 1 && conflicts[0].title;
  for (const c of named ? [] : conflicts) {
    target.append(el('p', { text: t('b.conflictWith', { title: c.title || t('b.confidential'), from: clock(room.zone, c.start), to: clock(room.zone, c.end) }) }));
  }
  for (const o of (r.data && r.data.occurrences) || []) {
    // A date of the series that collides, said as the preview says it.
    target.append(el('p', { text: skipText(room.zone, { ...o, kind: (o.conflicts || []).length ? 'conflict' : 'rules' }) }));
  }
  for (const p of (r.data && r.data.errors) || []) target.append(el('p', { text: p.detail }));
  for (const p of (r.data && r.data.providers) || []) target.append(el('p', { text: t('b.providerWhy', { provider: providerName(p.provider), why: p.why }) }));
}
