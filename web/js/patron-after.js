// The patron page after a chat with a librarian: rate it (1 to 5 stars, `rate` and
// `rated` in docs/PROTOCOL.md) and, for remembered patrons, keep the librarian (the
// keep-box of js/patron-memory.js). Ratings confirmed are kept in sessionStorage so a
// reload still shows them.

import { el } from './ui.js';

const RATE_WORDS = ['not helpful', 'a little helpful', 'fairly helpful', 'helpful', 'very helpful'];

export class AfterChat {
  /**
   * @param {object} o
   * @param {object} o.ui the page's elements (chat.js): rateBox, rateStars, rateStatus
   * @param {() => object|null} o.chat the chat on screen
   * @param {import('./protocol.js').RapportClient} o.client
   * @param {import('./patron-memory.js').Memory} o.memory
   * @param {string} o.storeKey the page's storage prefix
   */
  constructor({ ui, chat, client, memory, storeKey }) {
    Object.assign(this, { ui, chat, client, memory });
    this.ratedKey = storeKey + '.rated';
    this.rating = new Map(); // chat id -> rating sent and confirmed
    this.rateSent = 0;
    this.load();
    client.addEventListener('rated', (e) => this.onRated(e.detail));
  }

  load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(this.ratedKey) || '{}');
      for (const [k, v] of Object.entries(saved)) if (v >= 1 && v <= 5) this.rating.set(Number(k), v);
    } catch (e) {
      /* nothing saved */
    }
  }

  save() {
    try {
      sessionStorage.setItem(this.ratedKey, JSON.stringify(Object.fromEntries(this.rating)));
    } catch (e) {
      /* private mode: the rating still counts on the server */
    }
  }

  render() {
    const { ui } = this;
    const c = this.chat();
    const ended = c && c.state === 'ended' && c.id && c.staff && c.staff.name;
    ui.rateBox.hidden = !ended;
    this.memory.showKeep(ended && c.staff.id ? c.staff : null);
    if (!ended) return;
    const rated = this.rating.get(c.id) || 0;
    if (!ui.rateStars.children.length) this.buildStars();
    for (const b of ui.rateStars.children) {
      const n = Number(b.dataset.n);
      b.setAttribute('aria-pressed', String(n === rated));
      b.classList.toggle('is-on', n <= rated);
      b.disabled = this.rateSent === c.id;
    }
    if (rated && !ui.rateStatus.textContent) ui.rateStatus.textContent = `You rated this chat ${rated} of 5. Thank you!`;
  }

  buildStars() {
    for (let n = 1; n <= 5; n++) {
      this.ui.rateStars.append(
        el('button', {
          class: 'star',
          attrs: { type: 'button', 'aria-pressed': 'false', title: `${n} of 5: ${RATE_WORDS[n - 1]}` },
          dataset: { n },
          on: { click: () => this.rate(n) },
        }, [
          el('span', { text: '★', attrs: { 'aria-hidden': 'true' } }),
          el('span', { class: 'visually-hidden', text: `${n} of 5, ${RATE_WORDS[n - 1]}` }),
        ]),
      );
    }
  }

  rate(n) {
    const { ui } = this;
    const c = this.chat();
    if (!c || !c.id) return;
    if (!this.client.send({ type: 'rate', chat: c.id, rating: n })) {
      ui.rateStatus.textContent = "You're offline right now. Please try again in a moment.";
      return;
    }
    this.rateSent = c.id;
    ui.rateStatus.textContent = 'Sending…';
    this.render();
  }

  onRated(r) {
    if (typeof r.chat !== 'number' || !(r.rating >= 1 && r.rating <= 5)) return;
    this.rating.set(r.chat, r.rating);
    this.save();
    if (this.rateSent === r.chat) this.rateSent = 0;
    const c = this.chat();
    if (c && c.id === r.chat) {
      this.ui.rateStatus.textContent = `You rated this chat ${r.rating} of 5. Thank you!`;
      this.render();
    }
  }

  /** An error answering our `rate`: say so and let the patron try again. */
  refused(err) {
    this.rateSent = 0;
    this.ui.rateStatus.textContent = err.code === 'bad_state' ? 'This chat can no longer be rated.' : 'Your rating did not go through. Please try again.';
    this.render();
    return true;
  }
}
