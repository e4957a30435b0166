// E-mail on the patron page (docs/PROTOCOL.md, "Transcripts and sign-in links by e-mail"):
// "E-mail me this conversation" under the chat (`email_transcript`, answered by
// `emailed`), and "Send me a sign-in link" in the "What we remember" sheet for a
// remembered patron with an e-mail (`signin_link`, answered by `signin_sent`).
//
// Only the patron's own chat and their own address are ever shown; the server refuses a
// chat that is not theirs with `not_found`, which we word as a plain failure.

const $ = (id) => document.getElementById(id);

// How long a sign-in link works, in words: `signin_sent` carries the server's
// --signin-ttl as `expires_in` (seconds); the same words as its mail (mail_duration).
export function duration(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  let n = s;
  let unit = 'second';
  if (s > 0 && s % 86400 === 0) { n = s / 86400; unit = 'day'; }
  else if (s > 0 && s % 3600 === 0) { n = s / 3600; unit = 'hour'; }
  else if (s >= 60) { n = Math.ceil(s / 60); unit = 'minute'; }
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

const NO_MAIL = 'This library cannot send e-mail right now, so nothing was sent.';
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

function errorWords(err, what) {
  switch (err.code) {
    case 'bad_email':
      return what === 'signin' && !String(err.message || '').includes('not an e-mail')
        ? 'We have no e-mail address for you yet. Add one with "Edit" first.'
        : 'That e-mail address does not look right. Please check it and try again.';
    case 'mail_unavailable':
      return NO_MAIL;
    case 'rate_limited':
      return 'You have asked for several e-mails in the last hour. Please try again later.';
    case 'not_remembered':
      return 'A sign-in link needs you to be remembered first.';
    case 'not_found':
      return 'We could not find this conversation to send it.';
    case 'store_failed':
    case 'busy':
      return 'We could not send that just now. Please try again in a moment.';
    default:
      return 'That did not work. Please try again.';
  }
}

export class PatronMail {
  /**
   * @param {object} opts
   * @param {import('./protocol.js').RapportClient} opts.client
   * @param {import('./patron-memory.js').Memory} opts.memory
   */
  constructor({ client, memory }) {
    this.client = client;
    this.memory = memory;
    this.chatId = 0; // the chat on screen (0: none yet)
    this.sentChat = 0; // the chat of the transcript we asked for, while waiting
    this.sentTo = '';
    this.signinTo = '';
    this.signinWaiting = false;
    this.ui = {
      box: $('mail-box'),
      toggle: $('mail-toggle'),
      form: $('mail-form'),
      email: $('mail-email'),
      send: $('mail-send'),
      status: $('mail-status'),
      signin: $('signin-box'),
      signinText: $('signin-text'),
      signinBtn: $('signin-btn'),
      signinStatus: $('signin-status'),
    };
    this.wire();
  }

  // ---- the transcript ------------------------------------------------------------------

  /** The chat on screen changed or moved on: `chat` is {id, state} or null. */
  setChat(chat) {
    const id = (chat && chat.id) || 0;
    if (id !== this.chatId) {
      this.chatId = id;
      this.reset();
    }
    this.ui.box.hidden = !id;
    this.renderAvailable();
  }

  /** Whether the library can send e-mail (welcome `library.email`); false: say so plainly
   * instead of offering a form whose sending would only be refused. */
  setAvailable(can) {
    this.available = can !== false;
    this.renderAvailable();
  }

  renderAvailable() {
    const u = this.ui;
    if (this.available !== false) {
      u.toggle.hidden = false;
      return;
    }
    u.toggle.hidden = true;
    u.form.hidden = true;
    this.status('This library cannot send e-mail right now, so a copy of this conversation cannot be e-mailed.', false);
  }

  reset() {
    const u = this.ui;
    this.sentChat = 0;
    u.form.hidden = true;
    u.toggle.setAttribute('aria-expanded', 'false');
    u.email.value = '';
    u.send.disabled = false;
    this.status('', false);
  }

  status(text, isError) {
    const u = this.ui;
    u.status.textContent = text;
    u.status.classList.toggle('is-error', Boolean(isError));
    if (isError) u.email.setAttribute('aria-invalid', 'true');
    else u.email.removeAttribute('aria-invalid');
  }

  toggle() {
    const u = this.ui;
    const open = u.form.hidden;
    u.form.hidden = !open;
    u.toggle.setAttribute('aria-expanded', String(open));
    if (!open) return;
    const rel = this.memory.remembered() ? this.memory.relation : {};
    if (!u.email.value && rel.email) u.email.value = rel.email;
    u.email.focus();
  }

  submit() {
    const u = this.ui;
    const email = u.email.value.trim();
    if (!this.chatId) return;
    if (!ADDRESS.test(email)) {
      this.status('Please enter a full e-mail address, like name@example.org.', true);
      u.email.focus();
      return;
    }
    if (!this.client.send({ type: 'email_transcript', chat: this.chatId, email })) {
      this.status("You're offline right now. Please try again in a moment.", true);
      return;
    }
    this.sentChat = this.chatId;
    this.sentTo = email;
    u.send.disabled = true;
    this.status('Sending…', false);
    clearTimeout(this.dog);
    this.dog = setTimeout(() => {
      if (!this.sentChat) return;
      this.sentChat = 0;
      u.send.disabled = false;
      this.status('That is taking longer than it should. Please try again in a moment.', true);
    }, 10000);
  }

  emailed(f) {
    if (!this.sentChat || f.chat !== this.sentChat) return;
    clearTimeout(this.dog);
    this.sentChat = 0;
    this.ui.send.disabled = false;
    if (f.mail === 'undeliverable') this.status(NO_MAIL, true);
    else this.status(`Queued to send to ${this.sentTo}. It should arrive within a few minutes.`, false);
  }

  // ---- the sign-in link ----------------------------------------------------------------

  /** Shows or hides "Continue on another device" in the sheet, after the relation. */
  renderSignin(editing) {
    const u = this.ui;
    const rel = this.memory.relation || {};
    const on = Boolean(editing && this.memory.remembered());
    u.signin.hidden = !on;
    if (!on) return;
    if (!this.signinWaiting) u.signinStatus.textContent = '';
    u.signinStatus.classList.remove('is-error');
    if (rel.email) {
      u.signinText.textContent = `Get a one-time link at ${rel.email} to open your chats on a phone, tablet or another computer.`;
      u.signinBtn.hidden = false;
    } else {
      u.signinText.textContent = 'Add your e-mail address above and save, and we can send you a link to open your chats on another device.';
      u.signinBtn.hidden = true;
    }
    u.signinBtn.disabled = this.signinWaiting;
  }

  askSignin() {
    const u = this.ui;
    const email = (this.memory.relation && this.memory.relation.email) || '';
    if (!email || this.signinWaiting) return;
    if (!this.client.send({ type: 'signin_link' })) {
      this.signinSay("You're offline right now. Please try again in a moment.", true);
      return;
    }
    this.signinWaiting = true;
    this.signinTo = email;
    u.signinBtn.disabled = true;
    this.signinSay('Sending…', false);
    clearTimeout(this.signinDog);
    this.signinDog = setTimeout(() => {
      if (!this.signinWaiting) return;
      this.signinDone();
      this.signinSay('That is taking longer than it should. Please try again in a moment.', true);
    }, 10000);
  }

  signinSay(text, isError) {
    this.ui.signinStatus.textContent = text;
    this.ui.signinStatus.classList.toggle('is-error', Boolean(isError));
  }

  signinDone() {
    clearTimeout(this.signinDog);
    this.signinWaiting = false;
    this.ui.signinBtn.disabled = false;
  }

  signinSent(f = {}) {
    if (!this.signinWaiting) return;
    this.signinDone();
    if (f.mail === 'undeliverable') this.signinSay(NO_MAIL, true);
    else this.signinSay(`A link to ${this.signinTo} is queued to send; it works once, for ${duration(f.expires_in)}.`, false);
    this.ui.signinStatus.scrollIntoView({ block: 'nearest' });
  }

  /** An `error` frame: true when it answers one of ours (and is shown here). */
  refused(err) {
    if (err.ref === 'email_transcript' && this.sentChat) {
      clearTimeout(this.dog);
      this.sentChat = 0;
      this.ui.send.disabled = false;
      this.status(errorWords(err, 'transcript'), true);
      if (err.code === 'bad_email') this.ui.email.focus();
      return true;
    }
    if (err.ref === 'signin_link' && this.signinWaiting) {
      this.signinDone();
      this.signinSay(errorWords(err, 'signin'), true);
      return true;
    }
    return err.ref === 'email_transcript' || err.ref === 'signin_link';
  }

  wire() {
    const u = this.ui;
    u.toggle.addEventListener('click', () => this.toggle());
    u.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    u.email.addEventListener('input', () => {
      if (u.email.getAttribute('aria-invalid')) this.status('', false);
    });
    u.signinBtn.addEventListener('click', () => this.askSignin());
    this.client.addEventListener('emailed', (e) => this.emailed(e.detail));
    this.client.addEventListener('signin_sent', (e) => this.signinSent(e.detail));
  }
}
