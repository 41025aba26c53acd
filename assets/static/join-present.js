// Screen sharing on the join page: who may present (state.participants
// [].can_present), sharing a screen as a second video track on the up
// connection, `present` start/stop, and the host's stop. The meeting rules
// are the server's (signaling/PROTOCOL.md, "Meeting rules"); the page
// follows state.presenter, so a host's takeover or stop ends our sharing.
import { t, say } from './i18n.js';
import { changeParameters, msidTrack } from './join-publish.js';
import { showLocalScreen } from './join-tiles.js';

const $ = (id) => document.getElementById(id);

let ctx = null;          // { send, up(), negotiate(), note(say) }
let screen = null;       // our screen track while sharing
let screenTx = null;     // its transceiver, kept for the next share
let starting = false;    // our start is on its way: older states do not show us yet
let suspended = false;   // reconnecting with a live screen: presented again after the welcome
let resumed = false;     // the start after a reconnect is on its way
let allowed = false;     // state: we may present
let host = false;
let me = '';
let presenterId = '';
let presenterName = '';

export function initPresent(opts) {
  ctx = opts;
  $('share').addEventListener('click', () => (screen ? stopSharing() : startSharing()));
  $('stop-presentation').addEventListener('click', () => {
    if (presenterId) ctx.send({ type: 'present', action: 'stop', id: presenterId });
  });
  draw();
}

// presentState follows a state message.
export function presentState(m, myId, isHost) {
  me = myId;
  host = isHost;
  const people = m.participants || [];
  allowed = !!people.find((p) => p.id === me)?.can_present;
  const before = presenterId;
  presenterId = m.presenter ? m.presenter.id : '';
  presenterName = people.find((p) => p.id === presenterId)?.name || '';
  // While suspended, the states are the old ones (redrawn) or come before
  // our new start: they neither confirm nor end it.
  if (presenterId === me) { if (!suspended) starting = resumed = false; }
  else if (screen && !starting) {
    // A host took over or stopped us, or took back the permission.
    stopSharing();
    ctx.note(() => t('meeting.shareEnded'));
  }
  if (presenterId !== before) {
    const name = presenterName;
    say($('present-note'), () => {
      if (!presenterId) return t('meeting.presentationEnded');
      return presenterId === me ? t('meeting.presentationYours') : t('meeting.presenting', { name });
    });
  }
  draw();
}

// presentRefused: the server said no to our start (someone else
// presents, or we may not). After a reconnect the page says so here and
// reports true; otherwise the caller says why.
export function presentRefused(code) {
  if (!screen || !starting) return false;
  const after = resumed;
  stopSharing();
  if (after) ctx.note(() => t(code === 'busy' ? 'meeting.shareResumeBusy' : 'meeting.shareResumeFailed'));
  return after;
}

// presentFlags are the words for the participant list.
export function presentFlags(p) {
  if (p.id === presenterId) return [t('meeting.presents')];
  if (p.role !== 'host' && p.can_present) return [t('meeting.mayPresent')];
  return [];
}

// allowButton is the host's switch for a guest's permission.
export function allowButton(p, button) {
  if (p.role === 'host') return null;
  const b = button(t(p.can_present ? 'host.forbidPresent' : 'host.allowPresent'),
    () => ctx.send({ type: 'allow_present', id: p.id, allowed: !p.can_present }));
  b.dataset.allowPresent = p.id;
  return b;
}

function draw() {
  const share = $('share');
  const can = !!navigator.mediaDevices?.getDisplayMedia;
  share.hidden = !can || !(allowed || screen);
  share.setAttribute('aria-pressed', String(!!screen));
  say(share, () => t(screen ? 'meeting.stopShare' : 'meeting.share'));
  // The host's stop for someone else's presentation; one's own ends
  // with the share button.
  $('stop-presentation').hidden = !host || !presenterId || presenterId === me;
}

async function startSharing() {
  const up = ctx.up();
  if (!up || screen) return;
  let track;
  try {
    const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
    track = s.getVideoTracks()[0];
  } catch {
    ctx.note(() => t('meeting.shareFailed'));
    return;
  }
  if (!track) return;
  // Text stays legible: the encoder gives up frame rate before
  // resolution.
  track.contentHint = 'detail';
  track.addEventListener('ended', () => { if (screen === track) stopSharing(); }); // the browser's own stop
  screen = track;
  starting = true;
  if (!screenTx) {
    addScreen(up, track);
  } else {
    await screenTx.sender.replaceTrack(track);
    screenTx.direction = 'sendonly';
  }
  await keepResolution();
  showLocalScreen(track);
  draw();
  await ctx.negotiate();
  if (screen !== track) return; // stopped meanwhile
  sendStart(up);
}

function addScreen(up, track) {
  screenTx = up.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])], sendEncodings: [{ maxBitrate: 2_500_000 }] });
}

async function keepResolution() {
  try {
    await changeParameters(screenTx.sender, (p) => { p.degradationPreference = 'maintain-resolution'; return true; });
  } catch { /* the browser's default then */ }
}

function sendStart(up) {
  ctx.send({ type: 'present', action: 'start', track: msidTrack(up.localDescription.sdp, screenTx.mid) });
}

// presentSuspend: the connections dropped and the page reconnects. A
// screen still live stays captured (the person chose it once; asking again
// would need a click) and is presented again after the welcome; its
// transceiver belonged to the old connection.
export function presentSuspend() {
  screenTx = null;
  if (!screen || screen.readyState !== 'live') { presentGone(); return; }
  suspended = true;
  starting = true; // states before our new start do not end it
  resumed = false;
}

// presentResume puts a suspended screen on the new up connection, before
// its first offer; it reports whether presentStartAgain should follow the
// negotiation.
export function presentResume(up) {
  if (!suspended) return false;
  suspended = false;
  if (!screen || screen.readyState !== 'live') { presentGone(); draw(); return false; }
  addScreen(up, screen);
  keepResolution();
  resumed = true;
  return true;
}

// presentStartAgain asks to present again once the new up connection
// carries the screen. The server restores a guest's leave to present, and
// a host always may; a refusal (someone else presents now) ends our share
// with a sentence (presentRefused).
export function presentStartAgain(up) {
  if (!screen || !screenTx || !resumed || !up) return;
  sendStart(up);
}

// stopSharing ends our screen track and tells the server (which ignores
// it if we no longer present).
export async function stopSharing() {
  if (!screen) return;
  const track = screen;
  screen = null;
  starting = false;
  ctx.send({ type: 'present', action: 'stop' });
  track.stop();
  showLocalScreen(null);
  draw();
  const up = ctx.up();
  if (up && screenTx && up.signalingState !== 'closed') {
    await screenTx.sender.replaceTrack(null);
    screenTx.direction = 'inactive';
    await ctx.negotiate();
  }
}

// presentGone forgets everything when the meeting ends for us.
export function presentGone() {
  if (screen) showLocalScreen(null);
  screen?.stop();
  screen = null;
  screenTx = null;
  starting = suspended = resumed = false;
}
