// The room's AV: each device by its label with its state in words, and a
// button per scene (on the page for the chosen room, and in the booking
// detail).
import { api, el, problemText } from './api.js';
import { t, say } from './i18n.js';
import { deviceLabel, deviceState, sceneLabel } from './words.js';

const $ = (id) => document.getElementById(id);

// A scene answers at once with its run's id; each action's result and
// the end arrive as "scene" events (kogge.js passes them on as
// kogge-scene), so a projector warming up holds nobody.
// A fast scene's events can come before its POST's answer: runs are
// therefore kept by id from the first event on, and the button's end
// handler is attached whenever the answer arrives.
const runs = new Map(); // run id -> { failed: labels, done, end(failed) }
function runOf(id) {
  if (!runs.has(id)) runs.set(id, { failed: new Set(), done: false, end: null });
  if (runs.size > 50) runs.delete(runs.keys().next().value); // others' runs, never claimed
  return runs.get(id);
}
function finish(id) {
  const run = runs.get(id);
  if (!run || !run.done || !run.end) return;
  runs.delete(id);
  run.end([...run.failed]);
}
document.addEventListener('kogge-scene', (ev) => {
  const s = ev.detail, run = runOf(s.id);
  if (s.done) run.done = true;
  else if (!s.ok) run.failed.add(s.label || deviceLabel({ kind: '' }));
  finish(s.id);
});

function sceneButton(room, data, name, result, after) {
  const label = sceneLabel(name, data.scene_labels);
  return el('button', { type: 'button', class: 'secondary', text: t('b.scene', { name: label }), 'data-scene': name, onclick: async () => {
    say(result, () => t('b.sceneRunning', { name: sceneLabel(name, data.scene_labels) }));
    const r = await api('POST', `/rooms/${encodeURIComponent(room.id)}/scenes/${encodeURIComponent(name)}`);
    if (!r.ok) {
      say(result, () => problemText(r));
      return;
    }
    runOf(r.data.id).end = (failed) => {
      say(result, () => (failed.length === 0 ? t('b.sceneDone', { name: label })
        : t('b.sceneFailed', { name: label, devices: failed.join(', ') })));
      if (after) after();
    };
    finish(r.data.id);
  } });
}

function deviceItems(devices) {
  return devices.map((d) => el('li', { class: d.health, 'data-device': d.id },
    el('strong', { text: t('av.labelColon', { label: deviceLabel(d) }) }), el('span', { text: deviceState(d) })));
}

// refreshAV fills the page's AV section for room.
export async function refreshAV(room) {
  const r = room && (await api('GET', `/rooms/${encodeURIComponent(room.id)}/devices`));
  $('av').hidden = !r || !r.ok || r.data.devices.length === 0;
  if ($('av').hidden) return;
  $('devices').replaceChildren(...deviceItems(r.data.devices));
  $('scenes').replaceChildren(...r.data.scenes.map((name) => sceneButton(room, r.data, name, $('scene-result'), () => refreshAV(room))));
}

// scenesSection is the devices and scene buttons for the booking detail.
export async function scenesSection(room) {
  const sec = el('section', { 'aria-labelledby': 'detail-av-title' }, el('h3', { id: 'detail-av-title', text: t('b.av') }));
  const r = await api('GET', `/rooms/${encodeURIComponent(room.id)}/devices`);
  if (!r.ok || r.data.devices.length === 0) return sec.append(el('p', { class: 'muted', text: t('b.noDevices') })) || sec;
  const result = el('p', { class: 'muted', role: 'status' });
  const list = el('ul', { class: 'devices' }, deviceItems(r.data.devices));
  // After a scene the devices say what they do now, as on the page's
  // own AV section (refreshAV).
  const reload = async () => {
    const again = await api('GET', `/rooms/${encodeURIComponent(room.id)}/devices`);
    if (again.ok) list.replaceChildren(...deviceItems(again.data.devices));
  };
  sec.append(list, el('div', { class: 'row tight' }, r.data.scenes.map((name) => sceneButton(room, r.data, name, result, reload))), result);
  return sec;
}
