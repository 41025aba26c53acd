// The booking detail: every field and the status, edit and cancel (one
// meeting with If-Match; series with a scope), the provider hand-off, join
// links, a council session (council.js), the room's scenes, the history
// and the calendar links.
import { api, el, clock, dateTime, localInstant, problemText } from './api.js';
import { t, lang } from './i18n.js';
import { bookingLabel } from './grid.js';
import { seriesSection } from './series.js';
import { joinSection, scenesSection, icalSection } from './links.js';
import { conflicts, conflictText, showProblem } from './bookingform.js';
import { historySection } from './history.js';
import { providerName, allocState } from './words.js';
import { councilSection } from './council.js';

const $ = (id) => document.getElementById(id);
let ctx = { rooms: [], changed: async () => {} };
let currentId = null;

export function initDetail(c) {
  ctx = c;
  // currentId stays set after closing: the close event comes as a task of
  // its own and could otherwise clear a detail opened right after.
  $('detail-close').addEventListener('click', () => $('detail').close());
  // A language switch redraws an open detail in the new language.
  document.addEventListener('kogge:lang', () => {
    if (currentId && $('detail').open) render(currentId);
  });
}

export async function openDetail(id) {
  currentId = id;
  const dlg = $('detail');
  $('detail-title').textContent = t('b.loading');
  $('detail-body').replaceChildren();
  if (!dlg.open) dlg.showModal();
  await render(id);
}

async function reload() {
  await ctx.changed();
  if (currentId && $('detail').open) await render(currentId);
}

async function render(id) {
  const r = await api('GET', `/bookings/${encodeURIComponent(id)}`);
  if (id !== currentId) return;
  if (!r.ok) {
    $('detail-title').textContent = t('b.error');
    $('detail-body').replaceChildren(el('p', { class: 'error', role: 'alert', text: problemText(r) }));
    return;
  }
  const b = r.data, room = ctx.rooms.find((x) => x.id === b.room) || { id: b.room, name: b.room, zone: 'Europe/Berlin', setup_minutes: 0, teardown_minutes: 0 };
  $('detail-title').textContent = bookingLabel(b);
  const parts_ = [fields(b, room)];
  if (!b.redacted && !['cancelled', 'released', 'ended'].includes(b.status)) parts_.push(editSection(b, r.etag, room));
  const d = { booking: b, room, reload };
  if (b.series_id && !b.redacted) parts_.push(await seriesSection(d));
  if (b.meeting) parts_.push(meetingSection(b.meeting));
  if (b.hybrid && b.hybrid.enabled) parts_.push(await joinSection(d));
  if (b.kind === 'council' && !b.redacted) parts_.push(await councilSection(d));
  parts_.push(await scenesSection(room), await historySection(b, room, ctx.rooms), icalSection(b, d));
  if (id !== currentId) return;
  $('detail-body').replaceChildren(...parts_);
}

function dl(rows) {
  return el('dl', { class: 'fields' }, rows.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: String(v) })]));
}

function fields(b, room) {
  const yes = (v) => (v ? t('b.yes') : t('b.no'));
  return el('section', { 'aria-label': t('b.details') }, dl([
    [t('b.status'), t('b.status.' + b.status)],
    [t('b.room'), room.name],
    [t('b.when'), `${dateTime(room.zone, b.start, lang)} – ${clock(room.zone, b.end)}`],
    [t('b.end'), b.end_assumed ? endAssumed(b) : ''],
    [t('b.kind'), b.kind ? t('b.kind.' + b.kind) : ''],
    [t('b.organizer'), b.organizer], [t('b.committee'), b.committee],
    [t('b.confidentialField'), yes(b.confidential)],
    [t('b.hybrid'), b.hybrid ? (b.hybrid.enabled ? t('b.hybridYes', { n: b.hybrid.expected_remote }) : t('b.no')) : ''],
    [t('b.buffers'), t('b.bufferMinutes', { setup: b.setup_minutes, teardown: b.teardown_minutes })],
    [t('b.checkin'), b.checkin_required ? (b.checked_in ? t('b.checkedIn', { when: dateTime(room.zone, b.checked_in, lang) }) : t('b.yes')) : t('b.no')],
    [t('b.notes'), b.notes], [t('b.contact'), b.contact],
    [t('b.createdBy'), b.created_by ? `${b.created_by}, ${dateTime(room.zone, b.created, lang)}` : ''],
  ]));
}

// endAssumed says that an import found no usable end and booked a
// default length (integrations/oparl/times.go).
function endAssumed(b) {
  const minutes = Math.round((Date.parse(b.end) - Date.parse(b.start)) / 60000);
  if (minutes === 60) return t('b.endAssumedHour');
  if (minutes % 60 === 0) return t('b.endAssumedHours', { n: minutes / 60 });
  return t('b.endAssumedMinutes', { n: minutes });
}

function editSection(b, etag, room) {
  const day = b.start_local.slice(0, 10);
  const title = el('input', { name: 'title', required: true, maxlength: '200', value: b.title });
  const date = el('input', { type: 'date', name: 'day', required: true, value: day });
  const start = el('input', { type: 'time', name: 'start', required: true, step: '300', value: b.start_local.slice(11, 16) });
  const end = el('input', { type: 'time', name: 'end', required: true, step: '300', value: b.end_local.slice(11, 16) });
  const notes = el('textarea', { name: 'notes', rows: '2', maxlength: '2000' });
  notes.value = b.notes || '';
  // Video can be switched on (or off) later: a council session booked
  // without it otherwise had no way to its members' personal links.
  const hybrid = el('input', { type: 'checkbox', name: 'hybrid', checked: !!(b.hybrid && b.hybrid.enabled) });
  const warn = el('p', { class: 'warning', role: 'status', hidden: true });
  const msg = el('div', { class: 'error', role: 'alert' });
  const live = async () => {
    const c = await conflicts(room, date.value, start.value, end.value, b.id);
    warn.hidden = !(c.hits && c.hits.length) && !c.closed;
    warn.textContent = [c.closed ? t('b.outsideHours', { hours: room.bookable_hours }) : '', c.hits && c.hits.length ? t('b.conflictAhead') + ' ' + conflictText(room, c.hits) : ''].filter(Boolean).join(' ');
  };
  for (const i of [date, start, end]) i.addEventListener('change', live);
  const form = el('form', { class: 'edit' },
    el('h3', { text: b.series_id ? t('b.editOne') : t('b.edit') }),
    el('label', {}, el('span', { text: t('b.title') }), title),
    el('div', { class: 'row' },
      el('label', {}, el('span', { text: t('b.date') }), date),
      el('label', {}, el('span', { text: t('b.start') }), start),
      el('label', {}, el('span', { text: t('b.end') }), end)),
    warn,
    el('label', { class: 'check' }, hybrid, el('span', { text: t('b.hybrid') })),
    el('label', {}, el('span', { text: t('b.notes') }), notes),
    el('div', { class: 'row tight' },
      el('button', { type: 'submit', text: t('b.save') }),
      el('button', { type: 'button', class: 'danger', text: b.series_id ? t('b.cancelOne') : t('b.cancelBooking'), onclick: cancel })),
    msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { title: title.value, notes: notes.value };
    if (hybrid.checked !== !!(b.hybrid && b.hybrid.enabled)) {
      body.hybrid = { enabled: hybrid.checked, expected_remote: (b.hybrid && b.hybrid.expected_remote) || 0 };
    }
    if (date.value !== day || start.value !== b.start_local.slice(11, 16) || end.value !== b.end_local.slice(11, 16)) {
      body.start = localInstant(room.zone, date.value, start.value);
      body.end = localInstant(room.zone, date.value, end.value);
    }
    const r = await api('PATCH', `/bookings/${encodeURIComponent(b.id)}`, body, { 'If-Match': etag });
    if (r.status === 412) return msg.replaceChildren(el('p', { text: t('b.stale') }));
    if (!r.ok) return showProblem(room, r, msg);
    await reload();
  });
  async function cancel() {
    if (!confirm(t('b.confirmCancel'))) return;
    const r = await api('DELETE', `/bookings/${encodeURIComponent(b.id)}`, undefined, { 'If-Match': etag });
    if (r.status === 412) return msg.replaceChildren(el('p', { text: t('b.stale') }));
    if (!r.ok) return showProblem(room, r, msg);
    await reload();
  }
  return form;
}

function meetingSection(m) {
  return el('section', { 'aria-labelledby': 'meeting-title' }, el('h3', { id: 'meeting-title', text: t('b.provider') }), dl([
    [t('b.providerName'), providerName(m.provider)],
    [t('b.providerState'), allocState(m.state)],
    [t('b.providerJoin'), m.join_url], [t('b.providerDialin'), m.dialin],
    [t('b.providerError'), m.last_error],
    [t('b.providerMoved'), (m.moved_from || []).map(providerName).join(', ')],
  ]));
}
