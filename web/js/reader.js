// A dialog for reading: search results over the library's transcripts
// (GET /api/v1/search) and one chat's whole transcript (GET /api/v1/chats/{id}).

import { bdi, el, isolate, Transcript } from './ui.js';
import { apiError } from './api.js';
import { eventText } from './console-chats.js';

const longFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export class Reader {
  /**
   * @param {object} o
   * @param {HTMLDialogElement} o.dialog
   * @param {Function} o.api
   * @param {() => object} o.me
   */
  constructor({ dialog, api, me }) {
    this.dialog = dialog;
    this.api = api;
    this.me = me;
    this.title = dialog.querySelector('.reader-title');
    this.body = dialog.querySelector('.reader-body');
    this.backBtn = dialog.querySelector('.reader-back');
    this.closeBtn = dialog.querySelector('.reader-close');
    this.onClose = null;
    this.lastSearch = null; // {q, patron, chats, more}
    this.backBtn.addEventListener('click', () => this.showResults());
    this.closeBtn.addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => {
      const f = this.onClose;
      this.onClose = null;
      if (f) f();
    });
  }

  open(onClose) {
    if (!this.dialog.open) {
      this.onClose = onClose || null;
      this.dialog.showModal();
    }
  }

  /** Searches the library's ended transcripts and lists the results. */
  async search(q, onClose) {
    this.lastSearch = { q, patron: 0, chats: [], more: false };
    this.title.textContent = `Search: “${isolate(q)}”`;
    this.backBtn.hidden = true;
    this.body.replaceChildren(el('p', { class: 'empty', text: 'Searching…' }));
    this.open(onClose);
    this.closeBtn.focus();
    await this.fetchMore();
  }

  async fetchMore() {
    const s = this.lastSearch;
    let path = `search?q=${encodeURIComponent(s.q)}&limit=20`;
    if (s.chats.length) path += `&before=${s.chats[s.chats.length - 1].id}`;
    const res = await this.api('GET', path);
    if (res.status !== 200) {
      const msg = res.status === 400 ? 'Type at least one word to search for.' : apiError(res, 'The search did not work.');
      this.body.replaceChildren(el('p', { class: 'alert', text: msg, attrs: { role: 'alert' } }));
      return;
    }
    const got = (res.body && res.body.chats) || [];
    s.chats.push(...got);
    s.more = got.length === 20;
    this.showResults(got.length && s.chats.length > got.length ? s.chats.length - got.length : -1);
  }

  showResults(focusIndex = -1) {
    const s = this.lastSearch;
    if (!s) return;
    this.backBtn.hidden = true;
    this.title.textContent = `Search: “${isolate(s.q)}”`;
    const n = s.chats.length;
    const status = el('p', { class: 'reader-count', attrs: { role: 'status' }, text: n ? `${n}${s.more ? '+' : ''} ${n === 1 ? 'chat' : 'chats'} found, newest first.` : 'No chats match. Try fewer or different words.' });
    const items = s.chats.map((c, i) =>
      el('li', {}, [
        el(
          'button',
          {
            class: 'history-item',
            attrs: { type: 'button', 'data-i': i },
            on: { click: () => this.transcript(c.id, { fromResults: true }) },
          },
          [
            el('span', { class: 'history-top' }, [
              el('time', { text: longFmt.format(new Date(c.created_at || 0)), attrs: { datetime: new Date(c.created_at || 0).toISOString() } }),
              el('span', {}, [' · ', c.staff && c.staff.name ? bdi(c.staff.name) : 'Not picked up']),
            ]),
            el('span', { class: 'history-q', text: c.question || '(no question)', attrs: { dir: 'auto' } }),
          ],
        ),
      ]),
    );
    const more = s.more
      ? el('button', { class: 'btn btn--quiet btn--small', text: 'Show older results', attrs: { type: 'button' }, on: { click: () => this.fetchMore() } })
      : null;
    this.body.replaceChildren(...[status, n ? el('ul', { class: 'history reader-results' }, items) : null, more].filter(Boolean));
    const target = focusIndex >= 0 ? this.body.querySelector(`[data-i="${focusIndex}"]`) : this.lastOpened != null ? this.body.querySelector(`[data-i="${this.lastOpened}"]`) : null;
    if (target) target.focus();
    this.lastOpened = null;
  }

  /** Shows one chat's transcript. `fromResults`: offer "Back to results". */
  async transcript(chatId, { fromResults = false, onClose } = {}) {
    if (fromResults && this.lastSearch) this.lastOpened = this.lastSearch.chats.findIndex((c) => c.id === chatId);
    this.backBtn.hidden = !fromResults;
    this.title.textContent = `Chat #${chatId}`;
    this.body.replaceChildren(el('p', { class: 'empty', text: 'Loading the transcript…' }));
    this.open(onClose);
    const res = await this.api('GET', `chats/${chatId}`);
    if (res.status !== 200 || !res.body) {
      const msg = res.status === 404 ? 'That transcript is not available (it may have been purged).' : apiError(res, 'The transcript could not be loaded.');
      this.body.replaceChildren(el('p', { class: 'alert', text: msg, attrs: { role: 'alert' } }));
      this.closeBtn.focus();
      return;
    }
    const chat = res.body.chat || {};
    const msgs = Array.isArray(res.body.messages) ? res.body.messages : [];
    const when = chat.created_at ? longFmt.format(new Date(chat.created_at)) : '';
    const who = chat.staff && chat.staff.name ? chat.staff.name : 'not picked up';
    this.title.textContent = `Chat #${chatId}${when ? ' · ' + when : ''}`;
    const list = el('ol', { class: 'log reader-log', attrs: { 'aria-label': `Transcript of chat ${chatId}`, tabindex: '0' } });
    const me = this.me() || {};
    const t = new Transcript(list, {
      me: 'staff',
      nameOf: (m) => (m.from === 'patron' ? m.name || 'Patron' : m.from === 'staff' ? (m.name === me.name ? 'You' : m.name || 'Staff') : 'rapport'),
      eventText,
    });
    for (const m of msgs) t.add(m);
    for (const s of list.querySelectorAll('.msg-status')) s.remove();
    this.body.replaceChildren(el('p', { class: 'reader-meta' }, ['Helped by ', bdi(who), ` · ${msgs.filter((m) => m.kind === 'text').length} messages`]), list);
    list.scrollTop = 0;
    (fromResults ? this.backBtn : this.closeBtn).focus();
  }
}
