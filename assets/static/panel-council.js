// The room panel's part in a council session running in its room: the
// open agenda item (a closed item by its number only, as everyone outside
// the meeting sees it), the quorum, and the list of members to mark
// present or absent in the room. Everything from the server goes into
// textContent.
import { t, lang } from './i18n.js';

const $ = (id) => document.getElementById(id);
let expanded = false; // the attendance list is open (kept across redraws)
// refocus is the member whose box was changed last: the box is disabled
// while the change is sent (which drops the focus) and redrawn after.
let refocus = null;

// itemLabel names the item; a closed item comes without its name, and
// the sentence says "closed" already.
const itemLabel = (it) => {
  if (!it.name) return it.number ? t('panel.itemNumber', { number: it.number }) : t('council.closedItem');
  return it.number ? t('council.itemNumbered', { number: it.number, name: it.name }) : it.name;
};

const clock = (iso, zone) => new Date(iso).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'de-DE',
  { hour: '2-digit', minute: '2-digit', timeZone: zone || undefined });

// renderCouncil draws the session of state st; setPresence(member, inRoom)
// sends a change (the panel's act).
export function renderCouncil(st, setPresence) {
  const c = st.council;
  $('council-box').hidden = !c;
  // A session lays the door out differently on a small screen (panel.css).
  $('panel').classList.toggle('council', !!c);
  if (!c) {
    $('panel').classList.remove('attendance-open');
    return;
  }
  const it = c.item;
  const item = $('council-item');
  item.textContent = it
    ? t(it.public ? 'council.openPublic' : 'council.openClosed', { item: itemLabel(it), time: clock(it.since, st.zone) })
    : t('council.noItem');
  item.classList.toggle('closed-item', !!(it && !it.public));
  const q = c.quorum;
  $('council-quorum').textContent = q.members
    ? t(q.quorate ? 'council.quorate' : 'council.notQuorate', { present: q.present, members: q.members, room: q.in_room, remote: q.remote, needed: q.needed })
    : t('council.noMembers');

  const toggle = $('attendance-toggle');
  toggle.hidden = !c.members.length;
  toggle.setAttribute('aria-expanded', String(expanded && c.members.length > 0));
  toggle.textContent = t(expanded ? 'panel.attendanceHide' : 'panel.attendanceShow');
  const list = $('attendance');
  list.hidden = !expanded || !c.members.length;
  // While the list is open it takes the side column (panel.css).
  $('panel').classList.toggle('attendance-open', !list.hidden);
  // A redraw replaces the boxes: the one that had the focus gets it back.
  const active = document.activeElement;
  let focused = active && active.dataset ? active.dataset.member : undefined;
  if (focused === undefined && refocus !== null && (!active || active === document.body)) focused = String(refocus);
  list.replaceChildren(...c.members.map((m) => {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = m.in_room;
    box.dataset.member = String(m.id);
    box.addEventListener('change', () => { refocus = m.id; setPresence(m, box.checked); });
    const name = document.createElement('span');
    name.className = 'member-name';
    name.textContent = m.group ? m.name + ' (' + m.group + ')' : m.name;
    const label = document.createElement('label');
    label.append(box, name);
    if (m.remote) {
      const note = document.createElement('span');
      note.className = 'member-note';
      note.textContent = t('panel.memberRemote');
      label.append(note);
    }
    const li = document.createElement('li');
    li.append(label);
    return li;
  }));
  if (focused !== undefined) {
    const again = list.querySelector('input[data-member="' + CSS.escape(focused) + '"]');
    if (again) again.focus();
  }
}

// wireCouncil lets the toggle open and close the list; redraw draws again.
export function wireCouncil(redraw) {
  $('attendance-toggle').addEventListener('click', () => {
    expanded = !expanded;
    redraw();
  });
}
