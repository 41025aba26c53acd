// Series: the simple rule builder (weekly or every second week on a
// weekday, until a date or for a number of meetings), the rule in plain
// words as the server describes it, the exceptions, and edits and
// cancellations with a scope.
import { api, el, dateTime, problemText } from './api.js';
import { t, lang } from './i18n.js';

export function ruleOf(interval, weekday, until, count) {
  let rule = `FREQ=WEEKLY;INTERVAL=${interval === '2' ? 2 : 1};BYDAY=${weekday}`;
  if (until) rule += `;UNTIL=${until.replaceAll('-', '')}`;
  else if (Number(count) > 0) rule += `;COUNT=${Number(count)}`;
  return rule;
}

// describeDraft says the rule being built in words, before it is sent.
export function describeDraft(interval, weekday, start, end, until, count) {
  const every = interval === '2' ? t('b.ruleBiweekly', { day: t('b.wd.' + weekday) }) : t('b.ruleWeekly', { day: t('b.wd.' + weekday) });
  const times = start && end ? `, ${start}–${end}` : '';
  const limit = until ? t('b.ruleUntil', { date: new Date(until + 'T12:00:00Z').toLocaleDateString(lang === 'en' ? 'en-GB' : 'de-DE', { timeZone: 'UTC' }) })
    : Number(count) > 0 ? t('b.ruleCount', { n: Number(count) }) : t('b.ruleOpen');
  return `${every}${times}, ${limit}`;
}

// skipText says one date a series leaves out and why, from the server's
// skipped entry: the closure's reason, what took the room, or the rules.
export function skipText(zone, sk) {
  const when = new Date(sk.start).toLocaleDateString(lang === 'en' ? 'en-GB' : 'de-DE', { timeZone: zone, weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric' });
  const taken = (sk.conflicts || []).map((c) => c.title || t('b.confidential'));
  switch (sk.kind) {
    case 'closure': return t('b.skip.closure', { when, why: sk.closure });
    case 'conflict': return taken.length ? t('b.skip.conflict', { when, with: taken.map((x) => t('b.quoted', { x })).join(', ') }) : t('b.skip.busy', { when });
    case 'allocation': return t('b.skip.allocation', { when });
    default: return t('b.skip.rules', { when });
  }
}

// previewText says what booking a series would do, from the dry run: how
// many meetings, and each date left out with its reason.
export function previewText(zone, v) {
  const n = v.booked || 0;
  const parts = [n === 1 ? t('b.previewOne') : t('b.previewBooked', { n })];
  if ((v.skipped || []).length) parts.push(t('b.previewSkipped', { list: v.skipped.map((x) => skipText(zone, x)).join('; ') }));
  return parts.join(' ');
}

// seriesSection shows a booking's series in the detail panel. d: {booking,
// room, reload, close}.
export async function seriesSection(d) {
  const b = d.booking, zone = d.room.zone;
  const sec = el('section', { class: 'series', 'aria-labelledby': 'series-title' }, el('h3', { id: 'series-title', text: t('b.series') }));
  const r = await api('GET', `/series/${encodeURIComponent(b.series_id)}`);
  if (!r.ok) return sec.append(el('p', { class: 'error', text: problemText(r) })) || sec;
  const s = r.data;
  const rule = (lang === 'en' ? s.rule_en : s.rule_de) || s.rule || t('b.confidential');
  sec.append(el('p', { class: 'rule', text: rule.charAt(0).toLocaleUpperCase() + rule.slice(1) }),
    el('p', { class: 'held', text: s.booked === 1 ? t('b.seriesHeldOne') : t('b.seriesHeld', { n: s.booked || 0 }) }));
  // By date: the dates left out when booking sit among the ones cancelled
  // or changed later.
  const exceptions = [
    ...(s.exdates || []).map((x) => [x, t('b.exdate', { when: dateTime(zone, x, lang) })]),
    ...(s.skipped || []).map((x) => [x.start, t('b.occSkipped', { what: skipText(zone, x) })]),
    ...(s.occurrences || []).filter((o) => o.exception || o.status === 'cancelled')
      .map((o) => [o.start, t(o.status === 'cancelled' ? 'b.occCancelled' : 'b.occChanged', { when: dateTime(zone, o.start, lang) })]),
  ].sort((a, b) => Date.parse(a[0]) - Date.parse(b[0])).map(([, x]) => x);
  sec.append(el('h4', { text: t('b.exceptions') }),
    exceptions.length ? el('ul', {}, exceptions.map((x) => el('li', { text: x }))) : el('p', { class: 'muted', text: t('b.noExceptions') }));
  if (b.exception) sec.append(el('p', { class: 'notice', text: t('b.thisIsException') }));

  // Times and title for all or the following meetings.
  const msg = el('div', { role: 'alert', class: 'error' });
  const start = el('input', { type: 'time', name: 'start_time', step: '300', value: b.start_local.slice(11, 16) });
  const end = el('input', { type: 'time', name: 'end_time', step: '300', value: b.end_local.slice(11, 16) });
  const title = el('input', { name: 'title', maxlength: '200', value: b.title });
  const scope = el('select', { name: 'scope' }, new Option(t('b.scopeFollowing'), 'following'), new Option(t('b.scopeAll'), 'all'));
  const form = el('form', { class: 'series-edit' },
    el('h4', { text: t('b.seriesEdit') }),
    el('div', { class: 'row' },
      el('label', {}, el('span', { text: t('b.title') }), title),
      el('label', {}, el('span', { text: t('b.start') }), start),
      el('label', {}, el('span', { text: t('b.end') }), end),
      el('label', {}, el('span', { text: t('b.scope') }), scope)),
    el('button', { type: 'submit', text: t('b.save') }), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ scope: scope.value });
    if (scope.value === 'following') q.set('from', b.start);
    const body = {};
    if (title.value !== b.title) body.title = title.value;
    if (start.value !== b.start_local.slice(11, 16)) body.start_time = start.value;
    if (end.value !== b.end_local.slice(11, 16)) body.end_time = end.value;
    const p = await api('PATCH', `/series/${encodeURIComponent(s.id)}?${q}`, body, { 'If-Match': r.etag || `"${s.version}"` });
    if (!p.ok) return showSeriesProblem(msg, p);
    await d.reload();
  });
  const cancelFrom = el('button', { type: 'button', class: 'danger', text: t('b.cancelFollowing') });
  cancelFrom.addEventListener('click', () => cancel(`?${new URLSearchParams({ from: b.start })}`));
  const cancelAll = el('button', { type: 'button', class: 'danger', text: t('b.cancelSeries') });
  cancelAll.addEventListener('click', () => cancel(''));
  async function cancel(q) {
    if (!confirm(t('b.confirmCancel'))) return;
    const p = await api('DELETE', `/series/${encodeURIComponent(s.id)}${q}`);
    if (!p.ok) return showSeriesProblem(msg, p);
    await d.reload();
  }
  sec.append(form, el('div', { class: 'row tight' }, cancelFrom, cancelAll));
  return sec;
}

function showSeriesProblem(target, r) {
  target.replaceChildren(el('p', { text: problemText(r) }));
  for (const o of (r.data && r.data.occurrences) || []) {
    target.append(el('p', { text: `${o.start_local.slice(0, 16).replace('T', ' ')}: ${(o.conflicts || []).map((c) => c.title || t('b.confidential')).join(', ') || o.reason}` }));
  }
}
