// Room panels for admins: approve a waiting panel by the code it shows,
// assign its room, see and revoke paired panels. Only admins see this
// section (the API refuses everyone else anyway).
import { api, problemText, dateTime } from './api.js';
import { t, lang, say } from './i18n.js';

const $ = (id) => document.getElementById(id);
// A panel waits at the door while the admin looks: the lists are read
// again this often while the section is on a visible page.
const POLL_MS = 5000;
let shown = null; // the rooms the lists were drawn for; set once the section shows
let pollTimer = null;
let asked = 0; // refreshes asked for; a slow answer never draws over a newer one
let wired = false;

// Times are said in a room's zone, as everywhere else: a panel's in its
// room's, a waiting code (no room yet) in the first room's, like the
// day view's "today".
const zoneOf = (rooms, id) => {
  const r = rooms.find((x) => x.id === id) || rooms[0];
  return r ? r.zone : 'Europe/Berlin';
};

// The lists are drawn by code: a language switch draws them again.
document.addEventListener('kogge:lang', () => { if (visible()) refreshPanels(shown); });
document.addEventListener('visibilitychange', () => { if (visible()) refreshPanels(shown); poll(); });

function visible() {
  return !!shown && !$('panels').hidden && !$('app').hidden && document.visibilityState === 'visible';
}

// poll reads the lists again in a while, as long as they are to be seen.
function poll() {
  clearTimeout(pollTimer);
  pollTimer = null;
  if (!visible()) return;
  pollTimer = setTimeout(async () => {
    if (await refreshPanels(shown)) poll(); // signed out: no more polling
  }, POLL_MS);
}

export async function initPanels(me, rooms) {
  $('panels').hidden = !me || me.user.role !== 'admin';
  if ($('panels').hidden) { shown = null; poll(); return; }
  const sel = $('pair-form').elements.room;
  sel.replaceChildren(...rooms.map((r) => new Option(r.name, r.id)));
  shown = rooms;
  if (!wired) { // a new sign-in calls initPanels again
    wired = true;
    $('pair-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = new FormData(ev.target);
      const r = await api('POST', '/panels/pairings/approve', { code: f.get('code').trim(), room: f.get('room'), name: f.get('name').trim() });
      say($('pair-error'), r.ok ? '' : () => problemText(r));
      if (r.ok) ev.target.reset();
      refreshPanels(shown);
    });
  }
  await refreshPanels(rooms);
  poll();
}

// refreshPanels draws both lists; false when the session is gone.
async function refreshPanels(rooms) {
  const mine = ++asked;
  const [pr, dr] = await Promise.all([api('GET', '/panels/pairings'), api('GET', '/panels')]);
  if (mine !== asked) return true;
  if (pr.status === 401 || dr.status === 401) return false;
  const waiting = pr.ok ? pr.data.pairings.filter((p) => !p.approved) : [];
  draw($('pairing-list'), waiting.map((p) => ({
    // The network (a /24 or /64) and the age by the server's clock tell a
    // panel at the door from someone filling the list.
    text: t('a.pairingLine', {
      code: p.code, network: p.network || '?', age: Math.floor((p.age_seconds || 0) / 60),
      until: dateTime(zoneOf(rooms, ''), p.expires, lang),
    }),
  })), t('a.noneWaiting'));
  const panels = dr.ok ? dr.data.panels : [];
  draw($('panel-list'), panels.map((p) => ({ id: p.id, text: panelLine(p, rooms), panel: p })), t('a.noPanels'));
  return true;
}

// panelLine says what is known of a panel. Between the approval and the
// panel's next poll (a few seconds) it has no token and was never seen:
// it is waiting for the panel, not a panel that never came.
function panelLine(p, rooms) {
  const room = rooms.find((r) => r.id === p.room);
  const vars = { name: p.name, room: room ? room.name : p.room };
  if (!p.claimed) return t('a.panelUnclaimed', vars);
  return t('a.panelLine', { ...vars, seen: p.last_seen ? dateTime(zoneOf(rooms, p.room), p.last_seen, lang) : t('a.never') });
}

// draw puts the entries in list, or the empty sentence. A list that says
// the same is left alone: the poll must not take the focus off a button.
function draw(list, entries, none) {
  const sig = JSON.stringify(entries.map((e) => [e.id || '', e.text]).concat([none]));
  if (list.dataset.drawn === sig) return;
  list.dataset.drawn = sig;
  list.replaceChildren(...(entries.length ? entries.map((e) => {
    const li = document.createElement('li');
    if (!e.panel) {
      li.textContent = e.text;
      return li;
    }
    const span = document.createElement('span');
    span.textContent = e.text;
    li.append(span, ' ', revokeButton(e.panel));
    return li;
  }) : [empty(none)]));
}

function revokeButton(p) {
  const revoke = document.createElement('button');
  revoke.type = 'button';
  revoke.className = 'secondary';
  revoke.textContent = t('a.revoke');
  revoke.setAttribute('aria-label', t('a.revokeNamed', { name: p.name }));
  revoke.addEventListener('click', async () => {
    if (!confirm(t('a.revokeConfirm', { name: p.name }))) return;
    const r = await api('DELETE', '/panels/' + encodeURIComponent(p.id));
    say($('pair-error'), r.ok ? '' : () => problemText(r));
    refreshPanels(shown);
  });
  return revoke;
}

function empty(text) {
  const li = document.createElement('li');
  li.className = 'muted';
  li.textContent = text;
  return li;
}
