// The utilisation and licence report: choose a period and rooms, see the
// rooms' use, the remote participation and the licence pools' use as
// charts with their numbers in tables, download the CSV, print it. The
// figures come from GET /api/v1/reports/utilisation; every text from the
// server goes in through textContent.
import { api, el, addDays, today, problemText, setServerNow, dayLabel, dateTime } from './api.js';
import { t, apply, lang, setLang } from './i18n.js';
import { providerName } from './words.js';
import { stackedBars, columns, heatMap } from './report-charts.js';

const $ = (id) => document.getElementById(id);
const KINDS = ['council', 'committee', 'interview', 'meeting'];
const state = { rooms: [], report: null, zone: 'Europe/Berlin' };

const locale = () => (lang === 'en' ? 'en-GB' : 'de-DE');
const num = (n, digits = 1) => Number(n).toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const pct = (p) => (p === null || p === undefined ? null : `${num(p)} %`);
const eur = (n) => Number(n).toLocaleString(locale(), { style: 'currency', currency: 'EUR' });
const date = (d) => dayLabel(d, lang, { day: '2-digit', month: '2-digit', year: 'numeric' });
const clock = (iso) => new Date(iso).toLocaleTimeString(locale(), { timeZone: state.zone, hour: '2-digit', minute: '2-digit' });
const localDay = (iso) => new Intl.DateTimeFormat('en-CA', { timeZone: state.zone }).format(new Date(iso));
const roomName = (id) => (state.rooms.find((r) => r.id === id) || {}).name || id;

// table builds a table whose first column heads its rows; columns whose
// index is in extra get the class kindcol too (left out when printed).
function table(caption, head, rows, extra = []) {
  const cls = (i, base) => [base, extra.includes(i) ? 'kindcol' : ''].filter(Boolean).join(' ') || undefined;
  return el('table', {},
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { scope: 'col', class: cls(i, i ? 'num' : ''), text: h })))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => (i === 0 ? el('th', { scope: 'row', text: c }) : el('td', { class: cls(i, 'num'), text: c })))))));
}

function labels() {
  apply();
  $('lang').textContent = t('lang.switch');
  $('lang').lang = lang === 'de' ? 'en' : 'de';
  document.title = `Kogge – ${t('r.subtitle')}`;
  if (state.report) render(state.report);
}

function query(format) {
  const q = new URLSearchParams({ from: $('from').value, to: $('to').value });
  const chosen = [...document.querySelectorAll('#room-choice input:checked')].map((i) => i.value);
  if (chosen.length !== state.rooms.length) for (const id of chosen) q.append('room', id);
  if (format) {
    q.set('format', format);
    q.set('lang', lang);
  }
  return q;
}

async function load() {
  $('report-error').textContent = '';
  const r = await api('GET', `/reports/utilisation?${query()}`);
  $('csv').href = `/api/v1/reports/utilisation?${query('csv')}`;
  if (!r.ok) {
    $('report-error').textContent = problemText(r);
    return;
  }
  state.report = r.data;
  state.zone = r.data.zone;
  render(r.data);
}

function render(rep) {
  $('report').hidden = false;
  const rooms = rep.all_rooms ? t('r.allRooms') : rep.rooms.map((r) => r.name).join(', ');
  $('scope').textContent = t('r.scope', { from: date(rep.from), to: date(rep.to), rooms, made: dateTime(state.zone, rep.generated, lang) });
  renderRooms(rep);
  renderRemote(rep.remote);
  renderLicences(rep.licences, rep);
}

function kindParts(f) {
  return KINDS.map((k) => ({ value: f.bookable_hours > 0 ? f.booked_hours_by_kind[k] / f.bookable_hours * 100 : 0, cls: `k-${k}`,
    title: `${t('b.kind.' + k)}: ${num(f.booked_hours_by_kind[k])} h` }));
}

function renderRooms(rep) {
  const total = rep.rooms.reduce((a, r) => ({ bookable: a.bookable + r.bookable_hours, booked: a.booked + r.booked_hours, used: a.used + r.used_hours,
    noShows: a.noShows + r.no_shows, required: a.required + r.checkin_required, checked: a.checked + r.checked_in, early: a.early + r.early_ends }),
  { bookable: 0, booked: 0, used: 0, noShows: 0, required: 0, checked: 0, early: 0 });
  $('rooms-finding').textContent = total.bookable > 0
    ? t('r.roomsFinding', { pct: pct(total.booked / total.bookable * 100), booked: num(total.booked, 0), bookable: num(total.bookable, 0),
      used: num(total.used, 0), noShows: total.noShows, early: total.early })
    : t('r.noBookable');
  const chartLabel = t('r.roomsChart');
  $('rooms-chart').replaceChildren(el('div', { class: 'legend-row' }, KINDS.map((k) => el('span', {}, el('span', { class: `sw k-${k}` }), t('b.kind.' + k)))),
    stackedBars(chartLabel, rep.rooms.map((r) => ({ label: r.name, parts: kindParts(r), total: pct(r.utilisation_percent) ?? t('r.notBookable') })), num));
  $('rooms-table').replaceChildren(table(t('r.roomsCaption'),
    [t('r.room'), t('r.bookable'), t('r.booked'), t('r.utilisation'), ...KINDS.map((k) => t('r.kindCol.' + k)), t('r.used'), t('r.noShows'), t('r.checkinRate'), t('r.earlyEnds')],
    rep.rooms.map((r) => [r.name, num(r.bookable_hours), num(r.booked_hours), pct(r.utilisation_percent) ?? t('r.notBookable'),
      ...KINDS.map((k) => num(r.booked_hours_by_kind[k])), num(r.used_hours), String(r.no_shows),
      r.checkin_rate_percent === null ? t('r.noCheckin') : pct(r.checkin_rate_percent), String(r.early_ends)]), [4, 5, 6, 7]));

  // The weeks of all chosen rooms together in the chart; per room in the table.
  const weeks = new Map();
  for (const w of rep.weeks) {
    const a = weeks.get(w.week) || { bookable: 0, booked: 0 };
    a.bookable += w.bookable_hours;
    a.booked += w.booked_hours;
    weeks.set(w.week, a);
  }
  const points = [...weeks].map(([wk, a]) => {
    const v = a.bookable > 0 ? a.booked / a.bookable * 100 : null;
    return { label: dayLabel(wk, lang, { day: 'numeric', month: 'numeric' }), value: v,
      title: t('r.weekPoint', { week: date(wk), pct: pct(v) ?? t('r.notBookable') }) };
  });
  $('weeks-chart').replaceChildren(columns(t('r.weeksChart'), points, { max: 100, unit: ' %', fmt: num }));
  $('weeks-table').replaceChildren(table(t('r.weeksCaption'),
    [t('r.week'), t('r.room'), t('r.bookable'), t('r.booked'), t('r.utilisation'), t('r.used'), t('r.noShows'), t('r.earlyEnds')],
    rep.weeks.map((w) => [date(w.week), roomName(w.room), num(w.bookable_hours), num(w.booked_hours), pct(w.utilisation_percent) ?? t('r.notBookable'),
      num(w.used_hours), String(w.no_shows), String(w.early_ends)])));

  // Only the hours that are bookable somewhere.
  const cells = rep.heat.percent;
  const hours = [...Array(24).keys()].filter((h) => cells.some((row) => row[h] !== null));
  const days = [...Array(7).keys()].map((i) => dayLabel(addDays('2027-03-01', i), lang, { weekday: 'short' })); // 1 March 2027 is a Monday
  const dayNames = [...Array(7).keys()].map((i) => dayLabel(addDays('2027-03-01', i), lang, { weekday: 'long' }));
  $('heat-chart').replaceChildren(hours.length
    ? heatMap(t('r.heatChart'), days, hours, (i, h) => (cells[i][h] === null ? null
      : { value: cells[i][h], title: t('r.heatCell', { day: dayNames[i], hour: h, pct: pct(cells[i][h]) }) }))
    : el('p', { text: t('r.noBookable') }));
  $('heat-table').replaceChildren(table(t('r.heatCaption'), [t('r.hour'), ...dayNames],
    hours.map((h) => [`${String(h).padStart(2, '0')}:00`, ...cells.map((row) => pct(row[h]) ?? '–')])));
}

function renderRemote(r) {
  $('remote-finding').textContent = r.bookings
    ? t('r.remoteFinding', { hybrid: r.hybrid, bookings: r.bookings, pct: pct(r.hybrid_share_percent) })
    : t('r.noBookings');
  const rows = Object.entries(r.by_provider).sort((a, b) => b[1] - a[1]).map(([p, n]) => [providerName(p), String(n)]);
  const moves = ['capacity', 'confidential', 'failover', 'licences'].filter((m) => r.moves[m]).map((m) => [t('r.move.' + m), String(r.moves[m])]);
  $('remote-table').replaceChildren(
    rows.length ? table(t('r.whereCaption'), [t('r.provider'), t('r.meetings')], rows) : el('p', { text: t('r.noHybrid') }),
    moves.length ? table(t('r.movesCaption'), [t('r.why'), t('r.meetings')], moves) : el('p', { class: 'muted', text: t('r.noMoves') }));
  const notes = [];
  if (r.unknown_peaks) notes.push(t('r.unknownPeaks', { n: r.unknown_peaks }));
  if (r.meetings_left_out) notes.push(t('r.leftOut', { n: r.meetings_left_out }));
  $('meetings-note').textContent = notes.join(' ');
  $('meetings-table').replaceChildren(table(t('r.meetingsCaption'), [t('r.when'), t('r.room'), t('r.title'), t('r.provider'), t('r.peakRemote')],
    r.meetings.map((m) => [dateTime(state.zone, m.start, lang), roomName(m.room), m.confidential ? t('r.confidential') : (m.title || t('r.purgedTitle')),
      providerName(m.provider) + (m.move ? ` (${t('r.move.' + m.move)})` : ''), m.peak_remote === null ? t('r.notRecorded') : String(m.peak_remote)])));
}

// finding states a pool's peak plainly, with when it was first reached.
function finding(p) {
  const name = providerName(p.provider);
  if (!p.peak) return t('r.licenceNone', { pool: p.pool, provider: name });
  const from = p.peak_from, to = p.peak_to;
  let when;
  if (!to) when = t('r.since', { date: date(localDay(from)), time: clock(from) });
  else if (localDay(from) === localDay(to)) when = `${date(localDay(from))}, ${clock(from)}–${clock(to)}`;
  else when = `${date(localDay(from))}, ${clock(from)} – ${date(localDay(to))}, ${clock(to)}`;
  return t('r.licenceFinding', { peak: p.peak, pool: p.pool, provider: name, when });
}

function renderLicences(list, rep) {
  const box = $('licences');
  if (!list.length) {
    box.replaceChildren(el('p', { text: t('r.noPools') }));
    return;
  }
  box.replaceChildren(...list.map((p) => {
    const name = providerName(p.provider);
    const cost = p.yearly_cost === null ? t('r.noCost', { provider: name })
      : p.cost_per_licence_hour === null ? t('r.costUnused', { yearly: eur(p.yearly_cost), period: eur(p.period_cost) })
        : t('r.cost', { yearly: eur(p.yearly_cost), period: eur(p.period_cost), hours: num(p.licence_hours), perHour: eur(p.cost_per_licence_hour) });
    return el('section', { class: 'pool', 'aria-label': name },
      el('h3', { text: name }),
      el('p', { class: 'finding', text: finding(p) }),
      el('p', { text: t('r.licenceHours', { hours: num(p.licence_hours), pool: p.pool }) + ' ' + cost }),
      el('div', { class: 'chart' }, columns(t('r.licenceChart', { provider: name, from: date(rep.from), to: date(rep.to) }),
        p.days.map((d) => ({ label: dayLabel(d.date, lang, { day: 'numeric', month: 'numeric' }), value: d.peak, title: t('r.dayPeak', { date: date(d.date), n: d.peak }) })),
        { ref: p.pool, refLabel: t('r.poolLine', { n: p.pool }), fmt: num, whole: true })),
      el('details', {}, el('summary', { text: t('r.daysTable') }),
        el('div', { class: 'table-wrap', tabindex: '0' }, table(t('r.daysCaption', { provider: name }), [t('r.day'), t('r.peak'), t('r.pool')],
          p.days.map((d) => [date(d.date), String(d.peak), String(p.pool)])))));
  }));
}

async function start() {
  labels();
  $('lang').addEventListener('click', () => setLang(lang === 'de' ? 'en' : 'de'));
  document.addEventListener('kogge:lang', labels);
  const me = await api('GET', '/session');
  if (!me.ok || me.data.must_enrol_totp) {
    $('login-needed').hidden = false;
    return;
  }
  setServerNow(me.data.now);
  const r = await api('GET', '/rooms');
  state.rooms = r.ok ? r.data.rooms : [];
  if (state.rooms[0] && state.rooms[0].zone) state.zone = state.rooms[0].zone;
  $('room-choice').replaceChildren(...state.rooms.map((room) =>
    el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'room', value: room.id, checked: true }), el('span', { text: room.name }))));
  const end = today(state.zone);
  $('to').value = end;
  $('from').value = addDays(end, -89);
  $('period').hidden = false;
  $('period').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });
  $('print').addEventListener('click', () => window.print());
  await load();
}

start();
