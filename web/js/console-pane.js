// The console's chat pane: the chat chosen in "My chats" (heading with the patron's name
// and pronouns, queue and start time, End or Close, the reply box for my active chat),
// switching chats (keeping each one's draft), and the outcome tag once it was picked up
// (POST /api/chats/<id>/outcome, docs/API.md). It reads the console's `state`.

import { bdi, timeEl } from './ui.js';
import { queueName } from './console-queue.js';
import { isOpen } from './console-chats.js';

export class ChatPane {
  /**
   * @param {object} o
   * @param {object} o.ui the console's elements (console.js)
   * @param {object} o.state the console's state (console.js)
   * @param {Function} o.api the REST helper (js/api.js)
   * @param {import('./promises.js').Promises} o.promises
   * @param {import('./card.js').CardPanel} o.card
   * @param {import('./typing.js').TypingShown} o.typingIn
   * @param {import('./typing.js').TypingSender} o.typingOut
   * @param {() => void} o.renderMine re-draws "My chats"
   * @param {(r: object|null) => void} [o.extras] draws more of the pane for record `r`
   *   (hand-offs, js/handoff.js; covering another library, js/covering.js)
   * @param {(r: object) => object|null} [o.covers] the library ({name}) of record `r` when
   *   it is another library's chat: no outcome tag, no promises (the server keeps those to
   *   the home library)
   */
  constructor({ ui, state, api, promises, card, typingIn, typingOut, renderMine, extras, covers }) {
    Object.assign(this, { ui, state, api, promises, card, typingIn, typingOut, renderMine, extras, covers });
    ui.outcome.addEventListener('change', () => this.saveOutcome());
  }

  render() {
    const { ui, state } = this;
    const r = state.selected ? state.chats.get(state.selected) : null;
    ui.paneEmpty.hidden = Boolean(r);
    ui.paneChat.hidden = !r;
    const covered = (r && this.covers && this.covers(r)) || null;
    this.promises.setChat(r && !r.reading && !r.watching && !covered ? r.chat : null); // (not a hand-off being read, a watched chat, nor another library's)
    for (const x of state.chats.values()) x.list.hidden = x !== r;
    if (this.extras) this.extras(r);
    if (!r) return;
    const c = r.chat;
    const pinfo = typeof c.patron === 'number' ? state.patrons.get(c.patron) : null;
    const who = pinfo && pinfo.name
      ? [bdi(pinfo.name), ...(pinfo.pronouns ? [' (', bdi(pinfo.pronouns), ')'] : [])]
      : [c.returning ? 'Returning patron' : 'Patron'];
    ui.heading.replaceChildren(`Chat #${c.id} · `, ...who);
    const qn = queueName(state.queues, c.queue) || (covered ? covered.name : '');
    ui.sub.replaceChildren();
    if (qn) ui.sub.append(bdi(qn));
    if (c.created_at) ui.sub.append(qn ? ' · started ' : 'Started ', timeEl(c.created_at));
    const open = isOpen(r);
    const mineActive = c.state === 'active' && c.staff && state.me && c.staff.id === state.me.id;
    ui.endBtn.hidden = !open || Boolean(r.reading || r.watching); // a hand-off being read (or a watched chat) is not mine
    ui.closeBtn.hidden = open;
    ui.composer.hidden = !mineActive;
    ui.hint.hidden = !mineActive;
    ui.ended.hidden = open;
    ui.ended.textContent = c.state === 'abandoned' ? 'The patron left before the chat was picked up.' : 'This chat has ended.';
    this.renderOutcome(r, covered);
    if (r.typing && open) this.typingIn.show('Patron is typing…');
    else this.typingIn.hide();
  }

  select(id, focus) {
    const { ui, state } = this;
    const prev = state.selected ? state.chats.get(state.selected) : null;
    if (prev) prev.draft = ui.input.value;
    this.typingOut.stop();
    state.selected = id;
    const r = id ? state.chats.get(id) : null;
    if (r) {
      r.unread = 0;
      ui.input.value = r.draft || '';
    }
    this.render();
    this.renderMine();
    this.card.show(r ? r.chat : null);
    if (r) {
      r.transcript.scrollToEnd();
      if (focus) (ui.composer.hidden ? ui.heading : ui.input).focus();
    }
  }

  renderOutcome(r, covered) {
    const { ui } = this;
    const c = r.chat;
    const picked = (c.state === 'active' || c.state === 'ended') && !r.reading && !r.watching && !covered;
    ui.outcomeRow.hidden = !picked;
    if (ui.outcome.value !== (r.outcome || '')) ui.outcome.value = r.outcome || '';
    const prompt = picked && c.state === 'ended' && !r.outcome;
    ui.outcomeRow.classList.toggle('is-prompt', prompt);
    if (prompt) ui.ended.textContent = 'This chat has ended. How did it go? Tag its outcome above.';
    ui.outcomeStatus.textContent = r.outcomeStatus || '';
  }

  async saveOutcome() {
    const { ui, state } = this;
    const r = state.selected ? state.chats.get(state.selected) : null;
    if (!r) return;
    const value = ui.outcome.value;
    r.outcomeStatus = 'Saving…';
    ui.outcomeStatus.textContent = r.outcomeStatus;
    const res = await this.api('POST', `chats/${r.chat.id}/outcome`, { outcome: value });
    if (res.status === 200) {
      r.outcome = value;
      r.outcomeStatus = value ? 'Saved' : 'Cleared';
    } else {
      r.outcomeStatus = res.status === 0 ? 'Not saved: offline' : 'Not saved';
      ui.outcome.value = r.outcome || '';
    }
    if (state.selected === r.chat.id) this.render();
    // The card's earlier chats show outcomes; a later card load picks this one up.
  }
}
