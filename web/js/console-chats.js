// The console's own chats: one record a chat (its transcript list, unread count, typing,
// draft and last line), how events read in a librarian's transcript, and the "My chats"
// list with my count against my cap. Patron names come from their cards once loaded.
// It reads and writes the console's `state` (chats, patrons, me, selected, capFull).

import { Transcript, bdi, el } from './ui.js';
import { queueName } from './console-queue.js';

/** True while the chat of record `r` is queued or active. */
export function isOpen(r) {
  return r.chat.state === 'active' || r.chat.state === 'queued';
}

/** How an event reads in a librarian's transcript (the console's and the reader's). */
export function eventText(m) {
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
    case 'handoff_offered':
      return [bdi(m.name || 'A librarian'), ' handed the chat on'];
    case 'someone_else':
      return 'The patron asked if someone else could help';
    case 'handoff_accepted':
      return [bdi(m.name || 'A librarian'), ' took over the chat'];
    case 'handoff_returned':
      return ['The hand-off came back to ', bdi(m.name || 'the librarian')];
    default:
      return m.event || 'Update';
  }
}

export class MyChats {
  /**
   * @param {object} o
   * @param {object} o.ui the console's elements (console.js)
   * @param {object} o.state the console's state (console.js)
   * @param {(id: number, focus: boolean) => void} o.select opens a chat in the pane
   * @param {() => void} o.capChanged my cap filled or freed (Pick up follows)
   * @param {(r: object) => object|null} [o.covers] the other library whose chat `r` is
   */
  constructor({ ui, state, select, capChanged, covers }) {
    Object.assign(this, { ui, state, select, capChanged, covers });
  }

  /** The record of `chat`, made on first sight; a known one takes the chat's new fields. */
  record(chat) {
    const { ui, state } = this;
    let r = state.chats.get(chat.id);
    if (!r) {
      const list = el('ol', {
        class: 'log',
        // (tabindex: a transcript longer than the pane scrolls, and a keyboard must reach it)
        attrs: { 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': `Transcript of chat ${chat.id}`, tabindex: 0, hidden: true },
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

  isMine(chat) {
    const { state } = this;
    return Boolean(chat.staff && state.me && chat.staff.id === state.me.id);
  }

  activeCount() {
    let n = 0;
    for (const r of this.state.chats.values()) if (r.chat.state === 'active' && this.isMine(r.chat)) n++;
    return n;
  }

  /** The patron's name from their card ("" until it is loaded, or when anonymous). */
  patronLabel(chat) {
    const p = chat && typeof chat.patron === 'number' ? this.state.patrons.get(chat.patron) : null;
    return p && p.name ? p.name : '';
  }

  /** Names the patron's messages already shown in their chats as their card now says. */
  relabel(id) {
    const { state } = this;
    const p = state.patrons.get(id);
    const label = (p && p.name) || 'Patron';
    for (const r of state.chats.values()) {
      if (r.chat.patron !== id) continue;
      for (const n of r.list.querySelectorAll('.msg[data-from="patron"] .msg-name')) n.textContent = label;
    }
  }

  render() {
    const { ui, state } = this;
    // (a hand-off being read before it is accepted is not one of my chats yet, nor a watched one)
    const mine = [...state.chats.values()].filter((r) => !r.reading && !r.watching).sort((a, b) => a.chat.created_at - b.chat.created_at);
    const max = state.me ? state.me.max_chats : 0;
    const n = this.activeCount();
    ui.cap.textContent = `${n} of ${max} ${max === 1 ? 'chat' : 'chats'}`;
    ui.cap.classList.toggle('is-full', max > 0 && n >= max);
    if (state.capFull !== (max > 0 && n >= max)) {
      state.capFull = max > 0 && n >= max;
      this.capChanged(); // Pick up follows a freed (or filled) place
    }
    ui.mineEmpty.hidden = mine.length > 0;
    ui.mineList.replaceChildren(
      ...mine.map((r) => {
        const who = this.patronLabel(r.chat);
        const top = el('span', { class: 'mine-top' }, [
          el('span', {}, who ? [bdi(who), ` · #${r.chat.id}`] : [`Chat #${r.chat.id}`]),
          r.chat.returning && !who ? el('span', { class: 'badge', text: 'Returning' }) : null,
          r.unread ? el('span', { class: 'unread', text: `${r.unread} new` }) : null,
          !isOpen(r) ? el('span', { class: 'tag', text: 'Ended' }) : null,
          this.covers && this.covers(r) ? el('span', { class: 'tag tag--cover', text: 'Covering' }) : null,
        ]);
        const preview = r.typing ? ['Patron is typing…'] : r.preview ? [r.previewWho ? `${r.previewWho}: ` : '', bdi(r.preview)] : [bdi(queueName(state.queues, r.chat.queue))];
        return el('li', {}, [
          el(
            'button',
            {
              class: 'mine-item',
              attrs: { type: 'button', 'aria-current': state.selected === r.chat.id ? 'true' : false },
              dataset: { chat: r.chat.id },
              on: { click: () => this.select(r.chat.id, true) },
            },
            [top, el('span', { class: 'mine-preview' }, preview)],
          ),
        ]);
      }),
    );
  }
}
