// Room panels for admins: approve a waiting panel by the code it shows,
// assign its room, see and revoke paired panels. Only admins see this
// section (the API refuses everyone else anyway).
import { api, problemText } from './api.js';
import { t, lang, say } from './i18n.js';

const $ = (id) => document.getElementById(id);
const fmt = (iso) => new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'medium', timeStyle: 'short' });
let shown = null; // the rooms the lists were drawn for; set once the section shows

// The lists are drawn by code: a language switch draws them again.
document.addEventListener('kogge:lang', () => { if (shown && !$('panels').hidden) refreshPanels(shown); });

export async function initPanels(me, rooms) {
  if (!me || me.user.role !== 'admin') return;
  $('panels').hidden = false;
  const sel = $('pair-form').elements.room;
  sel.replaceChildren(...rooms.map((r) => new Option(r.name, r.id)));
  shown = rooms;
  $('pair-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const r = await api('POST', '/panels/pairings/approve', { code: f.get('code').trim(), room: f.get('room'), name: f.get('name').trim() });
    say($('pair-error'), r.ok ? '' : () => problemText(r));
    if (r.ok) ev.target.reset();
    refreshPanels(rooms);
  });
  refreshPanels(rooms);
}

export async function refreshPanels(rooms) {
  const [pr, dr] = await Promise.all([api('GET', '/panels/pairings'), api('GET', '/panels')]);
  const waiting = pr.ok ? pr.data.pairings.filter((p) => !p.approved) : [];
  $('pairing-list').replaceChildren(...(waiting.length ? waiting.map((p) => {
    const li = document.createElement('li');
    // The network (a /24 or /64) and the age by the server's clock tell a
    // panel at the door from someone filling the list.
    li.textContent = t('a.pairingLine', {
      code: p.code, network: p.network || '?', age: Math.floor((p.age_seconds || 0) / 60), until: fmt(p.expires),
    });
    return li;
  }) : [empty(t('a.noneWaiting'))]));
  const panels = dr.ok ? dr.data.panels : [];
  $('panel-list').replaceChildren(...(panels.length ? panels.map((p) => {
    const li = document.createElement('li');
    const room = rooms.find((r) => r.id === p.room);
    const span = document.createElement('span');
    span.textContent = t('a.panelLine', { name: p.name, room: room ? room.name : p.room, seen: p.last_seen ? fmt(p.last_seen) : t('a.never') });
    const revoke = document.createElement('button');
    revoke.type = 'button';
    revoke.className = 'secondary';
    revoke.textContent = t('a.revoke');
    revoke.setAttribute('aria-label', t('a.revokeNamed', { name: p.name }));
    revoke.addEventListener('click', async () => {
      if (!confirm(t('a.revokeConfirm', { name: p.name }))) return;
      const r = await api('DELETE', '/panels/' + encodeURIComponent(p.id));
      say($('pair-error'), r.ok ? '' : () => problemText(r));
      refreshPanels(rooms);
    });
    li.append(span, ' ', revoke);
    return li;
  }) : [empty(t('a.noPanels'))]));
}

function empty(text) {
  const li = document.createElement('li');
  li.className = 'muted';
  li.textContent = text;
  return li;
}
