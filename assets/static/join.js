// The join page: pre-join (name, devices, PIN), lobby, and the meeting on
// Kogge's SFU. Protocol: signaling/PROTOCOL.md. Two peer connections, as
// the SFU expects: "up" carries what we send (we offer), "down" what the
// others send (the server offers, we answer).
import { t, pair, apply, has, lang, setLang } from './i18n.js';
import { publish, opusFecDtx, applyLayers, uniqueMsids } from './join-publish.js';
import { initTiles, setMe, showLocal, onRemoteTrack, update, setSpeaker, clearTiles, render, viewSent } from './join-tiles.js';
import { initPresent, presentState, presentRefused, presentFlags, allowButton, presentGone, presentSuspend, presentResume, presentStartAgain } from './join-present.js';
import { initReconnect, retry, welcomed, settle, markControls } from './join-reconnect.js';
import { initCouncil, setMember, councilState, councilVoted, councilRefused } from './join-council.js';
import { initWatchdog, watch, heard, beat, refused, nudge, unwatch } from './join-watchdog.js';

const $ = (id) => document.getElementById(id);
const root = $('join');
const token = location.pathname.split('/').pop();
const role = root.dataset.role;

let ws = null;
let me = null;             // our participant id
let iceServers = [];
let up = null, down = null;
let upRound = Promise.resolve(); // up negotiations, one after the other
let upAnswered = null;           // resolves the round waiting for its answer
let downOffer = '';              // the server's latest offer on down
let local = null;          // our MediaStream
let micMuted = false, camOff = false, handUp = false, locked = false;
let people = [];           // last state.participants
let lastState = null;      // the last state message, redrawn on a language change
let closedShown = false;
let parked = false;        // moved to the lobby during a closed item
// Reconnecting (signaling/PROTOCOL.md, "Reconnecting"; join-reconnect.js):
// the secret of our latest welcome brings us back as the same participant
// after a connection that ended without a final closed. Every welcome
// brings a new one, and the one before ends once the new one is used, so
// each is kept the moment it arrives.
let resume = '';
// tryAgain: the server said "try again" (moving, shutdown) before any
// welcome: the first join is retried like a reconnect.
let tryAgain = false;
let hello = null;          // { name, pin } of the first hello
// Final closes end the page; the rest (shutdown, error, moving) retry.
const retryReasons = new Set(['shutdown', 'error', 'moving']);
// Notices that ask for a reload get a button for it; after leaving, the
// same reload brings back the form, for whoever left by mistake.
const reloadable = new Set(['gave_up', 'error', 'shutdown', 'slow', 'left']);

// Texts that depend on what happened (status lines, toggled buttons) are
// set through live(): it remembers how to say them, so a language switch
// redraws them without a reload. Static texts use data-i18n, the lists
// are redrawn from lastState.
const lives = new Map();   // element → () => text

function live(el, say) {
  delete el.dataset.i18n; // apply() must not put the static text back
  lives.set(el, say);
  el.textContent = say();
}

function redraw() {
  apply();
  for (const [el, say] of lives) {
    if (el.isConnected) el.textContent = say(); else lives.delete(el);
  }
  if (lastState) renderState(lastState);
  render();
  markControls();
}

function show(section) {
  for (const id of ['notice', 'prejoin', 'lobby', 'meeting']) $(id).hidden = id !== section;
}

// notice shows a final state; opens (RFC 3339) is formatted in the
// language shown, detail is the host's own words.
function notice(reason, { opens = '', detail = '' } = {}) {
  live($('notice-title'), () => pair('state.' + reason)[0]);
  live($('notice-text'), () => pair('state.' + reason, { time: opens ? formatTime(opens) : '' })[1] +
    (detail ? '\n' + t('reason', { reason: detail }) : ''));
  show('notice');
  $('notice-reload').hidden = !reloadable.has(reason);
  live($('notice-reload'), () => t(reason === 'left' ? 'meeting.rejoin' : 'meeting.reload'));
  if (reason === 'gave_up') $('notice-reload').focus();
}

function formatTime(iso) {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'full', timeStyle: 'short' }).format(new Date(iso));
}

function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

// ---- pre-join ----------------------------------------------------------

async function openDevices() {
  const cam = $('camera').value, mic = $('mic').value;
  if (local) local.getTracks().forEach((tr) => tr.stop());
  // 16:9 pictures fill the 16:9 tiles; a camera that cannot is shown in
  // its own shape (join.css).
  const wide = { width: { ideal: 1280 }, height: { ideal: 720 } };
  try {
    local = await navigator.mediaDevices.getUserMedia({
      video: cam === 'none' ? false : (cam ? { ...wide, deviceId: { exact: cam } } : wide),
      audio: mic === 'none' ? false : (mic ? { deviceId: { exact: mic } } : true),
    });
  } catch {
    local = new MediaStream();
    live($('prejoin-error'), () => t('prejoin.noDevices'));
  }
  $('preview').srcObject = local;
}

async function listDevices() {
  let devices = [];
  try { devices = await navigator.mediaDevices.enumerateDevices(); } catch { /* no permission */ }
  for (const [sel, kind, unnamed] of [[$('camera'), 'videoinput', 'prejoin.cameraN'], [$('mic'), 'audioinput', 'prejoin.micN']]) {
    const current = sel.value;
    sel.replaceChildren();
    devices.filter((d) => d.kind === kind).forEach((d, i) => {
      const o = document.createElement('option');
      o.value = d.deviceId;
      // Without permission the browser hides the labels: number them.
      if (d.label) o.textContent = d.label; else live(o, () => t(unnamed, { n: i + 1 }));
      sel.append(o);
    });
    const none = document.createElement('option');
    none.value = 'none';
    live(none, () => t('prejoin.none'));
    sel.append(none);
    if (current) sel.value = current;
  }
}

async function prejoin() {
  show('prejoin');
  $('pin-row').hidden = root.dataset.pin !== 'true';
  // A council member's own link brings their name (the hub uses it
  // whatever is typed); anyone else's last name typed is offered again.
  const member = $('name').hasAttribute('data-member');
  if (!member) try { $('name').value = localStorage.getItem('kogge.name') || ''; } catch { /* private mode */ }
  // The form works at once; joining waits for the devices if the camera
  // is still starting.
  const devicesReady = openDevices().then(listDevices);
  $('prejoin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('name').value.trim();
    if (!name) return;
    if (!member) try { localStorage.setItem('kogge.name', name); } catch { /* private mode */ }
    $('join-button').disabled = true;
    await devicesReady;
    hello = { name, pin: $('pin').value.trim() };
    connect();
  });
  $('camera').addEventListener('change', openDevices);
  $('mic').addEventListener('change', openDevices);
  $(member ? 'join-button' : 'name').focus();
}

// ---- signaling ---------------------------------------------------------

function connect() {
  const { name, pin } = hello;
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const sock = new WebSocket(scheme + location.host + '/ws');
  ws = sock;
  watch(sock);
  sock.addEventListener('open', () => send({ type: 'hello', version: 1, token, name, pin, ...(resume && { resume }) }));
  sock.addEventListener('message', (e) => {
    if (sock !== ws) return; // a connection we gave up on
    heard();
    let m;
    try { m = JSON.parse(e.data); } catch { return; }
    handle(m).catch((err) => console.error('kogge:', err));
  });
  sock.addEventListener('close', () => {
    if (sock !== ws) return;
    ended();
  });
}

// abandon gives up on a connection that stayed silent (join-watchdog.js):
// the network path died without the browser noticing, and it would not
// for minutes. Its close, whenever the browser gets to it, is ignored.
function abandon(sock) {
  if (sock !== ws) return;
  ws = null;
  sock.close();
  ended();
}

// ended: the connection is over, by its close or abandoned.
function ended() {
  unwatch();
  if (closedShown) { stopMedia(); return; }
  // Once in, an unexpected end is retried (the camera, microphone and a
  // live screen stay on; the peer connections are built anew); before
  // that there is nothing to resume. After about five minutes the page
  // gives up and says what to do.
  if (resume || tryAgain) {
    dropConnections();
    if (retry()) return;
    stopMedia();
    notice('gave_up');
    return;
  }
  stopMedia();
  notice('error');
}

async function handle(m) {
  switch (m.type) {
    case 'welcome': {
      resume = m.resume || ''; // a new secret with every welcome, resumed ones too
      tryAgain = false;
      const back = welcomed();
      beat();
      me = m.id;
      setMe(me);
      iceServers = m.ice_servers || [];
      setMember(m.member);
      if (m.meeting && m.meeting.title) $('title').textContent = m.meeting.title;
      if (m.state === 'lobby') { show('lobby'); $('lobby-leave').focus(); break; }
      if (back) {
        // The server restored our mute; what we chose meanwhile counts.
        send({ type: 'mute', muted: micMuted });
        note(() => t('meeting.reconnected'));
      }
      await startMeeting(!back);
      break;
    }
    case 'admitted':
      if (m.ice_servers) iceServers = m.ice_servers;
      if (parked) {
        // Back from a closed item: the camera and microphone were let go.
        parked = false;
        await openDevices();
        setMic(micMuted);
        if (local) local.getVideoTracks().forEach((tr) => { tr.enabled = !camOff; });
      }
      await startMeeting();
      break;
    case 'moved':
      // A closed (non-public) item: we wait in the lobby until the public
      // part continues, without camera or microphone.
      parked = true;
      stopMedia();
      live($('lobby-text'), () => t('council.moved'));
      show('lobby');
      $('lobby-leave').focus();
      break;
    case 'voted':
      councilVoted(m);
      break;
    case 'state':
      renderState(m);
      break;
    case 'offer':
      await onOffer(m.sdp);
      break;
    case 'answer':
      if (up) await up.setRemoteDescription({ type: 'answer', sdp: opusFecDtx(m.sdp) }).finally(() => upAnswered?.());
      break;
    case 'layers':
      await applyLayers(up, m.track, m.active);
      break;
    case 'active_speaker':
      setSpeaker(m.id);
      break;
    case 'candidate': {
      const pc = m.pc === 'up' ? up : down;
      if (pc && m.candidate) await pc.addIceCandidate(m.candidate).catch(() => {});
      break;
    }
    case 'mute_request':
      setMic(true);
      note(() => t('meeting.mutedByHost'));
      break;
    case 'error': {
      if (m.code === 'prejoin') break;
      if (m.ref_type === 'ping') { refused(); break; } // a server before the heartbeat
      if (m.ref_type === 'present' && presentRefused(m.code)) break;
      if (m.ref_type === 'offer') upAnswered?.(); // no answer comes: the next round may start
      if (m.code === 'council') { const key = councilRefused(m, has); note(() => t(key)); break; }
      // The server's message is for developers; people get a sentence.
      const key = 'meeting.error.' + m.code;
      note(() => t(has(key) ? key : 'meeting.error'));
      break;
    }
    case 'closed':
      // Not final: the close that follows retries (reconnect). A
      // reconnect refused for too many joins from this network (a whole
      // building reconnecting at once) waits its turn in the backoff too.
      if (resume && (retryReasons.has(m.reason) || m.reason === 'rate_limited')) break;
      if (!resume && m.reason !== 'error' && retryReasons.has(m.reason)) { tryAgain = true; break; }
      closedShown = true;
      settle();
      unwatch();
      if (m.reason === 'pin_wrong' || m.reason === 'pin_required') {
        // Back to the form with the camera and microphone still on: the
        // preview stays, and the right PIN joins with them.
        dropConnections();
        ws = null; // its close, which follows, must not show the error notice over the form
        $('pin-row').hidden = false;
        const reason = m.reason;
        live($('prejoin-error'), () => pair('state.' + reason)[1]);
        $('join-button').disabled = false;
        closedShown = false;
        show('prejoin');
        $('pin').focus();
        return;
      }
      stopMedia();
      if (m.reason === 'external' && /^https:\/\//.test(m.url || '')) { location.assign(m.url); return; }
      notice(m.reason, { opens: m.opens || '', detail: m.message && m.reason === 'denied' ? m.message : '' });
      break;
  }
}

// ---- media -------------------------------------------------------------

// startMeeting builds the up connection and sends what we send; after a
// reconnect also the screen we presented (join-present.js). focus is
// false after a reconnect: the person may be somewhere else on the page.
async function startMeeting(focus = true) {
  show('meeting');
  if (focus) $('toggle-mic').focus();
  const pc = up = new RTCPeerConnection({ iceServers });
  up.addEventListener('icecandidate', (e) => { if (e.candidate) send({ type: 'candidate', pc: 'up', candidate: e.candidate.toJSON() }); });
  publish(up, local);
  const presentAgain = presentResume(up);
  showLocal(local || new MediaStream());
  await negotiateUp();
  if (presentAgain && up === pc) presentStartAgain(up);
}

// negotiateUp offers what up sends now (again after a screen share starts
// or ends) and resolves once the answer is applied. Rounds run one after
// the other: the server takes an offer only in the stable state.
function negotiateUp() {
  upRound = upRound.then(async () => {
    if (!up || up.signalingState === 'closed') return;
    const answered = new Promise((resolve) => { upAnswered = resolve; });
    const offer = await up.createOffer();
    await up.setLocalDescription({ type: 'offer', sdp: opusFecDtx(offer.sdp) });
    send({ type: 'offer', pc: 'up', sdp: up.localDescription.sdp });
    await answered;
    upAnswered = null;
  }).catch((err) => console.error('kogge: up negotiation:', err));
  return upRound;
}

async function onOffer(sdp) {
  if (!down) {
    down = new RTCPeerConnection({ iceServers });
    down.addEventListener('icecandidate', (e) => { if (e.candidate) send({ type: 'candidate', pc: 'down', candidate: e.candidate.toJSON() }); });
    // Media that died says the network may have too: ask the server now
    // (join-watchdog.js decides).
    const pc = down;
    pc.addEventListener('connectionstatechange', () => { if (pc.connectionState === 'failed') nudge(); });
    // The offer being applied names the publishers' track ids (msid).
    down.addEventListener('track', (e) => onRemoteTrack(e, downOffer));
  }
  downOffer = uniqueMsids(sdp);
  await down.setRemoteDescription({ type: 'offer', sdp: downOffer });
  await down.setLocalDescription(await down.createAnswer());
  send({ type: 'answer', pc: 'down', sdp: down.localDescription.sdp });
}

function stopMedia() {
  dropConnections();
  presentGone();
  if (local) local.getTracks().forEach((tr) => tr.stop());
}

// dropConnections ends the peer connections but keeps the camera, the
// microphone and a live screen (a reconnect sends them again).
function dropConnections() {
  for (const pc of [up, down]) if (pc) pc.close();
  up = down = null;
  upAnswered?.();
  presentSuspend();
  clearTiles();
}

// koggeStats lets tests and support read what arrives and what leaves:
// video frames decoded (in all, and of the presentation shown), each
// received video's decoded width (which simulcast layer arrives), our
// outgoing video streams (simulcast layers by rid, the screen without),
// and the view last sent (the size each received video is shown at).
window.koggeStats = async () => {
  let frames = 0, presentation = 0, presentationWidth = 0;
  const inbound = [];
  const shown = $('presentation-video').srcObject?.getVideoTracks()[0];
  if (down) {
    (await down.getStats()).forEach((r) => {
      if (r.type !== 'inbound-rtp' || r.kind !== 'video') return;
      frames += r.framesDecoded || 0;
      inbound.push({ frameWidth: r.frameWidth || 0, framesDecoded: r.framesDecoded || 0 });
      if (shown && r.trackIdentifier === shown.id) { presentation = r.framesDecoded || 0; presentationWidth = r.frameWidth || 0; }
    });
  }
  const outbound = [];
  if (up) {
    (await up.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video') outbound.push({ rid: r.rid || '', frameWidth: r.frameWidth || 0, packetsSent: r.packetsSent || 0, active: r.active !== false });
    });
  }
  return { framesDecoded: frames, presentationFrames: presentation, presentationWidth, inbound, outbound, view: viewSent(), connected: !!down && down.connectionState === 'connected' };
};

// ---- controls ----------------------------------------------------------

function setMic(muted) {
  micMuted = muted;
  if (local) local.getAudioTracks().forEach((tr) => { tr.enabled = !muted; });
  $('toggle-mic').setAttribute('aria-pressed', String(muted));
  live($('toggle-mic'), () => t(micMuted ? 'meeting.unmute' : 'meeting.mute'));
}

// note shows a status line above the videos; say returns its text in the
// language shown.
// note shows a passing sentence (a refusal, "reconnected") under the
// controls; it goes after NOTE_MS, so a refusal does not stay beside
// later actions that worked.
const NOTE_MS = 10000;
let noteTimer = 0;
function note(say) {
  const n = $('meeting-note');
  live(n, say);
  n.hidden = false;
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => { n.hidden = true; }, NOTE_MS);
}

function button(label, onClick, className = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (className) b.className = className;
  b.addEventListener('click', onClick);
  return b;
}

function renderState(m) {
  lastState = m;
  people = m.participants || [];
  // Before the lists: they show who presents.
  presentState(m, me, role === 'host');
  councilState(m.council, role === 'host');
  locked = !!m.locked;
  const host = role === 'host';
  const list = $('people');
  list.replaceChildren();
  for (const p of people) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    // One bracket for both notes: "Vorsitz (Sie, Leitung)", not "(Sie) (Leitung)".
    const notes = [p.id === me && t('meeting.youWord'), p.role === 'host' && t('meeting.host')].filter(Boolean);
    name.textContent = p.name + (notes.length ? ` (${notes.join(', ')})` : '');
    li.append(name);
    const flags = [p.muted && t('meeting.muted'), p.hand && t('meeting.hand'), ...presentFlags(p)].filter(Boolean).join(', ');
    if (flags) { const f = document.createElement('small'); f.textContent = ' ' + flags; li.append(f); }
    if (host && p.id !== me) {
      li.append(button(t('host.mute'), () => send({ type: 'host_mute', id: p.id })));
      li.append(button(t('host.remove'), () => send({ type: 'remove', id: p.id, reason: '' }), 'danger')); // as the lobby's "turn away"
      const allow = allowButton(p, button);
      if (allow) li.append(allow);
    }
    list.append(li);
  }
  const q = $('queue');
  q.replaceChildren();
  for (const e of m.queue || []) {
    const li = document.createElement('li');
    const s = document.createElement('span');
    // A seat of the room's discussion system says which seat it is.
    s.textContent = e.seat ? (e.name ? t('meeting.queueSeat', { name: e.name, n: e.seat }) : t('meeting.queueSeatOnly', { n: e.seat })) : e.name;
    li.append(s);
    if (host) li.append(button(t('host.dequeue'), () => send({ type: 'queue', action: 'remove', id: e.id })));
    q.append(li);
  }
  if (!(m.queue || []).length) { const li = document.createElement('li'); li.className = 'muted'; li.textContent = t('meeting.queueEmpty'); q.append(li); }
  handUp = (m.queue || []).some((e) => e.id === me);
  $('toggle-hand').setAttribute('aria-pressed', String(handUp));
  live($('toggle-hand'), () => t(handUp ? 'meeting.lowerHand' : 'meeting.raiseHand'));
  $('queue-controls').hidden = !host;
  $('host').hidden = !host;
  if (host) {
    const l = $('lobby-list');
    l.replaceChildren();
    for (const w of m.lobby || []) {
      const li = document.createElement('li');
      li.dataset.waiting = w.id;
      const s = document.createElement('span');
      s.textContent = w.name + (w.candidate ? ` – ${w.candidate}` : '');
      // Letting in is the usual answer; turning away looks like leaving.
      li.append(s, button(t('host.admit'), () => send({ type: 'admit', id: w.id })),
        button(t('host.deny'), () => send({ type: 'deny', id: w.id, reason: '' }), 'danger'));
      l.append(li);
    }
    if (!(m.lobby || []).length) { const li = document.createElement('li'); li.className = 'muted'; li.textContent = t('host.lobbyEmpty'); l.append(li); }
    $('lock').setAttribute('aria-pressed', String(locked));
    live($('lock'), () => t(locked ? 'host.unlock' : 'host.lock'));
  }
  update(people, m.presenter);
  markControls(); // buttons drawn anew while reconnecting
}

function wireControls() {
  $('toggle-mic').addEventListener('click', () => { setMic(!micMuted); send({ type: 'mute', muted: micMuted }); });
  $('toggle-camera').addEventListener('click', () => {
    camOff = !camOff;
    if (local) local.getVideoTracks().forEach((tr) => { tr.enabled = !camOff; });
    $('toggle-camera').setAttribute('aria-pressed', String(camOff));
    live($('toggle-camera'), () => t(camOff ? 'meeting.cameraOn' : 'meeting.cameraOff'));
  });
  $('toggle-hand').addEventListener('click', () => send({ type: 'hand', raised: !handUp }));
  const leave = () => {
    send({ type: 'leave' }); closedShown = true; settle(); unwatch();
    stopMedia(); ws?.close(); notice('left');
  };
  $('leave').addEventListener('click', leave);
  $('lobby-leave').addEventListener('click', leave);
  $('admit-all').addEventListener('click', () => send({ type: 'admit', all: true }));
  $('lock').addEventListener('click', () => send({ type: 'lock', locked: !locked }));
  $('end-all').addEventListener('click', () => { if (confirm(t('host.endConfirm'))) send({ type: 'end' }); });
  $('queue-next').addEventListener('click', () => send({ type: 'queue', action: 'next' }));
  $('queue-clear').addEventListener('click', () => send({ type: 'queue', action: 'clear' }));
  $('lang').addEventListener('click', () => { setLang(lang === 'de' ? 'en' : 'de'); redraw(); });
}

// ---- start -------------------------------------------------------------

apply();
// The switch names the other language, in that language.
live($('lang'), () => { $('lang').lang = lang === 'de' ? 'en' : 'de'; return t('lang.switch'); });
wireControls();
initTiles({ send });
initPresent({ send, up: () => up, negotiate: negotiateUp, note });
initReconnect({ connect });
initWatchdog({ send, lost: abandon });
$('notice-reload').addEventListener('click', () => location.reload());
initCouncil({ send });
const state = root.dataset.state;
if (state === 'open') prejoin();
else notice(state, { opens: root.dataset.opens || '' });
// A meeting not open yet opens by itself at its time: the page loads
// again a moment after it, counted on the server's clock (the page's own
// may be off); not for a time more than a day ahead, nor sooner than in
// 5 s.
if (state === 'not_open' && root.dataset.opens && root.dataset.now) {
  const wait = Date.parse(root.dataset.opens) - Date.parse(root.dataset.now) + 2000;
  if (wait < 24 * 3600 * 1000) setTimeout(() => location.reload(), Math.max(wait, 5000));
}
