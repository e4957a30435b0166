// The staff console (/console): sign in over REST, then follow the library's queue and
// this librarian's chats over the WebSocket (docs/PROTOCOL.md, docs/API.md). Beside the
// open chat, the patron's relationship card (js/card.js); transcripts and search in a
// reader dialog (js/reader.js); the librarian's own profile (js/profile.js).

import { RapportClient } from './js/protocol.js';
import { Transcript, bdi, el, isolate, setStatus, timeEl, waitedFor } from './js/ui.js';
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
};

const state = {
  csrf: '',
  me: null, // {id, name, role, max_chats}
  library: null,
  queues: [],
  queue: [], // waiting chats, oldest first
  chats: new Map(), // chat id -> record (see record())
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
  onLoad: (c) => {
    if (!c || !c.patron) return;
    const p = c.patron;
    const name = p.remembered ? p.preferred_name || p.display_name || '' : '';
    state.patrons.set(p.id, { name, pronouns: p.pronouns || '', remembered: Boolean(p.remembered) });
    relabelPatron(p.id);
    renderPane();
    renderMine();
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
  activeCount: () => activeCount(),
  logout: () => logout(),
  onAlert: (t) => showAlert(t),
  onChange: () => renderQueue(),
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

// ---- views -------------------------------------------------------------------------

function showLogin(message) {
  ui.loading.hidden = true;
  ui.deskView.hidden = true;
  ui.meBlock.hidden = true;
  ui.loginView.hidden = false;
  setStatus(ui.conn, '');
  ui.loginError.textContent = message || '';
  ui.loginError.hidden = !message;
  ui.loginBtn.disabled = false;
  document.title = state.baseTitle;
  ui.email.focus();
}

function showAlert(text) {
  ui.alertText.textContent = text;
  ui.alert.hidden = !text;
}

function queueName(id) {
  const q = state.queues.find((x) => x.id === id);
  return q ? q.name : '';
}

function record(chat) {
  let r = state.chats.get(chat.id);
  if (!r) {
    const list = el('ol', {
      class: 'log',
      attrs: { 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': `Transcript of chat ${chat.id}`, hidden: true },
    });
    ui.logs.append(list);
    r = {
      chat: Object.assign({}, chat),
      list,
      transcript: new Transcript(list, {
        me: 'staff',
        nameOf: (m) => {
          if (m.from === 'patron') {
            const p = state.patrons.get(chat.patron); // their card, once loaded, has the last word
            return p ? p.name || 'Patron' : m.name || 'Patron';
          }
          if (m.from === 'staff') return state.me && m.name === state.me.name ? 'You' : m.name || 'Staff';
          return 'rapport';
        },
        eventText: eventText,
      }),
      unread: 0,
      typing: false,
      draft: '',
      preview: '',
    };
    state.chats.set(chat.id, r);
  } else {
    Object.assign(r.chat, chat);
  }
  return r;
}

function eventText(m) {
  switch (m.event) {
    case 'joined':
      return [bdi(m.name || 'A librarian'), ' joined'];
    case 'ended':
      if (m.by === 'patron') return 'The patron ended the chat';
      if (m.by === 'staff') return [bdi(m.name || 'Staff'), ' ended the chat'];
      return 'The chat was closed by the system';
    case 'abandoned':
      return 'The patron left the queue';
    case 'handed_back':
      return `\u2068${m.name || 'A librarian'}\u2069 handed the chat back to the queue`;
    default:
      return m.event || 'Update';
  }
}

function isOpen(r) {
  return r.chat.state === 'active' || r.chat.state === 'queued';
}

function isMine(chat) {
  return Boolean(chat.staff && state.me && chat.staff.id === state.me.id);
}

function activeCount() {
  let n = 0;
  for (const r of state.chats.values()) if (r.chat.state === 'active' && isMine(r.chat)) n++;
  return n;
}

// Why "Pick up" cannot be used now ("" when it can): at my cap, or Away.
function pickBlocked() {
  const max = state.me ? state.me.max_chats : 0;
  const n = activeCount();
  if (max > 0 && n >= max) {
    return `You have ${n} ${n === 1 ? 'chat' : 'chats'}, your limit. Pick up is available again when one ends.`;
  }
  if (duty.leaving) return 'You are Away and will be logged out when your last chat ends; no new chats come to you. Choose "Stay logged in" to stay.';
  if (duty.away) return 'You are Away, so no new chats come to you. Choose "Back on duty" to pick up patrons.';
  return '';
}

function renderQueue() {
  const items = state.queue;
  const why = items.length ? pickBlocked() : '';
  ui.queueCount.textContent = items.length ? String(items.length) : '';
  ui.queueEmpty.hidden = items.length > 0;
  ui.queueWhy.textContent = why;
  ui.queueWhy.hidden = !why;
  ui.queueList.replaceChildren(
    ...items.map((q) => {
      const qid = `q-${q.id}`;
      const picking = state.picking === q.id;
      const meta = el('p', { class: 'q-meta' }, [
        q.returning ? el('span', { class: 'badge', text: 'Returning' }) : null,
        el('bdi', { text: queueName(q.queue) || 'Queue' }),
        el('span', { text: '·', attrs: { 'aria-hidden': 'true' } }),
        el('span', { class: 'q-wait', dataset: { since: q.created_at }, text: 'waiting ' + waitedFor(q.created_at) }),
        q.patron_online === false ? el('span', { class: 'offline', text: 'patron offline' }) : null,
      ]);
      const o = q.offer && q.offer.staff ? q.offer : null;
      const toMe = o && state.me && o.staff.id === state.me.id;
      const offer = o
        ? el('p', {
            class: 'q-offer' + (toMe ? ' is-mine' : ''),
            attrs: { id: `${qid}-offer` },
            dataset: { until: o.until || 0, who: toMe ? 'you' : o.staff.name, why: o.why || '' },
          }, [el('span', { class: 'q-offer-text' }, offerText(toMe ? 'you' : o.staff.name, o))])
        : null;
      const blocked = Boolean(o && !toMe);
      const hb = q.handed_back && q.handed_back.by ? q.handed_back.by : null;
      const handed = hb
        ? el('p', { class: 'q-handed', attrs: { id: `${qid}-handed` } }, [
            'Handed back by ',
            el('bdi', { text: hb.name || 'a colleague' }),
            ': the patron was in a chat and keeps their place.',
          ])
        : null;
      const described = [qid, o ? `${qid}-offer` : '', hb ? `${qid}-handed` : '', why ? 'queue-why' : ''].filter(Boolean).join(' ');
      if (blocked) {
        offer.append(el('span', { class: 'q-offer-why', text: o.until ? ' Only they can pick it up until then.' : ' Only they can pick it up while they are on.' }));
      }
      return el('li', { class: 'q-item' + (toMe ? ' is-offered' : ''), dataset: { chat: q.id } }, [
        el('p', { class: 'q-question', text: q.question || '(no question)', attrs: { id: qid, dir: 'auto' } }),
        meta,
        offer,
        handed,
        el('button', {
          class: 'btn btn--small',
          text: picking ? 'Picking up…' : 'Pick up',
          attrs: {
            type: 'button',
            'aria-describedby': described,
            disabled: picking || blocked || Boolean(why),
          },
          on: { click: () => pick(q.id) },
        }),
      ]);
    }),
  );
  document.title = items.length ? `(${items.length} waiting) ${state.baseTitle}` : state.baseTitle;
}

// "Offered to Jen (20 s left)": continuity routing holds the chat for someone the patron
// knows; only they may pick it until the offer lapses.
// Returns strings and nodes: the colleague's name as a <bdi>.
function offerText(name, o) {
  const you = name === 'you';
  const why = o.why === 'asked' ? ', who the patron asked for' : o.why === 'preferred' ? ', their preferred librarian' : o.why === 'helped' ? ', who helped them before' : '';
  const head = you ? [`Offered to you${why}`] : ['Offered to ', bdi(name), why];
  if (!o.until) return [...head, ` (waiting for ${you ? 'you' : 'them'})`];
  const left = Math.ceil((o.until - Date.now()) / 1000);
  if (left <= 0) return [...head, ' (opening to everyone…)'];
  if (left > 3600) return head;
  return [...head, ` (${left} s left)`];
}

function tickWaits() {
  for (const span of ui.queueList.querySelectorAll('.q-wait')) {
    span.textContent = 'waiting ' + waitedFor(Number(span.dataset.since));
  }
  for (const p of ui.queueList.querySelectorAll('.q-offer')) {
    const until = Number(p.dataset.until);
    if (until) p.querySelector('.q-offer-text').replaceChildren(...offerText(p.dataset.who, { until, why: p.dataset.why }));
  }
}

function renderMine() {
  const mine = [...state.chats.values()].sort((a, b) => a.chat.created_at - b.chat.created_at);
  const max = state.me ? state.me.max_chats : 0;
  const n = activeCount();
  ui.cap.textContent = `${n} of ${max} ${max === 1 ? 'chat' : 'chats'}`;
  ui.cap.classList.toggle('is-full', max > 0 && n >= max);
  if (state.capFull !== (max > 0 && n >= max)) {
    state.capFull = max > 0 && n >= max;
    renderQueue(); // Pick up follows a freed (or filled) place
  }
  ui.mineEmpty.hidden = mine.length > 0;
  ui.mineList.replaceChildren(
    ...mine.map((r) => {
      const who = patronLabel(r.chat);
      const top = el('span', { class: 'mine-top' }, [
        el('span', {}, who ? [bdi(who), ` · #${r.chat.id}`] : [`Chat #${r.chat.id}`]),
        r.chat.returning && !who ? el('span', { class: 'badge', text: 'Returning' }) : null,
        r.unread ? el('span', { class: 'unread', text: `${r.unread} new` }) : null,
        !isOpen(r) ? el('span', { class: 'tag', text: 'Ended' }) : null,
      ]);
      const preview = r.typing ? ['Patron is typing…'] : r.preview ? [r.previewYou ? 'You: ' : '', bdi(r.preview)] : [bdi(queueName(r.chat.queue))];
      return el('li', {}, [
        el(
          'button',
          {
            class: 'mine-item',
            attrs: { type: 'button', 'aria-current': state.selected === r.chat.id ? 'true' : false },
            dataset: { chat: r.chat.id },
            on: { click: () => select(r.chat.id, true) },
          },
          [top, el('span', { class: 'mine-preview' }, preview)],
        ),
      ]);
    }),
  );
}

/** The patron's name from their card ("" until it is loaded, or when anonymous). */
function patronLabel(chat) {
  const p = chat && typeof chat.patron === 'number' ? state.patrons.get(chat.patron) : null;
  return p && p.name ? p.name : '';
}

function renderPane() {
  const r = state.selected ? state.chats.get(state.selected) : null;
  ui.paneEmpty.hidden = Boolean(r);
  ui.paneChat.hidden = !r;
  promises.setChat(r ? r.chat : null);
  for (const x of state.chats.values()) x.list.hidden = x !== r;
  if (!r) return;
  const c = r.chat;
  const pinfo = typeof c.patron === 'number' ? state.patrons.get(c.patron) : null;
  const who = pinfo && pinfo.name
    ? [bdi(pinfo.name), ...(pinfo.pronouns ? [' (', bdi(pinfo.pronouns), ')'] : [])]
    : [c.returning ? 'Returning patron' : 'Patron'];
  ui.heading.replaceChildren(`Chat #${c.id} · `, ...who);
  const qn = queueName(c.queue);
  ui.sub.replaceChildren();
  if (qn) ui.sub.append(bdi(qn));
  if (c.created_at) ui.sub.append(qn ? ' · started ' : 'Started ', timeEl(c.created_at));
  const open = isOpen(r);
  const mineActive = c.state === 'active' && c.staff && state.me && c.staff.id === state.me.id;
  ui.endBtn.hidden = !open;
  ui.closeBtn.hidden = open;
  ui.composer.hidden = !mineActive;
  ui.hint.hidden = !mineActive;
  ui.ended.hidden = open;
  ui.ended.textContent = c.state === 'abandoned' ? 'The patron left before the chat was picked up.' : 'This chat has ended.';
  renderOutcome(r);
  if (r.typing && open) typingIn.show('Patron is typing…');
  else typingIn.hide();
}

function select(id, focus) {
  const prev = state.selected ? state.chats.get(state.selected) : null;
  if (prev) prev.draft = ui.input.value;
  typingOut.stop();
  state.selected = id;
  const r = id ? state.chats.get(id) : null;
  if (r) {
    r.unread = 0;
    ui.input.value = r.draft || '';
  }
  renderPane();
  renderMine();
  card.show(r ? r.chat : null);
  if (r) {
    r.transcript.scrollToEnd();
    if (focus) (ui.composer.hidden ? ui.heading : ui.input).focus();
  }
}

// ---- outcome ----------------------------------------------------------------------

function renderOutcome(r) {
  const c = r.chat;
  const picked = c.state === 'active' || c.state === 'ended';
  ui.outcomeRow.hidden = !picked;
  if (ui.outcome.value !== (r.outcome || '')) ui.outcome.value = r.outcome || '';
  const prompt = c.state === 'ended' && !r.outcome;
  ui.outcomeRow.classList.toggle('is-prompt', prompt);
  if (prompt) ui.ended.textContent = 'This chat has ended. How did it go? Tag its outcome above.';
  ui.outcomeStatus.textContent = r.outcomeStatus || '';
}

async function saveOutcome() {
  const r = state.selected ? state.chats.get(state.selected) : null;
  if (!r) return;
  const value = ui.outcome.value;
  r.outcomeStatus = 'Saving…';
  ui.outcomeStatus.textContent = r.outcomeStatus;
  const res = await api('POST', `chats/${r.chat.id}/outcome`, { outcome: value });
  if (res.status === 200) {
    r.outcome = value;
    r.outcomeStatus = value ? 'Saved' : 'Cleared';
  } else {
    r.outcomeStatus = res.status === 0 ? 'Not saved: offline' : 'Not saved';
    ui.outcome.value = r.outcome || '';
  }
  if (state.selected === r.chat.id) renderPane();
  // The card's earlier chats show outcomes; a later card load picks this one up.
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
  loadContinuity();
  ui.loading.hidden = true;
  ui.loginView.hidden = true;
  ui.deskView.hidden = false;
  renderQueue();
  renderMine();
  renderPane();
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

// Admins: how often returning patrons were served by someone who knew them.
async function loadContinuity() {
  const admin = state.me && state.me.role === 'admin';
  ui.continuity.hidden = !admin;
  deadMail.load(admin);
  if (!admin) return;
  loadWaitAccuracy();
  loadPromiseReport();
  const res = await api('GET', 'reports/continuity?days=30');
  if (res.status !== 200 || !res.body) {
    ui.continuityRate.textContent = 'Not available';
    ui.continuityDetail.textContent = '';
    return;
  }
  const b = res.body;
  clearTimeout(state.continuityTimer);
  state.continuityTimer = setTimeout(loadContinuity, 5 * 60 * 1000);
  if (b.rate === null || b.rate === undefined || !b.returning) {
    ui.continuityRate.textContent = '—';
    ui.continuityDetail.textContent = 'No returning patrons picked up in the last 30 days yet.';
    return;
  }
  ui.continuityRate.textContent = `${Math.round(b.rate * 100)}%`;
  ui.continuityDetail.textContent = `${b.continued} of ${b.returning} returning ${b.returning === 1 ? 'patron was' : 'patrons were'} helped by someone who knew them (last 30 days).`;
}

// Admins: how close the wait estimates shown to patrons came to their real waits.
async function loadWaitAccuracy() {
  const line = document.getElementById('wait-accuracy');
  const res = await api('GET', 'reports/waits?days=30');
  if (res.status !== 200 || !res.body) {
    line.textContent = 'Wait estimates: not available.';
    return;
  }
  const b = res.body;
  if (!b.chats) {
    line.textContent = 'Wait estimates: no picked-up chats with an estimate in the last 30 days yet.';
    return;
  }
  const err = b.median_abs_error_ms < 60000 ? `${Math.round(b.median_abs_error_ms / 1000)} s`
    : `${Math.round(b.median_abs_error_ms / 60000)} min`;
  line.textContent = `Wait estimates: ${Math.round(b.within_50pct_share * 100)}% within ±50% of the real wait, typically off by ${err} (${b.chats} chats, last 30 days).`;
}

// Admins: how many promises made to patrons were kept on time.
async function loadPromiseReport() {
  const line = document.getElementById('promise-report');
  const res = await api('GET', 'reports/promises?days=30');
  if (res.status !== 200 || !res.body) {
    line.textContent = 'Promises: not available.';
    return;
  }
  const b = res.body;
  const due = b.kept_on_time + b.late + b.open_overdue;
  if (!due) {
    line.textContent = `Promises: none due yet in the last 30 days (${b.open} open).`;
    return;
  }
  const parts = [`${b.kept_on_time} of ${due} kept on time`];
  if (b.late) parts.push(`${b.late} late`);
  if (b.open_overdue) parts.push(`${b.open_overdue} overdue`);
  line.textContent = `Promises: ${parts.join(', ')} (last 30 days).`;
}

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
    duty.queueSeen(state.queue, true);
    const chats = Array.isArray(w.chats) ? w.chats : [];
    for (const chat of chats) {
      const known = state.chats.has(chat.id);
      record(chat);
      c.resume(chat.id, e.detail.first || !known ? 0 : undefined);
    }
    for (const r of state.chats.values()) {
      // Chats ended while we were away: fetch what we missed, once.
      if (!chats.some((x) => x.id === r.chat.id) && isOpen(r)) c.resume(r.chat.id);
    }
    if (!state.selected && chats.length) state.selected = chats[0].id;
    renderQueue();
    renderMine();
    renderPane();
    const sel = state.selected ? state.chats.get(state.selected) : null;
    if (sel) card.show(sel.chat);
  });

  c.addEventListener('queue', (e) => {
    state.queue = Array.isArray(e.detail.queue) ? e.detail.queue : [];
    duty.queueSeen(state.queue, false);
    renderQueue();
  });
  c.addEventListener('duty', (e) => duty.onStatus(e.detail));

  c.addEventListener('chat', (e) => onChat(e.detail.chat));
  // A patron chose to be remembered, edited their details or asked to be forgotten.
  c.addEventListener('patron', (e) => onPatron(e.detail));
  c.addEventListener('promises', (e) => {
    promises.onFrame(e.detail);
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
    renderMine();
  });
  c.addEventListener('senderror', (e) => {
    const { frame, error } = e.detail;
    const r = state.chats.get(frame.chat);
    if (r) r.transcript.fail(frame.cmid, humanError(error));
  });
  c.addEventListener('error', (e) => onError(e.detail));
}

/** Names the patron's messages already shown in their chats as their card now says. */
function relabelPatron(id) {
  const p = state.patrons.get(id);
  const label = (p && p.name) || 'Patron';
  for (const r of state.chats.values()) {
    if (r.chat.patron !== id) continue;
    for (const n of r.list.querySelectorAll('.msg[data-from="patron"] .msg-name')) n.textContent = label;
  }
}

/** `patron` frame: what is remembered of a patron changed; re-read a card showing them. */
function onPatron(f) {
  if (!f || typeof f.patron !== 'number') return;
  if (!f.remembered) {
    state.patrons.set(f.patron, { name: '', pronouns: '', remembered: false });
    relabelPatron(f.patron);
  }
  renderPane();
  renderMine();
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
    renderQueue();
    renderMine();
    return;
  }
  if (chat.remembered && chat.state === 'active' && state.me && state.me.role === 'admin') {
    // A returning patron was just picked up somewhere: the continuity rate may move.
    clearTimeout(state.continuityTimer);
    state.continuityTimer = setTimeout(loadContinuity, 2000);
  }
  if (!mine && !known) return;
  if (known && chat.state === 'queued' && known.chat.state === 'active' && isMine(known.chat)) {
    // Handed back to the queue (Away, or from another console of mine): no longer mine.
    known.list.remove();
    state.chats.delete(chat.id);
    if (state.selected === chat.id) {
      const next = [...state.chats.values()].find(isOpen);
      select(next ? next.chat.id : null, false);
    }
    renderQueue();
    renderMine();
    duty.chatsChanged();
    return;
  }
  const wasOpen = known ? isOpen(known) : true;
  const r = record(chat);
  if (wasOpen && !isOpen(r)) {
    if (state.selected === chat.id) card.refresh();
    if (mine) loadContinuity(); // admins: the rate may have moved
  }
  if (state.picking === chat.id && mine && chat.state === 'active') {
    state.picking = null;
    showAlert('');
    select(chat.id, true);
    // The server sends the transcript after a pick; ask for it if it does not come.
    setTimeout(() => {
      if (r.transcript.textCount() === 0 && client) client.resume(chat.id, 0);
    }, 1500);
  }
  if (!isOpen(r)) r.typing = false;
  renderQueue();
  renderMine();
  if (state.selected === chat.id) renderPane();
  duty.chatsChanged();
}

function onMsg(m) {
  let r = state.chats.get(m.chat);
  if (!r && state.picking === m.chat) {
    // After a pick the transcript may arrive before the `chat` frame that confirms it.
    const q = state.queue.find((x) => x.id === m.chat);
    r = record({ id: m.chat, state: 'queued', queue: q ? q.queue : null, staff: null, created_at: q ? q.created_at : m.at });
  }
  if (!r) return;
  if (!r.transcript.add(m)) return;
  if (m.kind === 'text') {
    r.preview = m.text;
    r.previewYou = m.from !== 'patron';
    if (m.from === 'patron') {
      r.typing = false;
      if (state.selected === m.chat) typingIn.hide();
      if (state.selected !== m.chat || document.visibilityState !== 'visible') r.unread++;
    }
  } else if (m.event === 'ended' || m.event === 'abandoned') {
    r.chat.state = m.event === 'ended' ? 'ended' : 'abandoned';
    r.typing = false;
    if (state.selected === m.chat) renderPane();
  }
  renderMine();
}

function onError(err) {
  if (err.code === 'unauthenticated') {
    if (client) client.stop();
    client = null;
    showLogin('Your session has ended. Please sign in again.');
    return;
  }
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
      renderMine();
    }
    state.picking = null;
    renderQueue();
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
  renderQueue();
}

// ---- user actions ------------------------------------------------------------------

ui.loginForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const email = ui.email.value.trim();
  const password = ui.password.value;
  if (!email || !password) {
    ui.loginError.textContent = 'Please enter your email and password.';
    ui.loginError.hidden = false;
    return;
  }
  ui.loginBtn.disabled = true;
  ui.loginError.hidden = true;
  const res = await api('POST', 'login', { email, password });
  ui.loginBtn.disabled = false;
  if (res.status === 200 && res.body && res.body.staff) {
    ui.password.value = '';
    startDesk(res.body);
    return;
  }
  let msg = 'Sorry, signing in did not work. Please try again.';
  if (res.status === 401) msg = "That email and password don't match our records.";
  if (res.status === 429) {
    const after = Number(res.headers && res.headers.get('Retry-After'));
    const mins = after > 0 ? Math.ceil(after / 60) : 15;
    msg = `Too many attempts. Please wait ${mins} ${mins === 1 ? 'minute' : 'minutes'} and try again.`;
  }
  if (res.status === 0) msg = 'The server cannot be reached. Check your connection and try again.';
  ui.loginError.textContent = msg;
  ui.loginError.hidden = false;
  ui.password.focus();
});

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
  clearTimeout(state.continuityTimer);
  card.show(null);
  ui.searchForm.hidden = true;
  ui.continuity.hidden = true;
  duty.reset();
  showLogin('');
}

ui.alertClose.addEventListener('click', () => showAlert(''));

ui.outcome.addEventListener('change', saveOutcome);

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

ui.input.addEventListener('input', () => typingOut.input(ui.input.value.trim() !== ''));

ui.input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ui.composer.requestSubmit();
  }
});

ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const r = state.selected ? state.chats.get(state.selected) : null;
  const text = ui.input.value.trim();
  if (!r || !text || !client) return;
  typingOut.stop();
  const cmid = client.request({ type: 'send', chat: r.chat.id, text });
  r.transcript.addPending(cmid, text);
  r.preview = text;
  r.previewYou = true;
  ui.input.value = '';
  r.draft = '';
  renderMine();
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
  select(next ? next.chat.id : null, false);
  if (!next) ui.heading.blur();
});

setInterval(tickWaits, 1000);

(async function boot() {
  const res = await api('GET', 'me');
  if (res.status === 200 && res.body && res.body.staff) startDesk(res.body);
  else showLogin('');
})();
