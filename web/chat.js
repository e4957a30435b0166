// The patron chat page (/chat, and inside the widget's iframe with ?embed=1).
//
// Query parameters: `library=<slug>` picks the library (default: the server's first one),
// `embed=1` drops the page chrome. The patron token from `welcome` is kept in localStorage
// under `rapport.patron.<slug or "default">`; messages not yet acknowledged are kept in
// sessionStorage so a reload sends them again with the same cmid.
//
// Relationship memory (docs/PROTOCOL.md): "Remember me" lives in js/patron-memory.js;
// here are "who is on now" (pick a librarian before asking), the honest status while a
// chat is offered to a librarian the patron knows, the profile of the librarian who
// joined, and the rating after the chat.

import { RapportClient } from './js/protocol.js';
import { Transcript, bdi, el, isolate, setStatus } from './js/ui.js';
import { TypingSender, TypingShown } from './js/typing.js';
import { humanError } from './js/errors.js';
import { avatar, firstName, nameLine } from './js/people.js';
import { Memory } from './js/patron-memory.js';
import { waitWords, grewWords, msWords, staffOnWords } from './js/wait.js';
import { Promised } from './js/promised.js';
import { PatronMail } from './js/patron-mail.js';
import { localWhen } from './js/localtime.js';

const params = new URLSearchParams(location.search);
const slug = (params.get('library') || '').trim();
const embed = params.get('embed') === '1';
const storeKey = 'rapport.patron.' + (slug || 'default');
// A sign-in link (/chat?signin=...) from "Continue on another device": used once by the
// first hello, and taken out of the address at once so it is not kept in the history.
let signin = (params.get('signin') || '').trim();
if (params.has('signin')) {
  params.delete('signin');
  const q = params.toString();
  history.replaceState(null, '', location.pathname + (q ? '?' + q : '') + location.hash);
}

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
  rating: new Map(), // chat id -> rating sent and confirmed
  rateSent: 0,
};

if (embed) document.body.classList.add('is-embed');

function storage(op, key, value) {
  try {
    if (op === 'get') return localStorage.getItem(key) || '';
    if (op === 'set') localStorage.setItem(key, value);
    if (op === 'del') localStorage.removeItem(key);
  } catch (e) {
    /* storage blocked (private mode, third-party iframe): we work without it */
  }
  return '';
}

const client = new RapportClient({
  hello: () => {
    const f = { type: 'hello', role: 'patron' };
    const token = storage('get', storeKey);
    if (signin) f.signin = signin;
    else if (token) f.token = token;
    if (slug) f.library = slug;
    return f;
  },
  outboxKey: storeKey + '.outbox',
});

const memory = new Memory({
  client,
  alert: (text) => showAlert(text),
  chat: () => (state.chat && state.chat.id) || 0,
  onChange: () => {
    renderGreeting();
    renderWho();
    if (state.chat) renderChat();
  },
});

// "E-mail me this conversation" and "Send me a sign-in link" (js/patron-mail.js).
const mail = new PatronMail({ client, memory });
memory.onSheet = (editing) => mail.renderSignin(editing);

const RATED_KEY = storeKey + '.rated';
function loadRatings() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(RATED_KEY) || '{}');
    for (const [k, v] of Object.entries(saved)) if (v >= 1 && v <= 5) state.rating.set(Number(k), v);
  } catch (e) {
    /* nothing saved */
  }
}
function saveRatings() {
  try {
    sessionStorage.setItem(RATED_KEY, JSON.stringify(Object.fromEntries(state.rating)));
  } catch (e) {
    /* private mode: the rating still counts on the server */
  }
}
loadRatings();

const transcript = new Transcript(ui.log, {
  me: 'patron',
  nameOf: (m) => (m.from === 'patron' ? 'You' : m.name || (m.from === 'system' ? 'Library' : 'Librarian')),
  eventText: (m) => {
    switch (m.event) {
      case 'joined':
        return [bdi(m.name || 'A librarian'), ' joined'];
      case 'ended':
        if (m.by === 'patron') return 'You ended the chat';
        if (m.by === 'staff') return [bdi(m.name || 'The librarian'), ' ended the chat'];
        return 'The chat was closed';
      case 'abandoned':
        return 'The chat was closed before a librarian picked it up';
      case 'handed_back': // the name is isolated: it sits inside our sentence
        return `\u2068${m.name || 'Your librarian'}\u2069 had to leave; another librarian will join you shortly. Your conversation is kept.`;
      default:
        return m.event || 'Update';
    }
  },
});

const typingOut = new TypingSender((on) => {
  if (state.chat && state.chat.id) client.send({ type: 'typing', chat: state.chat.id, on });
});
const typingIn = new TypingShown(ui.typing);

// ---- rendering -------------------------------------------------------------------

function showAlert(text) {
  ui.alert.textContent = text;
  ui.alert.hidden = !text;
}

function queueById(id) {
  return state.queues.find((q) => q.id === id) || null;
}

// A queue closed by its hours takes questions by e-mail only; one open by its hours with
// nobody on duty still queues a chat, and offers e-mail as well (PROTOCOL.md).
function queueOffline(q) {
  return Boolean(q) && q.hours_open === false;
}

function queueUnstaffed(q) {
  return Boolean(q) && q.open === false && q.hours_open !== false;
}

function staffOnText(q) {
  if (!q || typeof q.staff_on !== 'number') return '';
  if (q.hours_open === false) {
    return q.next_open_local ? `The desk is closed. It opens ${q.next_open_local}.` : 'The desk is closed.';
  }
  if (q.staff_on === 0) return 'No one is on right now';
  return staffOnWords(q);
}

function selectedQueue() {
  if (state.queues.length > 1) return queueById(Number(ui.queueSelect.value)) || state.queues[0];
  return state.queues[0] || null;
}

function renderQueues() {
  const keep = ui.queueSelect.value;
  ui.queueSelect.replaceChildren();
  for (const q of state.queues) {
    const opt = document.createElement('option');
    opt.value = String(q.id);
    opt.textContent = q.name;
    ui.queueSelect.append(opt);
  }
  if (keep && queueById(Number(keep))) ui.queueSelect.value = keep;
  ui.queueField.hidden = state.queues.length < 2;
  renderStaffOn();
}

function renderStaffOn() {
  const q = selectedQueue();
  const text = staffOnText(q);
  ui.staffOn.textContent = text;
  ui.staffOn.classList.toggle('is-on', Boolean(q && q.staff_on > 0 && !queueOffline(q) && !q.all_busy));
  ui.staffOn.classList.toggle('is-busy', Boolean(q && q.staff_on > 0 && !queueOffline(q) && q.all_busy));
  const canAsk = state.queues.length > 0;
  const offline = queueOffline(q);
  // no e-mail can be sent: say so, rather than take a question nobody can answer
  const noMail = Boolean(q && q.offline_questions === false);
  $('ask-btn').disabled = !canAsk || (offline && noMail);
  ui.offlineField.hidden = noMail || (!offline && !queueUnstaffed(q));
  $('offline-btn').hidden = noMail || !queueUnstaffed(q);
  if (noMail && (offline || queueUnstaffed(q))) {
    ui.offlineStatus.textContent = 'This library cannot send e-mail right now, so you cannot leave a question here. Please come back when the desk is open.';
  } else if (noMail) {
    ui.offlineStatus.textContent = '';
  }
  $('ask-btn').textContent = offline ? 'Leave your question' : 'Ask a librarian';
}

const ANON_HINT = $('question-hint').textContent;

function renderGreeting() {
  const name = memory.name();
  // Remembered patrons are known by name: no "You don't need to give your name".
  $('question-hint').textContent = memory.remembered()
    ? 'The librarians will see your earlier questions. Your chat is private to you and the library.'
    : ANON_HINT;
  if (name) {
    ui.startHeading.replaceChildren('Welcome back, ', bdi(name));
    ui.startLede.textContent = 'What can we help you with today? The librarians can see your earlier questions, so you can pick up where you left off.';
  } else if (memory.remembered()) {
    ui.startHeading.textContent = 'Welcome back';
    ui.startLede.textContent = 'What can we help you with today? The librarians can see your earlier questions, so you can pick up where you left off.';
  } else {
    ui.startHeading.textContent = 'How can we help?';
    ui.startLede.textContent = 'Ask anything: finding a book, starting a research project, citing a source. A real librarian reads every question.';
  }
}

function librarianById(id) {
  return state.librarians.find((l) => l.id === id) || null;
}

// "Who is on now": first available (the default) or one of the listed librarians.
function renderWho() {
  const libs = state.librarians;
  if (state.who && !librarianById(state.who)) {
    const gone = state.whoName || 'That librarian';
    state.who = 0;
    if (!ui.startView.hidden) memory.say(`${isolate(gone)} has just gone off duty, so we'll ask the first available librarian.`);
  }
  ui.whoField.hidden = libs.length === 0;
  if (!libs.length) {
    ui.whoList.replaceChildren();
    renderWhoNote();
    return;
  }
  const rel = memory.remembered() ? memory.relation : {};
  const favs = Array.isArray(rel.favourites) ? rel.favourites : [];
  const option = (value, pic, title, sub, badges, busy) => {
    const id = `who-${value || 'first'}`;
    const input = el('input', {
      attrs: { type: 'radio', name: 'who', id, value: String(value), checked: state.who === value },
      on: {
        change: () => {
          state.who = value;
          state.whoName = value ? (librarianById(value) || {}).name : '';
          renderWhoNote();
        },
      },
    });
    return el('div', { class: 'who-option' }, [
      input,
      el('label', { attrs: { for: id } }, [
        pic,
        el('span', { class: 'who-text' }, [
          title,
          sub ? el('span', { class: 'who-sub', text: sub }) : null,
          busy ? el('span', { class: 'who-busy', text: busy }) : null,
          badges.length ? el('span', { class: 'who-badges' }, badges.map((b) => el('span', { class: 'badge', text: b }))) : null,
        ]),
      ]),
    ]);
  };
  const first = option(
    0,
    el('span', { class: 'avatar avatar--md avatar--any', attrs: { 'aria-hidden': 'true' }, text: '✦' }),
    el('span', { class: 'person-name', text: 'First available' }),
    'Whoever is free first. Usually the quickest.',
    [],
    firstBusyWords(),
  );
  const people = libs.map((l) => {
    const badges = [];
    if (rel.preferred_staff === l.id) badges.push('Your preferred librarian');
    if (favs.includes(l.id)) badges.push('★ Favourite');
    return option(l.id, avatar(l, 'md'), nameLine(l), l.subjects || '', badges, busyWords(l));
  });
  // a list re-drawn because someone became busy or free keeps the patron's focus
  const focused = ui.whoList.contains(document.activeElement) ? document.activeElement.id : '';
  ui.whoList.replaceChildren(first, ...people);
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  renderWhoNote();
}

// Honest waits before asking: a librarian at their cap says so, with how long asking for
// them is likely to take (`busy`, `wait_ms` in `librarians`, PROTOCOL.md).
function busyWords(l) {
  if (!l.busy) return '';
  const w = msWords(l.wait_ms);
  return w ? `Helping others right now. Likely wait: ${w}.` : 'Helping others right now.';
}

function firstBusyWords() {
  const q = selectedQueue();
  if (!q || !q.all_busy) return '';
  const w = msWords(q.wait_ms);
  return w ? `Everyone is helping others. Likely wait: ${w}.` : 'Everyone is helping others right now.';
}

// Choosing a busy librarian: say how long that is likely to be, and that "First available"
// stays open (before asking, and while waiting).
function renderWhoNote() {
  const l = state.who ? librarianById(state.who) : null;
  if (!l || !l.busy) {
    ui.whoNote.replaceChildren();
    ui.whoNote.hidden = true;
    return;
  }
  const w = msWords(l.wait_ms);
  const name = el('bdi', { text: firstName(l) });
  ui.whoNote.replaceChildren(
    name,
    w ? ` is helping others right now, so asking for them will likely take ${w}. ` : ' is helping others right now. ',
    'You can choose "First available" instead, now or while you wait.',
  );
  ui.whoNote.hidden = false;
}

function showStart(focus) {
  mail.setChat(null);
  ui.loading.hidden = true;
  ui.chatView.hidden = true;
  ui.startView.hidden = false;
  renderGreeting();
  renderStaffOn();
  renderWho();
  if (focus) ui.question.focus();
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
  const q = queueById(c.queue);
  if (c.state === 'queued') {
    const wait = waitWords(c.wait);
    ui.heading.textContent =
      c.position > 0 ? `You're number ${c.position} in the queue` : "You're in the queue";
    if (q && q.staff_on === 0) {
      ui.sub.textContent =
        'No one is on right now, so this may take a while. Please keep this page open.';
    } else if (c.offer && c.offer.staff) {
      ui.sub.textContent = ''; // the offer box below says who we are asking
    } else if (wait) {
      ui.sub.textContent = `Your wait: ${wait}. A librarian will be with you as soon as they can.`;
    } else if (c.wait) {
      ui.sub.textContent = "We can't estimate the wait yet. A librarian will be with you as soon as they can.";
    } else {
      ui.sub.textContent = 'A librarian will be with you as soon as they can.';
    }
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
  if (c.state === 'queued' && c.handed_back && c.handed_back.by) renderHandedBack(c, q);
  ui.composer.hidden = !open;
  ui.endBtn.hidden = !open;
  ui.endBtn.textContent = c.state === 'queued' ? 'Leave queue' : 'End chat';
  ui.endBtn.disabled = !c.id;
  renderWaitGrew();
  renderOffer();
  renderStaffCard();
  renderAfter();
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

// A librarian handed the chat back (they logged out, went Away, or their console was gone
// past the grace): say plainly that someone else will join, and that nothing is lost.
function renderHandedBack(c, q) {
  const nobody = q && q.staff_on === 0;
  const place = c.position === 1 ? " You're first in line." : c.position > 1 ? ` You're number ${c.position} in the queue.` : '';
  ui.heading.textContent = 'Waiting for another librarian';
  ui.sub.replaceChildren(
    el('bdi', { text: c.handed_back.by.name || 'Your librarian' }),
    ' had to leave; another librarian will join you shortly. Your conversation is kept.',
    nobody ? ' No one else is on right now, so it may take a while: please keep this page open.' : place,
  );
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

// The wait grew well past what we said: say so (once per time it grew) and offer to keep
// waiting or leave. A page that finds a chat already grown (reload) does not repeat it.
function renderWaitGrew() {
  const c = state.chat;
  const grew = (c && c.state === 'queued' && c.wait && c.wait.grew) || 0;
  if (c && c.waitGrewSeen === undefined && c.id) c.waitGrewSeen = c.joinedHere ? 0 : grew;
  if (c && c.state === 'queued' && grew > (c.waitGrewSeen || 0)) {
    ui.waitGrewText.textContent = grewWords(c.wait);
    ui.waitGrew.hidden = false;
    c.waitGrewSeen = grew;
  } else if (c && c.state === 'queued' && !ui.waitGrew.hidden && grew) {
    ui.waitGrewText.textContent = grewWords(c.wait); // still showing: keep its number current
  } else if (!c || c.state !== 'queued') {
    ui.waitGrew.hidden = true;
  }
}

ui.waitKeep.addEventListener('click', () => {
  ui.waitGrew.hidden = true;
  ui.input.focus();
});
// Or leave the question to be answered by e-mail: the queued chat ends, and the start page
// comes back with the question and the e-mail field, ready to send as an offline question.
ui.waitQuestion.addEventListener('click', () => {
  const c = state.chat;
  const q = c && queueById(c.queue);
  if (!c || !c.id || c.state !== 'queued' || !q) return;
  if (!client.send({ type: 'end', chat: c.id })) {
    showAlert("You're offline right now. Please try again in a moment.");
    return;
  }
  const text = state.question || '';
  ui.waitGrew.hidden = true;
  state.chat = null;
  state.joinCmid = null;
  transcript.clear();
  typingIn.hide();
  showAlert('');
  showStart(false);
  ui.queueSelect.value = String(q.id);
  ui.question.value = text;
  ui.offlineField.hidden = false;
  $('offline-btn').hidden = false;
  ui.offlineStatus.textContent = 'Give your e-mail address and choose "Leave it by e-mail": we will answer there.';
  ui.offlineEmail.value = ui.offlineEmail.value || (memory.remembered() && memory.relation.email) || '';
  (ui.offlineEmail.value ? $('offline-btn') : ui.offlineEmail).focus();
});

ui.waitLeave.addEventListener('click', () => {
  ui.waitGrew.hidden = true;
  ui.endBtn.click();
});

// While queued and offered to one librarian: say honestly who we are asking and why,
// and let the patron keep waiting for them or take the first available.
function offerWords(o) {
  const name = (o.staff && o.staff.name) || 'a librarian';
  if (o.why === 'asked') return ['Waiting for ', bdi(name), ', as you asked.'];
  if (o.why === 'preferred') return ['Asking ', bdi(name), ', your preferred librarian.'];
  if (o.why === 'helped') return ['Asking ', bdi(name), ', who helped you last time.'];
  return ['Asking ', bdi(name), ' first.'];
}

function offerTimeWords(o) {
  const first = firstName(o.staff);
  if (!o.until) return ["We'll keep waiting for ", bdi(first), ' while ', bdi(first), ' is on the desk. Choose "First available" to ask anyone who is free.'];
  const left = Math.ceil((o.until - Date.now()) / 1000);
  if (left <= 0) return ['Opening your question to every librarian on now…'];
  if (left > 600) return ['If ', bdi(first), " can't answer soon, the first available librarian will."];
  return ['If ', bdi(first), ` can't answer in the next ${left} s, the first available librarian will.`];
}

function renderOffer() {
  const c = state.chat;
  const o = c && c.state === 'queued' && c.id && c.offer && c.offer.staff ? c.offer : null;
  ui.offerBox.hidden = !o;
  if (!o) {
    state.offerKey = '';
    ui.offerText.textContent = '';
    return;
  }
  const key = `${c.id}:${o.staff.id}:${o.why}:${o.until ? 1 : 0}`;
  if (key !== state.offerKey) {
    state.offerKey = key;
    ui.offerText.replaceChildren(avatar(o.staff, 'sm'), el('span', {}, offerWords(o)));
  }
  ui.offerTime.replaceChildren(...offerTimeWords(o));
  if (!o.until) ui.offerTime.append(...offerWaitWords(o, c.wait));
  const first = firstName(o.staff);
  ui.offerWait.replaceChildren('Keep waiting for ', bdi(first));
  ui.offerWait.hidden = !o.until;
  ui.offerFirst.hidden = false;
}

// Waiting for one librarian with no time limit: how long that is likely to be, and what the
// first available would likely be, so the choice is an informed one.
function offerWaitWords(o, wait) {
  const mine = waitWords(wait);
  if (!mine) return [];
  const any = wait && msWords(wait.first_available_ms);
  const out = [' ', el('bdi', { text: firstName(o.staff) }), ` will likely be free for you in ${mine}.`];
  if (any && wait.first_available_ms < wait.estimate_ms) out.push(` The first available librarian: likely ${any}.`);
  return out;
}

function tickOffer() {
  const c = state.chat;
  if (c && c.offer && c.offer.until && !ui.offerBox.hidden) ui.offerTime.replaceChildren(...offerTimeWords(c.offer));
}
setInterval(tickOffer, 1000);

function choose(choice) {
  const c = state.chat;
  if (!c || !c.id) return;
  if (!client.send({ type: 'choose', chat: c.id, choice })) {
    showAlert("You're offline right now. Please try again in a moment.");
    return;
  }
  ui.offerWait.disabled = ui.offerFirst.disabled = true;
  setTimeout(() => (ui.offerWait.disabled = ui.offerFirst.disabled = false), 1500);
}

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

// After the chat: rate it, and (remembered patrons) keep the librarian.
function renderAfter() {
  const c = state.chat;
  const ended = c && c.state === 'ended' && c.id && c.staff && c.staff.name;
  ui.rateBox.hidden = !ended;
  memory.showKeep(ended && c.staff.id ? c.staff : null);
  if (!ended) return;
  const rated = state.rating.get(c.id) || 0;
  if (!ui.rateStars.children.length) buildStars();
  for (const b of ui.rateStars.children) {
    const n = Number(b.dataset.n);
    b.setAttribute('aria-pressed', String(n === rated));
    b.classList.toggle('is-on', n <= rated);
    b.disabled = state.rateSent === c.id;
  }
  if (rated && !ui.rateStatus.textContent) ui.rateStatus.textContent = `You rated this chat ${rated} of 5. Thank you!`;
}

const RATE_WORDS = ['not helpful', 'a little helpful', 'fairly helpful', 'helpful', 'very helpful'];
function buildStars() {
  for (let n = 1; n <= 5; n++) {
    ui.rateStars.append(
      el('button', {
        class: 'star',
        attrs: { type: 'button', 'aria-pressed': 'false', title: `${n} of 5: ${RATE_WORDS[n - 1]}` },
        dataset: { n },
        on: { click: () => rate(n) },
      }, [
        el('span', { text: '★', attrs: { 'aria-hidden': 'true' } }),
        el('span', { class: 'visually-hidden', text: `${n} of 5, ${RATE_WORDS[n - 1]}` }),
      ]),
    );
  }
}

function rate(n) {
  const c = state.chat;
  if (!c || !c.id) return;
  if (!client.send({ type: 'rate', chat: c.id, rating: n })) {
    ui.rateStatus.textContent = "You're offline right now. Please try again in a moment.";
    return;
  }
  state.rateSent = c.id;
  ui.rateStatus.textContent = 'Sending…';
  renderAfter();
}

function setChat(c) {
  const prevStaff = state.chat && state.chat.staff;
  state.chat = Object.assign({}, state.chat || {}, c);
  // (a chat handed back to the queue has no librarian: do not keep showing the last one)
  if (!state.chat.staff && prevStaff && state.chat.state !== 'queued') state.chat.staff = prevStaff;
  // A `joined` event names the librarian; the `chat` frame carries their whole profile.
  const s = state.chat.staff;
  if (s && prevStaff && s !== prevStaff && s.id === undefined && prevStaff.name === s.name) {
    state.chat.staff = Object.assign({}, prevStaff, s);
  }
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
  if (w.token) storage('set', storeKey, w.token);
  signin = ''; // used: from now on this browser has its own token
  state.library = w.library || null;
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
  renderQueues();
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
  renderQueues();
  renderWho();
  if (state.chat) renderChat();
});

// On a fresh page load: show the open (or most recent) chat in full, or the question form.
function firstWelcome(chats) {
  const pendingJoin = client.pending().find((f) => f.type === 'join');
  const open = chats.find((c) => c.state === 'queued' || c.state === 'active');
  const pick = open || (pendingJoin ? null : chats[0]);
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

client.addEventListener('rated', (e) => {
  const r = e.detail;
  if (typeof r.chat !== 'number' || !(r.rating >= 1 && r.rating <= 5)) return;
  state.rating.set(r.chat, r.rating);
  saveRatings();
  if (state.rateSent === r.chat) state.rateSent = 0;
  if (state.chat && state.chat.id === r.chat) {
    ui.rateStatus.textContent = `You rated this chat ${r.rating} of 5. Thank you!`;
    renderAfter();
  }
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
      renderWho();
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
    storage('del', storeKey);
    client.restart();
    return;
  }
  if (err.code === 'signin_invalid') {
    signin = '';
    showAlert(err.message || 'This sign-in link was already used or has expired.');
    client.restart();
    return;
  }
  if (err.code === 'origin_not_allowed') client.stop();
  if (onRelationError(err)) return;
  if (mail.refused(err)) return; // shown next to the e-mail controls
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

// Errors answering remember, forget, favourite, prefer, choose and rate (`ref` is the
// frame type, as those frames carry no cmid).
function onRelationError(err) {
  // An error with no ref while a relation frame awaits its answer is about that frame.
  const ref = err.ref || (memory.waiting && !client.pending().length ? memory.waiting : '');
  if (ref === 'remember' && err.code === 'stale_notice') {
    if (err.notice && typeof err.notice.version === 'string') {
      memory.setNotice(err.notice);
      memory.refused('remember', 'The library has just updated this notice. Please read it again, then agree if you are happy to.');
      memory.openRemember();
    } else {
      memory.refused('remember', 'The library has just updated this notice. Please read it again, then agree if you are happy to.');
      client.restart(); // the next welcome carries the new notice
    }
    return true;
  }
  if (['remember', 'forget', 'favourite', 'prefer'].includes(ref)) {
    let text = humanError(err);
    if (err.code === 'not_remembered') text = 'That needs you to be remembered first. Choose "Remember me" to keep favourites.';
    else if (err.code === 'not_found') text = "That librarian isn't part of this library's desk.";
    else if (err.code === 'bad_frame') text = 'We could not save that. Please check what you entered and try again.';
    return memory.refused(ref, text);
  }
  if (ref === 'rate') {
    state.rateSent = 0;
    ui.rateStatus.textContent = err.code === 'bad_state' ? 'This chat can no longer be rated.' : 'Your rating did not go through. Please try again.';
    renderAfter();
    return true;
  }
  if (ref === 'choose') {
    showAlert(err.code === 'bad_state' ? 'A librarian is already on the way, so there is nothing to change.' : humanError(err));
    return true;
  }
  return false;
}

// ---- user actions ------------------------------------------------------------------

ui.queueSelect.addEventListener('change', renderStaffOn);

ui.startForm.addEventListener('submit', (e) => {
  e.preventDefault();
  showAlert('');
  const text = ui.question.value.trim();
  if (!text) {
    showAlert('Please type your question first.');
    ui.question.focus();
    return;
  }
  const q = selectedQueue();
  if (!q) return;
  if (queueOffline(q)) {
    askOffline(q, text);
    return;
  }
  memory.say('');
  const join = { type: 'join', queue: q.id, text };
  if (state.who && librarianById(state.who)) join.staff = state.who;
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

$('offline-btn').addEventListener('click', () => {
  showAlert('');
  const text = ui.question.value.trim();
  const q = selectedQueue();
  if (!text) {
    showAlert('Please type your question first.');
    ui.question.focus();
    return;
  }
  if (q) askOffline(q, text);
});

// The desk is offline: the question becomes a case answered by e-mail.
function askOffline(q, text) {
  const email = ui.offlineEmail.value.trim();
  if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email)) {
    showAlert('Please give an e-mail address so we can answer you.');
    ui.offlineEmail.focus();
    return;
  }
  if (!client.send({ type: 'ask_offline', queue: q.id, text, email })) {
    showAlert('Not connected. Please try again in a moment.');
    return;
  }
  $('ask-btn').disabled = true;
  $('offline-btn').disabled = true;
  ui.offlineStatus.textContent = 'Sending your question…';
}

client.addEventListener('case_created', (e) => {
  const c = e.detail.case || {};
  const q = selectedQueue();
  const by = localWhen(c.reply_by, (q && q.time_zone) || 'UTC');
  ui.question.value = '';
  $('ask-btn').disabled = false;
  $('offline-btn').disabled = false;
  ui.offlineStatus.textContent = `Thank you. We have your question and will answer by e-mail by ${by}. An e-mail with a link to follow it is queued to send to you.`;
});

client.addEventListener('error', (e) => {
  if (e.detail.ref !== 'ask_offline') return;
  $('ask-btn').disabled = false;
  $('offline-btn').disabled = false;
  ui.offlineStatus.textContent = e.detail.code === 'bad_email'
    ? 'That e-mail address does not look right.' : humanError(e.detail);
});

function autoGrow() {
  ui.input.style.height = 'auto';
  ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 160) + 'px';
}

ui.input.addEventListener('input', () => {
  autoGrow();
  typingOut.input(ui.input.value.trim() !== '');
});

ui.input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ui.composer.requestSubmit();
  }
});

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

ui.offerWait.addEventListener('click', () => choose('wait'));
ui.offerFirst.addEventListener('click', () => choose('first'));

ui.staffCardHide.addEventListener('click', () => {
  if (state.chat && state.chat.id) state.cardHidden.add(state.chat.id);
  renderStaffCard();
  ui.input.focus();
});

ui.newChatBtn.addEventListener('click', () => {
  ui.rateStatus.textContent = '';
  memory.say(''); // "…this chat included" was about the chat just left
  state.chat = null;
  state.joinCmid = null;
  transcript.clear();
  typingIn.hide();
  showAlert('');
  showStart(true);
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
