// The patron chat page (/chat, and inside the widget's iframe with ?embed=1).
//
// Query parameters: `library=<slug>` picks the library (default: the server's first one),
// `embed=1` drops the page chrome. The patron token from `welcome` is kept in localStorage
// under `rapport.patron.<slug or "default">`; messages not yet acknowledged are kept in
// sessionStorage so a reload sends them again with the same cmid.

import { RapportClient } from './js/protocol.js';
import { Transcript, setStatus } from './js/ui.js';
import { TypingSender, TypingShown } from './js/typing.js';
import { humanError } from './js/errors.js';

const params = new URLSearchParams(location.search);
const slug = (params.get('library') || '').trim();
const embed = params.get('embed') === '1';
const storeKey = 'rapport.patron.' + (slug || 'default');

const $ = (id) => document.getElementById(id);
const ui = {
  libraryName: $('library-name'),
  conn: $('conn-status'),
  alert: $('alert'),
  loading: $('loading'),
  startView: $('start-view'),
  startForm: $('start-form'),
  queueField: $('queue-field'),
  queueSelect: $('queue-select'),
  staffOn: $('staff-on'),
  question: $('question'),
  chatView: $('chat-view'),
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
};

const state = {
  library: null,
  queues: [],
  chat: null, // the chat on screen: {id, state, queue, staff, position}; id null until join is acked
  joinCmid: null,
  unseen: 0,
  baseTitle: document.title,
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
    if (token) f.token = token;
    if (slug) f.library = slug;
    return f;
  },
  outboxKey: storeKey + '.outbox',
});

const transcript = new Transcript(ui.log, {
  me: 'patron',
  nameOf: (m) => (m.from === 'patron' ? 'You' : m.name || (m.from === 'system' ? 'Library' : 'Librarian')),
  eventText: (m) => {
    switch (m.event) {
      case 'joined':
        return `${m.name || 'A librarian'} joined`;
      case 'ended':
        if (m.by === 'patron') return 'You ended the chat';
        if (m.by === 'staff') return `${m.name || 'The librarian'} ended the chat`;
        return 'The chat was closed';
      case 'abandoned':
        return 'The chat was closed before a librarian picked it up';
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

function staffOnText(q) {
  if (!q || typeof q.staff_on !== 'number') return '';
  if (q.staff_on === 0) return 'No one is on right now';
  return q.staff_on === 1 ? '1 librarian on now' : `${q.staff_on} librarians on now`;
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
  ui.staffOn.classList.toggle('is-on', Boolean(q && q.staff_on > 0));
  const canAsk = state.queues.length > 0;
  $('ask-btn').disabled = !canAsk;
}

function showStart(focus) {
  ui.loading.hidden = true;
  ui.chatView.hidden = true;
  ui.startView.hidden = false;
  renderStaffOn();
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
    ui.heading.textContent =
      c.position > 0 ? `You're number ${c.position} in the queue` : "You're in the queue";
    if (q && q.staff_on === 0) {
      ui.sub.textContent =
        'No one is on right now, so this may take a while. Please keep this page open.';
    } else {
      ui.sub.textContent = 'A librarian will be with you as soon as they can.';
    }
  } else if (c.state === 'active') {
    const name = (c.staff && c.staff.name) || 'a librarian';
    ui.heading.textContent = `Chatting with ${name}`;
    ui.sub.textContent = q ? q.name : '';
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

function setChat(c) {
  const prevStaff = state.chat && state.chat.staff;
  state.chat = Object.assign({}, state.chat || {}, c);
  if (!state.chat.staff && prevStaff) state.chat.staff = prevStaff;
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

client.addEventListener('welcome', (e) => {
  const w = e.detail;
  if (w.token) storage('set', storeKey, w.token);
  state.library = w.library || null;
  state.queues = Array.isArray(w.queues) ? w.queues : [];
  if (state.library && state.library.name) {
    ui.libraryName.textContent = state.library.name;
    state.baseTitle = `Ask a librarian · ${state.library.name}`;
    document.title = state.baseTitle;
  }
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
  renderQueues();
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
    state.chat = { id: null, state: 'queued', queue: pendingJoin.queue, staff: null, position: 0 };
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
  }
});

client.addEventListener('typing', (e) => {
  const t = e.detail;
  if (!state.chat || t.chat !== state.chat.id || t.from === 'patron') return;
  if (t.on) {
    const name = (state.chat.staff && state.chat.staff.name) || 'The librarian';
    typingIn.show(`${name} is typing…`);
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
    showAlert(humanError(error));
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
  if (err.code === 'origin_not_allowed') client.stop();
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
  const cmid = client.request({ type: 'join', queue: q.id, text });
  state.joinCmid = cmid;
  state.chat = { id: null, state: 'queued', queue: q.id, staff: null, position: 0 };
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

ui.newChatBtn.addEventListener('click', () => {
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
