// The booking's history in sentences: who did what, each change with its
// values in words and local times in the room's zone. The API gives the
// facts as data (by, fields, about; daemon/web/history.go); the words are the
// page's, in its language. An action or field this page does not know
// gets a general sentence, never its key.
import { api, el, clock, parts, dayLabel, dateTime, problemText } from './api.js';
import { t, has, lang } from './i18n.js';
import { providerName } from './words.js';

export async function historySection(b, room, rooms) {
  const sec = el('section', { 'aria-labelledby': 'history-title' }, el('h3', { id: 'history-title', text: t('b.history') }));
  if (b.redacted) return sec;
  const r = await api('GET', `/bookings/${encodeURIComponent(b.id)}/history`);
  if (!r.ok) return sec.append(el('p', { class: 'error', text: problemText(r) })) || sec;
  const ctx = { zone: room.zone, rooms };
  sec.append(el('ol', { class: 'history' }, r.data.history.map((h) => {
    const lines = details(h, ctx);
    return el('li', {}, el('time', { datetime: h.time, text: dateTime(room.zone, h.time, lang) }),
      el('span', { text: ' ' + sentence(h, ctx) }),
      lines.length ? el('ul', { class: 'changes' }, lines.map((text) => el('li', { text }))) : null);
  })));
  return sec;
}

// who names an actor ({kind, name}) as the subject of a sentence.
export function who(by) {
  const kind = by && has('h.by.' + by.kind) ? by.kind : 'unknown';
  return t('h.by.' + kind, { name: (by && by.name) || '' });
}

const meetingActions = ['join', 'leave', 'admit', 'deny', 'host_mute', 'remove', 'lobby_expired', 'revoke'];

function sentence(h, ctx) {
  const a = h.about || {}, vars = { who: who(h.by) };
  switch (h.action) {
    case 'create': case 'update': case 'cancel': case 'checkin': case 'end': case 'release': case 'finish':
    case 'series.create': case 'series.extend': case 'series.update': case 'series.cancel':
      return t('h.' + h.action, vars);
    case 'release.reason':
      return a.deadline ? t('h.releaseReason', { time: clock(ctx.zone, a.deadline) }) : t('h.releaseNoReason');
    case 'provider.move':
      return a.from ? t('h.providerMove', { from: providerName(a.from), to: providerName(a.to) }) : t('h.providerMoved');
    case 'join.update':
      return t('h.joinUpdate', vars);
    case 'join.pin_wrong':
      return t('h.pinWrong');
  }
  if (h.action.startsWith('meeting.')) {
    const m = h.action.slice('meeting.'.length);
    const target = a.name ? who({ kind: a.role === 'host' ? 'host' : 'participant', name: a.name }) : t('h.by.unknown');
    if (m === 'join' && a.admitted) return t('h.meeting.joinAdmitted', vars);
    if (meetingActions.includes(m)) return t('h.meeting.' + m, { ...vars, name: target });
    if (m === 'lock') return t(a.locked ? 'h.meeting.lock' : 'h.meeting.unlock', vars);
    if (m === 'end') return has('h.meeting.end.' + a.reason) ? t('h.meeting.end.' + a.reason, vars) : t('h.meeting.end', vars);
    return t('h.meeting.other', vars);
  }
  // A council session's proceedings (rooms/council: agenda, members,
  // presence, votes); the minutes hold the details.
  if (h.action.startsWith('council_')) {
    const key = 'h.council.' + h.action.slice('council_'.length);
    return t(has(key) ? key : 'h.council.other', vars);
  }
  return t('h.other', vars);
}

// details are the lines under a sentence: each changed field, the join
// settings' changes, why a meeting moved.
function details(h, ctx) {
  const a = h.about || {};
  if (h.action === 'join.update') return (a.changes || []).map((c) => joinFact(c, ctx));
  if (h.action === 'provider.move' && a.reason) return [t('h.providerMoveReason', { reason: a.reason })];
  if (h.action === 'create' || !h.fields) return []; // a new booking's fields are in the detail above
  // A transition's status (and check-in time) is what its sentence says.
  const said = ['checkin', 'end', 'release', 'finish', 'cancel'].includes(h.action) ? ['status', 'checked_in'] : [];
  const fields = h.fields.filter((f) => !said.includes(f.field));
  const start = fields.find((f) => f.field === 'start'), end = fields.find((f) => f.field === 'end');
  const out = [];
  if (start && end && start.before && end.before && start.after && end.after) {
    const showDay = parts(ctx.zone, start.before).day !== parts(ctx.zone, start.after).day;
    out.push(t('h.f.time', { before: span(start.before, end.before, ctx, showDay), after: span(start.after, end.after, ctx, showDay) }));
  }
  for (const f of fields) {
    if ((f === start || f === end) && out.length) continue;
    out.push(field(f, ctx));
  }
  return out;
}

function span(from, to, ctx, showDay) {
  return (showDay ? day(from, ctx) + ', ' : '') + clock(ctx.zone, from) + '–' + clock(ctx.zone, to);
}

function day(instant, ctx) {
  return dayLabel(parts(ctx.zone, instant).day, lang, { weekday: 'short', day: 'numeric', month: 'short' });
}

function at(instant, ctx, other) {
  if (!instant) return t('h.none');
  const showDay = other && parts(ctx.zone, instant).day !== parts(ctx.zone, other).day;
  return (showDay ? day(instant, ctx) + ', ' : '') + clock(ctx.zone, instant);
}

const switches = { 'hybrid.enabled': 'hybrid', confidential: 'confidential', exception: 'exception', checkin_required: 'checkin' };

function field(f, ctx) {
  if (f.hidden) return t('h.f.hidden', { field: t('h.name.' + f.field) });
  const text = (v) => (v === null || v === undefined || v === '' ? t('h.none') : String(v));
  switch (f.field) {
    case 'start': case 'end':
      return t('h.f.' + f.field, { before: at(f.before, ctx, f.after), after: at(f.after, ctx, f.before) });
    case 'checked_in':
      return f.after ? t('h.f.checkedIn', { time: clock(ctx.zone, f.after) }) : t('h.f.checkinUndone');
    case 'room': {
      const name = (id) => (ctx.rooms.find((r) => r.id === id) || { name: t('h.otherRoom') }).name;
      return t('h.f.room', { before: name(f.before), after: name(f.after) });
    }
    case 'kind': case 'status':
      return t('h.f.' + f.field, { before: words('b.' + f.field + '.', f.before), after: words('b.' + f.field + '.', f.after) });
    case 'title': case 'organizer': case 'committee': case 'setup': case 'teardown': case 'hybrid.expected_remote':
      return t('h.f.' + f.field, { before: text(f.before), after: text(f.after) });
    case 'notes': case 'contact':
      return t('h.f.' + f.field);
    case 'series_id':
      return t(f.after ? 'h.f.seriesJoined' : 'h.f.seriesLeft');
    case 'external':
      return t('h.f.external');
  }
  if (switches[f.field]) return t(`h.f.${switches[f.field]}${f.after ? 'On' : 'Off'}`);
  return t('h.f.other');
}

function words(prefix, v) {
  return v && has(prefix + v) ? t(prefix + v) : t('h.none');
}

function joinFact(c, ctx) {
  if (c.what === 'candidate_slot') {
    return t('h.j.candidate_slot', { n: c.n, from: c.from ? clock(ctx.zone, c.from) : '', to: c.to ? clock(ctx.zone, c.to) : '' });
  }
  return has('h.j.' + c.what) ? t('h.j.' + c.what, { n: c.n }) : t('h.j.other');
}
