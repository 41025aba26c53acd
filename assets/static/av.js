// The room's AV: device health and state, and a button per scene (on the
// page for the chosen room, and in the booking detail).
import { api, el, problemText } from './api.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

function sceneButton(room, name, result, after) {
  return el('button', { type: 'button', class: 'secondary', text: t('b.scene', { name }), onclick: async () => {
    result.textContent = t('b.sceneRunning', { name });
    const r = await api('POST', `/rooms/${encodeURIComponent(room.id)}/scenes/${encodeURIComponent(name)}`);
    const failed = r.ok ? r.data.results.filter((x) => !x.ok) : [];
    result.textContent = !r.ok ? problemText(r)
      : failed.length === 0 ? t('b.sceneDone', { name }) : `${t('b.scene', { name })}: ${failed.map((x) => `${x.device} ${x.command}: ${x.error}`).join('; ')}`;
    if (after) after();
  } });
}

// refreshAV fills the page's AV section for room.
export async function refreshAV(room) {
  const r = room && (await api('GET', `/rooms/${encodeURIComponent(room.id)}/devices`));
  $('av').hidden = !r || !r.ok || r.data.devices.length === 0;
  if ($('av').hidden) return;
  $('devices').replaceChildren(...r.data.devices.map((d) => {
    const state = Object.entries(d.state || {}).map(([k, v]) => `${k}: ${v}`).join(', ');
    return el('li', { class: d.health }, el('strong', { text: d.id }),
      el('span', { text: `${t('b.health.' + d.health)}${state ? ' · ' + state : ''}${d.last_error ? ' · ' + d.last_error : ''}` }));
  }));
  $('scenes').replaceChildren(...r.data.scenes.map((name) => sceneButton(room, name, $('scene-result'), () => refreshAV(room))));
}

// scenesSection is the scene buttons for the booking detail.
export async function scenesSection(room) {
  const sec = el('section', { 'aria-labelledby': 'detail-av-title' }, el('h3', { id: 'detail-av-title', text: t('b.av') }));
  const r = await api('GET', `/rooms/${encodeURIComponent(room.id)}/devices`);
  if (!r.ok || r.data.devices.length === 0) return sec.append(el('p', { class: 'muted', text: t('b.noDevices') })) || sec;
  const result = el('p', { class: 'muted', role: 'status' });
  sec.append(el('ul', { class: 'devices' }, r.data.devices.map((d) => el('li', { class: d.health }, el('strong', { text: d.id }), el('span', { text: t('b.health.' + d.health) })))),
    el('div', { class: 'row tight' }, r.data.scenes.map((name) => sceneButton(room, name, result))), result);
  return sec;
}
