// The day view: every room in a row, the hours across.
import { api, listBookings, localInstant, addDays, dayLabel, el, problemText } from './api.js';
import { t, lang } from './i18n.js';
import { track, hours } from './grid.js';
import { legend } from './week.js';

export async function renderDay(target, rooms, day, handlers) {
  const zone = rooms[0] ? rooms[0].zone : 'Europe/Berlin';
  const from = localInstant(zone, day, '00:00');
  const to = localInstant(zone, addDays(day, 1), '00:00');
  const [list, ...avail] = await Promise.all([
    listBookings({ from, to }),
    ...rooms.map((r) => api('GET', `/rooms/${encodeURIComponent(r.id)}/availability?${new URLSearchParams({ from: localInstant(r.zone, day, '00:00'), to: localInstant(r.zone, addDays(day, 1), '00:00') })}`)),
  ]);
  const byId = new Map(list.bookings.map((b) => [b.id, b]));
  const title = el('h2', { id: 'day-title', text: t('b.dayOf', { day: dayLabel(day, lang, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }) }) });
  const grid = el('div', { class: 'day-grid', tabindex: '0', role: 'region', 'aria-label': t('b.gridLabel') }, el('div', { class: 'corner' }), hours('x'));
  rooms.forEach((r, i) => {
    grid.append(el('div', { class: 'roomhead', text: r.name }));
    if (!avail[i].ok) {
      grid.append(el('p', { class: 'error', text: problemText(avail[i]) }));
      return;
    }
    const mine = new Map([...byId].filter(([, b]) => b.room === r.id));
    grid.append(track({ zone: r.zone, room: r.id, day, axis: 'x', slots: avail[i].data.slots, byId: mine,
      label: `${r.name}, ${dayLabel(day, lang, { weekday: 'long', day: 'numeric', month: 'long' })}`,
      onOpen: handlers.open, onPick: handlers.pick }));
  });
  target.replaceChildren(title, el('p', { class: 'muted', text: t('b.dragHint') }), grid, legend());
}
