// Two-factor enrolment on the secretary page: step 1 confirms the password
// (and the current code when the account already has a factor; the API
// says so with a totp-required problem), step 2 shows the new secret as a
// QR code (an image from the API: the CSP allows no data: URLs) and in
// groups of four for typing, and takes the first code. A session that must
// enrol sees nothing else until this is done.
import { api, el, problemText } from './api.js';
import { t, say } from './i18n.js';

const $ = (id) => document.getElementById(id);
let opts = { done: () => {} };
let required = false;
let qrLoads = 0;

// groups writes a secret as "ABCD EFGH …" for typing it in by hand.
export const groups = (secret) => (secret.match(/.{1,4}/g) || []).join(' ');

const digits = (v) => String(v || '').replace(/\s+/g, '');

export function initTOTP(o) {
  opts = o;
  $('totp-open').addEventListener('click', () => openTOTP(false));
  for (const b of document.querySelectorAll('#totp .totp-cancel')) b.addEventListener('click', () => closeTOTP(true));
  $('totp-begin').addEventListener('submit', begin);
  $('totp-confirm').addEventListener('submit', confirmCode);
  totpLabels();
}

// totpLabels sets what data-i18n cannot: attributes.
export function totpLabels() {
  if ($('totp-qr')) $('totp-qr').alt = t('totp.qrAlt');
}

// openTOTP shows step 1. With must, the user cannot leave before enrolling.
export function openTOTP(must) {
  required = must;
  $('enrol').hidden = !must;
  for (const b of document.querySelectorAll('#totp .totp-cancel')) b.hidden = must;
  reset();
  $('totp').hidden = false;
  $('totp-open').setAttribute('aria-expanded', 'true');
  say($('totp-done'), '');
  $('totp-begin').password.focus();
}

export function closeTOTP(returnFocus) {
  reset();
  $('totp').hidden = true;
  $('totp-open').setAttribute('aria-expanded', 'false');
  say($('totp-done'), '');
  if (returnFocus) $('totp-open').focus();
}

function reset() {
  $('totp-begin').reset();
  $('totp-confirm').reset();
  $('totp-begin').hidden = false;
  $('totp-confirm').hidden = true;
  $('totp-current-label').hidden = true;
  say($('totp-begin-error'), '');
  say($('totp-confirm-error'), '');
  $('totp-secret').textContent = '';
  $('totp-qr-box').replaceChildren(); // the image holds the secret: only while step 2 shows
}

async function begin(ev) {
  ev.preventDefault();
  const f = ev.target;
  const r = await api('POST', '/session/totp', { password: f.password.value, code: digits(f.code.value) });
  if (r.ok) {
    say($('totp-begin-error'), '');
    f.reset();
    $('totp-begin').hidden = true;
    $('totp-secret').textContent = groups(r.data.secret);
    // A fresh URL each time: a re-enrolment must not show a cached image.
    $('totp-qr-box').replaceChildren(el('img', { id: 'totp-qr', class: 'qr', width: '256', height: '256',
      alt: t('totp.qrAlt'), src: `/api/v1/session/totp/qr?n=${++qrLoads}` }));
    $('totp-confirm').hidden = false;
    $('totp-confirm').code.focus();
    return;
  }
  const type = r.data && r.data.type;
  if (type === '/problems/totp-required') {
    $('totp-current-label').hidden = false;
    say($('totp-begin-error'), () => t('totp.currentNeeded'));
    f.code.focus();
    return;
  }
  say($('totp-begin-error'), () => type === '/problems/invalid-credentials' ? t('totp.wrongPassword') : problemText(r));
  f.password.focus();
}

async function confirmCode(ev) {
  ev.preventDefault();
  const f = ev.target;
  const r = await api('POST', '/session/totp/confirm', { code: digits(f.code.value) });
  if (r.ok) {
    const wasRequired = required;
    closeTOTP(false);
    $('enrol').hidden = true;
    await opts.done(wasRequired);
    say($('totp-done'), () => t('totp.done'));
    $('totp-done').focus();
    return;
  }
  const type = r.data && r.data.type;
  if (type === '/problems/totp-not-pending') {
    // Started again elsewhere or expired: back to step 1.
    openTOTP(required);
    say($('totp-begin-error'), () => t('totp.notPending'));
    return;
  }
  say($('totp-confirm-error'), () => type === '/problems/invalid-code' ? t('totp.wrongCode') : problemText(r));
  f.code.select();
  f.code.focus();
}
