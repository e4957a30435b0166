// Warm hand-offs in the console (docs/PROTOCOL.md, "Hand-offs"): the sender's side
// (js/handoff-send.js: "Hand off…", the note, the status line while it is pending and what
// came of it) and the receiver's (js/handoff-take.js: "Handed to you", reading the chat and
// the card before accepting, Accept or Decline, the note kept at the top of the pane). This
// file joins them to the console and holds what both use.

import { el } from './ui.js';
import { HandoffSend } from './handoff-send.js';
import { HandoffTake } from './handoff-take.js';

/** Seconds until `until` (ms), never below 0. */
export function secondsLeft(until, now = Date.now()) {
  return Math.max(0, Math.ceil((until - now) / 1000));
}

/** A countdown "42 s" that js/handoff.js keeps ticking while it is on the page. */
export function countdown(until, cls = 'ho-left') {
  return el('span', { class: cls, dataset: { until }, text: `${secondsLeft(until)} s` });
}

/** Focus lost with what held it (a chat that went away): to `node`, which says why. */
export function keepFocus(node) {
  const a = document.activeElement;
  if (a && a !== document.body && a.isConnected && a.offsetParent !== null) return;
  node.setAttribute('tabindex', '-1');
  node.focus();
}

/** "Other Library" when `lib` is not the console's own library, else ''. */
export function otherLibrary(lib, mine) {
  return lib && mine && lib.id !== mine.id ? lib.name || '' : '';
}

export class Handoffs {
  /**
   * @param {object} o
   * @param {object} o.ui the console's elements (console.js)
   * @param {object} o.state the console's state (console.js)
   * @param {Function} o.api the REST helper (js/api.js)
   * @param {(frame: object) => boolean} o.send sends a frame; false when offline
   * @param {() => object} o.chats the console's parts: {myChats, pane, queue, duty, resume}
   * @param {(text: string) => void} o.onAlert shows a message at the desk
   */
  constructor({ ui, state, api, send, chats, onAlert }) {
    const parts = { ui, state, api, send, chats, onAlert };
    this.sender = new HandoffSend(parts);
    this.taker = new HandoffTake(parts);
    this.state = state;
    setInterval(() => this.tick(), 1000);
  }

  /** The pane shows record `r` (or none): the hand-off's bar and the "Hand off…" button. */
  render(r) {
    const bar = this.taker.bar(r) || this.sender.bar(r);
    const ui = this.sender.ui;
    // drawn afresh on every change of the chat: focus (and a reason being typed) stays put
    const had = ui.handoffBar.contains(document.activeElement) ? document.activeElement : null;
    ui.handoffBar.replaceChildren(...(bar ? [bar] : []));
    ui.handoffBar.hidden = !bar;
    const same = had && had.dataset.key ? ui.handoffBar.querySelector(`[data-key="${had.dataset.key}"]`) : null;
    if (same) {
      if ('value' in had && had.tagName === 'INPUT') same.value = had.value;
      same.focus();
    } else if (had) {
      (ui.handoffBar.querySelector('button') || ui.heading).focus();
    }
    this.sender.renderButton(r);
  }

  /** The `handoffs` of a welcome or `queue` frame. `fresh`: a welcome. */
  onList(list, fresh) {
    this.taker.onList(Array.isArray(list) ? list : [], fresh);
  }

  /**
   * A `chat` frame for a chat the console knows (`known`, its record before the frame).
   * Returns true if it was handled here: the console does nothing more with it.
   */
  onChat(chat, known, mine) {
    if (this.sender.tookOver(chat, known, mine)) return true;
    this.sender.onChat(chat);
    return this.taker.onChat(chat, known, mine);
  }

  /** An error answering a hand-off command, shown where it belongs; false if not one. */
  refused(err) {
    return this.sender.refused(err) || this.taker.refused(err);
  }

  reset() {
    this.taker.reset();
    this.sender.reset();
  }

  tick() {
    for (const s of document.querySelectorAll('.ho-left[data-until]')) {
      s.textContent = `${secondsLeft(Number(s.dataset.until))} s`;
    }
  }
}
