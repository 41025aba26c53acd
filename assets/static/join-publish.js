// What the join page sends on its "up" connection: the camera in three
// simulcast layers, the microphone with Opus FEC and DTX, and (join-
// present.js) a screen track. Layers and rids: signaling/PROTOCOL.md.

// The camera's simulcast layers, lowest first (the SFU picks one per
// viewer and tells us with `layers` which anyone needs).
export const cameraLayers = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

// publish adds our microphone and camera to up. The camera goes out in
// the three layers, VP8 first (every browser decodes it; the SFU never
// transcodes), H.264 after it where both sides have it.
export function publish(up, local) {
  for (const track of local ? local.getTracks() : []) {
    if (track.kind === 'audio') {
      up.addTransceiver(track, { direction: 'sendonly', streams: [local] });
      continue;
    }
    const tr = up.addTransceiver(track, { direction: 'sendonly', streams: [local], sendEncodings: cameraLayers.map((l) => ({ ...l })) });
    preferCodecs(tr, ['video/VP8', 'video/H264']);
  }
  if (!local || local.getTracks().length === 0) {
    // Nothing to send: the up connection still carries our ICE presence.
    up.addTransceiver('audio', { direction: 'inactive' });
  }
}

function preferCodecs(tr, order) {
  const caps = RTCRtpSender.getCapabilities?.('video');
  if (!caps || !tr.setCodecPreferences) return;
  const rank = (c) => { const i = order.indexOf(c.mimeType); return i < 0 ? order.length : i; };
  try { tr.setCodecPreferences([...caps.codecs].sort((a, b) => rank(a) - rank(b))); } catch { /* keep the browser's order */ }
}

// opusFecDtx turns on Opus in-band FEC and DTX in a description: in our
// offer it says what we want, in the server's answer it is what makes the
// browser's encoder use them (a sender follows the receiver's fmtp).
export function opusFecDtx(sdp) {
  const pts = [...sdp.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)].map((m) => m[1]);
  for (const pt of pts) {
    const fmtp = new RegExp(`^a=fmtp:${pt} ([^\r\n]*)`, 'm');
    const line = sdp.match(fmtp);
    if (!line) {
      sdp = sdp.replace(new RegExp(`^(a=rtpmap:${pt} opus/48000[^\r\n]*)`, 'mi'), `$1\r\na=fmtp:${pt} useinbandfec=1;usedtx=1`);
      continue;
    }
    const params = line[1].split(';').filter((p) => p && !/^(useinbandfec|usedtx)=/.test(p));
    sdp = sdp.replace(fmtp, `a=fmtp:${pt} ${[...params, 'useinbandfec=1', 'usedtx=1'].join(';')}`);
  }
  return sdp;
}

// msidTrack reads the track id that a description's m-section (by mid)
// announces: for the server's offers the publisher's own track id (what
// `view`, `layers` and state.presenter name), for our offers our own.
export function msidTrack(sdp, mid) {
  if (!sdp || mid == null) return '';
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const lines = section.split(/\r?\n/);
    if (!lines.includes('a=mid:' + mid)) continue;
    const msid = lines.find((l) => l.startsWith('a=msid:'));
    return msid ? msid.split(' ')[1] || '' : '';
  }
  return '';
}

// uniqueMsids keeps a server offer applicable if it names one track id
// in several m-sections (an SFU that forwards each simulcast layer of a
// camera as a track of its own): the browser refuses such an offer, so
// the later sections get the id with their mid appended. The first keeps
// the publisher's id, which the page uses.
export function uniqueMsids(sdp) {
  const seen = new Set();
  const parts = sdp.split(/(?=\r?\nm=)/);
  return parts.map((section, i) => {
    if (i === 0) return section;
    const msid = section.match(/^a=msid:(\S+) (\S+)/m);
    const mid = section.match(/^a=mid:(\S+)/m);
    if (!msid || !mid) return section;
    const key = msid[1] + ' ' + msid[2];
    if (!seen.has(key)) { seen.add(key); return section; }
    return section.split(`msid:${key}`).join(`msid:${msid[1]} ${msid[2]}~${mid[1]}`);
  }).join('');
}

// applyLayers follows a `layers` message: the encodings nobody needs
// stop (the browser stops encoding them); audio is never touched. A
// sender of one encoding without rid (the screen) sends while anyone
// needs anything.
export async function applyLayers(up, track, active) {
  if (!up || !Array.isArray(active)) return;
  const sdp = up.localDescription?.sdp;
  for (const tr of up.getTransceivers()) {
    const s = tr.sender;
    if (!s.track || s.track.kind !== 'video' || msidTrack(sdp, tr.mid) !== track) continue;
    await changeParameters(s, (p) => {
      let changed = false;
      for (const e of p.encodings ?? []) {
        const on = e.rid ? active.includes(e.rid) : active.length > 0;
        if (e.active !== on) { e.active = on; changed = true; }
      }
      return changed;
    });
    return;
  }
}

// changeParameters runs one get-change-set of a sender's parameters after
// the ones before it: a setParameters still pending makes the next one's
// getParameters stale, and the browser refuses it (InvalidStateError) —
// `layers` messages come in quick succession, and presenting sets the
// screen sender's parameters too. change returns whether to set them.
const pending = new WeakMap();
export function changeParameters(sender, change) {
  const next = (pending.get(sender) ?? Promise.resolve()).then(async () => {
    const p = sender.getParameters();
    if (change(p)) await sender.setParameters(p);
  });
  pending.set(sender, next.catch(() => {}));
  return next;
}
