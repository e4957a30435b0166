// The patron chat page (/chat, and inside the widget's iframe with ?embed=1).
//
// Query parameters: `library=<slug>` picks the library (default: the server's first one),
// `embed=1` drops the page chrome. The patron token from `welcome` is kept in localStorage
// under `rapport.patron.<slug or "default">`; messages not yet acknowledged are kept in
// sessionStorage so a reload sends them again with the same cmid.
//
// This file wires the page together: the chat on screen, its transcript, the composer and
// the profile of the librarian who joined. The rest lives in js/: "Remember me"
// (patron-memory.js), the start view with "who is on now" (patron-ask.js), the queued
// chat and its offer (patron-wait.js), the rating after the chat (patron-after.js), the
// token and sign-in link (patron-session.js), refused relation frames (patron-refusals.js).

import { applyLook } from './js/patron-look.js';
import { RapportClient } from './js/protocol.js';
import { PatronSession } from './js/patron-session.js';
import { Transcript, bdi, isolate, setStatus, submitOnEnter } from './js/ui.js';
import { TypingSender, TypingShown } from './js/typing.js';
import { humanError } from './js/errors.js';
import { avatar, nameLine } from './js/people.js';
import { Memory } from './js/patron-memory.js';
import { Promised } from './js/promised.js';
import { PatronMail } from './js/patron-mail.js';
import { AskView, queueOffline } from './js/patron-ask.js';
import { WaitView } from './js/patron-wait.js';
import { AfterChat } from './js/patron-after.js';
import { relationRefused } from './js/patron-refusals.js';
import { SomeoneElse } from './js/patron-else.js';

// The library, embed flag, token and sign-in link (js/patron-session.js).
const session = new PatronSession();
const { embed, storeKey } = session;

const $ = (id) => document.getElementById(id);
const ui = {
  libraryName: $('library-name'),
  conn: $('conn-status'),
  alert: $('alert'),
  loading: $('loading'),
  startView: $('start-view'),
  startHeading: $('start-heading'),
  startLede: $('start-lede'),
  whoField: $('who-field'),
  whoList: $('who-list'),
  startForm: $('start-form'),
  queueField: $('queue-field'),
  queueSelect: $('queue-select'),
  staffOn: $('staff-on'),
  whoNote: $('who-note'),
  question: $('question'),
  offlineField: $('offline-field'),
  offlineEmail: $('offline-email'),
  offlineStatus: $('offline-status'),
  chatView: $('chat-view'),
  chatAvatar: $('chat-avatar'),
  heading: $('chat-heading'),
  sub: $('chat-sub'),
  endBtn: $('end-btn'),
  log: $('log'),
  typing: $('typing'),
  composer: $('composer'),
  input: $('msg-input'),
  endedBox: $('ended-box'),
  endedText: $('ended-text'),
  newChatBtn: $('new-chat-btn'),
  waitGrew: $('wait-grew'),
  waitGrewText: $('wait-grew-text'),
  waitKeep: $('wait-keep'),
  waitLeave: $('wait-leave'),
  waitQuestion: $('wait-question'),
  offerBox: $('offer-box'),
  offerText: $('offer-text'),
  offerTime: $('offer-time'),
  offerWait: $('offer-wait'),
  offerFirst: $('offer-first'),
  staffCard: $('staff-card'),
  staffCardPhoto: $('staff-card-photo'),
  staffCardName: $('staff-card-name'),
  staffCardSubjects: $('staff-card-subjects'),
  staffCardBio: $('staff-card-bio'),
  staffCardHide: $('staff-card-hide'),
  rateBox: $('rate-box'),
  rateStars: $('rate-stars'),
  rateStatus: $('rate-status'),
  elseBox: $('else-box'),
  elseBtn: $('else-btn'),
  elseStatus: $('else-status'),
};

const state = {
  library: null,
  queues: [],
  chat: null, // the chat on screen: {id, state, queue, staff, position}; id null until join is acked
  joinCmid: null,
  unseen: 0,
  baseTitle: document.title,
  librarians: [], // on duty and listed: profiles
  who: 0, // the librarian picked before asking (0: first available)
  offerKey: '', // what the offer box last said, so the live region speaks only on change
  cardHidden: new Set(), // chats whose librarian card the patron hid
  profiles: new Map(), // librarian name -> profile, from chat frames (events carry names only)
};

if (embed) document.body.classList.add('is-embed');

const client = new RapportClient({
  hello: () => session.hello(),
  outboxKey: storeKey + '.outbox',
});

const memory = new Memory({
  client,
  alert: (text) => showAlert(text),
  chat: () => (state.chat && state.chat.id) || 0,
  onChange: () => {
    ask.renderGreeting();
    ask.renderWho();
    if (state.chat) renderChat();
  },
});

// "E-mail me this conversation" and "Send me a sign-in link" (js/patron-mail.js).
const mail = new PatronMail({ client, memory });
memory.onSheet = (editing) => mail.renderSignin(editing);

// The start view (js/patron-ask.js), the queued chat (js/patron-wait.js), after the chat
// (js/patron-after.js).
const ask = new AskView({ ui, state, client, memory, alert: showAlert });
const wait = new WaitView({ ui, state, client, alert: showAlert });
const after = new AfterChat({ ui, chat: () => state.chat, client, memory, storeKey });

// "Sam Lee (nursing, health sciences)": a librarian named in an event, with their subjects
// once a chat frame has told us them; "Nia Osei of North College Library" for a librarian
// of another library covering the chat (the event's `library`).
function withSubjects(name, library) {
  const p = state.profiles.get(name);
  const who = library ? [bdi(name), ' of ', bdi(library)] : [bdi(name)];
  return p && p.subjects ? [...who, ' (', bdi(p.subjects), ')'] : who;
}

// "Jen" of "Jen Ortiz", for a name said twice in a sentence (the whole name when its first
// word is a title or an initial: "Dr.", "J."); src/api/patron_mail.c does the same.
function firstName(name) {
  const w = name.trim().split(/\s+/)[0];
  return w && !w.endsWith('.') ? w : name;
}

// How an event reads to the patron (the e-mailed transcript, src/api/patron_mail.c, says
// the same). Names sit inside our sentences, so they are isolated (bdi).
function eventText(m) {
  const name = m.name || 'Your librarian';
  switch (m.event) {
    case 'handoff_offered':
      if (!m.name) return 'Your librarian is asking a colleague to join, and stays with you meanwhile.';
      return [bdi(name), ' is asking a colleague to join; ', bdi(firstName(name)), ' stays with you meanwhile.'];
    case 'someone_else':
      return "You asked if someone else could help; we're asking a colleague.";
    case 'handoff_accepted':
      return [...withSubjects(m.name || 'A librarian', m.library), ' has read your conversation and is joining.'];
    case 'handoff_returned':
      return [bdi(name), ' is still with you.'];
    case 'joined':
      return m.library ? [bdi(m.name || 'A librarian'), ' of ', bdi(m.library), ' joined'] : [bdi(m.name || 'A librarian'), ' joined'];
    case 'ended':
      return m.by === 'patron' ? 'You ended the chat' : m.by === 'staff' ? [bdi(m.name || 'The librarian'), ' ended the chat'] : 'The chat was closed';
    case 'abandoned':
      return 'The chat was closed before a librarian picked it up';
    case 'handed_back':
      return `\u2068${name}\u2069 had to leave; another librarian will join you shortly. Your conversation is kept.`;
    default:
      return m.event || 'Update';
  }
}

const transcript = new Transcript(ui.log, {
  me: 'patron',
  nameOf: (m) => (m.from === 'patron' ? 'You' : m.name || (m.from === 'system' ? 'Library' : 'Librarian')),
  eventText,
});
const someoneElse = new SomeoneElse({ ui: { box: ui.elseBox, btn: ui.elseBtn, status: ui.elseStatus }, client, chat: () => state.chat });

const typingOut = new TypingSender((on) => {
  if (state.chat && state.chat.id) client.send({ type: 'typing', chat: state.chat.id, on });
});
const typingIn = new TypingShown(ui.typing);

// ---- rendering -------------------------------------------------------------------

function showAlert(text) {
  ui.alert.textContent = text;
  ui.alert.hidden = !text;
}

function showStart(focus) {
  mail.setChat(null);
  ui.loading.hidden = true;
  ui.chatView.hidden = true;
  ui.startView.hidden = false;
  ask.renderGreeting();
  ask.renderStaffOn();
  ask.renderWho();
  if (focus) ui.question.focus();
}

// The chat on screen is left behind: the start view again, with nothing of it kept.
function backToStart(focus) {
  state.chat = null;
  state.joinCmid = null;
  transcript.clear();
  typingIn.hide();
  showAlert('');
  showStart(focus);
}

function showChat() {
  ui.loading.hidden = true;
  ui.startView.hidden = true;
  ui.chatView.hidden = false;
  renderChat();
}

function renderChat() {
  const c = state.chat;
  if (!c) return;
  const open = c.state === 'queued' || c.state === 'active';
  const q = ask.queueById(c.queue);
  if (c.state === 'queued') {
    wait.renderQueued(c, q);
  } else if (c.state === 'active') {
    const name = (c.staff && c.staff.name) || 'a librarian';
    ui.heading.replaceChildren('Chatting with ', bdi(name));
    ui.sub.replaceChildren(...[c.staff && c.staff.pronouns ? bdi(c.staff.pronouns) : null, c.staff && c.staff.pronouns && q ? ' · ' : null, q ? bdi(q.name) : null].filter(Boolean));
  } else {
    ui.heading.textContent = 'Chat ended';
    ui.sub.textContent = '';
    ui.endedText.textContent =
      c.state === 'abandoned'
        ? 'This chat left the queue before a librarian could pick it up.'
        : 'This chat has ended. Thank you for asking!';
  }
  ui.composer.hidden = !open;
  ui.endBtn.hidden = !open;
  ui.endBtn.textContent = c.state === 'queued' ? 'Leave queue' : 'End chat';
  ui.endBtn.disabled = !c.id;
  wait.renderWaitGrew();
  wait.renderOffer();
  renderStaffCard();
  someoneElse.render();
  after.render();
  mail.setChat(c);
  placeMailBox(open);
  const wasEnded = !ui.endedBox.hidden;
  ui.endedBox.hidden = open;
  if (!open) {
    typingIn.hide();
    typingOut.stop();
    if (!wasEnded && (document.activeElement === ui.input || document.activeElement === ui.endBtn)) {
      ui.newChatBtn.focus();
    }
  }
}

// "E-mail me this conversation" sits under the composer while the chat is open, and
// among the after-chat choices (which scroll on a small phone) once it has ended.
function placeMailBox(open) {
  const box = $('mail-box');
  const had = box.contains(document.activeElement) ? document.activeElement : null;
  if (open && box.parentElement !== ui.chatView) ui.chatView.append(box);
  else if (!open && box.parentElement !== ui.endedBox) ui.endedBox.insertBefore(box, ui.newChatBtn);
  else return;
  if (had) had.focus();
}

// The wait grew: leave the question to be answered by e-mail. The queued chat ends, and
// the start page comes back with the question and the e-mail field, ready to send.
ui.waitQuestion.addEventListener('click', () => {
  const c = state.chat;
  const q = c && ask.queueById(c.queue);
  if (!c || !c.id || c.state !== 'queued' || !q) return;
  if (!client.send({ type: 'end', chat: c.id })) {
    showAlert("You're offline right now. Please try again in a moment.");
    return;
  }
  const text = state.question || '';
  ui.waitGrew.hidden = true;
  backToStart(false);
  ui.queueSelect.value = String(q.id);
  ui.question.value = text;
  ui.offlineField.hidden = false;
  $('offline-btn').hidden = false;
  ui.offlineStatus.textContent = 'Give your e-mail address and choose "Leave it by e-mail": we will answer there.';
  ui.offlineEmail.value = ui.offlineEmail.value || (memory.remembered() && memory.relation.email) || '';
  (ui.offlineEmail.value ? $('offline-btn') : ui.offlineEmail).focus();
});

// The librarian who joined: a compact card (photo, name, pronouns, subjects, bio).
function renderStaffCard() {
  const c = state.chat;
  const s = c && c.state === 'active' && c.staff && c.staff.name ? c.staff : null;
  ui.chatAvatar.hidden = !s;
  ui.chatAvatar.replaceChildren(...(s ? [avatar(s, 'sm')] : []));
  const rich = s && (s.bio || s.subjects || s.photo || s.pronouns);
  ui.staffCard.hidden = !rich || state.cardHidden.has(c.id);
  if (ui.staffCard.hidden) return;
  ui.staffCardPhoto.replaceChildren(avatar(s, 'lg'));
  ui.staffCardName.replaceChildren(nameLine(s));
  ui.staffCardSubjects.textContent = s.subjects || '';
  ui.staffCardSubjects.hidden = !s.subjects;
  ui.staffCardBio.textContent = s.bio || '';
  ui.staffCardBio.hidden = !s.bio;
}

function setChat(c) {
  const prevStaff = state.chat && state.chat.staff;
  state.chat = Object.assign({}, state.chat || {}, c);
  // (a chat handed back to the queue has no librarian: do not keep showing the last one)
  if (!state.chat.staff && prevStaff && state.chat.state !== 'queued') state.chat.staff = prevStaff;
  // A `joined` or `handoff_accepted` event names the librarian; `chat` frames carry whole
  // profiles (of the librarian, and of a colleague asked to join), kept by name.
  const s = state.chat.staff;
  const known = state.profiles.size;
  for (const p of [s, c.handoff && c.handoff.to]) if (p && p.id !== undefined && p.name) state.profiles.set(p.name, p);
  if (s && s.id === undefined && state.profiles.has(s.name)) state.chat.staff = Object.assign({}, state.profiles.get(s.name), s);
  if (state.profiles.size !== known) transcript.reword(); // "Sam Lee (nursing) has read…"
  renderChat();
}

function noteUnseen() {
  if (document.visibilityState === 'visible') return;
  state.unseen++;
  document.title = `(${state.unseen}) ${state.baseTitle}`;
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && state.unseen) {
    state.unseen = 0;
    document.title = state.baseTitle;
  }
});

// ---- protocol events ---------------------------------------------------------------

client.addEventListener('status', (e) => {
  const s = e.detail.state;
  if (s === 'reconnecting') setStatus(ui.conn, 'Reconnecting…');
  else if (s === 'open') setStatus(ui.conn, '');
});

const promised = new Promised(ui.alert);
client.addEventListener('promises', (e) => promised.set(e.detail.promises));

client.addEventListener('welcome', (e) => {
  const w = e.detail;
  promised.set(w.promises);
  session.welcomed(w.token);
  state.library = w.library || null;
  applyLook(state.library);
  if (embed && window.parent !== window && state.library) { // the widget's button and bar too
    window.parent.postMessage({ type: 'rapport:look', colour: state.library.colour || '', text_colour: state.library.text_colour || '' }, '*');
  }
  mail.setAvailable(!state.library || state.library.email);
  state.queues = Array.isArray(w.queues) ? w.queues : [];
  if (state.library && state.library.name) {
    ui.libraryName.textContent = state.library.name;
    state.baseTitle = `Ask a librarian · ${isolate(state.library.name)}`;
    document.title = state.baseTitle;
  }
  if (Array.isArray(w.librarians)) state.librarians = w.librarians;
  memory.setNotice(w.notice || null);
  memory.setRelation(w.relation || { remembered: false });
  ask.renderGreeting(); // the library's own greeting, when it has one
  ask.renderQueues();
  const chats = Array.isArray(w.chats) ? w.chats : [];
  if (w.first) {
    firstWelcome(chats);
  } else if (state.chat && state.chat.id) {
    const fresh = chats.find((c) => c.id === state.chat.id);
    if (fresh) setChat(fresh);
    client.resume(state.chat.id); // after the last seq this page has seen
  }
});

// Librarians came on or went off: the counts (and the queue view's words) follow.
client.addEventListener('queues', (e) => {
  if (!Array.isArray(e.detail.queues)) return;
  state.queues = e.detail.queues;
  if (Array.isArray(e.detail.librarians)) state.librarians = e.detail.librarians;
  ask.renderQueues();
  ask.renderWho();
  if (state.chat) renderChat();
});

// On a fresh page load: show the open (or most recent) chat in full, or the question form.
function firstWelcome(chats) {
  const pendingJoin = client.pending().find((f) => f.type === 'join');
  const open = chats.find((c) => c.state === 'queued' || c.state === 'active');
  const recent = chats[0] && chats[0].id !== session.leftChatId() ? chats[0] : null;
  const pick = open || (pendingJoin ? null : recent);
  transcript.clear();
  if (pick) {
    state.chat = Object.assign({}, pick);
    showChat();
    client.resume(pick.id, 0);
    for (const f of client.pending()) {
      if (f.type === 'send' && f.chat === pick.id) transcript.addPending(f.cmid, f.text);
    }
  } else if (pendingJoin) {
    state.joinCmid = pendingJoin.cmid;
    state.chat = { id: null, state: 'queued', queue: pendingJoin.queue, staff: null, position: 0, joinedHere: true };
    state.question = pendingJoin.text;
    transcript.addPending(pendingJoin.cmid, pendingJoin.text);
    showChat();
  } else {
    showStart(false);
  }
  // Frames for chats no longer on screen would only confuse a later chat.
  for (const f of client.pending()) {
    const mine = (state.chat && f.chat === state.chat.id) || f.cmid === state.joinCmid;
    if (!mine) client.discard(f.cmid);
  }
}

client.addEventListener('ack', (e) => {
  const a = e.detail;
  if (a.cmid === state.joinCmid && state.chat) {
    state.joinCmid = null;
    state.chat.id = a.chat;
    renderChat();
    // The question is seq 1 and nothing comes before it, so it is already on screen.
    client.markSeen(a.chat, a.seq);
    client.resume(a.chat, client.seen(a.chat));
  }
  transcript.ack(a.cmid, a.seq);
});

client.addEventListener('chat', (e) => {
  const c = e.detail.chat;
  if (!c || !state.chat) return;
  if (state.chat.id === null && state.joinCmid && c.state === 'queued') state.chat.id = c.id;
  if (c.id !== state.chat.id) return;
  setChat(c);
});

// What rapport remembers changed (our remember/forget/favourite/prefer, or another tab).
client.addEventListener('relation', (e) => {
  memory.setRelation(e.detail.relation || { remembered: false }, true);
});

client.addEventListener('msg', (e) => {
  const m = e.detail;
  if (!state.chat || m.chat !== state.chat.id) return;
  const added = transcript.add(m);
  if (!added) return;
  if (m.kind === 'text' && m.from !== 'patron') {
    typingIn.hide();
    noteUnseen();
  }
  if (m.kind === 'event') {
    if (m.event === 'joined') setChat({ state: 'active', staff: { name: m.name }, position: 0 });
    if (m.event === 'ended') setChat({ state: 'ended' });
    if (m.event === 'abandoned') setChat({ state: 'abandoned' });
    if (m.event === 'handed_back') setChat({ state: 'queued', staff: null, handed_back: { by: { name: m.name }, at: m.at } });
    if (m.event === 'handoff_accepted') setChat({ staff: { name: m.name } });
    someoneElse.onEvent(m);
  }
});

client.addEventListener('typing', (e) => {
  const t = e.detail;
  if (!state.chat || t.chat !== state.chat.id || t.from === 'patron') return;
  if (t.on) {
    const name = (state.chat.staff && state.chat.staff.name) || 'The librarian';
    typingIn.show([bdi(name), ' is typing…']);
  } else {
    typingIn.hide();
  }
});

client.addEventListener('senderror', (e) => {
  const { frame, error } = e.detail;
  if (frame.type === 'join' && frame.cmid === state.joinCmid) {
    state.joinCmid = null;
    state.chat = null;
    transcript.clear();
    ui.question.value = frame.text || '';
    showStart(true);
    if (frame.staff && (error.code === 'not_found' || error.code === 'bad_state')) {
      state.who = 0;
      ask.renderWho();
      showAlert("That librarian isn't on the desk any more. Your question is still here: ask the first available librarian, or choose someone else.");
    } else {
      showAlert(humanError(error));
    }
    return;
  }
  transcript.fail(frame.cmid, humanError(error));
});

client.addEventListener('error', (e) => {
  const err = e.detail;
  if (err.code === 'unknown_token') {
    session.forgetToken();
    client.restart();
    return;
  }
  if (err.code === 'signin_invalid') {
    session.dropSignin();
    showAlert(err.message || 'This sign-in link was already used or has expired.');
    client.restart();
    return;
  }
  if (err.code === 'origin_not_allowed') client.stop();
  if (relationRefused(err, { client, memory, after, alert: showAlert })) return;
  if (mail.refused(err)) return; // shown next to the e-mail controls
  if (someoneElse.refused(err)) return; // shown under the composer
  if (err.ref === 'ask_offline') return; // shown under the form
  if (err.code === 'not_found' && err.ref === 'resume') {
    state.chat = null;
    transcript.clear();
    showStart(false);
    return;
  }
  // Refused outbox frames are shown on the message itself ("senderror"); retryable ones
  // go out again by themselves.
  if (['rate_limited', 'store_failed', 'busy'].includes(err.code)) return;
  if (client.pending().some((f) => f.cmid === err.ref) || err.ref === state.joinCmid) return;
  showAlert(humanError(err));
});

// ---- user actions ------------------------------------------------------------------

ui.startForm.addEventListener('submit', (e) => {
  e.preventDefault();
  showAlert('');
  const text = ui.question.value.trim();
  if (!text) {
    showAlert('Please type your question first.');
    ui.question.focus();
    return;
  }
  const q = ask.selectedQueue();
  if (!q) return;
  if (queueOffline(q)) {
    ask.askOffline(q, text);
    return;
  }
  memory.say('');
  const join = { type: 'join', queue: q.id, text };
  if (state.who && ask.librarianById(state.who)) join.staff = state.who;
  const cmid = client.request(join);
  state.joinCmid = cmid;
  state.chat = { id: null, state: 'queued', queue: q.id, staff: null, position: 0, joinedHere: true };
  state.question = text;
  transcript.clear();
  transcript.addPending(cmid, text);
  ui.question.value = '';
  showChat();
  ui.input.focus();
});

function autoGrow() {
  ui.input.style.height = 'auto';
  ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 160) + 'px';
}

ui.input.addEventListener('input', () => {
  autoGrow();
  typingOut.input(ui.input.value.trim() !== '');
});

submitOnEnter(ui.input, ui.composer);

ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.input.value.trim();
  if (!text || !state.chat) return;
  if (!state.chat.id) {
    showAlert('One moment: your question is still on its way to the desk.');
    return;
  }
  showAlert('');
  typingOut.stop();
  const cmid = client.request({ type: 'send', chat: state.chat.id, text });
  transcript.addPending(cmid, text);
  ui.input.value = '';
  autoGrow();
  ui.input.focus();
});

ui.endBtn.addEventListener('click', () => {
  if (!state.chat || !state.chat.id) return;
  if (!client.send({ type: 'end', chat: state.chat.id })) {
    showAlert("You're offline right now. Please try again in a moment.");
  }
});

ui.staffCardHide.addEventListener('click', () => {
  if (state.chat && state.chat.id) state.cardHidden.add(state.chat.id);
  renderStaffCard();
  ui.input.focus();
});

ui.newChatBtn.addEventListener('click', () => {
  if (state.chat) session.leftChat(state.chat.id);
  ui.rateStatus.textContent = '';
  memory.say(''); // "…this chat included" was about the chat just left
  backToStart(true);
});

if (embed) {
  // Escape inside the iframe never reaches the host page, so tell the widget.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && window.parent !== window) {
      window.parent.postMessage({ type: 'rapport:close' }, '*');
    }
  });
}

client.start();
