// Words for what the API says in keys: provider names, meeting states,
// device labels and states, scene labels. Shared by the booking page and
// the room panel; every text comes from the catalogue in the page's
// language, never the raw key.
import { t, has, lang } from './i18n.js';

// known is the catalogue's text for key, or fallback when it has none.
const known = (key, fallback) => (has(key) ? t(key) : fallback);

// providerName names a video provider ("builtin" is Kogge's own server);
// an unknown provider keeps its configured name.
export function providerName(p) {
  return known('pv.' + p, p || t('pv.none'));
}

// allocState says where a booking's meeting stands at its provider.
export function allocState(s) {
  return known('b.alloc.' + s, t('b.alloc.unknown'));
}

// deviceLabel is the config's label, or the device's kind in words.
export function deviceLabel(d) {
  return d.label || known('av.kind.' + d.kind, t('av.device'));
}

// sceneLabel is the config's label of a scene, or its name.
export function sceneLabel(name, labels) {
  return (labels && labels[name]) || name;
}

const number = (n) => Number(n).toLocaleString(lang === 'en' ? 'en-GB' : 'de-DE');

// deviceState says a device's health and last known state in words:
// "aus · Lampe 1.234 h", "bereit", "stumm".
export function deviceState(d) {
  const s = d.state || {};
  if (d.problem) return t('av.misconfigured'); // the device answers, but not as configured
  if (d.health === 'offline') return t('b.health.offline');
  const parts = d.health === 'degraded' ? [t('b.health.degraded')] : [];
  const camera = d.kind === 'visca-ip' || d.kind === 'visca-tcp';
  if (s.power) parts.push(camera && s.power === 'on' ? t('b.health.online') : known('av.power.' + s.power, t('av.power.other')));
  if (s.power === 'on' && s.input && !camera) parts.push(t('av.input', { n: s.input }));
  if (s.lamp_hours) parts.push(t('av.lamp', { h: number(s.lamp_hours) }));
  if (s.errors === 'true') parts.push(t('av.fault'));
  if (d.muted === true || d.muted === false) parts.push(t(d.muted ? 'av.muted' : 'av.unmuted'));
  if (!parts.length) parts.push(t('b.health.' + d.health));
  return parts.join(' · ');
}

// deviceLine is "Beamer: aus · Lampe 1.234 h".
export function deviceLine(d) {
  return t('av.line', { label: deviceLabel(d), state: deviceState(d) });
}
