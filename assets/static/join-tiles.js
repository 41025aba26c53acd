// The join page's pictures: one tile per participant (camera and sound),
// the presentation large beside them, the active speaker highlighted and
// enlarged, and the `view` message that tells the SFU how large each
// received video is shown (signaling/PROTOCOL.md), so it sends no layer
// larger than the page needs.
import { t, say } from './i18n.js';
import { msidTrack } from './join-publish.js';

const $ = (id) => document.getElementById(id);

let send = () => {};
let me = '';
let people = [];
let presenter = null;      // state.presenter: { id, track } or null
let speaker = '';          // the active speaker's participant id
let localStream = null;    // our camera and microphone
let localScreen = null;    // our screen track while we present
let active = false;        // in the meeting: views may be sent
let stale = false;         // reconnecting: the others' tiles are frozen
// remote holds every received track by the publisher's own track id:
// { pid (the publisher), track }.
const remote = new Map();
const watched = new WeakSet(); // streams whose removetrack we hear

export function initTiles(opts) {
  send = opts.send;
  window.addEventListener('resize', scheduleView);
}

export function setMe(id) { me = id; }

// showLocal starts the meeting's pictures with our own tile.
export function showLocal(stream) { localStream = stream; active = true; render(); }

export function showLocalScreen(track) { localScreen = track; render(); }

// onRemoteTrack takes a track event of the down connection: the stream
// id is the publisher's participant id, the m-section's msid the
// publisher's track id.
export function onRemoteTrack(e, sdp) {
  const stream = e.streams[0];
  if (!stream) return;
  forget(e.track); // a reused transceiver brings its track again
  remote.set(msidTrack(sdp, e.transceiver?.mid) || e.track.id, { pid: stream.id, track: e.track });
  if (!watched.has(stream)) {
    watched.add(stream);
    stream.addEventListener('removetrack', (ev) => { forget(ev.track); render(); });
  }
  render();
}

function forget(track) {
  for (const [id, r] of remote) if (r.track === track) remote.delete(id);
}

// update takes a state: names, and who presents.
export function update(participants, pres) {
  people = participants;
  presenter = pres || null;
  render();
}

// setSpeaker follows active_speaker ("" when nobody speaks).
export function setSpeaker(id) {
  speaker = id || '';
  render();
  say($('speaker-note'), () => {
    const p = people.find((x) => x.id === speaker);
    return p ? t('meeting.speaking', { name: p.name }) : '';
  });
}

// clearTiles forgets the received tracks when the connections close. The
// tiles stay on the page as they were (marked stale while reconnecting);
// the view is sent again to the next connection.
export function clearTiles() {
  active = false;
  remote.clear();
  lastView = '';
}

// setTilesStale marks the others' tiles (and their presentation) as frozen
// while the page reconnects: dimmed, and said in the caption.
export function setTilesStale(on) {
  stale = on;
  render();
}

const nameOf = (id) => people.find((x) => x.id === id)?.name || '';

// render draws tiles and the presentation from what is known now; it is
// cheap and idempotent, so every change just calls it.
export function render() {
  const grid = $('grid');
  if (!grid) return;
  const shown = new Set();
  if (localStream) {
    tile(me, localStream.getTracks(), true);
    shown.add(me);
  }
  const byPid = new Map();
  for (const [id, r] of remote) {
    if (!byPid.has(r.pid)) byPid.set(r.pid, []);
    byPid.get(r.pid).push({ id, track: r.track });
  }
  for (const [pid, tracks] of byPid) {
    // The camera is the participant's first video track that is not the
    // presentation; the presentation has the stage to itself.
    const cam = tracks.find((x) => x.track.kind === 'video' && !(presenter && presenter.id === pid && presenter.track === x.id));
    const sound = tracks.filter((x) => x.track.kind === 'audio').map((x) => x.track);
    const el = tile(pid, cam ? [...sound, cam.track] : sound, false);
    el.querySelector('video').dataset.track = cam ? cam.id : '';
    shown.add(pid);
  }
  // While reconnecting the tracks are gone but the people are not: their
  // tiles stay until the next state says who is there.
  if (!stale) for (const el of grid.querySelectorAll('.tile')) if (!shown.has(el.dataset.participant)) el.remove();
  for (const el of grid.querySelectorAll('.tile')) {
    const id = el.dataset.participant;
    const p = people.find((x) => x.id === id);
    const frozen = stale && id !== me;
    const parts = [(p ? p.name : '') + (id === me ? ` ${t('meeting.you')}` : '')];
    if (p && p.muted) parts.push(t('meeting.muted'));
    if (id === speaker && !frozen) parts.push(t('meeting.speakingShort'));
    if (frozen) parts.push(t('meeting.tileReconnecting'));
    el.querySelector('figcaption').textContent = parts.join(' – ');
    el.classList.toggle('speaking', id === speaker && !frozen);
    el.classList.toggle('stale', frozen);
  }
  renderPresentation();
  scheduleView();
}

// tile finds or makes a participant's tile and gives its video exactly
// these tracks (a new stream only when they changed: no flicker).
function tile(id, tracks, mine) {
  let el = document.querySelector(`#grid [data-participant="${CSS.escape(id)}"]`);
  if (!el) {
    el = document.createElement('figure');
    el.className = mine ? 'tile mine' : 'tile';
    el.dataset.participant = id;
    const v = document.createElement('video');
    v.autoplay = true;
    v.playsInline = true;
    v.muted = mine; // never play our own microphone back
    observe(v);
    el.append(v, document.createElement('figcaption'));
    $('grid').append(el);
  }
  const v = el.querySelector('video');
  const now = v.srcObject ? v.srcObject.getTracks() : [];
  if (now.length !== tracks.length || tracks.some((x) => !now.includes(x))) v.srcObject = new MediaStream(tracks);
  return el;
}

function renderPresentation() {
  const stage = $('presentation');
  const media = $('media');
  const on = !!presenter;
  media.classList.toggle('presenting', on);
  stage.hidden = !on;
  const v = $('presentation-video');
  if (!on) {
    if (v.srcObject) v.srcObject = null;
    v.dataset.track = '';
    return;
  }
  const mine = presenter.id === me;
  stage.classList.toggle('stale', stale && !mine);
  if (stale && !mine) {
    // Frozen: the picture stays as it was, the caption says why.
    const name = nameOf(presenter.id);
    say($('presentation-caption'), () => `${t('meeting.presentationBy', { name })} – ${t('meeting.tileReconnecting')}`);
    return;
  }
  const track = mine ? localScreen : remote.get(presenter.track)?.track;
  v.dataset.track = mine ? '' : presenter.track;
  if (track && !(v.srcObject && v.srcObject.getTracks()[0] === track)) v.srcObject = new MediaStream([track]);
  if (!track && v.srcObject) v.srcObject = null;
  const name = nameOf(presenter.id);
  say($('presentation-caption'), () => (mine ? t('meeting.presentationYours') : t('meeting.presentationBy', { name })));
}

// ---- view: how large each received video is shown ----------------------

const resized = new ResizeObserver(() => scheduleView());
function observe(v) { resized.observe(v); }
observe($('presentation-video'));

let viewTimer = 0;
let lastView = '';

// scheduleView sends the view at most four times a second, after the
// layout has settled.
function scheduleView() {
  if (!viewTimer) viewTimer = setTimeout(sendView, 250);
}

// viewSent is the last view sent (for koggeStats).
export function viewSent() { return lastView ? JSON.parse(lastView) : []; }

function sendView() {
  viewTimer = 0;
  if (!active) return;
  const dpr = window.devicePixelRatio || 1;
  const sizes = new Map();
  for (const v of document.querySelectorAll('#media video')) {
    const id = v.dataset.track;
    if (!id || !v.isConnected || !v.checkVisibility()) continue;
    const r = v.getBoundingClientRect();
    const w = Math.round(r.width * dpr), h = Math.round(r.height * dpr);
    const prev = sizes.get(id);
    if (w > 0 && h > 0 && (!prev || w * h > prev.width * prev.height)) sizes.set(id, { width: w, height: h });
  }
  const tracks = [...sizes].map(([track, s]) => ({ track, ...s })).sort((a, b) => (a.track < b.track ? -1 : 1));
  const key = JSON.stringify(tracks);
  if (key === lastView) return;
  lastView = key;
  send({ type: 'view', tracks });
}
