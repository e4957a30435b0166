// Taking a hand-off (the receiver's side, js/handoff.js): the `handoffs` of the queue frame
// listed above the queue ("Handed to you", "Handed to your library's queue") with whom from,
// the note and the question; opening one reads the transcript (resume) and the card in the
// pane before deciding, with Accept and, when asked by name, Decline with a reason. Once
// accepted the chat is like any picked chat, and the note stays at the top of the pane.

import { bdi, el } from './ui.js';
import { humanError } from './errors.js';
import { countdown, keepFocus, otherLibrary } from './handoff.js';

const REASON_MAX = 200;

export class HandoffTake {
  constructor({ ui, state, send, chats, onAlert }) {
    Object.assign(this, { ui, state, sendFrame: send, chats, onAlert });
    this.list = []; // entries I may take
    this.declining = 0; // the chat whose reason box is open
  }

  /** May I take entry `h`? (asked by name: only me; to a queue: anyone but the sender) */
  forMe(h) {
    const me = this.state.me;
    if (!me) return false;
    return h.to ? h.to.id === me.id : h.from.id !== me.id;
  }

  entry(id) {
    return this.list.find((h) => h.chat === id) || null;
  }

  onList(all, fresh) {
    this.list = all.filter((h) => this.forMe(h));
    this.chats().duty.handoffsSeen(this.list, fresh);
    // a hand-off being read that is no longer offered to me: say what came of it
    for (const r of [...this.state.chats.values()]) {
      if (r.reading && !r.accepting && !this.entry(r.chat.id)) this.gone(r);
    }
    this.render();
  }

  gone(r) {
    const h = r.chat.handoff;
    const from = r.from || 'the librarian';
    let said = ['That hand-off is no longer open.'];
    if (r.declined || (h && h.state === 'declined')) said = ['You declined; the chat stays with ', bdi(from), '.'];
    else if (h && h.state === 'timed_out') said = ['That hand-off timed out; the chat stays with ', bdi(from), '.'];
    else if (h && h.state === 'cancelled') said = [bdi(from), ' took the hand-off back.'];
    else if (h && h.state === 'accepted' && h.to) said = [bdi(h.to.name), ' took over that chat.'];
    this.say(said);
    this.chats().drop(r.chat.id);
    keepFocus(this.ui.handoffsNote);
  }

  say(words) {
    this.ui.handoffsNote.replaceChildren(...[].concat(words));
    this.ui.handoffsNote.hidden = !words.length;
    this.ui.handoffs.hidden = !this.list.length && this.ui.handoffsNote.hidden;
  }

  render() {
    const { ui } = this;
    const named = this.list.filter((h) => h.to);
    const shared = this.list.filter((h) => !h.to);
    const group = (title, items) =>
      items.length
        ? [el('h2', { class: 'side-heading', text: title }, [el('span', { class: 'count', text: String(items.length) })]), el('ul', { class: 'queue-list ho-list' }, items.map((h) => this.item(h)))]
        : [];
    ui.handoffsList.replaceChildren(...group('Handed to you', named), ...group("Handed to your library's queue", shared));
    ui.handoffs.hidden = !this.list.length && ui.handoffsNote.hidden;
  }

  item(h) {
    const id = `ho-${h.chat}`;
    const lib = otherLibrary(h.library, this.state.library);
    const from = ['From ', bdi(h.from.name)]; // (the patron's own asking says so in its note)
    const reading = this.state.selected === h.chat;
    return el('li', { class: 'q-item ho-item' + (h.to ? ' is-offered' : ''), dataset: { chat: h.chat } }, [
      el('p', { class: 'ho-from', attrs: { id: `${id}-from` } }, [
        ...from, ...(lib ? [' · ', bdi(lib)] : []), h.queue ? [' · to ', bdi(h.queue.name)] : '',
      ].flat()),
      el('blockquote', { class: 'ho-note', attrs: { id: `${id}-note`, dir: 'auto' }, text: h.note }),
      el('p', { class: 'q-question', attrs: { dir: 'auto' } }, ['Question: ', bdi(h.question || '(no question)')]),
      el('p', { class: 'q-meta' }, [el('span', {}, [countdown(h.until), ' left to accept']), h.remembered ? el('span', { class: 'badge', text: 'Remembered' }) : null]),
      el('button', {
        class: 'btn btn--small',
        text: reading ? 'Reading…' : 'Read and decide',
        attrs: { type: 'button', 'aria-describedby': `${id}-from ${id}-note`, disabled: reading },
        on: { click: () => this.open(h.chat) },
      }),
    ]);
  }

  /** Opens entry `id` in the pane: its transcript and the patron's card, before deciding. */
  open(id) {
    const h = this.entry(id);
    if (!h) return;
    const c = this.chats();
    let r = this.state.chats.get(id);
    if (!r) {
      r = c.myChats.record({ id, state: 'active', patron: h.patron, queue: h.queue ? h.queue.id : null, remembered: h.remembered, staff: { id: h.from.id, name: h.from.name } });
      r.reading = true;
    }
    r.from = h.from.name;
    this.say([]);
    c.resume(id);
    c.select(id, false);
    this.render();
    const bar = this.ui.handoffBar.querySelector('.ho-accept');
    if (bar) bar.focus();
  }

  /** The pane's bar for a hand-off I am reading, or one I took (its note), or null. */
  bar(r) {
    if (!r) return null;
    if (r.reading) return this.deciding(r);
    const h = r.chat.handoff;
    const me = this.state.me;
    if (!h || h.state !== 'accepted' || !h.to || !me || h.to.id !== me.id || !h.note) return null;
    return el('div', { class: 'ho-bar ho-bar--note' }, [
      el('p', { class: 'ho-note-head' }, [bdi(h.from ? h.from.name : 'Your colleague'), '’s note']),
      el('blockquote', { class: 'ho-note', text: h.note, attrs: { dir: 'auto' } }),
    ]);
  }

  deciding(r) {
    const h = this.entry(r.chat.id);
    if (!h) return null;
    const lib = otherLibrary(h.library, this.state.library);
    const who = [bdi(h.from.name), ...(lib ? [' of ', bdi(lib)] : [])]; // (another library's: whose)
    const head = h.to ? [...who, ' is handing this chat to you'] : [...who, ' is handing this chat to ', bdi(h.queue ? h.queue.name : 'the queue')];
    if (h.kind === 'patron') head.push(': the patron asked if someone else could help');
    const kids = [
      el('p', { class: 'ho-line' }, [...head, '. ', countdown(h.until), ' left.']),
      el('p', { class: 'ho-note-head' }, [bdi(h.from.name), '’s note']),
      el('blockquote', { class: 'ho-note', text: h.note, attrs: { dir: 'auto' } }),
      el('p', { class: 'ho-hint', text: 'Read the conversation and the card first: nothing changes for the patron until you accept.' }),
    ];
    if (r.error) kids.push(el('p', { class: 'alert', text: r.error, attrs: { role: 'alert' } }));
    kids.push(this.declining === h.chat ? this.reasonForm(h) : this.actions(r, h));
    return el('div', { class: 'ho-bar ho-bar--take' }, kids);
  }

  actions(r, h) {
    return el('div', { class: 'ho-actions' }, [
      el('button', { class: 'btn btn--small ho-accept', text: r.accepting ? 'Accepting…' : 'Accept', dataset: { key: 'accept' }, attrs: { type: 'button', disabled: Boolean(r.accepting) }, on: { click: () => this.accept(r) } }),
      h.to ? el('button', { class: 'btn btn--quiet btn--small', text: 'Decline…', dataset: { key: 'decline' }, attrs: { type: 'button' }, on: { click: () => this.startDecline(h.chat) } }) : null,
    ]);
  }

  reasonForm(h) {
    const input = el('input', { dataset: { key: 'reason' }, attrs: { type: 'text', id: 'ho-reason', maxlength: REASON_MAX, placeholder: 'e.g. Not my subject: Kim knows the nursing databases' } });
    input.value = this.reason || '';
    input.addEventListener('input', () => (this.reason = input.value));
    const form = el('form', { class: 'ho-reason', attrs: { novalidate: true } }, [
      el('label', { text: 'Why (optional; they will see it)', attrs: { for: 'ho-reason' } }),
      input,
      el('div', { class: 'ho-actions' }, [
        el('button', { class: 'btn btn--small', text: 'Decline', dataset: { key: 'decline-send' }, attrs: { type: 'submit' } }),
        el('button', { class: 'btn btn--quiet btn--small', text: 'Back', dataset: { key: 'decline-back' }, attrs: { type: 'button' }, on: { click: () => this.startDecline(0) } }),
      ]),
    ]);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const reason = input.value.trim();
      const frame = { type: 'handoff_decline', chat: h.chat, ...(reason ? { reason } : {}) };
      if (!this.sendFrame(frame)) this.onAlert('You are offline right now. Please try again in a moment.');
      else this.state.chats.get(h.chat).declined = true;
    });
    return form;
  }

  startDecline(id) {
    this.declining = id;
    this.reason = '';
    this.chats().pane.render();
    const next = this.ui.handoffBar.querySelector(id ? '#ho-reason' : '.ho-accept');
    if (next) next.focus();
  }

  accept(r) {
    r.error = '';
    if (!this.sendFrame({ type: 'handoff_accept', chat: r.chat.id })) {
      r.error = 'You are offline right now. Please try again in a moment.';
    } else {
      r.accepting = true;
    }
    this.chats().pane.render();
  }

  /** A chat frame: the hand-off I accepted is mine now (always false: nothing more to skip). */
  onChat(chat, known, mine) {
    if (!known || !known.reading || !mine || chat.state !== 'active') return false;
    const c = this.chats();
    c.myChats.record(chat);
    known.reading = false;
    known.accepting = false;
    this.declining = 0;
    this.render();
    c.select(chat.id, true);
    return false; // the console goes on as for any chat of mine that changed
  }

  refused(err) {
    if (!['handoff_accept', 'handoff_decline'].includes(err.ref)) return false;
    const r = this.state.chats.get(this.state.selected);
    const text = humanError(err);
    if (!r || !r.reading) {
      this.onAlert(text);
      return true;
    }
    r.accepting = false;
    if (err.code === 'taken' || err.code === 'not_found' || err.code === 'bad_state') {
      this.say(text);
      this.chats().drop(r.chat.id);
      keepFocus(this.ui.handoffsNote);
      return true;
    }
    r.error = text;
    this.chats().pane.render();
    return true;
  }

  reset() {
    this.list = [];
    this.say([]);
    this.render();
  }
}
