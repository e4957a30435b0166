// The staff console (/console): sign in over REST, then follow the library's queue and
// this librarian's chats over the WebSocket (docs/PROTOCOL.md, docs/API.md). This file
// wires the modules together and handles the frames; beside the open chat, the patron's
// relationship card (js/card.js); transcripts and search in a reader dialog
// (js/reader.js); the librarian's own profile (js/profile.js); the queue, "My chats",
// the pane, reports and sign-in in js/console-*.js.

import { RapportClient } from './js/protocol.js';
import { isolate, setStatus, submitOnEnter } from './js/ui.js';
import { TypingSender, TypingShown } from './js/typing.js';
import { humanError } from './js/errors.js';
import { makeApi } from './js/api.js';
import { CardPanel } from './js/card.js';
import { Promises } from './js/promises.js';
import { DeadMail } from './js/deadmail.js';
import { Cases } from './js/cases.js';
import { Reader } from './js/reader.js';
import { ProfileEditor } from './js/profile.js';
import { avatar } from './js/people.js';
import { Duty } from './js/duty.js';
import { MyChats, isOpen } from './js/console-chats.js';
import { QueueView } from './js/console-queue.js';
import { ChatPane } from './js/console-pane.js';
import { Reports } from './js/console-reports.js';
import { LoginView } from './js/console-login.js';
import { AdminNav } from './js/console-admin.js';
import { isAdmin } from './js/admin-ui.js';
import { wirePasswordChange } from './js/password.js';
import { Handoffs } from './js/handoff.js';
import { Supervise } from './js/supervise.js';
import { SuperviseReports } from './js/supervise-reports.js';
import { Covering } from './js/covering.js';

const $ = (id) => document.getElementById(id);
const ui = {
  loading: $('loading'),
  libName: $('lib-name'),
  conn: $('conn-status'),
  meBlock: $('me-block'),
  meName: $('me-name'),
  logoutBtn: $('logout-btn'),
  loginView: $('login-view'),
  loginForm: $('login-form'),
  loginError: $('login-error'),
  loginBtn: $('login-btn'),
  email: $('email'),
  password: $('password'),
  deskView: $('desk-view'),
  queueCount: $('queue-count'),
  queueEmpty: $('queue-empty'),
  queueList: $('queue-list'),
  cap: $('cap'),
  mineEmpty: $('mine-empty'),
  mineList: $('mine-list'),
  alert: $('desk-alert'),
  alertText: $('desk-alert-text'),
  alertClose: $('desk-alert-close'),
  paneEmpty: $('pane-empty'),
  paneChat: $('pane-chat'),
  heading: $('pane-heading'),
  sub: $('pane-sub'),
  endBtn: $('end-btn'),
  closeBtn: $('close-btn'),
  logs: $('logs'),
  typing: $('typing'),
  composer: $('composer'),
  input: $('msg-input'),
  hint: $('composer-hint'),
  ended: $('pane-ended'),
  outcomeRow: $('outcome-row'),
  outcome: $('outcome'),
  outcomeStatus: $('outcome-status'),
  searchForm: $('search-form'),
  searchQ: $('search-q'),
  profileBtn: $('profile-btn'),
  meAvatar: $('me-avatar'),
  continuity: $('continuity'),
  continuityRate: $('continuity-rate'),
  continuityDetail: $('continuity-detail'),
  card: $('card'),
  queueWhy: $('queue-why'),
  // hand-offs (js/handoff.js)
  handoffs: $('handoffs'),
  handoffsList: $('handoffs-list'),
  handoffsNote: $('handoffs-note'),
  mineNote: $('mine-note'),
  handoffBtn: $('handoff-btn'),
  handoffBar: $('handoff-bar'),
  handoffDialog: $('handoff-dialog'),
  handoffForm: $('handoff-form'),
  handoffTitle: $('handoff-title'),
  handoffChoices: $('handoff-choices'),
  handoffNote: $('handoff-note'),
  handoffCount: $('handoff-count'),
  handoffError: $('handoff-error'),
  handoffCancel: $('handoff-cancel'),
  handoffSubmit: $('handoff-submit'),
  handoffHint: $('handoff-hint'),
};

const state = {
  csrf: '',
  me: null, // {id, name, role, max_chats}
  library: null,
  queues: [],
  queue: [], // waiting chats, oldest first
  chats: new Map(), // chat id -> record (js/console-chats.js)
  selected: null,
  picking: null,
  baseTitle: document.title,
  patrons: new Map(), // patron id -> {name, pronouns} from their card, for headings
};

let client = null;
const typingIn = new TypingShown(ui.typing);
const typingOut = new TypingSender((on) => {
  if (client && state.selected) client.send({ type: 'typing', chat: state.selected, on });
});

// ---- REST --------------------------------------------------------------------------

const api = makeApi(() => state.csrf);

const reader = new Reader({ dialog: $('reader'), api, me: () => state.me });
const card = new CardPanel({
  root: ui.card,
  api,
  me: () => state.me,
  insert: insertOpener,
  openTranscript: (id, back) => reader.transcript(id, { onClose: back }),
  search: (q, patron) => api('GET', `search?q=${encodeURIComponent(q)}&patron=${patron}`),
  onLoad: (c, chatId) => {
    covering.learnCard(c, chatId); // another library's patron: its name and policy notes
    if (!c || !c.patron) return;
    const p = c.patron;
    const name = p.remembered ? p.preferred_name || p.display_name || '' : '';
    state.patrons.set(p.id, { name, pronouns: p.pronouns || '', remembered: Boolean(p.remembered) });
    myChats.relabel(p.id);
    pane.render();
    myChats.render();
  },
});
const promises = new Promises({
  root: $('promises'),
  paneBar: document.querySelector('#pane-chat .pane-bar'),
  api,
  me: () => state.me,
  chat: () => (state.selected && state.chats.get(state.selected) ? state.chats.get(state.selected).chat : null),
  onAlert: (t) => showAlert(t),
});
const duty = new Duty({
  ui: {
    state: $('duty-state'),
    btn: $('duty-btn'),
    dialog: $('leave-dialog'),
    title: $('leave-title'),
    text: $('leave-text'),
    cancel: $('leave-cancel'),
    finish: $('leave-finish'),
    handback: $('leave-handback'),
    alertsOn: $('alerts-on'),
    alertsNote: $('alerts-note'),
  },
  send: (frame) => Boolean(client && client.send(frame)),
  activeCount: () => myChats.activeCount(),
  logout: () => logout(),
  onAlert: (t) => showAlert(t),
  onChange: () => queue.render(),
});
const cases = new Cases({ root: $('cases'), api, onAlert: (t) => showAlert(t) });
const deadMail = new DeadMail({ root: $('deadmail'), api });
const profile = new ProfileEditor({
  api,
  onSaved: (p) => {
    if (!state.me) return;
    state.me.name = p.name || state.me.name;
    state.me.photo = p.photo;
    renderMe();
  },
});

// Covering another library's chats of the consortium (js/covering.js).
const covering = new Covering({ root: $('covering'), state, changed: () => pane.render(), recheck: () => card.refresh() });
// "My chats" (js/console-chats.js), the queue (js/console-queue.js), the open chat
// (js/console-pane.js), admins' reports (js/console-reports.js), sign-in (js/console-login.js).
const myChats = new MyChats({ ui, state, select: (id, focus) => pane.select(id, focus), capChanged: () => queue.render(), covers: (r) => covering.covers(r) });
const queue = new QueueView({ ui, state, duty, activeCount: () => myChats.activeCount(), pick: (id) => pick(id), cover: (q, qid) => covering.queueBits(q, qid) });
const pane = new ChatPane({
  ui, state, api, promises, card, typingIn, typingOut,
  renderMine: () => myChats.render(),
  extras: (r) => (handoffs.render(r), supervise.renderPane(r), covering.render(r)),
  covers: (r) => covering.covers(r),
});
const reports = new Reports({ ui, api, deadMail, me: () => state.me });
// Warm hand-offs, sending and taking (js/handoff.js).
const handoffs = new Handoffs({
  ui,
  state,
  api,
  send: (frame) => Boolean(client && client.send(frame)),
  chats: () => ({
    myChats, pane, duty,
    resume: (id) => client && client.resume(id, 0),
    select: (id, focus) => pane.select(id, focus),
    drop: (id) => supervise.watchOn(id) || dropChat(id), // (a supervisor keeps watching)
    focusComposer: () => !ui.composer.hidden && ui.input.focus(),
  }),
  onAlert: (t) => showAlert(t),
});
// Supervisors: "The desk" (watch, reassign) and the hand-off and feedback reports (js/supervise*.js).
const supervise = new Supervise({
  root: $('sv-desk'),
  bar: $('watch-bar'),
  state,
  api,
  parts: () => ({ myChats, pane, handoffs, resume: (id) => client && client.resume(id, 0) }),
});
const superReports = new SuperviseReports({
  handoffs: $('sv-handoffs'),
  feedback: $('sv-feedback'),
  api,
  me: () => state.me,
  openTranscript: (id) => reader.transcript(id),
});
const login = new LoginView({ ui, api, title: () => state.baseTitle, onSignedIn: (session) => startDesk(session) });

/** Puts the suggested opener in the reply box for editing; false if there is no box. */
function insertOpener(text) {
  const r = state.selected ? state.chats.get(state.selected) : null;
  if (!r || ui.composer.hidden) return false;
  const cur = ui.input.value.trim();
  ui.input.value = cur ? `${text} ${cur}` : text;
  ui.input.focus();
  ui.input.setSelectionRange(ui.input.value.length, ui.input.value.length);
  typingOut.input(true);
  return true;
}

function showAlert(text) {
  ui.alertText.textContent = text;
  ui.alert.hidden = !text;
}

// ---- desk --------------------------------------------------------------------------

function startDesk(session) {
  state.csrf = session.csrf || state.csrf;
  state.me = session.staff;
  state.library = session.library;
  ui.libName.textContent = session.library ? session.library.name : '';
  renderMe();
  ui.meBlock.hidden = false;
  ui.searchForm.hidden = false;
  reports.load();
  supervise.start();
  superReports.load();
  ui.loading.hidden = true;
  ui.loginView.hidden = true;
  ui.deskView.hidden = false;
  adminNav.signedIn();
  queue.render();
  myChats.render();
  pane.render();
  if (client) client.stop();
  client = new RapportClient({ hello: () => ({ type: 'hello', role: 'staff' }) });
  wire(client);
  client.start();
}

function renderMe() {
  if (!state.me) return;
  ui.meName.textContent = state.me.name;
  ui.meAvatar.replaceChildren(avatar(state.me, 'sm'));
}

// ---- protocol events ---------------------------------------------------------------

function wire(c) {
  c.addEventListener('status', (e) => {
    const s = e.detail.state;
    if (s === 'reconnecting') setStatus(ui.conn, 'Reconnecting…');
    else if (s === 'connecting') setStatus(ui.conn, 'Connecting…');
    else setStatus(ui.conn, '');
  });

  c.addEventListener('welcome', (e) => {
    const w = e.detail;
    state.me = w.staff || state.me;
    if (w.staff) duty.setStatus(w.staff.status);
    state.library = w.library || state.library;
    state.queues = Array.isArray(w.queues) ? w.queues : [];
    state.queue = Array.isArray(w.queue) ? w.queue : [];
    covering.learn(state.queue, w.handoffs);
    duty.queueSeen(state.queue, true);
    handoffs.onList(w.handoffs, true);
    const chats = Array.isArray(w.chats) ? w.chats : [];
    for (const chat of chats) {
      const known = state.chats.has(chat.id);
      myChats.record(chat);
      c.resume(chat.id, e.detail.first || !known ? 0 : undefined);
    }
    for (const r of state.chats.values()) {
      // Chats ended while we were away: fetch what we missed, once.
      if (!chats.some((x) => x.id === r.chat.id) && isOpen(r)) c.resume(r.chat.id);
    }
    if (!state.selected && chats.length) state.selected = chats[0].id;
    queue.render();
    myChats.render();
    pane.render();
    const sel = state.selected ? state.chats.get(state.selected) : null;
    if (sel) card.show(sel.chat);
  });

  c.addEventListener('queue', (e) => {
    state.queue = Array.isArray(e.detail.queue) ? e.detail.queue : [];
    covering.learn(state.queue, e.detail.handoffs);
    duty.queueSeen(state.queue, false);
    handoffs.onList(e.detail.handoffs, false);
    queue.render();
  });
  c.addEventListener('duty', (e) => duty.onStatus(e.detail));

  c.addEventListener('chat', (e) => onChat(e.detail.chat));
  // A patron chose to be remembered, edited their details or asked to be forgotten.
  c.addEventListener('patron', (e) => onPatron(e.detail));
  c.addEventListener('promises', (e) => {
    promises.onFrame(e.detail);
    if (isAdmin(state.me)) reports.soon(); // promises kept may have moved
    cases.load(); // a case is tracked by a promise: one changed, the list may have
  });
  c.addEventListener('case_changed', (e) => cases.onChanged(e.detail));
  c.addEventListener('msg', (e) => onMsg(e.detail));
  c.addEventListener('ack', (e) => {
    const r = state.chats.get(e.detail.chat);
    if (r) r.transcript.ack(e.detail.cmid, e.detail.seq);
  });
  c.addEventListener('typing', (e) => {
    const t = e.detail;
    const r = state.chats.get(t.chat);
    if (!r || t.from !== 'patron') return;
    r.typing = Boolean(t.on);
    if (state.selected === t.chat) {
      if (r.typing) typingIn.show('Patron is typing…');
      else typingIn.hide();
    }
    myChats.render();
  });
  c.addEventListener('senderror', (e) => {
    const { frame, error } = e.detail;
    const r = state.chats.get(frame.chat);
    if (r) r.transcript.fail(frame.cmid, humanError(error));
  });
  c.addEventListener('error', (e) => onError(e.detail));
  // supervisors (js/supervise.js), after the console's own handling of each frame
  c.addEventListener('welcome', (e) => {
    supervise.onQueue(e.detail);
    if (!e.detail.first) supervise.start(); // frames missed while away
  });
  c.addEventListener('queue', (e) => supervise.onQueue(e.detail));
  c.addEventListener('chat', (e) => {
    supervise.onChat(e.detail.chat);
    if (e.detail.chat && e.detail.chat.state === 'ended') superReports.soon(); // a rating may follow
  });
  c.addEventListener('error', (e) => supervise.refused(e.detail));
}

/** `patron` frame: what is remembered of a patron changed; re-read a card showing them. */
function onPatron(f) {
  if (!f || typeof f.patron !== 'number') return;
  if (!f.remembered) {
    state.patrons.set(f.patron, { name: '', pronouns: '', remembered: false });
    myChats.relabel(f.patron);
  }
  pane.render();
  myChats.render();
  if (card.patronId === f.patron) card.refresh();
}

function onChat(chat) {
  if (!chat) return;
  const mine = chat.staff && state.me && chat.staff.id === state.me.id;
  const known = state.chats.get(chat.id);
  if (state.picking === chat.id && !mine && chat.state !== 'queued') {
    // Someone else got there first (our `taken` error says so too).
    state.picking = null;
    if (known) {
      known.list.remove();
      state.chats.delete(chat.id);
    }
    queue.render();
    myChats.render();
    return;
  }
  if (chat.remembered && chat.state === 'active' && isAdmin(state.me)) {
    // A returning patron was just picked up somewhere: the continuity rate may move.
    reports.soon();
  }
  if (!mine && !known) return;
  if (handoffs.onChat(chat, known, mine)) return; // handed on, or taken over from a colleague
  if (known && chat.state === 'queued' && known.chat.state === 'active' && myChats.isMine(known.chat)) {
    // Handed back to the queue (Away, or from another console of mine): no longer mine.
    dropChat(chat.id);
    return;
  }
  const wasOpen = known ? isOpen(known) : true;
  const r = myChats.record(chat);
  if (wasOpen && !isOpen(r)) {
    if (state.selected === chat.id) card.refresh();
    if (mine) reports.load(); // admins: the rate may have moved
  }
  if (state.picking === chat.id && mine && chat.state === 'active') {
    state.picking = null;
    showAlert('');
    pane.select(chat.id, true);
    // The server sends the transcript after a pick; ask for it if it does not come.
    setTimeout(() => {
      if (r.transcript.textCount() === 0 && client) client.resume(chat.id, 0);
    }, 1500);
  }
  if (!isOpen(r)) r.typing = false;
  queue.render();
  myChats.render();
  if (state.selected === chat.id) pane.render();
  duty.chatsChanged();
}

/** Chat `id` is no longer this console's: its record goes, and the pane opens another. */
function dropChat(id) {
  const r = state.chats.get(id);
  if (r) r.list.remove();
  state.chats.delete(id);
  if (state.selected === id) {
    const next = [...state.chats.values()].find((x) => isOpen(x) && !x.reading);
    pane.select(next ? next.chat.id : null, false);
  }
  queue.render();
  myChats.render();
  duty.chatsChanged();
}

function onMsg(m) {
  let r = state.chats.get(m.chat);
  if (!r && state.picking === m.chat) {
    // After a pick the transcript may arrive before the `chat` frame that confirms it.
    const q = state.queue.find((x) => x.id === m.chat);
    r = myChats.record({ id: m.chat, state: 'queued', queue: q ? q.queue : null, staff: null, created_at: q ? q.created_at : m.at });
  }
  if (!r) return;
  if (!r.transcript.add(m)) return;
  if (m.kind === 'text') {
    r.preview = m.text;
    // whose line it is: the patron's needs no name; a librarian's is 'You' only if it was
    // this librarian (a chat handed over keeps the lines of the one before)
    const mine = state.me && m.name === state.me.name;
    r.previewWho = m.from === 'staff' ? (mine ? 'You' : m.name || 'Staff') : '';
    if (m.from === 'patron') {
      r.typing = false;
      if (state.selected === m.chat) typingIn.hide();
      if (state.selected !== m.chat || document.visibilityState !== 'visible') r.unread++;
    }
  } else if (m.event === 'ended' || m.event === 'abandoned') {
    r.chat.state = m.event === 'ended' ? 'ended' : 'abandoned';
    r.typing = false;
    if (state.selected === m.chat) pane.render();
  }
  myChats.render();
}

function onError(err) {
  if (err.code === 'unauthenticated') {
    if (client) client.stop();
    client = null;
    login.show('Your session has ended. Please sign in again.');
    return;
  }
  if (handoffs.refused(err)) return;
  if (err.code === 'offered') {
    const q = state.queue.find((x) => x.id === state.picking);
    const who = q && q.offer && q.offer.staff ? q.offer.staff.name : 'a colleague';
    err = Object.assign({}, err, {
      code: 'offered_named',
      message: `That chat is being offered to ${isolate(who)} first, because the patron knows them. It opens to everyone if they don't pick it up soon.`,
    });
  }
  if (err.code === 'taken' || err.code === 'at_capacity' || err.code === 'offered_named' || err.ref === 'pick') {
    const r = state.chats.get(state.picking);
    if (r && !(r.chat.staff && state.me && r.chat.staff.id === state.me.id)) {
      r.list.remove();
      state.chats.delete(state.picking);
      myChats.render();
    }
    state.picking = null;
    queue.render();
  }
  if (['rate_limited', 'store_failed', 'busy'].includes(err.code)) return;
  if (client && client.pending().some((f) => f.cmid === err.ref)) return;
  showAlert(humanError(err));
}

function pick(id) {
  if (!client) return;
  showAlert('');
  if (!client.send({ type: 'pick', chat: id })) {
    showAlert('You are offline right now. Please try again in a moment.');
    return;
  }
  state.picking = id;
  queue.render();
}

// ---- user actions ------------------------------------------------------------------

ui.logoutBtn.addEventListener('click', () => duty.askLogout());

async function logout() {
  typingOut.stop();
  const res = await api('POST', 'logout', {});
  if (res.status !== 200 && res.status !== 401) {
    // The session may still be live: say so rather than pretend we logged out.
    showAlert('Logging out did not work. Please try again.');
    return;
  }
  if (client) client.stop();
  client = null;
  state.csrf = '';
  state.me = null;
  state.selected = null;
  state.queue = [];
  for (const r of state.chats.values()) r.list.remove();
  state.chats.clear();
  state.patrons.clear();
  reports.stop();
  card.show(null);
  ui.searchForm.hidden = true;
  ui.continuity.hidden = true;
  adminNav.reset();
  duty.reset();
  handoffs.reset();
  supervise.reset();
  superReports.stop();
  login.show('');
}

ui.alertClose.addEventListener('click', () => showAlert(''));

ui.searchForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = ui.searchQ.value.trim();
  if (!q) {
    ui.searchQ.focus();
    return;
  }
  reader.search(q, () => ui.searchQ.focus());
});

ui.profileBtn.addEventListener('click', () => profile.open(ui.profileBtn));

const adminNav = new AdminNav({ api, me: () => state.me });
wirePasswordChange(api);

ui.input.addEventListener('input', () => typingOut.input(ui.input.value.trim() !== ''));

submitOnEnter(ui.input, ui.composer);

ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const r = state.selected ? state.chats.get(state.selected) : null;
  const text = ui.input.value.trim();
  if (!r || !text || !client) return;
  typingOut.stop();
  const cmid = client.request({ type: 'send', chat: r.chat.id, text });
  r.transcript.addPending(cmid, text);
  r.preview = text;
  r.previewWho = 'You';
  ui.input.value = '';
  r.draft = '';
  myChats.render();
});

ui.endBtn.addEventListener('click', () => {
  if (!client || !state.selected) return;
  typingOut.stop();
  if (!client.send({ type: 'end', chat: state.selected })) {
    showAlert('You are offline right now. Please try again in a moment.');
  }
});

ui.closeBtn.addEventListener('click', () => {
  const r = state.chats.get(state.selected);
  if (r) {
    r.list.remove();
    state.chats.delete(state.selected);
  }
  const next = [...state.chats.values()].find(isOpen);
  pane.select(next ? next.chat.id : null, false);
  if (!next) ui.heading.blur();
});

(async function boot() {
  const res = await api('GET', 'me');
  if (res.status === 200 && res.body && res.body.staff) startDesk(res.body);
  else login.show('');
})();
