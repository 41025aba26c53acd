// The minutes of a council session as a page to read and print: who was
// present (and each change with its time), the agenda items with their
// times and speakers, and every vote's result by option and by name.
// From GET /api/v1/bookings/{id}/council/minutes; times in the room's zone;
// every text from the server goes in through textContent.
import { api, el, clock, dateTime, problemText } from './api.js';
import { t, apply, lang, setLang } from './i18n.js';

const $ = (id) => document.getElementById(id);
const booking = new URLSearchParams(location.search).get('booking') || '';
const state = { minutes: null, zone: 'Europe/Berlin' };

function table(caption, head, rows) {
  return el('div', { class: 'table-wrap' }, el('table', {},
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => (i === 0 ? el('th', { scope: 'row', text: c }) : el('td', { text: c }))))))));
}

const at = (iso) => t('m.at', { time: clock(state.zone, iso) });
const itemLabel = (it) => (it.number ? t('council.itemNumbered', { number: it.number, name: it.name }) : it.name);
const how = (h) => (h === 'room' ? t('m.room') : h === 'remote' ? t('m.remote') : '');

// ruleWords says the quorum rule as the booking page offers it.
function ruleWords(q) {
  const words = { '1/2/false': 'c.rule.half', '1/2/true': 'c.rule.halfAtLeast', '2/3/true': 'c.rule.twoThirds', '1/3/true': 'c.rule.third' }[`${q.num}/${q.den}/${!!q.at_least}`];
  return words ? t(words) : t(q.at_least ? 'm.ruleAtLeast' : 'm.ruleMore', { num: q.num, den: q.den });
}

function render(m) {
  const z = state.zone;
  const head = el('section', { class: 'minutes-head', 'aria-labelledby': 'm-name' },
    el('h2', { id: 'm-name', text: m.name }),
    el('p', { text: t('m.when', { from: dateTime(z, m.start, lang), to: clock(z, m.end) }) }),
    el('p', { text: t('m.quorum', { rule: ruleWords(m.quorum) }) }));
  const present = m.person.filter((p) => p.present).length;
  const people = el('section', { 'aria-labelledby': 'm-att' },
    el('h2', { id: 'm-att', text: t('m.attendance') }),
    el('p', { text: t('m.presentCount', { n: present, of: m.person.length }) }),
    table(t('m.members'), [t('m.name'), t('m.group'), t('m.wasPresent')],
      m.person.map((p) => [p.name, p.group || '', p.present ? t('b.yes') : t('b.no')])),
    m.attendance.length ? table(t('m.changes'), [t('m.time'), t('m.name'), t('m.change')],
      m.attendance.map((a) => [at(a.at), a.name, a.present ? t('m.came', { how: how(a.how) }) : t('m.left', { how: how(a.how) })])) : el('p', { class: 'muted', text: t('m.noChanges') }));
  const items = el('section', { 'aria-labelledby': 'm-items' }, el('h2', { id: 'm-items', text: t('council.agenda') }));
  for (const it of m.agendaItem) {
    const spans = it.spans.map((s) => (s.end ? t('m.span', { from: clock(z, s.start), to: clock(z, s.end) }) : t('m.spanOpen', { from: clock(z, s.start) })));
    const box = el('article', { class: 'item' },
      el('h3', { text: `${itemLabel(it)} (${it.public ? t('council.public') : t('council.closed')})` }),
      el('p', { text: spans.length ? t('m.held', { spans: spans.join(', ') }) : t('m.notHeld') }));
    if (it.speakers.length) box.append(el('p', { text: t('m.speakers', { names: it.speakers.map((s) => `${s.name} (${at(s.at)})`).join(', ') }) }));
    for (const v of it.votes) {
      const res = v.totals.map((x) => t('council.total', { option: x.option, n: x.count })).join(', ');
      const vb = el('div', { class: 'vote' },
        el('h4', { text: t(v.secret ? 'm.secretVote' : 'm.vote', { question: v.question }) }),
        el('p', { text: v.closed ? t('m.voteTimes', { from: clock(z, v.opened), to: clock(z, v.closed) }) : t('m.voteOpen', { from: clock(z, v.opened) }) }),
        el('p', { text: t('council.result', { totals: res }) }),
        table(t('m.byOption'), [t('m.option'), t('m.count')], v.totals.map((x) => [x.option, String(x.count)])));
      if (v.ballots.length) {
        vb.append(table(t('council.byName'), [t('m.name'), t('m.option'), t('m.how'), t('m.time')],
          v.ballots.map((b) => [b.name, b.option, b.remote ? t('m.remote') : t('m.room'), at(b.at)])));
      }
      const counted = v.totals.reduce((n, x) => n + x.count, 0) - v.ballots.length;
      if (counted > 0 && !v.secret) vb.append(el('p', { class: 'muted', text: t('m.hands', { n: counted }) }));
      box.append(vb);
    }
    items.append(box);
  }
  if (!m.agendaItem.length) items.append(el('p', { class: 'muted', text: t('c.noAgenda') }));
  $('minutes').replaceChildren(head, people, items);
}

function labels() {
  apply();
  $('lang').textContent = t('lang.switch');
  $('lang').lang = lang === 'de' ? 'en' : 'de';
  document.title = `Kogge – ${t('m.title')}`;
  if (state.minutes) render(state.minutes);
}

async function load() {
  const id = encodeURIComponent(booking);
  $('csv').href = `/api/v1/bookings/${id}/council/minutes.csv`;
  const [b, r] = await Promise.all([api('GET', `/bookings/${id}`), api('GET', `/bookings/${id}/council/minutes`)]);
  if (r.status === 401) { $('login-needed').hidden = false; return; }
  if (!r.ok) { $('minutes-error').textContent = problemText(r); return; }
  if (b.ok) {
    const rooms = await api('GET', '/rooms');
    const room = rooms.ok ? rooms.data.rooms.find((x) => x.id === b.data.room) : null;
    if (room && room.zone) state.zone = room.zone;
  }
  state.minutes = r.data;
  render(r.data);
}

$('lang').addEventListener('click', () => { setLang(lang === 'de' ? 'en' : 'de'); labels(); });
$('print').addEventListener('click', () => window.print());
labels();
load();
