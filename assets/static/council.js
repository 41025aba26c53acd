// A council session on the booking page (the secretary's side, API in
// daemon/web/api_council.go): the members with their personal links and
// presence in the room, the quorum, the agenda, the open vote with the
// room members' votes or counts, and the minutes. The meeting's changes
// (remote members joining, voting) arrive as `council` events and redraw
// the lists; the forms to add members and items keep what is typed.
import { api, el, clock, problemText } from './api.js';
import { t } from './i18n.js';
import { copyField } from './links.js';

let shown = null; // { id, draw }: the session on the page now

document.addEventListener('kogge-council', (ev) => {
  if (shown && ev.detail && ev.detail.booking === shown.id) shown.draw();
});

const itemLabel = (it) => (it.number ? t('council.itemNumbered', { number: it.number, name: it.name }) : it.name);

// The quorum rules a municipal code uses; the stored rule is one of them
// unless set through the API.
const RULES = [
  { num: 1, den: 2, at_least: false, key: 'c.rule.half' },
  { num: 1, den: 2, at_least: true, key: 'c.rule.halfAtLeast' },
  { num: 2, den: 3, at_least: true, key: 'c.rule.twoThirds' },
  { num: 1, den: 3, at_least: true, key: 'c.rule.third' },
];

export async function councilSection(d) {
  const b = d.booking, zone = d.room.zone;
  const base = `/bookings/${encodeURIComponent(b.id)}/council`;
  const msg = el('div', { class: 'error', role: 'alert' });
  const body = el('div', { 'aria-live': 'polite' });
  const sec = el('section', { 'aria-labelledby': 'council-title', class: 'council-admin' },
    el('h3', { id: 'council-title', text: t('c.title') }), body);
  let ses = null;

  // change sends one change and redraws from the session it answers.
  const change = async (method, path, data) => {
    const r = await api(method, base + path, data);
    if (!r.ok) { msg.replaceChildren(el('p', { text: problemText(r) })); return false; }
    msg.replaceChildren();
    ses = r.data;
    draw();
    return true;
  };
  const load = async () => {
    const r = await api('GET', base);
    if (!r.ok) { body.replaceChildren(el('p', { class: 'error', text: problemText(r) })); return; }
    ses = r.data;
    draw();
  };

  // over: an ended or cancelled session takes no proceedings any more
  // (the server refuses them); the page shows its record only.
  let over = false;

  function draw() {
    if (!ses) return;
    over = ses.not_sitting === 'session-ended' || ses.not_sitting === 'session-cancelled';
    if (over) {
      body.replaceChildren(
        el('p', { class: 'council-status', role: 'status', text: t(ses.not_sitting === 'session-ended' ? 'c.ended' : 'c.cancelled') }),
        minutesLinks(b),
        el('h4', { text: t('c.members') }), members(),
        el('h4', { text: t('council.agenda') }), agenda(),
        el('h4', { text: t('c.votes') }), votes());
      return;
    }
    const now = ses.now, q = now.quorum;
    const status = [now.item ? t(now.item.public ? 'c.openPublic' : 'c.openClosed', { item: itemLabel(now.item), time: clock(zone, now.item.since) }) : t('council.noItem'),
      q.members ? t(q.quorate ? 'council.quorate' : 'council.notQuorate', { present: q.present, members: q.members, room: q.in_room, remote: q.remote, needed: q.needed }) : t('council.noMembers')];
    body.replaceChildren(
      el('p', { class: 'council-status', role: 'status', text: status.join(' ') }),
      minutesLinks(b),
      el('h4', { text: t('c.members') }), members(), memberForm,
      el('h4', { text: t('c.quorum') }), quorum(),
      el('h4', { text: t('council.agenda') }), agenda(), itemForm,
      el('h4', { text: t('c.votes') }), votes());
  }

  function members() {
    if (!ses.members.length) return el('p', { class: 'muted', text: t('council.noMembers') });
    return el('ul', { class: 'plain council-members' }, ses.members.map((m) => {
      const who = m.group ? `${m.name} (${m.group})` : m.name;
      const where = m.in_room ? t('c.inRoom') : m.remote ? t('c.remote') : t('c.absent');
      if (over) return el('li', {}, el('p', { text: who }));
      const box = el('input', { type: 'checkbox', checked: m.in_room, onchange: (ev) => change('PUT', `/members/${m.id}/presence`, { in_room: ev.target.checked }) });
      const row = [el('p', {}, el('strong', { text: who }), ' – ', where),
        el('label', { class: 'check' }, box, el('span', { text: t('c.presentInRoom', { name: m.name }) }))];
      const link = ses.links[m.id];
      const remove = el('button', { type: 'button', class: 'danger', text: t('b.remove'), 'aria-label': t('c.removeMember', { name: m.name }), onclick: () => { if (confirm(t('c.confirmRemove', { name: m.name }))) change('DELETE', `/members/${m.id}`); } });
      if (link) {
        const actions = el('span', { class: 'row tight' },
          el('button', { type: 'button', class: 'secondary', text: t('c.newLink'), onclick: () => { if (confirm(t('c.confirmNewLink', { name: m.name }))) change('POST', `/members/${m.id}/rotate`); } }),
          remove);
        row.push(copyField(t('c.personalLink', { name: m.name }), link, actions));
      } else {
        // Without video there are no personal links: say where they come
        // from rather than offer a button that shows nothing.
        row.push(el('p', { class: 'muted', text: t('c.noLinkWithoutVideo') }), el('span', { class: 'row tight' }, remove));
      }
      return el('li', {}, row);
    }));
  }

  const memberName = el('input', { name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
  const memberGroup = el('input', { name: 'group', maxlength: '100', autocomplete: 'off' });
  const memberForm = el('form', { class: 'row', id: 'council-member-form' },
    el('label', {}, el('span', { text: t('c.memberName') }), memberName),
    el('label', {}, el('span', { text: t('c.group') }), memberGroup),
    el('button', { type: 'submit', text: t('c.addMember') }));
  memberForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await change('POST', '/members', { name: memberName.value, group: memberGroup.value })) { memberName.value = ''; memberName.focus(); }
  });

  function quorum() {
    const rule = ses.quorum;
    const sel = el('select', { name: 'quorum' }, RULES.map((r, i) => new Option(t(r.key), String(i))));
    const cur = RULES.findIndex((r) => r.num === rule.num && r.den === rule.den && r.at_least === !!rule.at_least);
    if (cur < 0) sel.append(new Option(t('c.rule.other', { num: rule.num, den: rule.den }), 'other'));
    sel.value = cur < 0 ? 'other' : String(cur);
    const form = el('form', { class: 'row' }, el('label', {}, el('span', { text: t('c.quorumRule') }), sel), el('button', { type: 'submit', text: t('b.save') }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const r = RULES[Number(sel.value)];
      if (r) change('PUT', '/quorum', { num: r.num, den: r.den, at_least: r.at_least });
    });
    return form;
  }

  function agenda() {
    if (!ses.agenda.length) return el('p', { class: 'muted', text: t('c.noAgenda') });
    const voting = ses.votes.some((v) => !v.closed);
    return el('ol', { class: 'plain council-agenda' }, ses.agenda.map((it, i) => {
      const open = ses.open === it.id;
      const times = (it.spans || []).map((s) => (s.end ? t('m.span', { from: clock(zone, s.start), to: clock(zone, s.end) }) : t('m.spanOpen', { from: clock(zone, s.start) }))).join(', ');
      const words = [itemLabel(it), it.public ? t('council.public') : t('council.closed'), open && !over ? t('council.isOpen') : '', times ? t('c.heldAt', { times }) : ''].filter(Boolean);
      if (over) return el('li', {}, el('p', { text: words.join(' · ') }));
      const next = ses.agenda[i + 2];
      const buttons = el('span', { class: 'row tight' },
        open ? el('button', { type: 'button', text: t('council.closeItem'), disabled: voting, onclick: () => change('POST', '/close-item') })
          : el('button', { type: 'button', text: t('council.open'), 'aria-label': t('c.openItem', { item: itemLabel(it) }), disabled: voting, onclick: () => change('POST', `/agenda/${it.id}/open`) }),
        el('button', { type: 'button', class: 'secondary', text: t('c.up'), 'aria-label': t('c.upItem', { item: itemLabel(it) }), disabled: i === 0, onclick: () => change('POST', `/agenda/${it.id}/move`, { before: ses.agenda[i - 1].id }) }),
        el('button', { type: 'button', class: 'secondary', text: t('c.down'), 'aria-label': t('c.downItem', { item: itemLabel(it) }), disabled: i === ses.agenda.length - 1, onclick: () => change('POST', `/agenda/${it.id}/move`, { before: next ? next.id : 0 }) }),
        el('button', { type: 'button', class: 'secondary', text: t('c.edit'), 'aria-label': t('c.editItem', { item: itemLabel(it) }), onclick: (ev) => ev.target.closest('li').querySelector('form').toggleAttribute('hidden') }),
        (it.spans || []).length ? null : el('button', { type: 'button', class: 'danger', text: t('b.remove'), 'aria-label': t('c.removeItem', { item: itemLabel(it) }), onclick: () => { if (confirm(t('c.confirmRemoveItem', { item: itemLabel(it) }))) change('DELETE', `/agenda/${it.id}`); } }));
      const edit = itemFields(it);
      edit.form.hidden = true;
      edit.form.addEventListener('submit', (ev) => { ev.preventDefault(); change('PATCH', `/agenda/${it.id}`, edit.value()); });
      return el('li', { class: open ? 'current' : undefined }, el('p', { text: words.join(' · ') }), buttons, edit.form);
    }));
  }

  // itemFields is the form of an item: number, name, public.
  function itemFields(it) {
    const number = el('input', { name: 'number', maxlength: '20', value: it ? it.number : '', class: 'short' });
    const name = el('input', { name: 'name', required: true, maxlength: '200', value: it ? it.name : '' });
    const pub = el('input', { type: 'checkbox', name: 'public', checked: it ? it.public : true });
    const form = el('form', { class: 'row' },
      el('label', {}, el('span', { text: t('c.number') }), number),
      el('label', { class: 'grow' }, el('span', { text: t('c.itemName') }), name),
      el('label', { class: 'check' }, pub, el('span', { text: t('council.public') })),
      el('button', { type: 'submit', text: it ? t('b.save') : t('c.addItem') }));
    return { form, value: () => ({ number: number.value, name: name.value, public: pub.checked }), reset: () => { number.value = ''; name.value = ''; pub.checked = true; } };
  }
  const newItem = itemFields(null);
  const itemForm = newItem.form;
  itemForm.id = 'council-item-form';
  itemForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await change('POST', '/agenda', newItem.value())) newItem.reset();
  });

  function votes() {
    const out = el('div', {});
    const open = ses.votes.find((v) => !v.closed);
    if (over) {
      if (!ses.votes.some((v) => v.closed)) out.append(el('p', { class: 'muted', text: t('c.noVotes') }));
    } else if (open) out.append(openVote(open));
    else if (ses.open) {
      const it = ses.agenda.find((x) => x.id === ses.open);
      const question = el('input', { name: 'question', required: true, maxlength: '200', value: t('council.defaultQuestion', { item: itemLabel(it) }) });
      const secret = el('input', { type: 'checkbox', name: 'secret' });
      const form = el('form', { class: 'row', id: 'council-start-vote' },
        el('label', { class: 'grow' }, el('span', { text: t('council.question') }), question),
        el('label', { class: 'check' }, secret, el('span', { text: t('council.secret') })),
        el('button', { type: 'submit', text: t('council.startVote') }));
      form.addEventListener('submit', (ev) => { ev.preventDefault(); change('POST', '/votes', { question: question.value, secret: secret.checked }); });
      out.append(form, el('p', { class: 'muted', text: t('council.optionsHint') }));
    } else out.append(el('p', { class: 'muted', text: t('c.openItemFirst') }));
    const closed = ses.votes.filter((v) => v.closed);
    if (closed.length) {
      out.append(el('ul', { class: 'plain', id: 'council-votes-done' }, closed.map((v) => {
        const it = ses.agenda.find((x) => x.id === v.item);
        return el('li', { text: t('c.voteDone', { item: it ? itemLabel(it) : '', question: v.question, time: clock(zone, v.closed), totals: totals(v) }) });
      })));
    }
    return out;
  }

  function totals(v) {
    return v.options.map((o) => t('council.total', { option: o, n: (v.hands?.[o] || 0) + v.ballots.filter((x) => x.option === o).length })).join(', ');
  }

  function openVote(v) {
    const vid = `/votes/${v.id}`;
    const wrap = el('div', { class: 'council-vote-admin' }, el('p', {}, el('strong', { text: v.question }), ' – ', t('c.sofar', { totals: totals(v) })));
    const room = ses.members.filter((m) => m.in_room);
    if (!v.secret && room.length) {
      wrap.append(el('p', { class: 'muted', text: t('c.enterRoomVotes') }), el('ul', { class: 'plain' }, room.map((m) => {
        const ballot = v.ballots.find((x) => x.member === m.id);
        const sel = el('select', { name: 'ballot-' + m.id }, new Option(t('c.noVote'), ''), v.options.map((o) => new Option(o, o)));
        sel.value = ballot ? ballot.option : '';
        sel.addEventListener('change', () => { if (sel.value) change('POST', vid + '/ballots', { member: m.id, option: sel.value }); });
        return el('li', {}, el('label', { class: 'row tight' }, el('span', { text: m.name }), sel));
      })));
    }
    const remote = v.ballots.filter((x) => x.remote);
    if (remote.length) wrap.append(el('p', { text: t('c.remoteVoted', { names: remote.map((x) => x.name).join(', ') }) }));
    const counts = v.options.map((o) => el('input', { type: 'number', min: '0', max: '500', name: 'hands-' + o, value: String(v.hands?.[o] || 0), class: 'short' }));
    const hands = el('form', { class: 'row' },
      el('span', { text: t(v.secret ? 'c.countsSecret' : 'c.counts') }),
      v.options.map((o, i) => el('label', {}, el('span', { text: o }), counts[i])),
      el('button', { type: 'submit', class: 'secondary', text: t('c.saveCounts') }));
    hands.addEventListener('submit', (ev) => {
      ev.preventDefault();
      change('PUT', vid + '/hands', { counts: Object.fromEntries(v.options.map((o, i) => [o, Number(counts[i].value) || 0])) });
    });
    wrap.append(hands, el('button', { type: 'button', id: 'council-close-vote', class: 'danger', text: t('council.closeVote'), onclick: () => change('POST', vid + '/close') }));
    return wrap;
  }

  shown = { id: b.id, draw: load };
  await load();
  sec.append(msg);
  return sec;
}

function minutesLinks(b) {
  const id = encodeURIComponent(b.id);
  return el('p', { class: 'row tight' },
    el('a', { href: `/assets/minutes.html?booking=${id}`, target: '_blank', text: t('c.minutes') }),
    el('a', { href: `/api/v1/bookings/${id}/council/minutes.csv`, download: 'niederschrift.csv', text: t('c.minutesCsv') }),
    el('a', { href: `/api/v1/bookings/${id}/council/minutes`, target: '_blank', text: t('c.minutesJson') }));
}
