// The week view: one room, Monday to Sunday, 06:00–23:00.
import { api, listBookings, localInstant, addDays, weekStart, dayLabel, el, problemText } from './api.js';
import { t, lang } from './i18n.js';
import { track, hours } from './grid.js';

export async function renderWeek(target, room, day, handlers) {
  const mon = weekStart(day);
  const from = localInstant(room.zone, mon, '00:00');
  const to = localInstant(room.zone, addDays(mon, 7), '00:00');
  const [avail, list] = await Promise.all([
    api('GET', `/rooms/${encodeURIComponent(room.id)}/availability?${new URLSearchParams({ from, to })}`),
    listBookings({ room: room.id, from, to }),
  ]);
  const title = el('h2', { id: 'week-title', text: t('b.weekOf', { room: room.name, from: dayLabel(mon, lang, { day: 'numeric', month: 'long' }), to: dayLabel(addDays(mon, 6), lang, { day: 'numeric', month: 'long', year: 'numeric' }) }) });
  if (!avail.ok) {
    target.replaceChildren(title, el('p', { class: 'error', role: 'alert', text: problemText(avail) }));
    return;
  }
  const byId = new Map(list.bookings.map((b) => [b.id, b]));
  const grid = el('div', { class: 'week-grid', tabindex: '0', role: 'region', 'aria-label': t('b.gridLabel') }, el('div', { class: 'corner' }));
  const days = [...Array(7)].map((_, i) => addDays(mon, i));
  for (const d of days) grid.append(el('div', { class: `dayhead${d === day ? ' current' : ''}`, text: dayLabel(d, lang) }));
  grid.append(hours('y'));
  for (const d of days) {
    grid.append(track({ zone: room.zone, room: room.id, day: d, axis: 'y', slots: avail.data.slots, byId,
      label: `${room.name}, ${dayLabel(d, lang, { weekday: 'long', day: 'numeric', month: 'long' })}`,
      onOpen: handlers.open, onPick: handlers.pick }));
  }
  target.replaceChildren(title, el('p', { class: 'muted', text: t('b.dragHint') }), grid, legend());
}

// legend names every colour the grid uses: the kinds of booking (a
// confidential one is drawn as an interview), the buffers, closed time.
export function legend() {
  const item = (cls, text) => el('li', {}, el('span', { class: `sw ${cls}`, 'aria-hidden': 'true' }), text);
  return el('ul', { class: 'legend', 'aria-label': t('b.legend') },
    item('kind-council', t('b.kind.council')),
    item('kind-committee', t('b.kind.committee')),
    item('kind-interview', t('b.legendInterview')),
    item('kind-meeting', t('b.kind.meeting')),
    item('sw-buffer', t('b.buffers')),
    item('sw-closed', t('b.closed')));
}
