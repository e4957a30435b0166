// Covering another library's chat (docs/PROTOCOL.md, "The consortium"): a queue entry that
// cascaded here says whose patron it is ("From North College Library — covering") with a
// short excerpt of that library's policy notes and the notes in full under "Policy notes";
// while a chat of another library is open in the pane (picked from the cascade, or a
// hand-off from another library, read before accepting or accepted), a panel above the
// transcript says whom you are covering for and shows their policy notes (line breaks
// kept, text only; they fold away if the librarian wants the room). The notes come from the queue entry, else from the patron's card
// (`library.policy_notes`, js/card-covering.js); when the chat ends, access ends with it
// and the notes go. It reads the console's `state` (library, chats, selected).

import { bdi, el } from './ui.js';

/** The first words of `text` on one line, at most `max` characters, cut at a word. */
export function excerpt(text, max = 90) {
  const flat = String(text || '').replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s.,;:]+$/, '')}…`;
}

/** A library's policy notes as text, their line breaks kept (CSS white-space: pre-wrap). */
export function notesText(text, id) {
  return el('div', { class: 'policy-notes', text, attrs: { id, dir: 'auto' } });
}

export class Covering {
  /**
   * @param {object} o
   * @param {HTMLElement} o.root the pane's covering panel (#covering)
   * @param {object} o.state the console's state (console.js)
   * @param {() => void} o.changed something shown changed (the pane and queue redraw)
   * @param {() => void} o.recheck re-reads the card shown (once a covered chat has ended)
   */
  constructor({ root, state, changed, recheck }) {
    Object.assign(this, { root, state, changed, recheck });
    this.rechecks = new Map(); // ended chat id -> card re-reads asked for
    this.libs = new Map(); // library id -> {id, name, policy_notes (undefined: not known yet)}
    this.chatLib = new Map(); // chat id -> library id, from queue entries and hand-offs
    this.gone = new Set(); // ended chats whose card answered 404: access ended, no re-reads
    this.open = new Set(); // queue entries whose "Policy notes" are unfolded
    this.folds = new Map(); // library id -> its notes unfolded in the pane, as the librarian chose
    this.drawn = '';
  }

  /** Library `lib` ({id, name, policy_notes?}) is known; keeps what was known before. */
  know(lib) {
    if (!lib || typeof lib.id !== 'number') return;
    const had = this.libs.get(lib.id) || {};
    this.libs.set(lib.id, { ...had, ...lib });
  }

  /** The `queue` and `handoffs` of a welcome or `queue` frame. */
  learn(queue, handoffs) {
    for (const q of Array.isArray(queue) ? queue : []) {
      if (!q.cascaded || !q.library) continue;
      this.know(q.library);
      this.chatLib.set(q.id, q.library.id);
    }
    for (const h of Array.isArray(handoffs) ? handoffs : []) {
      if (!h.library || !this.other(h.library.id)) continue;
      this.know({ id: h.library.id, name: h.library.name });
      this.chatLib.set(h.chat, h.library.id);
    }
  }

  /** A card loaded for chat `chatId` (null: it could not be, e.g. 404 once the chat ended). */
  learnCard(card, chatId) {
    if (card && card.covering && card.library) {
      this.know(card.library);
      this.chatLib.set(chatId, card.library.id);
      const r = this.state.chats.get(chatId);
      if (r && this.ended(r)) this.soon(chatId, 1000); // read just as it ended: again
    } else if (!card && this.chatLib.has(chatId)) {
      const r = this.state.chats.get(chatId);
      if (r && this.ended(r)) this.gone.add(chatId); // (not a passing error while it is live)
    }
    this.changed();
  }

  other(id) {
    const mine = this.state.library;
    return typeof id === 'number' && Boolean(mine) && id !== mine.id;
  }

  /** The library whose chat record `r` is, when it is not mine; else null. */
  libraryOf(r) {
    if (!r) return null;
    const id = typeof r.chat.library === 'number' ? r.chat.library : this.chatLib.get(r.chat.id);
    if (!this.other(id)) return null;
    return this.libs.get(id) || { id, name: 'another library' };
  }

  // ---- the queue ------------------------------------------------------------------------

  /** For the queue entry `q` (its element ids start with `qid`): the nodes that say whose
   *  patron it is, or [] for one of my library. The first node's id describes Pick up. */
  queueBits(q, qid) {
    if (!q.cascaded || !q.library) return [];
    const lib = q.library;
    const notes = String(lib.policy_notes || '');
    const line = el('p', { class: 'q-cover', attrs: { id: `${qid}-cover` } }, [
      'From ', bdi(lib.name || 'another library'), ' — covering',
    ]);
    if (!notes.trim()) return [line, el('p', { class: 'q-cover-none', text: 'They have written no policy notes.' })];
    const more = el('details', { class: 'q-policy', attrs: { open: this.open.has(q.id) } }, [
      el('summary', { dataset: { key: `notes-${q.id}` } }, ['Policy notes', el('span', { class: 'visually-hidden' }, [' of ', bdi(lib.name || 'another library')])]),
      notesText(notes, `${qid}-notes`),
    ]);
    more.addEventListener('toggle', () => (more.open ? this.open.add(q.id) : this.open.delete(q.id)));
    return [line, el('p', { class: 'q-cover-excerpt', text: excerpt(notes), attrs: { dir: 'auto' } }), more];
  }

  // ---- the pane -------------------------------------------------------------------------

  /** The library of the pane's chat `r` when it is another library's (then: no outcome
   *  tag, no promises), else null. */
  covers(r) {
    return this.libraryOf(r);
  }

  ended(r) {
    return !['active', 'queued'].includes(r.chat.state);
  }

  /** Re-reads the card of ended chat `id` after `ms` (at most 3 times): the server answers
   *  404 once access has ended, and the card goes. */
  soon(id, ms) {
    const n = this.rechecks.get(id) || 0;
    if (n >= 3) return;
    this.rechecks.set(id, n + 1);
    setTimeout(() => {
      if (this.state.selected === id && !this.gone.has(id)) this.recheck();
    }, ms);
  }

  /** Draws the panel for the pane's chat record `r` (hidden when it is my library's). */
  render(r) {
    const lib = this.libraryOf(r);
    const ended = Boolean(lib) && this.ended(r);
    if (ended && !this.rechecks.has(r.chat.id)) this.soon(r.chat.id, 0);
    const key = lib ? JSON.stringify([r.chat.id, lib, ended, Boolean(r.reading)]) : '';
    if (key === this.drawn) return; // unchanged: keep the reader's place in long notes
    this.drawn = key;
    this.root.hidden = !lib;
    if (!lib) {
      this.root.replaceChildren();
      return;
    }
    const name = bdi(lib.name);
    let head;
    if (ended) head = ['You covered this chat for ', name, '. It has ended, and with it your access: their policy notes and the patron’s card are no longer shown.'];
    else if (r.reading) head = ['This patron is ', name, '’s. If you accept, you cover for them: follow their policies below.'];
    else head = ['You are covering for ', name, '. This patron is theirs: follow their policies below.'];
    const kids = [el('p', { class: 'cover-line', attrs: { id: 'cover-line' } }, head)];
    if (!ended) kids.push(this.notes(lib));
    this.root.classList.toggle('is-ended', ended);
    this.root.replaceChildren(...kids);
  }

  /** The policy notes, to fold away for room. */
  notes(lib) {
    const notes = lib.policy_notes;
    const body = notes === undefined
      ? el('p', { class: 'hint', text: 'Loading their policy notes…' })
      : String(notes).trim()
        ? notesText(notes, 'cover-notes')
        : el('p', { class: 'hint', text: 'They have written no policy notes. Ask the patron about their library’s rules before promising anything on its behalf.' });
    // unfolded unless folded by the librarian; on a short screen folded unless unfolded
    const open = this.folds.has(lib.id) ? this.folds.get(lib.id) : !matchMedia('(max-height: 760px)').matches;
    const box = el('details', { class: 'cover-notes', attrs: { open } }, [
      el('summary', {}, [el('h3', {}, [bdi(lib.name), '’s policy notes'])]),
      // (a long text scrolls inside the panel: focusable, so the keyboard can scroll it too)
      el('div', { class: 'cover-scroll', attrs: { tabindex: '0', role: 'region', 'aria-label': 'Policy notes' } }, [body]),
    ]);
    box.addEventListener('toggle', () => this.folds.set(lib.id, box.open));
    return box;
  }
}
