// app.js: the board's page. Every piece of data from the server is put
// into the page with textContent or as a property, never parsed as markup, so a
// note like "<script>…" shows as text.
import { RoseClient, ProtocolError } from './rose.js';
import * as presence from './presence.js';
import {
  describe, merge, photoOf, displayName, initials, LEVELS, levelOf, AGENT_STATES, SUBSCRIBE_FLAGS,
} from './presence.js';
import { Operator } from './operator.js';

const $ = (id) => document.getElementById(id);

// h builds an element: h('li', {class: 'x', dataset: {a: 1}}, child, 'text').
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v != null) el.setAttribute(k, String(v));
  }
  for (const c of children) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const state = {
  me: '',
  administrator: false,
  contacts: new Map(), // contact id -> merged AsnPresenceV2
  cards: new Map(), // contact id -> <li>
  rights: [], // own AsnUserDynamicRights list
  challenges: [],
};

const client = new RoseClient({
  onStatus: showConnection,
  onSession: start,
  onEvent: event,
});
const operator = new Operator($('charts'), () => client.sessionId);

// ---- connection and login ----

function showConnection(s, detail) {
  const el = $('connection');
  el.dataset.state = s;
  const text = { connecting: 'connecting…', connected: 'live', reconnecting: 'reconnecting', disconnected: 'not connected' }[s] || s;
  el.textContent = detail ? text + ': ' + detail : text;
  document.body.dataset.connection = s;
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  const user = $('login-user').value.trim();
  const password = $('login-password').value;
  try {
    await client.login(user, password);
    $('login-password').value = '';
  } catch (err) {
    $('login-error').textContent = err.message;
  }
});

$('logout').addEventListener('click', () => {
  client.logout();
  operator.stop();
  state.contacts.clear();
  state.cards.clear();
  $('contacts').replaceChildren();
  $('app-view').hidden = true;
  $('whoami').hidden = true;
  $('login-view').hidden = false;
  $('login-user').focus();
});

async function api(path) {
  const r = await fetch('/board/api/' + path, { headers: { 'X-ucsessionid': client.sessionId }, cache: 'no-store' });
  if (!r.ok) throw new ProtocolError(path + ': HTTP ' + r.status);
  return r;
}

// start runs after every (re)connect: who am I, which contacts, subscribe.
async function start() {
  const own = await client.invoke('asnGetLoggedInContactV2', {}, 1008);
  state.me = own.u8sLoggedInUser || (own.contact && own.contact.u8sContactId) || '';
  const dir = await (await api('directory')).json();
  state.me = state.me || dir.user;
  state.administrator = dir.administrator;
  $('operator-tab').hidden = !dir.administrator;
  if (dir.administrator) operator.start(); else operator.stop();
  const ids = [...new Set([state.me, ...dir.contacts])];
  // Subscribe in chunks well below the server's per-call cap (10,000).
  const fresh = new Map();
  for (let i = 0; i < ids.length; i += 1000) {
    const r = await client.invoke('asnGetAndSubscribePresenceV2', {
      seqContactIDs: ids.slice(i, i + 1000),
      iEventFlagsToSubscribe: SUBSCRIBE_FLAGS,
    }, 4505);
    for (const p of r.seqSubscribedPresence || []) fresh.set(p.u8sContactId, merge({}, p));
  }
  // A reconnect replaces everything: contacts that went away disappear.
  state.contacts = fresh;
  for (const [id, card] of state.cards) if (!fresh.has(id)) { card.remove(); state.cards.delete(id); }
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('whoami').hidden = false;
  $('me-name').textContent = 'Logged in as ' + displayName(state.contacts.get(state.me) || { u8sContactId: state.me });
  renderAll();
  loadRights();
  requestChallenges();
}

// ---- events ----

const CHALLENGE_BIT = 1024;
const RIGHTS_BITS = 2048 | 4096 | 8192;

function event(name, arg) {
  switch (name) {
    case 'asnUpdatePresenceV2': {
      const p = arg.presence || {};
      const id = p.u8sContactId;
      const flags = arg.iChangedFlags || 0;
      if (id === state.me && (flags & CHALLENGE_BIT)) requestChallenges();
      if (id === state.me && (flags & RIGHTS_BITS)) loadRights();
      if (!state.contacts.has(id)) return;
      state.contacts.set(id, merge(state.contacts.get(id), p));
      if (flags & 4 && !(p.asnRemoteContact && photoOf(p.asnRemoteContact))) {
        state.contacts.get(id).photo = ''; // the image section changed and carries no picture: removed
      }
      render(id);
      if (id === state.me) renderMe();
      applyFilter();
      break;
    }
    case 'asnRemovePresence': {
      const id = arg.u8sContactID;
      state.contacts.delete(id);
      state.cards.get(id)?.remove();
      state.cards.delete(id);
      updateCount();
      break;
    }
    case 'asnMyPresenceRightsChallenge':
      state.challenges = arg.contactsChallenging || [];
      renderChallenges();
      break;
    case 'asnUpdateMyCustomNote':
    case 'asnUpdateMyAbsentStateV2':
      // The own contact's asnUpdatePresenceV2 carries the same change.
      break;
  }
}

// ---- contacts ----

function renderAll() {
  const list = $('contacts');
  const sorted = [...state.contacts.values()].sort((a, b) => displayName(a).localeCompare(displayName(b)));
  for (const p of sorted) {
    render(p.u8sContactId);
    list.append(state.cards.get(p.u8sContactId)); // keeps the order
  }
  renderMe();
  fillRightsContacts();
  applyFilter();
}

function avatar(p, name) {
  const url = p.photo || '';
  if (url) return h('img', { class: 'avatar', src: url, alt: '' });
  return h('span', { class: 'avatar placeholder', 'aria-hidden': 'true' }, initials(name));
}

function render(id) {
  const p = state.contacts.get(id);
  if (!p) return;
  const name = displayName(p);
  const d = describe(p);
  const c = p.asnRemoteContact || {};
  const note = p.asnCustomNote && p.asnCustomNote.u8sNote ? p.asnCustomNote.u8sNote : '';
  const agent = p.asnAgentState ? AGENT_STATES[p.asnAgentState.dwState] || '' : '';
  const titleId = 'c-' + cssId(id);
  const card = h('li', { class: 'card', dataset: { contact: id, kind: d.kind }, 'aria-labelledby': titleId },
    avatar(p, name),
    h('div', { class: 'body' },
      h('h3', { class: 'name', id: titleId }, name),
      h('p', { class: 'state ' + d.kind },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { class: 'state-text' }, d.text)),
      d.detail ? h('p', { class: 'detail' }, d.detail) : null,
      c.u8sJobTitle ? h('p', { class: 'job' }, c.u8sJobTitle) : null,
      agent ? h('p', { class: 'agent' }, agent) : null,
      note ? h('p', { class: 'note' }, h('span', { class: 'sr-only' }, 'Note: '), h('span', { class: 'note-text' }, note)) : null,
    ));
  card.dataset.search = [name, id, note, d.text, d.detail || '', c.u8sJobTitle || '', c.u8sDepartment || ''].join('\n').toLowerCase();
  const old = state.cards.get(id);
  if (old) old.replaceWith(card);
  state.cards.set(id, card);
}

function cssId(id) {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}

function applyFilter() {
  const q = $('search').value.trim().toLowerCase();
  const kind = $('state-filter').value;
  let shown = 0;
  for (const card of state.cards.values()) {
    const k = card.dataset.kind;
    const kindOK = !kind || k === kind || (kind === 'busy' && k === 'phone');
    const ok = kindOK && (!q || card.dataset.search.includes(q));
    card.hidden = !ok;
    if (ok) shown++;
  }
  updateCount(shown);
}

function updateCount(shown) {
  const total = state.cards.size;
  if (shown === undefined) shown = [...state.cards.values()].filter((c) => !c.hidden).length;
  $('contact-count').textContent = shown === total ? `(${total})` : `(${shown} of ${total})`;
}

$('search').addEventListener('input', applyFilter);
$('state-filter').addEventListener('change', applyFilter);

// ---- my status ----

function renderMe() {
  const p = state.contacts.get(state.me);
  if (!p) return;
  const d = describe(p);
  const name = displayName(p);
  const note = p.asnCustomNote && p.asnCustomNote.u8sNote ? p.asnCustomNote.u8sNote : '';
  $('me-card').replaceChildren(
    avatar(p, name),
    h('div', {},
      h('p', { class: 'name' }, name),
      h('p', { class: 'state ' + d.kind }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'state-text', id: 'my-state' }, d.text)),
      note ? h('p', { class: 'note', id: 'my-note' }, note) : null));
  if (document.activeElement !== $('note-text')) $('note-text').value = note;
}

function say(el, text, error) {
  el.textContent = text;
  el.classList.toggle('error', !!error);
}

$('absent-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const v = $('absent-state').value;
  try {
    if (v === 'reset') {
      await client.invoke('asnResetUserAbsentState', { u8sContactId: state.me }, 1130);
    } else {
      const absentstate = { u8sContactId: state.me, eAbsentState: Number(v) };
      const until = $('absent-until').value;
      if (until) {
        absentstate.stTimeFrom = new Date().toISOString();
        absentstate.stTimeTo = new Date(until).toISOString();
      }
      await client.invoke('asnSetUserAbsentState', { absentstate }, 1128);
    }
    say($('me-message'), 'Status set.');
  } catch (err) {
    say($('me-message'), 'Could not set the status: ' + err.message, true);
  }
});

$('note-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const me = state.contacts.get(state.me) || { u8sContactId: state.me };
  try {
    await client.invoke('asnCustomNoteSet', {
      customnote: { u8sContactID: state.me, u8sUsername: displayName(me), u8sNote: $('note-text').value },
    }, 1510);
    say($('me-message'), 'Note set.');
  } catch (err) {
    say($('me-message'), 'Could not set the note: ' + err.message, true);
  }
});

// ---- rights list and challenges ----

function nameOf(id) {
  const p = state.contacts.get(id);
  return p ? displayName(p) : id;
}

async function loadRights() {
  try {
    const r = await client.invoke('asnGetSettingsDynamicRights', { u8sContactID: state.me });
    state.rights = r.seqDynamicRightsList || [];
    renderRights();
  } catch (err) {
    say($('rights-message'), 'Could not read the rights list: ' + err.message, true);
  }
}

function levelSelect(id, current) {
  const sel = h('select', { id, class: 'level' });
  for (const l of LEVELS) {
    const o = h('option', { value: String(l.value) }, l.name);
    if (l.name === current) o.selected = true;
    sel.append(o);
  }
  return sel;
}

async function grant(remote, level) {
  try {
    await client.invoke('asnSetDynamicRights', {
      u8sOwnerContactID: state.me, u8sRemoteContactID: remote, iDynamicRights: level,
    }, 4510);
    say($('rights-message'), nameOf(remote) + ': ' + LEVELS.find((l) => l.value === level).name + '.');
  } catch (err) {
    say($('rights-message'), 'Could not change the rights of ' + nameOf(remote) + ': ' + err.message, true);
  }
  loadRights();
  requestChallenges();
}

function renderRights() {
  const rows = state.rights.map((r, i) => {
    const remote = r.u8sObjectID;
    const sel = levelSelect('rights-level-' + i, levelOf(r));
    sel.setAttribute('aria-label', 'Level for ' + nameOf(remote));
    sel.addEventListener('change', () => grant(remote, Number(sel.value)));
    const remove = h('button', {
      type: 'button', class: 'secondary', 'aria-label': 'Remove ' + nameOf(remote) + ' from the list',
      onclick: async () => {
        try {
          await client.invoke('asnRemoveDynamicRights', { u8sOwnerContactID: state.me, u8sRemoteContactID: remote }, 4511);
          say($('rights-message'), nameOf(remote) + ' removed.');
        } catch (err) {
          say($('rights-message'), 'Could not remove: ' + err.message, true);
        }
        loadRights();
      },
    }, 'Remove');
    return h('tr', { dataset: { remote } }, h('th', { scope: 'row' }, nameOf(remote), h('span', { class: 'id' }, remote)), h('td', {}, sel), h('td', {}, remove));
  });
  if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: '3' }, 'No personal entries.')));
  $('rights-list').replaceChildren(...rows);
}

function fillRightsContacts() {
  const sel = $('rights-contact');
  const ids = [...state.contacts.keys()].filter((id) => id !== state.me).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  sel.replaceChildren(...ids.map((id) => h('option', { value: id }, nameOf(id))));
  if (!$('rights-level').options.length) $('rights-level').replaceWith(Object.assign(levelSelect('rights-level', 'company')));
}

$('rights-add').addEventListener('submit', (e) => {
  e.preventDefault();
  grant($('rights-contact').value, Number($('rights-level').value));
});

function requestChallenges() {
  // The server answers with the event asnMyPresenceRightsChallenge.
  client.sendEvent(0, 'asnRequestMyPresenceRightsChallenge', {});
}

function renderChallenges() {
  const list = state.challenges;
  $('challenges').hidden = list.length === 0;
  const badge = $('challenge-count');
  badge.hidden = list.length === 0;
  badge.textContent = String(list.length);
  badge.setAttribute('aria-label', list.length + ' waiting');
  $('challenge-list').replaceChildren(...list.map((c) => {
    const id = c.u8sEntryID || '';
    const name = c.u8sDisplayName || id;
    const buttons = LEVELS.filter((l) => l.value !== 0).map((l) =>
      h('button', { type: 'button', onclick: () => grant(id, l.value), 'aria-label': 'Grant ' + name + ' ' + l.name }, l.name));
    buttons.push(h('button', { type: 'button', class: 'danger', onclick: () => grant(id, 0), 'aria-label': 'Block ' + name }, 'block'));
    return h('li', { class: 'challenge', dataset: { challenger: id } },
      h('span', { class: 'who' }, name, h('span', { class: 'id' }, id)), h('span', { class: 'actions' }, 'Grant: ', ...buttons));
  }));
}

// ---- tabs ----

for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tab')) {
      const on = t === tab;
      if (on) t.setAttribute('aria-current', 'page'); else t.removeAttribute('aria-current');
      $(t.dataset.view).hidden = !on;
    }
  });
}

// Re-render once a minute so "until 11:00" becomes "available" on time
// even when no event arrives (the engine sends one at the boundary anyway).
setInterval(() => { for (const id of state.contacts.keys()) render(id); applyFilter(); renderMe(); }, 60000);

// Tests read this to see the page's own view of a contact.
window.board = { state, client, presence };
