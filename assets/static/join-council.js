// Council sessions on the join page (signaling/PROTOCOL.md, Council
// sessions): everybody sees the open agenda item and the result of its
// vote; a member (personal link) votes; the chair (a host) opens and
// closes items, starts and closes votes and sees the quorum. Drawn from
// state.council on every state, so a language switch redraws it too.
import { t, lang } from './i18n.js';

const $ = (id) => document.getElementById(id);
let send = () => {};
let member = 0;       // our member number (welcome.member), 0: not a member
let mine = null;      // {vote, option}: our vote as the server confirmed it
let last = null;      // the last council view and whether we are host

export function initCouncil(o) {
  send = o.send;
  $('council-vote-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('council-question').value.trim();
    if (!q) return;
    // A vote of a body that is not quorate may not count: the chair
    // decides, but is told first.
    const quorum = last && last.c && last.c.quorum;
    if (quorum && quorum.members && !quorum.quorate && !confirm(t('council.confirmNotQuorate', { present: quorum.present, needed: quorum.needed }))) return;
    send({ type: 'vote_start', question: q, secret: $('council-secret').checked });
  });
  $('council-vote-close').addEventListener('click', () => send({ type: 'vote_close' }));
  $('council-item-close').addEventListener('click', () => send({ type: 'agenda', action: 'close' }));
}

export function setMember(n) { member = n || 0; }

const locale = () => (lang === 'en' ? 'en-GB' : 'de-DE');
const clock = (iso) => new Date(iso).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });

// itemLabel names an item as the agenda does: "TOP 3: Name".
export function itemLabel(it) {
  const name = it.name || t('council.closedItem');
  return it.number ? t('council.itemNumbered', { number: it.number, name }) : name;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function button(label, onClick, cls) {
  const b = el('button', label, cls);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

// councilState draws the session; c is state.council (absent: no council
// session), host whether we chair.
export function councilState(c, host) {
  last = { c, host };
  $('council').hidden = !c;
  $('council-chair').hidden = !c || !host;
  if (!c) return;
  const it = c.item;
  const item = $('council-item');
  if (it) {
    item.textContent = t(it.public ? 'council.openPublic' : 'council.openClosed', { item: itemLabel(it), time: clock(it.since) });
  } else {
    item.textContent = t('council.noItem');
  }
  item.classList.toggle('closed-part', !!it && !it.public);
  drawVote(c, host);
  if (host) drawChair(c);
}

function drawVote(c, host) {
  const box = $('council-vote');
  box.replaceChildren();
  const v = c.vote;
  if (!v) return;
  const question = el('p', v.question, 'question');
  question.translate = false; // the chair's words, in the chair's language
  box.append(el('h4', v.open ? t('council.voteOpen') : t('council.voteClosed')), question);
  if (v.open) {
    if (member) {
      const chosen = mine && mine.vote === v.id ? mine.option : '';
      const row = el('div', undefined, 'row vote-options');
      row.setAttribute('role', 'group');
      row.setAttribute('aria-label', t('council.yourVote'));
      for (const o of v.options) {
        const b = button(o, () => send({ type: 'vote', vote: v.id, option: o }));
        b.setAttribute('aria-pressed', String(o === chosen));
        b.dataset.option = o;
        row.append(b);
      }
      box.append(row);
      let said = t('council.notVoted');
      if (chosen) said = t('council.voted', { option: chosen });
      else if (v.voted.includes(member)) said = t('council.votedBefore');
      const p = el('p', said, 'vote-status');
      p.id = 'council-my-vote';
      p.setAttribute('role', 'status');
      box.append(p);
    }
    const count = (key, n) => t(`${key}.${n === 1 ? 'one' : 'other'}`, { n });
    box.append(el('p', t('council.cast', { votes: count('council.votes', v.cast), members: count('council.members', c.quorum.present) }), 'muted'));
    return;
  }
  const totals = (v.totals || []).map((x) => t('council.total', { option: x.option, n: x.count })).join(', ');
  const res = el('p', t('council.result', { totals }), 'result');
  res.id = 'council-result';
  box.append(res);
  if (v.secret) { box.append(el('p', t('council.secretNoNames'), 'muted')); return; }
  if ((v.ballots || []).length) {
    const d = el('details');
    d.append(el('summary', t('council.byName')));
    const ul = el('ul', undefined, 'plain');
    for (const b of v.ballots) ul.append(el('li', t(b.remote ? 'council.ballotRemote' : 'council.ballotRoom', { name: b.name, option: b.option })));
    d.append(ul);
    box.append(d);
  }
}

function drawChair(c) {
  const q = c.quorum;
  const quorum = $('council-quorum');
  quorum.textContent = t(q.quorate ? 'council.quorate' : 'council.notQuorate', q.members ? { present: q.present, members: q.members, room: q.in_room, remote: q.remote, needed: q.needed } : {});
  if (!q.members) quorum.textContent = t('council.noMembers');
  quorum.classList.toggle('warning', !q.quorate);
  const list = $('council-agenda');
  list.replaceChildren();
  for (const a of c.agenda || []) {
    const li = el('li');
    const open = c.item && c.item.id === a.id;
    const words = [itemLabel(a), a.public ? t('council.public') : t('council.closed')];
    if (open) words.push(t('council.isOpen'));
    else if (a.done) words.push(t('council.done'));
    li.append(el('span', words.join(' · ')));
    if (!open) li.append(button(t('council.open'), () => send({ type: 'agenda', action: 'open', item: a.id })));
    if (open) li.classList.add('current');
    list.append(li);
  }
  if (!(c.agenda || []).length) list.append(el('li', t('council.noAgenda'), 'muted'));
  const voting = !!(c.vote && c.vote.open);
  $('council-item-close').hidden = !c.item || voting;
  $('council-vote-form').hidden = !c.item || voting;
  $('council-vote-close').hidden = !voting;
  // The suggested question follows the open item; one the chair typed stays.
  const qi = $('council-question');
  const suggested = c.item ? t('council.defaultQuestion', { item: itemLabel(c.item) }) : '';
  if (!qi.value || qi.value === qi.dataset.suggested) qi.value = suggested;
  qi.dataset.suggested = suggested;
}

// councilVoted takes the server's confirmation of our vote.
export function councilVoted(m) {
  mine = { vote: m.vote, option: m.option };
  if (last) councilState(last.c, last.host);
}

// councilRefused is the message key for a council error: by its reason
// (the rule), or the general one.
export function councilRefused(m, has) {
  const key = 'council.error.' + (m.reason || '');
  return has(key) ? key : 'council.error';
}
