// The patron page while a chat is queued: the heading with the place in the queue and the
// honest wait, a chat handed back by its librarian, "the wait grew" (keep waiting or
// leave), and the offer box: who we are asking first and why, with its countdown and the
// choice to keep waiting or take the first available (`choose`, docs/PROTOCOL.md).
// It reads the page's `state.chat` and keeps `state.offerKey`.

import { bdi, el } from './ui.js';
import { avatar, firstName } from './people.js';
import { waitWords, grewWords, msWords } from './wait.js';

// While queued and offered to one librarian: say honestly who we are asking and why,
// and let the patron keep waiting for them or take the first available.
function offerWords(o) {
  const name = (o.staff && o.staff.name) || 'a librarian';
  if (o.why === 'asked') return ['Waiting for ', bdi(name), ', as you asked.'];
  if (o.why === 'preferred') return ['Asking ', bdi(name), ', your preferred librarian.'];
  if (o.why === 'helped') return ['Asking ', bdi(name), ', who helped you last time.'];
  return ['Asking ', bdi(name), ' first.'];
}

function offerTimeWords(o) {
  const first = firstName(o.staff);
  if (!o.until) return ["We'll keep waiting for ", bdi(first), ' while ', bdi(first), ' is on the desk. Choose "First available" to ask anyone who is free.'];
  const left = Math.ceil((o.until - Date.now()) / 1000);
  if (left <= 0) return ['Opening your question to every librarian on now…'];
  if (left > 600) return ['If ', bdi(first), " can't answer soon, the first available librarian will."];
  return ['If ', bdi(first), ` can't answer in the next ${left} s, the first available librarian will.`];
}

// Waiting for one librarian with no time limit: how long that is likely to be, and what the
// first available would likely be, so the choice is an informed one.
function offerWaitWords(o, wait) {
  const mine = waitWords(wait);
  if (!mine) return [];
  const any = wait && msWords(wait.first_available_ms);
  const out = [' ', el('bdi', { text: firstName(o.staff) }), ` will likely be free for you in ${mine}.`];
  if (any && wait.first_available_ms < wait.estimate_ms) out.push(` The first available librarian: likely ${any}.`);
  return out;
}

export class WaitView {
  /**
   * @param {object} o
   * @param {object} o.ui the page's elements (chat.js)
   * @param {object} o.state the page's state (chat.js)
   * @param {import('./protocol.js').RapportClient} o.client
   * @param {(text: string) => void} o.alert shows the page's alert
   */
  constructor({ ui, state, client, alert }) {
    Object.assign(this, { ui, state, client, alert });
    this.wire();
    setInterval(() => this.tick(), 1000);
  }

  /** Heading and sub-line of a queued chat `c` in queue `q`. */
  renderQueued(c, q) {
    const { ui } = this;
    const wait = waitWords(c.wait);
    ui.heading.textContent =
      c.position > 0 ? `You're number ${c.position} in the queue` : "You're in the queue";
    if (q && q.staff_on === 0) {
      ui.sub.textContent =
        'No one is on right now, so this may take a while. Please keep this page open.';
    } else if (c.offer && c.offer.staff) {
      ui.sub.textContent = ''; // the offer box below says who we are asking
    } else if (wait) {
      ui.sub.textContent = `Your wait: ${wait}. A librarian will be with you as soon as they can.`;
    } else if (c.wait) {
      ui.sub.textContent = "We can't estimate the wait yet. A librarian will be with you as soon as they can.";
    } else {
      ui.sub.textContent = 'A librarian will be with you as soon as they can.';
    }
    if (c.handed_back && c.handed_back.by) this.renderHandedBack(c, q);
  }

  // A librarian handed the chat back (they logged out, went Away, or their console was gone
  // past the grace): say plainly that someone else will join, and that nothing is lost.
  renderHandedBack(c, q) {
    const { ui } = this;
    const nobody = q && q.staff_on === 0;
    const place = c.position === 1 ? " You're first in line." : c.position > 1 ? ` You're number ${c.position} in the queue.` : '';
    ui.heading.textContent = 'Waiting for another librarian';
    ui.sub.replaceChildren(
      el('bdi', { text: c.handed_back.by.name || 'Your librarian' }),
      ' had to leave; another librarian will join you shortly. Your conversation is kept.',
      nobody ? ' No one else is on right now, so it may take a while: please keep this page open.' : place,
    );
  }

  // The wait grew well past what we said: say so (once per time it grew) and offer to keep
  // waiting or leave. A page that finds a chat already grown (reload) does not repeat it.
  renderWaitGrew() {
    const { ui } = this;
    const c = this.state.chat;
    const grew = (c && c.state === 'queued' && c.wait && c.wait.grew) || 0;
    if (c && c.waitGrewSeen === undefined && c.id) c.waitGrewSeen = c.joinedHere ? 0 : grew;
    if (c && c.state === 'queued' && grew > (c.waitGrewSeen || 0)) {
      ui.waitGrewText.textContent = grewWords(c.wait);
      ui.waitGrew.hidden = false;
      c.waitGrewSeen = grew;
    } else if (c && c.state === 'queued' && !ui.waitGrew.hidden && grew) {
      ui.waitGrewText.textContent = grewWords(c.wait); // still showing: keep its number current
    } else if (!c || c.state !== 'queued') {
      ui.waitGrew.hidden = true;
    }
  }

  renderOffer() {
    const { ui, state } = this;
    const c = state.chat;
    const o = c && c.state === 'queued' && c.id && c.offer && c.offer.staff ? c.offer : null;
    ui.offerBox.hidden = !o;
    if (!o) {
      state.offerKey = '';
      ui.offerText.textContent = '';
      return;
    }
    const key = `${c.id}:${o.staff.id}:${o.why}:${o.until ? 1 : 0}`;
    if (key !== state.offerKey) {
      state.offerKey = key;
      ui.offerText.replaceChildren(avatar(o.staff, 'sm'), el('span', {}, offerWords(o)));
    }
    ui.offerTime.replaceChildren(...offerTimeWords(o));
    if (!o.until) ui.offerTime.append(...offerWaitWords(o, c.wait));
    const first = firstName(o.staff);
    ui.offerWait.replaceChildren('Keep waiting for ', bdi(first));
    ui.offerWait.hidden = !o.until;
    ui.offerFirst.hidden = false;
  }

  tick() {
    const { ui } = this;
    const c = this.state.chat;
    if (c && c.offer && c.offer.until && !ui.offerBox.hidden) ui.offerTime.replaceChildren(...offerTimeWords(c.offer));
  }

  choose(choice) {
    const { ui } = this;
    const c = this.state.chat;
    if (!c || !c.id) return;
    if (!this.client.send({ type: 'choose', chat: c.id, choice })) {
      this.alert("You're offline right now. Please try again in a moment.");
      return;
    }
    ui.offerWait.disabled = ui.offerFirst.disabled = true;
    setTimeout(() => (ui.offerWait.disabled = ui.offerFirst.disabled = false), 1500);
  }

  wire() {
    const { ui } = this;
    ui.waitKeep.addEventListener('click', () => {
      ui.waitGrew.hidden = true;
      ui.input.focus();
    });
    ui.waitLeave.addEventListener('click', () => {
      ui.waitGrew.hidden = true;
      ui.endBtn.click();
    });
    ui.offerWait.addEventListener('click', () => this.choose('wait'));
    ui.offerFirst.addEventListener('click', () => this.choose('first'));
  }
}
