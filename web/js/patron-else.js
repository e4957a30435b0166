// "Could someone else help me?" on the patron page (docs/PROTOCOL.md, "Hand-offs"): a quiet
// request, in an active chat, that the librarian's chat be handed to a colleague. The
// transcript's events tell what comes of it; when nobody else is on, we say so honestly.

import { bdi } from './ui.js';
import { humanError } from './errors.js';

export class SomeoneElse {
  /**
   * @param {object} o
   * @param {object} o.ui elements: box, btn, status
   * @param {import('./protocol.js').RapportClient} o.client
   * @param {() => object|null} o.chat the chat on screen
   */
  constructor({ ui, client, chat }) {
    Object.assign(this, { ui, client, chat });
    this.asked = 0; // the chat we asked for, awaiting the answer
    ui.btn.addEventListener('click', () => this.ask());
  }

  /** Shows the button while a librarian is with the patron and nobody is being asked. */
  render() {
    const c = this.chat();
    const pending = Boolean(c && c.handoff && c.handoff.state === 'offered');
    const show = Boolean(c && c.id && c.state === 'active' && c.staff && c.staff.name && !pending);
    this.ui.box.hidden = !show && !this.ui.status.textContent;
    this.ui.btn.hidden = !show;
    this.ui.btn.disabled = this.asked !== 0;
    if (pending || (c && c.state !== 'active')) this.say('');
  }

  say(text) {
    this.ui.status.replaceChildren(...[].concat(text));
  }

  ask() {
    const c = this.chat();
    if (!c || !c.id || c.state !== 'active') return;
    if (!this.client.send({ type: 'someone_else', chat: c.id })) {
      this.say("You're offline right now. Please try again in a moment.");
      return;
    }
    this.asked = c.id;
    this.say('Asking…');
    this.render();
  }

  /** Our request became an event of the chat: the transcript tells the rest. */
  onEvent(m) {
    if (m.event !== 'someone_else' || m.chat !== this.asked) return;
    this.asked = 0;
    this.say('');
    this.render();
  }

  /** An error answering `someone_else`, shown here; false if it is not one. */
  refused(err) {
    if (err.ref !== 'someone_else') return false;
    const c = this.chat();
    this.asked = 0;
    if (err.code === 'nobody_else') {
      const name = c && c.staff && c.staff.name ? c.staff.name : 'your librarian';
      this.say(['Nobody else is on right now — ', bdi(name), ' is still with you.']);
    } else {
      this.say(humanError(err));
    }
    this.render();
    if (!this.ui.btn.hidden) this.ui.btn.focus();
    return true;
  }
}
