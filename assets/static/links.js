// Join links (host, guest, PIN, lobby, rotation), interview candidates,
// and the calendar links (invitation, feeds).
import { api, el, clock, dayLabel, parts, localInstant, problemText, serverNow } from './api.js';
import { t, say, lang } from './i18n.js';
export { scenesSection } from './av.js';

// copyField is a read-only field with a copy button.
export function copyField(label, value, extra) {
  const input = el('input', { readonly: true, value, class: 'mono' });
  const status = el('span', { class: 'muted', role: 'status' });
  const copy = el('button', { type: 'button', class: 'secondary', text: t('b.copy'), 'aria-label': `${label}: ${t('b.copy')}`, onclick: async () => {
    try { await navigator.clipboard.writeText(value); status.textContent = t('b.copied'); } catch { input.select(); status.textContent = t('b.copyManually'); }
  } });
  return el('div', { class: 'copy' }, el('label', {}, el('span', { text: label }), input), el('div', { class: 'row tight' }, copy, extra || null, status));
}

export async function joinSection(d) {
  const b = d.booking, zone = d.room.zone;
  const sec = el('section', { 'aria-labelledby': 'join-title' }, el('h3', { id: 'join-title', text: t('b.join') }));
  const r = await api('GET', `/bookings/${encodeURIComponent(b.id)}/join`);
  if (!r.ok) return sec.append(el('p', { class: 'error', text: problemText(r) })) || sec;
  const j = r.data, msg = el('div', { class: 'error', role: 'alert' });
  const rotate = (link, candidate) => el('button', { type: 'button', class: 'secondary', text: t('b.rotate'), onclick: async () => {
    if (!confirm(t('b.confirmRotate'))) return;
    const x = await api('POST', `/bookings/${encodeURIComponent(b.id)}/join/rotate`, candidate ? { link, candidate } : { link });
    if (!x.ok) return msg.replaceChildren(el('p', { text: problemText(x) }));
    await d.reload();
  } });
  // The day too (a booking's detail is opened on other days), and past
  // links are said to be over.
  const opensDay = parts(zone, j.opens).day, closesDay = parts(zone, j.closes).day;
  const longDay = (day) => dayLabel(day, lang, { weekday: 'long', day: 'numeric', month: 'long' });
  const window_ = { day: longDay(opensDay), toDay: longDay(closesDay), from: clock(zone, j.opens), to: clock(zone, j.closes) };
  const over = Date.parse(j.closes) < serverNow();
  const windowKey = over ? 'b.joinWindowOver' : (opensDay === closesDay ? 'b.joinWindow' : 'b.joinWindowDays');
  sec.append(el('p', { class: 'muted', text: t(windowKey, window_) }),
    copyField(t('b.hostLink'), j.host_url, rotate('host')),
    copyField(t('b.guestLink'), j.guest_url, rotate('guest')));
  // New PINs need 8 digits (docs/security.md, Limits); a shorter one set
  // before may be kept as it is, so the form still saves the lobby.
  const old = j.guest_pin || '';
  const pin = el('input', { name: 'guest_pin', inputmode: 'numeric', pattern: old.length >= 8 || !old ? '[0-9]{8,10}' : `${old}|[0-9]{8,10}`, value: old });
  const lobby = el('select', { name: 'lobby' }, new Option(t('b.lobbyDefault'), 'default'), new Option(t('b.lobbyOn'), 'on'), new Option(t('b.lobbyOff'), 'off'));
  lobby.value = j.lobby_setting;
  const settings = el('form', { class: 'row' },
    el('label', {}, el('span', { text: t('b.guestPin') }), pin),
    el('label', {}, el('span', { text: t('b.lobby') }), lobby),
    el('p', { class: 'muted', text: j.lobby ? t('b.lobbyIsOn') : t('b.lobbyIsOff') }),
    el('button', { type: 'submit', text: t('b.save') }));
  settings.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const x = await api('PATCH', `/bookings/${encodeURIComponent(b.id)}/join`, { guest_pin: pin.value, lobby: lobby.value });
    if (!x.ok) return msg.replaceChildren(el('p', { text: problemText(x) }));
    await d.reload();
  });
  sec.append(settings);
  if (b.kind === 'interview' || j.candidates.length) sec.append(candidates(d, j, rotate, msg));
  sec.append(msg);
  return sec;
}

function candidates(d, j, rotate, msg) {
  const b = d.booking, zone = d.room.zone;
  const wrap = el('div', { class: 'candidates' }, el('h4', { text: t('b.candidates') }));
  wrap.append(j.candidates.length ? el('ul', { class: 'plain' }, j.candidates.map((c) => el('li', {},
    copyField(`${c.label} (${clock(zone, c.start)}–${clock(zone, c.end)})`, c.url, el('span', {}, rotate('candidate', c.id),
      el('button', { type: 'button', class: 'danger', text: t('b.remove'), onclick: async () => {
        const x = await api('DELETE', `/bookings/${encodeURIComponent(b.id)}/candidates/${c.id}`);
        if (!x.ok) return msg.replaceChildren(el('p', { text: problemText(x) }));
        await d.reload();
      } })))))) : el('p', { class: 'muted', text: t('b.noCandidates') }));
  const label = el('input', { name: 'label', required: true, maxlength: '100' });
  const start = el('input', { type: 'time', name: 'start', required: true, step: '300' });
  const end = el('input', { type: 'time', name: 'end', required: true, step: '300' });
  const form = el('form', { class: 'row' },
    el('label', {}, el('span', { text: t('b.candidateName') }), label),
    el('label', {}, el('span', { text: t('b.start') }), start),
    el('label', {}, el('span', { text: t('b.end') }), end),
    el('button', { type: 'submit', text: t('b.addCandidate') }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const day = b.start_local.slice(0, 10);
    const x = await api('POST', `/bookings/${encodeURIComponent(b.id)}/candidates`, { label: label.value, start: localInstant(zone, day, start.value), end: localInstant(zone, day, end.value) });
    if (!x.ok) return msg.replaceChildren(el('p', { text: problemText(x) }));
    await d.reload();
  });
  wrap.append(form);
  return wrap;
}

export function icalSection(b, d) {
  const out = el('div', { 'aria-live': 'polite' });
  const feed = el('button', { type: 'button', class: 'secondary', text: t('b.feedForRoom', { room: d.room.name }), onclick: async () => {
    const x = await api('POST', '/feeds', { kind: 'room', id: b.room });
    out.replaceChildren(x.ok ? copyField(t('b.feedUrl'), x.data.url) : el('p', { class: 'error', text: problemText(x) }));
  } });
  const items = [el('a', { href: `/api/v1/bookings/${encodeURIComponent(b.id)}/invitation.ics`, download: 'invitation.ics', text: t('b.invitation') }), feed];
  if (b.committee) {
    items.push(el('button', { type: 'button', class: 'secondary', text: t('b.feedForCommittee', { committee: b.committee }), onclick: async () => {
      const x = await api('POST', '/feeds', { kind: 'committee', id: b.committee });
      out.replaceChildren(x.ok ? copyField(t('b.feedUrl'), x.data.url) : el('p', { class: 'error', text: problemText(x) }));
    } }));
  }
  return el('section', { 'aria-labelledby': 'ical-title' }, el('h3', { id: 'ical-title', text: t('b.ical') }), el('div', { class: 'row tight' }, items), out);
}

// The page's feed list and form. A room feed is chosen from the rooms the
// user may see; organizer and committee feeds take a name.
let feedRooms = [];

// roomPicker fills the feed form's room choice (again after a language
// switch, keeping the choice).
export function roomPicker(rooms) {
  feedRooms = rooms;
  const sel = document.getElementById('feed-form').elements.namedItem('room');
  const cur = sel.value;
  sel.replaceChildren(...rooms.map((r) => new Option(r.name, r.id)));
  if (cur) sel.value = cur;
}

function feedTarget(f) {
  const room = f.kind === 'room' && feedRooms.find((r) => r.id === f.target);
  return room ? room.name : f.target;
}

export async function refreshFeeds() {
  const r = await api('GET', '/feeds');
  const list = document.getElementById('feed-list');
  if (!r.ok) return list.replaceChildren(el('li', { class: 'error', text: problemText(r) }));
  list.replaceChildren(...(r.data.feeds.length ? r.data.feeds.map((f) => el('li', { class: 'row tight' },
    el('span', { text: `${t('b.feed.' + f.kind)}: ${feedTarget(f)}` }),
    el('button', { type: 'button', class: 'danger', text: t('b.revoke'), 'aria-label': `${feedTarget(f)}: ${t('b.revoke')}`, onclick: async () => {
      await api('DELETE', `/feeds/${encodeURIComponent(f.id)}`);
      refreshFeeds();
    } }))) : [el('li', { class: 'muted', text: t('b.noFeeds') })]));
}

export function initFeeds() {
  const form = document.getElementById('feed-form');
  const name = form.elements.namedItem('id');
  const sync = () => {
    const room = form.kind.value === 'room';
    document.getElementById('feed-room').hidden = !room;
    document.getElementById('feed-name').hidden = room;
    name.required = !room;
  };
  form.kind.addEventListener('change', sync);
  form.addEventListener('reset', () => setTimeout(sync));
  sync();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = form.kind.value === 'room' ? form.elements.namedItem('room').value : name.value.trim();
    const x = await api('POST', '/feeds', { kind: form.kind.value, id });
    const out = document.getElementById('feed-new');
    say(out, (node) => { node.replaceChildren(x.ok ? copyField(t('b.feedUrlOnce'), x.data.url) : el('p', { class: 'error', role: 'alert', text: problemText(x) })); });
    if (x.ok) { form.reset(); refreshFeeds(); }
  });
}
