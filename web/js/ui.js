// Small DOM helpers and the transcript list shared by the patron page and the console.
// User text only ever reaches the page through textContent (message text through
// linkify(), which builds its links the same way).

import { linkify } from './linkify.js';

/**
 * Creates an element. `props` may hold `class`, `text` (set as textContent), `attrs`
 * (attributes), `dataset` and `on` (event listeners); `children` are nodes or strings.
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = String(props.text);
  for (const [k, v] of Object.entries(props.attrs || {})) {
    if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const [k, v] of Object.entries(props.dataset || {})) node.dataset[k] = String(v);
  for (const [k, v] of Object.entries(props.on || {})) node.addEventListener(k, v);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

/** A <time> element for a millisecond timestamp, in the user's locale. */
export function timeEl(ms) {
  const d = new Date(typeof ms === 'number' ? ms : Date.now());
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return el('time', {
    text: sameDay ? timeFmt.format(d) : dateTimeFmt.format(d),
    attrs: { datetime: d.toISOString(), title: fullFmt.format(d) },
  });
}

/** "just now", "4 min", "1 h 5 min": how long ago `ms` was. */
export function waitedFor(ms, now = Date.now()) {
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 60) return s < 10 ? 'just now' : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** `s` isolated with U+2068 … U+2069, for user text inside our own sentence where no
 * element can hold it (document.title, notifications, aria-label, option text). */
export function isolate(s) {
  return `\u2068${s}\u2069`;
}

/** User text inside our own sentence: a <bdi>, so a right-to-left name (or an override
 * character in it) cannot reorder the words around it. */
export function bdi(text, cls) {
  return el('bdi', { class: cls, text });
}

/** Enter in `input` submits `form`; Shift+Enter (and Enter while composing) does not. */
export function submitOnEnter(input, form) {
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}

/** Sets the text of a polite status line, showing it only when not empty. */
export function setStatus(node, text) {
  if (node.textContent !== text) node.textContent = text;
  node.classList.toggle('is-visible', Boolean(text));
}

/**
 * The list of messages and events of one chat.
 *
 * Messages are kept in `seq` order and never shown twice: a `msg` whose seq is already
 * there is ignored, and one that carries the cmid of a message this page is still
 * sending replaces that pending bubble instead of adding a second one.
 */
export class Transcript {
  /**
   * @param {HTMLElement} list   an <ol> that is a polite live region
   * @param {object} opts
   * @param {'patron'|'staff'} opts.me        whose page this is
   * @param {(m: object) => string} opts.nameOf   label for the sender of a text message
   * @param {(m: object) => string|Array<string|Node>} opts.eventText text for an event
   *   message (user text in it, such as a name, as a <bdi> from bdi())
   */
  constructor(list, { me, nameOf, eventText }) {
    this.list = list;
    this.me = me;
    this.nameOf = nameOf;
    this.eventText = eventText;
    this.bySeq = new Map();
    this.byCmid = new Map();
    this.events = new Map(); // seq -> event frame, to word it again (reword)
    // A transcript read at its end stays at its end when it is made smaller (the
    // after-chat choices, a phone's keyboard); one scrolled back stays where it is.
    this.atEnd = true;
    list.addEventListener('scroll', () => { this.atEnd = this.nearBottom(); }, { passive: true });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => { if (this.atEnd) this.scrollToEnd(); }).observe(list);
    }
  }

  clear() {
    this.list.replaceChildren();
    this.bySeq.clear();
    this.byCmid.clear();
    this.events = new Map();
  }

  /** Words every event again (what they say may depend on what was learnt since). */
  reword() {
    for (const [seq, m] of this.events) {
      const span = this.bySeq.get(seq) && this.bySeq.get(seq).firstElementChild;
      if (span) span.replaceChildren(...[].concat(this.eventText(m)));
    }
  }

  /** Number of text messages shown (pending ones included). */
  textCount() {
    return this.list.querySelectorAll('.msg').length;
  }

  nearBottom() {
    const l = this.list;
    return l.scrollHeight - l.scrollTop - l.clientHeight < 80;
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }

  /** Inserts a node carrying data-seq before the first node with a greater seq. */
  place(node, seq) {
    let before = null;
    for (const child of this.list.children) {
      const s = child.dataset.seq ? Number(child.dataset.seq) : Infinity;
      if (s > seq) {
        before = child;
        break;
      }
    }
    this.list.insertBefore(node, before);
  }

  bubble(mine, name, text, at) {
    const status = el('span', { class: 'msg-status' });
    const li = el('li', { class: 'msg' + (mine ? ' msg--mine' : '') }, [
      el('p', { class: 'msg-meta' }, [el('bdi', { class: 'msg-name', text: name }), timeEl(at), status]),
      el('p', { class: 'msg-text', attrs: { dir: 'auto' } }, [linkify(text)]),
    ]);
    return li;
  }

  /** Shows a message of ours that is not acknowledged yet. */
  addPending(cmid, text, name = 'You') {
    if (this.byCmid.has(cmid)) return this.byCmid.get(cmid);
    const li = this.bubble(true, name, text, Date.now());
    li.classList.add('is-pending');
    li.dataset.cmid = cmid;
    li.querySelector('.msg-status').textContent = 'Sending…';
    this.byCmid.set(cmid, li);
    this.list.append(li);
    this.scrollToEnd();
    return li;
  }

  /** Marks our message as stored by the server. */
  ack(cmid, seq) {
    const li = this.byCmid.get(cmid);
    if (!li) return;
    if (this.bySeq.has(seq) && this.bySeq.get(seq) !== li) {
      li.remove(); // the msg frame got here first
      return;
    }
    this.settle(li, seq);
  }

  settle(li, seq) {
    li.classList.remove('is-pending', 'is-failed');
    li.querySelector('.msg-status').textContent = 'Sent';
    li.dataset.seq = String(seq);
    this.bySeq.set(seq, li);
    li.remove();
    this.place(li, seq);
  }

  /** Marks our message as refused, with a reason. */
  fail(cmid, reason) {
    const li = this.byCmid.get(cmid);
    if (!li) return;
    li.classList.remove('is-pending');
    li.classList.add('is-failed');
    li.querySelector('.msg-status').textContent = 'Not sent: ' + reason;
  }

  /**
   * Adds a `msg` frame. Returns true if it was new (not seen before), so callers can count
   * unread messages or clear a typing indicator.
   */
  add(m) {
    if (typeof m.seq !== 'number' || this.bySeq.has(m.seq)) return false;
    const stick = this.nearBottom();
    if (m.kind === 'text' && m.cmid && m.from === this.me && this.byCmid.has(m.cmid)) {
      this.settle(this.byCmid.get(m.cmid), m.seq);
      return true;
    }
    let node;
    if (m.kind === 'event') {
      this.events.set(m.seq, m);
      node = el('li', { class: 'event', dataset: { event: m.event || '' } }, [
        el('span', {}, [].concat(this.eventText(m))),
        ' · ',
        timeEl(m.at),
      ]);
    } else {
      const mine = m.from === this.me;
      node = this.bubble(mine, this.nameOf(m), m.text || '', m.at);
      node.dataset.from = m.from;
      if (m.cmid) {
        node.dataset.cmid = m.cmid;
        if (mine) this.byCmid.set(m.cmid, node);
      }
      if (mine) node.querySelector('.msg-status').textContent = 'Sent';
    }
    node.dataset.seq = String(m.seq);
    this.bySeq.set(m.seq, node);
    this.place(node, m.seq);
    if (stick) this.scrollToEnd();
    return true;
  }
}
