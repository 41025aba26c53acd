// Pairing page of a room panel: ask for a code, show it, poll until an
// admin approves it, then go to the room (the server set the cookie).
import { t, apply, lang, setLang } from './i18n.js';

const $ = (id) => document.getElementById(id);
const POLL_MS = 2500;
let timer = null;

function langButton() {
  const b = $('lang');
  b.textContent = t('lang.switch');
  b.onclick = () => { setLang(lang === 'de' ? 'en' : 'de'); b.textContent = t('lang.switch'); };
}

function status(key) { $('pair-status').textContent = t(key); }

async function start() {
  clearTimeout(timer);
  $('pair-retry').hidden = true;
  $('code').textContent = '';
  let p;
  try {
    const r = await fetch('/api/v1/panels/pairings', { method: 'POST' });
    if (!r.ok) throw new Error(String(r.status));
    p = await r.json();
  } catch {
    status('panel.pairError');
    timer = setTimeout(start, 10000);
    return;
  }
  $('code').textContent = p.code.slice(0, 3) + ' ' + p.code.slice(3);
  $('code').dataset.code = p.code;
  status('panel.pairWaiting');
  poll(p);
}

async function poll(p) {
  let r;
  try {
    r = await fetch('/api/v1/panels/pairings/' + encodeURIComponent(p.id), {
      headers: { 'X-Kogge-Pairing-Secret': p.secret }, cache: 'no-store',
    });
  } catch {
    status('panel.pairError');
    timer = setTimeout(() => poll(p), POLL_MS * 2);
    return;
  }
  if (r.status === 404) {
    status('panel.pairExpired');
    $('code').textContent = '';
    $('pair-retry').hidden = false;
    $('pair-retry').focus();
    return;
  }
  if (r.ok) {
    const v = await r.json();
    if (v.status === 'paired' && typeof v.location === 'string' && v.location.startsWith('/panel/')) {
      location.replace(v.location);
      return;
    }
  }
  timer = setTimeout(() => poll(p), POLL_MS);
}

apply();
langButton();
$('pair-retry').onclick = start;
start();
