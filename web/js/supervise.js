// "The desk", for supervisors and admins (docs/PROTOCOL.md, "Who may see what"): every live
// chat of the library with its patron, librarian, how long and question, kept current from
// the `chat` frames every console of the library gets (and read from GET /api/v1/chats
// ?state=active on load). Watch opens one in the pane read-only (`resume`; no reply box,
// a "Watching — read-only" bar); Reassign… opens the hand-off dialog (js/handoff-send.js)
// on it, where the server puts "Reassigned by <name>:" before the note. A librarian never
// sees any of it (and the server refuses them anyway).

import { bdi, el, waitedFor } from './ui.js';
import { countdown } from './handoff.js';

const ROLES = ['supervisor', 'admin', 'consortium_admin'];

/** Whether the signed-in librarian may watch and reassign the desk's chats. */
export function supervises(me) {
  return Boolean(me && ROLES.includes(me.role));
}

/** "Reassigned by Sam Lee: ", which the server puts before a supervisor's note. */
function prefix(me) {
  return `Reassigned by ${me ? me.name : ''}: `;
}

/** "just started", "for 4 min": how long the chat has been with its librarian. */
function since(ms) {
  const w = waitedFor(ms);
  return w === 'just now' ? 'just started' : `for ${w}`;
}

export class Supervise {
  /**
   * @param {object} o
   * @param {HTMLElement} o.root the desk's side section
   * @param {HTMLElement} o.bar the pane's "Watching" bar
   * @param {object} o.state the console's state (console.js)
   * @param {Function} o.api the REST helper (js/api.js)
   * @param {() => object} o.parts {myChats, pane, handoffs, resume(id)} of the console
   */
  constructor({ root, bar, state, api, parts }) {
    Object.assign(this, { root, bar, state, api, parts });
    this.live = new Map(); // chat id -> chat (active, of this library)
    this.questions = new Map(); // chat id -> its question
    this.asked = new Set(); // chat ids whose question we fetched
    this.reassigning = 0;
    setInterval(() => this.tick(), 15000);
  }

  on() {
    return supervises(this.state.me);
  }

  ours(chat) {
    const lib = this.state.library;
    return !chat.library || !lib || chat.library === lib.id;
  }

  async start() {
    this.root.hidden = !this.on();
    if (!this.on()) return this.reset();
    const res = await this.api('GET', 'chats?state=active&limit=200');
    if (res.status === 200 && res.body && Array.isArray(res.body.chats)) {
      this.live.clear(); // (after a reconnect: chats that ended meanwhile go)
      for (const c of res.body.chats) if (c.state === 'active' && this.ours(c)) this.keep(c);
    }
    this.render();
  }

  reset() {
    this.live.clear();
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  keep(chat) {
    const had = this.live.get(chat.id);
    this.live.set(chat.id, Object.assign(had || {}, chat));
    if (chat.question) this.questions.set(chat.id, chat.question);
    if (!this.questions.has(chat.id)) this.fetchQuestion(chat.id);
  }

  /** The chat frames (and the list REST gives, for a chat live before) carry no question:
   * its first message is it. */
  async fetchQuestion(id) {
    if (this.asked.has(id)) return;
    this.asked.add(id);
    const res = await this.api('GET', `chats/${id}`);
    const msgs = res.status === 200 && res.body ? res.body.messages || [] : [];
    const first = msgs.find((m) => m.kind === 'text' && m.from === 'patron');
    if (first) {
      this.questions.set(id, first.text);
      this.render();
    }
  }

  /** A `chat` frame (after the console's own handling). */
  onChat(chat) {
    if (!chat || !this.on()) return;
    // a reassign from the desk of a chat this console does not follow: the dialog is done
    // once it is offered (the console hands only the chats it knows to js/handoff.js)
    this.parts().handoffs.sender.onChat(chat);
    const r = this.state.chats.get(chat.id);
    if (r && chat.staff && chat.staff.id === this.state.me.id) {
      r.list.classList.remove('is-watched'); // it became mine: an ordinary chat of mine now
      if (r.watching) {
        r.watching = false;
        this.parts().myChats.render();
        this.parts().pane.render();
      }
    }
    if (!this.ours(chat)) return;
    if (chat.state === 'active') this.keep(chat);
    else this.live.delete(chat.id);
    if (chat.state === 'queued') this.asked.delete(chat.id);
    this.render();
  }

  /** A welcome or `queue` frame: questions of queued and handed-on chats; a chat I watch
   * being handed to me (or my queue) is read as any hand-off, with Accept. */
  onQueue(f) {
    for (const q of f.queue || []) if (q.question) this.questions.set(q.id, q.question);
    for (const h of f.handoffs || []) if (h.question) this.questions.set(h.chat, h.question);
    const taker = this.parts().handoffs.taker;
    let changed = false;
    for (const h of taker.list) {
      const r = this.state.chats.get(h.chat);
      if (r && r.watching) {
        r.watching = false;
        r.reading = true;
        r.wasWatched = true;
        r.from = h.from.name;
        changed = true;
      }
    }
    if (changed) {
      taker.render();
      this.parts().pane.render();
    }
    this.render();
  }

  patronLabel(c) {
    const p = typeof c.patron === 'number' ? this.state.patrons.get(c.patron) : null;
    if (p && p.name) return [bdi(p.name)];
    return [c.returning ? 'Returning patron' : 'Patron'];
  }

  render() {
    if (!this.on()) return;
    const chats = [...this.live.values()].sort((a, b) => (a.picked_at || a.created_at) - (b.picked_at || b.created_at));
    const head = el('h2', { class: 'side-heading', attrs: { id: 'sv-heading' } }, ['The desk ', el('span', { class: 'count', text: chats.length ? String(chats.length) : '' })]);
    const hint = el('p', { class: 'sv-hint', text: 'Every live chat of the library. Watch one to read along; reassign it to hand it on.' });
    const list = chats.length
      ? el('ul', { class: 'sv-list' }, chats.map((c) => this.item(c)))
      : el('p', { class: 'empty', text: 'No live chats right now.' });
    this.root.replaceChildren(head, hint, list);
  }

  item(c) {
    const me = this.state.me;
    const mine = c.staff && me && c.staff.id === me.id;
    const id = `sv-${c.id}`;
    const watched = this.state.selected === c.id;
    const h = c.handoff && c.handoff.state === 'offered' ? c.handoff : null;
    const q = this.questions.get(c.id);
    return el('li', { class: 'q-item sv-item' + (watched ? ' is-watched' : ''), dataset: { chat: c.id } }, [
      el('p', { class: 'sv-who', attrs: { id } }, [...this.patronLabel(c), ` · #${c.id}`]),
      el('p', { class: 'q-meta' }, [
        el('span', {}, mine ? ['With you'] : ['With ', bdi(c.staff ? c.staff.name : 'nobody')]),
        el('span', { text: '·', attrs: { 'aria-hidden': 'true' } }),
        el('span', { class: 'sv-for', dataset: { since: c.picked_at || c.created_at }, text: since(c.picked_at || c.created_at) }),
        h ? el('span', { class: 'badge', text: 'Being handed on' }) : null,
      ]),
      el('p', { class: 'q-question', attrs: { dir: 'auto' } }, q ? ['“', bdi(q), '”'] : ['(question not known yet)']),
      mine ? el('p', { class: 'sv-note', text: 'Yours: it is in My chats.' }) : el('div', { class: 'sv-actions' }, [
        el('button', {
          class: 'btn btn--small',
          text: watched ? 'Watching' : 'Watch',
          attrs: { type: 'button', 'aria-describedby': id, 'aria-pressed': watched ? 'true' : 'false' },
          on: { click: () => this.watch(c.id) },
        }),
        el('button', {
          class: 'btn btn--quiet btn--small',
          text: 'Reassign…',
          attrs: { type: 'button', 'aria-describedby': id, 'aria-haspopup': 'dialog', disabled: Boolean(h) },
          on: { click: () => this.reassign(c.id) },
        }),
      ]),
    ]);
  }

  tick() {
    for (const s of this.root.querySelectorAll('.sv-for')) s.textContent = since(Number(s.dataset.since));
  }

  // ---- watching ----------------------------------------------------------------------

  /** Opens live chat `id` in the pane, read-only. */
  watch(id) {
    const chat = this.live.get(id);
    const p = this.parts();
    let r = this.state.chats.get(id);
    if (!r) {
      if (!chat) return;
      r = p.myChats.record(chat);
      r.watching = true;
      r.list.classList.add('is-watched'); // no "Sent" on the librarian's lines
      p.resume(id);
      this.backfill(r);
    }
    this.watchId = id;
    p.pane.select(id, false);
    this.render();
    const stop = this.bar.querySelector('button');
    if (stop) stop.focus();
  }

  /** A watched chat read as a hand-off that went elsewhere, or back: watched again rather
   * than dropped (true), while it is live. */
  watchOn(id) {
    const r = this.state.chats.get(id);
    if (!r || !r.wasWatched || !r.reading || r.chat.state !== 'active' || !this.on()) return false;
    Object.assign(r, { reading: false, accepting: false, declined: false, watching: true });
    this.parts().pane.render();
    this.parts().myChats.render();
    this.render();
    return true;
  }

  /** A connection already following the chat (watched before, or read as a hand-off) is
   * not sent its messages again by `resume`: the transcript comes from REST as well. */
  async backfill(r) {
    const res = await this.api('GET', `chats/${r.chat.id}`);
    if (res.status !== 200 || !res.body) return;
    for (const m of res.body.messages || []) r.transcript.add(m);
  }

  stop() {
    const next = [...this.state.chats.values()].find((x) => !x.watching && !x.reading && x.chat.state === 'active');
    this.parts().pane.select(next ? next.chat.id : null, false);
    this.render();
    const b = this.root.querySelector(`[data-chat="${this.watchId}"] button`);
    if (b) b.focus();
  }

  /** The resume of a watched chat was refused: it goes (the alert says why). */
  refused(err) {
    if (err.ref !== 'resume' || !this.watchId) return;
    const r = this.state.chats.get(this.watchId);
    if (!r || !r.watching) return;
    r.list.remove();
    this.state.chats.delete(this.watchId);
    if (this.state.selected === this.watchId) this.parts().pane.select(null, false);
  }

  /** The pane shows record `r`: the "Watching — read-only" bar when it is watched. */
  renderPane(r) {
    const on = Boolean(r && r.watching);
    this.bar.hidden = !on;
    if (!on) return this.bar.replaceChildren();
    const c = r.chat;
    const who = c.staff ? bdi(c.staff.name) : 'nobody';
    const live = c.state === 'active';
    const h = c.handoff;
    const lines = [
      el('p', { class: 'sv-watch-line' }, [
        el('strong', { text: 'Watching — read-only.' }),
        ' ',
        ...(live ? [who, ' is with the patron. You read along; you cannot write here, and they are not told you are watching.'] : [c.state === 'queued' ? 'It is back in the queue, waiting for a librarian.' : 'This chat is over.']),
      ]),
    ];
    if (live && h && h.state === 'offered') {
      const to = h.to ? [bdi(h.to.name)] : ['someone on the ', bdi(h.queue ? h.queue.name : 'queue'), ' queue'];
      lines.push(el('p', { class: 'sv-watch-line', attrs: { role: 'status' } }, ['Handing on: waiting for ', ...to, ' to accept… ', countdown(h.until)]));
    } else if (live && h && (h.state === 'declined' || h.state === 'timed_out')) {
      lines.push(el('p', { class: 'sv-watch-line', attrs: { role: 'status' } }, [
        h.state === 'declined' ? 'The hand-off was declined' : 'Nobody accepted the hand-off in time', '; the chat stays with ', who, '.',
      ]));
    }
    const pending = h && h.state === 'offered';
    lines.push(el('div', { class: 'sv-actions' }, [
      el('button', { class: 'btn btn--quiet btn--small', text: 'Stop watching', attrs: { type: 'button' }, on: { click: () => this.stop() } }),
      live && !pending ? el('button', { class: 'btn btn--small', text: 'Reassign…', attrs: { type: 'button', 'aria-haspopup': 'dialog' }, on: { click: () => this.reassign(c.id) } }) : null,
    ]));
    this.bar.replaceChildren(...lines);
  }

  // ---- reassigning -------------------------------------------------------------------

  /** Opens the hand-off dialog on live chat `id`: a colleague, myself, or a queue. */
  async reassign(id) {
    const { ui, sender } = this.dialog();
    const c = this.live.get(id) || (this.state.chats.get(id) || {}).chat;
    if (!c) return;
    const me = this.state.me;
    const max = 1000 - [...prefix(me)].length;
    this.reassigning = id;
    const opened = sender.open(id, { max });
    ui.handoffTitle.textContent = `Reassign chat #${id}`;
    ui.handoffHint.replaceChildren(bdi(c.staff ? c.staff.name : 'The librarian'), ' keeps the chat, and keeps chatting, until it is accepted. The note will begin “', bdi(prefix(me).trim()), '”.');
    await opened;
    if (!ui.handoffDialog.open || sender.chatId !== id) return;
    // the chat's own librarian is no one to hand it to; I am (colleagues lists others only)
    for (const input of ui.handoffChoices.querySelectorAll('input[name="ho-to"]')) {
      if (c.staff && input.value === `staff:${c.staff.id}`) input.closest('label').remove();
    }
    const free = Math.max(0, me.max_chats - this.parts().myChats.activeCount());
    const self = el('label', { class: 'ho-choice' + (free ? '' : ' is-disabled') }, [
      el('input', { attrs: { type: 'radio', name: 'ho-to', value: `staff:${me.id}`, disabled: !free } }),
      el('span', { class: 'ho-choice-text' }, [
        el('span', { class: 'ho-choice-name' }, ['Me (', bdi(me.name), ')']),
        el('span', { class: 'ho-choice-sub', text: free ? 'You take it over once you accept' : 'You have no free place right now' }),
      ]),
    ]);
    const group = ui.handoffChoices.querySelector('.ho-group');
    if (group) {
      const empty = group.querySelector('.empty');
      if (empty) empty.remove();
      group.querySelector('.ho-group-title').after(self);
    }
    ui.handoffSubmit.disabled = false;
    const first = ui.handoffChoices.querySelector('input:not([disabled])');
    if (first) first.focus();
  }

  /** The dialog's parts, and its words put back once a reassign is closed. */
  dialog() {
    const handoffs = this.parts().handoffs;
    const ui = handoffs.sender.ui;
    if (!this.wired) {
      this.wired = true;
      this.hintText = ui.handoffHint.textContent;
      ui.handoffDialog.addEventListener('close', () => {
        if (!this.reassigning) return;
        this.reassigning = 0;
        ui.handoffHint.textContent = this.hintText;
      });
    }
    return { ui, sender: handoffs.sender };
  }
}
