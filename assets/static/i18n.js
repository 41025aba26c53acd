// One message catalogue per language. German is the default; the choice is
// remembered per browser. Values are plain text: callers put them in
// textContent, never innerHTML.
export const messages = {
  de: {
    'product': 'Kogge',
    'lang.switch': 'English',
    'prejoin.title': 'Teilnehmen',
    'prejoin.name': 'Ihr Name (für die anderen sichtbar)',
    'prejoin.camera': 'Kamera',
    'prejoin.mic': 'Mikrofon',
    'prejoin.none': 'keine',
    'prejoin.pin': 'PIN',
    'prejoin.join': 'Teilnehmen',
    'prejoin.noDevices': 'Kamera und Mikrofon sind nicht verfügbar; Sie können trotzdem zuhören und zusehen.',
    'lobby.title': 'Bitte warten',
    'lobby.text': 'Sie sind im Warteraum. Die Sitzungsleitung lässt Sie gleich ein.',
    'meeting.title': 'Sitzung',
    'meeting.mute': 'Mikrofon aus',
    'meeting.unmute': 'Mikrofon an',
    'meeting.cameraOff': 'Kamera aus',
    'meeting.cameraOn': 'Kamera an',
    'meeting.raiseHand': 'Wortmeldung',
    'meeting.lowerHand': 'Wortmeldung zurückziehen',
    'meeting.leave': 'Verlassen',
    'meeting.participants': 'Teilnehmende',
    'meeting.queue': 'Redeliste',
    'meeting.queueEmpty': 'Keine Wortmeldungen',
    'meeting.you': '(Sie)',
    'meeting.host': 'Leitung',
    'meeting.muted': 'stumm',
    'meeting.hand': 'Hand gehoben',
    'meeting.mutedByHost': 'Die Sitzungsleitung hat Ihr Mikrofon stummgeschaltet.',
    'meeting.connecting': 'Verbindung wird aufgebaut …',
    'meeting.reconnect': 'Die Verbindung ist unterbrochen.',
    'host.lobby': 'Warteraum',
    'host.lobbyEmpty': 'Niemand wartet.',
    'host.admit': 'Einlassen',
    'host.deny': 'Abweisen',
    'host.admitAll': 'Alle einlassen',
    'host.lock': 'Sitzung sperren',
    'host.unlock': 'Sitzung entsperren',
    'host.endAll': 'Für alle beenden',
    'host.endConfirm': 'Die Sitzung für alle beenden?',
    'host.mute': 'Stumm schalten',
    'host.remove': 'Entfernen',
    'host.next': 'Nächste Wortmeldung',
    'host.clear': 'Redeliste leeren',
    'host.dequeue': 'Streichen',
    'state.invalid_token': ['Link ungültig', 'Dieser Link ist nicht (mehr) gültig. Bitte fragen Sie die einladende Stelle nach dem aktuellen Link.'],
    'state.not_open': ['Noch nicht geöffnet', 'Die Sitzung öffnet am {time}. Laden Sie die Seite dann neu.'],
    'state.ended': ['Beendet', 'Diese Sitzung ist beendet.'],
    'state.pin_required': ['PIN erforderlich', 'Bitte geben Sie die PIN aus der Einladung ein.'],
    'state.pin_wrong': ['Falsche PIN', 'Die PIN ist nicht korrekt.'],
    'state.rate_limited': ['Zu viele Versuche', 'Zu viele falsche PINs. Bitte versuchen Sie es in einigen Minuten wieder.'],
    'state.full': ['Sitzung voll', 'Die Sitzung hat die Höchstzahl an Teilnehmenden erreicht.'],
    'state.locked': ['Sitzung gesperrt', 'Die Sitzungsleitung hat die Sitzung für weitere Teilnehmende gesperrt.'],
    'state.denied': ['Nicht eingelassen', 'Die Sitzungsleitung hat Sie nicht eingelassen.'],
    'state.removed': ['Entfernt', 'Die Sitzungsleitung hat Sie aus der Sitzung entfernt.'],
    'state.left': ['Verlassen', 'Sie haben die Sitzung verlassen.'],
    'state.external': ['Weiterleitung', 'Diese Sitzung findet bei einem anderen Anbieter statt.'],
    'state.shutdown': ['Unterbrochen', 'Der Server wird neu gestartet. Bitte laden Sie die Seite gleich neu.'],
    'state.slow': ['Verbindung zu langsam', 'Ihre Verbindung war zu langsam. Bitte laden Sie die Seite neu.'],
    'state.error': ['Verbindung getrennt', 'Die Verbindung zum Server ist getrennt. Bitte laden Sie die Seite neu.'],
    'reason': 'Grund: {reason}',
  },
  en: {
    'product': 'Kogge',
    'lang.switch': 'Deutsch',
    'prejoin.title': 'Join',
    'prejoin.name': 'Your name (shown to the others)',
    'prejoin.camera': 'Camera',
    'prejoin.mic': 'Microphone',
    'prejoin.none': 'none',
    'prejoin.pin': 'PIN',
    'prejoin.join': 'Join',
    'prejoin.noDevices': 'Camera and microphone are not available; you can still listen and watch.',
    'lobby.title': 'Please wait',
    'lobby.text': 'You are in the lobby. The host will let you in shortly.',
    'meeting.title': 'Meeting',
    'meeting.mute': 'Mute',
    'meeting.unmute': 'Unmute',
    'meeting.cameraOff': 'Camera off',
    'meeting.cameraOn': 'Camera on',
    'meeting.raiseHand': 'Raise hand',
    'meeting.lowerHand': 'Lower hand',
    'meeting.leave': 'Leave',
    'meeting.participants': 'Participants',
    'meeting.queue': 'Speaker queue',
    'meeting.queueEmpty': 'No raised hands',
    'meeting.you': '(you)',
    'meeting.host': 'host',
    'meeting.muted': 'muted',
    'meeting.hand': 'hand raised',
    'meeting.mutedByHost': 'The host muted your microphone.',
    'meeting.connecting': 'Connecting …',
    'meeting.reconnect': 'The connection was lost.',
    'host.lobby': 'Lobby',
    'host.lobbyEmpty': 'Nobody is waiting.',
    'host.admit': 'Admit',
    'host.deny': 'Deny',
    'host.admitAll': 'Admit all',
    'host.lock': 'Lock meeting',
    'host.unlock': 'Unlock meeting',
    'host.endAll': 'End for all',
    'host.endConfirm': 'End the meeting for everyone?',
    'host.mute': 'Mute',
    'host.remove': 'Remove',
    'host.next': 'Next speaker',
    'host.clear': 'Clear queue',
    'host.dequeue': 'Remove',
    'state.invalid_token': ['Invalid link', 'This link is not valid (any more). Please ask whoever invited you for the current link.'],
    'state.not_open': ['Not open yet', 'The meeting opens on {time}. Reload the page then.'],
    'state.ended': ['Ended', 'This meeting has ended.'],
    'state.pin_required': ['PIN required', 'Please enter the PIN from your invitation.'],
    'state.pin_wrong': ['Wrong PIN', 'The PIN is not correct.'],
    'state.rate_limited': ['Too many attempts', 'Too many wrong PINs. Please try again in a few minutes.'],
    'state.full': ['Meeting full', 'The meeting has reached its participant limit.'],
    'state.locked': ['Meeting locked', 'The host has locked the meeting.'],
    'state.denied': ['Not admitted', 'The host did not let you in.'],
    'state.removed': ['Removed', 'The host removed you from the meeting.'],
    'state.left': ['Left', 'You left the meeting.'],
    'state.external': ['Redirecting', 'This meeting takes place at another provider.'],
    'state.shutdown': ['Interrupted', 'The server is restarting. Please reload the page in a moment.'],
    'state.slow': ['Connection too slow', 'Your connection was too slow. Please reload the page.'],
    'state.error': ['Disconnected', 'The connection to the server was lost. Please reload the page.'],
    'reason': 'Reason: {reason}',
  },
};

const stored = () => { try { return localStorage.getItem('kogge.lang'); } catch { return null; } };

export let lang = new URLSearchParams(location.search).get('lang') || stored() || 'de';
if (!messages[lang]) lang = 'de';

export function setLang(l) {
  lang = messages[l] ? l : 'de';
  try { localStorage.setItem('kogge.lang', lang); } catch { /* private mode */ }
  document.documentElement.lang = lang;
  apply();
}

// t looks a key up and fills {placeholders}.
export function t(key, vars = {}) {
  let m = messages[lang][key] ?? messages.de[key] ?? key;
  if (Array.isArray(m)) m = m.join('\n');
  return m.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

// pair returns a [title, text] message.
export function pair(key, vars = {}) {
  const m = messages[lang][key] ?? messages.de[key] ?? messages.de['state.error'];
  return m.map((s) => s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')));
}

// apply fills every element with a data-i18n key.
export function apply(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
