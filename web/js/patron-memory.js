// "Remember me" on the patron page: the choice to be remembered (with the library's
// notice, versioned), the small "Remembered · Edit · Forget me" bar, the greeting by
// name, and the favourite / preferred librarian buttons after a chat.
//
// It sends `remember`, `forget`, `favourite` and `prefer` (docs/PROTOCOL.md) and follows
// the `relation` the server answers with; nothing is assumed saved until it does.

import { firstName } from './people.js';

const $ = (id) => document.getElementById(id);

export class Memory {
  /**
   * @param {object} opts
   * @param {import('./protocol.js').RapportClient} opts.client
   * @param {() => void} opts.onChange   called after the relation changed (re-render)
   * @param {(text: string) => void} opts.alert  shows an error to the patron
   * @param {() => number} [opts.chat]  the chat on screen (open or just ended), 0: none;
   *   choosing "Remember me" links it to the patron's history
   */
  constructor({ client, onChange, alert, chat }) {
    this.client = client;
    this.chat = chat || (() => 0);
    this.linking = 0; // the chat id sent with the last `remember`
    this.onSheet = () => {}; // set by chat.js: (editing) => void, when the sheet opens or the relation changes
    this.onChange = onChange;
    this.alert = alert;
    this.relation = { remembered: false };
    this.notice = null; // {version, text}
    this.waiting = ''; // the frame type we sent and wait a `relation` for
    this.keepStaff = null; // the librarian the keep-box is about
    this.ui = {
      bar: $('memory-bar'),
      barText: $('memory-text'),
      edit: $('memory-edit'),
      forget: $('forget-btn'),
      status: $('memory-status'),
      offer: $('remember-offer'),
      open: $('remember-open'),
      inline: $('remember-inline'),
      inlineBtn: $('remember-inline-btn'),
      dialog: $('remember-dialog'),
      form: $('remember-form'),
      title: $('remember-title'),
      noticeBox: $('notice-box'),
      noticeText: $('notice-text'),
      optional: $('remember-optional'),
      preferred: $('rm-preferred'),
      pronouns: $('rm-pronouns'),
      email: $('rm-email'),
      error: $('remember-error'),
      cancel: $('remember-cancel'),
      agree: $('remember-agree'),
      forgetDialog: $('forget-dialog'),
      forgetCancel: $('forget-cancel'),
      forgetConfirm: $('forget-confirm'),
      keepBox: $('keep-box'),
      keepActions: $('keep-actions'),
      fav: $('fav-btn'),
      prefer: $('prefer-btn'),
      keepHint: $('keep-hint'),
      keepStatus: $('keep-status'),
    };
    this.opener = null;
    this.wire();
  }

  remembered() {
    return Boolean(this.relation && this.relation.remembered);
  }

  /** How to greet the patron ("" when not remembered or no name given). */
  name() {
    return (this.remembered() && (this.relation.name || this.relation.preferred_name || this.relation.display_name)) || '';
  }

  setNotice(notice) {
    if (notice && typeof notice.version === 'string') {
      const changed = !this.notice || this.notice.version !== notice.version;
      this.notice = notice;
      // A newer notice while the patron is reading the old one: show them the new text.
      if (changed && this.ui.dialog.open && !this.remembered()) {
        this.ui.noticeText.textContent = notice.text || '';
        this.ui.noticeBox.hidden = !notice.text;
      }
    }
    this.render();
  }

  /** A `relation` object from `welcome` or a `relation` frame. */
  setRelation(rel, fromFrame = false) {
    const was = this.remembered();
    this.relation = rel && typeof rel === 'object' ? rel : { remembered: false };
    const sent = this.waiting;
    this.waiting = '';
    if (fromFrame && sent) this.confirm(sent, was);
    this.render();
    this.renderKeep();
    if (this.ui.dialog.open) this.onSheet(this.remembered() && this.editing);
    this.onChange();
  }

  confirm(sent, was) {
    const now = this.remembered();
    if (sent === 'remember') {
      this.closeDialog(this.ui.dialog);
      const from = this.linking ? ', this chat included' : ' next time';
      if (now && !was) this.say(this.name() ? `Thank you, ${this.name()}. We'll remember you${from}.` : `Thank you. We'll remember you${from}.`);
      else if (now) this.say('Your details are saved.');
    } else if (sent === 'forget') {
      this.closeDialog(this.ui.forgetDialog);
      this.say(now ? '' : "Done. We've forgotten you; from now on you are an anonymous patron.");
    } else if (sent === 'favourite' || sent === 'prefer') {
      this.ui.keepStatus.textContent = 'Saved.';
    }
  }

  /** Something we sent was refused (an `error` whose ref is our frame type). */
  refused(type, message) {
    if (this.waiting !== type) return false;
    this.waiting = '';
    if (type === 'remember' && this.ui.dialog.open) {
      this.ui.error.textContent = message || 'We could not save that. Please try again.';
      this.ui.error.hidden = false;
      this.ui.agree.disabled = false;
      return true;
    }
    if (type === 'forget') {
      this.closeDialog(this.ui.forgetDialog);
      this.ui.forgetConfirm.disabled = false;
    }
    if (type === 'favourite' || type === 'prefer') {
      this.ui.keepStatus.textContent = message || 'That did not work. Please try again.';
      this.renderKeep();
      return true;
    }
    this.alert(message || 'That did not work. Please try again.');
    return true;
  }

  say(text) {
    this.ui.status.textContent = text;
    clearTimeout(this.sayTimer);
    if (text) this.sayTimer = setTimeout(() => (this.ui.status.textContent = ''), 12000);
  }

  render() {
    const u = this.ui;
    const on = this.remembered();
    u.bar.hidden = !on;
    if (on) {
      const n = this.name();
      u.barText.textContent = n ? `Remembered as ${n}` : 'Remembered';
    }
    // Only offer what we can honour: the notice must have come from the server.
    u.offer.hidden = on || !this.notice;
    // On the end screen the keep-box asks instead ("Liked chatting with Jen? ..."): once is enough.
    u.inline.hidden = on || !this.notice || Boolean(this.keepStaff);
  }

  // ---- remember / edit ----------------------------------------------------------------

  openRemember(from) {
    if (!this.notice && !this.remembered()) return;
    const u = this.ui;
    const editing = this.remembered();
    this.editing = editing;
    this.opener = from || document.activeElement;
    u.title.textContent = editing ? 'What we remember about you' : 'Remember me';
    u.noticeText.textContent = (this.notice && this.notice.text) || '';
    u.noticeBox.hidden = !this.notice || !this.notice.text;
    u.optional.textContent = editing
      ? 'Change or clear any of these. A blank field is forgotten.'
      : 'Everything below is optional. Leave it blank and we still remember your chats, just not your name.';
    u.agree.textContent = editing ? 'Save' : 'I agree, remember me';
    u.cancel.textContent = editing ? 'Cancel' : 'Not now';
    const r = editing ? this.relation : {};
    // One name: what to call them (an older display name shows here when that is all we have).
    u.preferred.value = r.preferred_name || r.display_name || '';
    u.pronouns.value = r.pronouns || '';
    u.email.value = r.email || '';
    u.error.hidden = true;
    u.agree.disabled = false;
    this.onSheet(editing);
    this.showDialog(u.dialog);
    (editing ? u.preferred : u.noticeBox.hidden ? u.preferred : u.noticeText).focus();
  }

  submitRemember() {
    const u = this.ui;
    u.error.hidden = true;
    const email = u.email.value.trim();
    if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      u.error.textContent = 'That e-mail address does not look complete. Please check it, or leave it blank.';
      u.error.hidden = false;
      u.email.focus();
      return;
    }
    const version = this.notice ? this.notice.version : (this.relation && this.relation.notice) || '';
    const f = { type: 'remember', notice: version };
    const name = u.preferred.value.trim();
    const fields = { preferred_name: name, pronouns: u.pronouns.value, email };
    // A display name given before the form asked for one name stays unless the name is cleared.
    const kept = this.remembered() && this.relation.display_name;
    if (kept && name) fields.display_name = kept;
    for (const [k, v] of Object.entries(fields)) {
      const t = String(v).trim();
      if (t) f[k] = t;
    }
    const chat = this.remembered() ? 0 : Number(this.chat()) || 0;
    if (chat > 0) f.chat = chat;
    this.linking = chat;
    if (!this.client.send(f)) {
      u.error.textContent = "You're offline right now. Please try again in a moment.";
      u.error.hidden = false;
      return;
    }
    this.waiting = 'remember';
    u.agree.disabled = true;
    this.watchdog('remember');
  }

  /** No answer to what we sent within 10 s: say so and let the patron try again. */
  watchdog(type) {
    clearTimeout(this.dogTimer);
    this.dogTimer = setTimeout(() => {
      if (this.waiting === type) this.refused(type, 'That is taking longer than it should. Please try again in a moment.');
    }, 10000);
  }

  // ---- forget -------------------------------------------------------------------------

  openForget(from) {
    this.opener = from || document.activeElement;
    this.showDialog(this.ui.forgetDialog);
    this.ui.forgetCancel.focus();
  }

  confirmForget() {
    if (!this.client.send({ type: 'forget' })) {
      this.closeDialog(this.ui.forgetDialog);
      this.alert("You're offline right now. Please try again in a moment.");
      return;
    }
    this.waiting = 'forget';
    this.ui.forgetConfirm.disabled = true;
    this.watchdog('forget');
  }

  // ---- after a chat: favourites and the preferred librarian ---------------------------

  /** Shows the keep-box for librarian `staff` (a profile), or hides it (null). */
  showKeep(staff) {
    const next = staff && staff.id ? staff : null;
    if ((next && next.id) !== (this.keepStaff && this.keepStaff.id)) this.ui.keepStatus.textContent = '';
    this.keepStaff = next;
    this.render();
    this.renderKeep();
  }

  renderKeep() {
    const u = this.ui;
    const s = this.keepStaff;
    u.keepBox.hidden = !s;
    if (!s) return;
    const first = firstName(s);
    if (!this.remembered()) {
      u.keepActions.hidden = true;
      u.keepHint.hidden = !this.notice;
      u.keepHint.replaceChildren(
        `Liked chatting with ${first}? If you let us remember you, you can keep ${first} as a favourite or your preferred librarian. `,
        this.keepRememberButton(),
      );
      return;
    }
    u.keepActions.hidden = false;
    u.keepHint.hidden = true;
    const favs = Array.isArray(this.relation.favourites) ? this.relation.favourites : [];
    const isFav = favs.includes(s.id);
    u.fav.setAttribute('aria-pressed', String(isFav));
    u.fav.textContent = isFav ? `★ ${first} is a favourite` : `☆ Add ${first} to favourites`;
    u.fav.title = isFav ? `Remove ${s.name} from your favourites` : '';
    const isPref = this.relation.preferred_staff === s.id;
    u.prefer.textContent = isPref ? 'Clear preferred librarian' : `Make ${first} my preferred librarian`;
    u.prefer.dataset.clear = isPref ? '1' : '';
    u.fav.disabled = u.prefer.disabled = this.waiting === 'favourite' || this.waiting === 'prefer';
  }

  keepRememberButton() {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link-btn';
    b.textContent = 'Remember me…';
    b.addEventListener('click', () => this.openRemember(b));
    return b;
  }

  toggleFavourite() {
    const s = this.keepStaff;
    if (!s || !this.remembered()) return;
    const on = this.ui.fav.getAttribute('aria-pressed') !== 'true';
    if (this.client.send({ type: 'favourite', staff: s.id, on })) {
      this.waiting = 'favourite';
      this.watchdog('favourite');
      this.ui.keepStatus.textContent = 'Saving…';
      this.renderKeep();
    } else {
      this.ui.keepStatus.textContent = "You're offline right now. Please try again in a moment.";
    }
  }

  togglePreferred() {
    const s = this.keepStaff;
    if (!s || !this.remembered()) return;
    const clear = this.ui.prefer.dataset.clear === '1';
    if (this.client.send({ type: 'prefer', staff: clear ? 0 : s.id })) {
      this.waiting = 'prefer';
      this.watchdog('prefer');
      this.ui.keepStatus.textContent = 'Saving…';
      this.renderKeep();
    } else {
      this.ui.keepStatus.textContent = "You're offline right now. Please try again in a moment.";
    }
  }

  // ---- dialogs ------------------------------------------------------------------------

  showDialog(d) {
    if (d.open) return;
    if (typeof d.showModal === 'function') d.showModal();
    else d.setAttribute('open', '');
  }

  closeDialog(d) {
    if (!d.open) return;
    if (typeof d.close === 'function') d.close();
    else d.removeAttribute('open');
  }

  wire() {
    const u = this.ui;
    u.open.addEventListener('click', () => this.openRemember(u.open));
    u.inlineBtn.addEventListener('click', () => this.openRemember(u.inlineBtn));
    u.edit.addEventListener('click', () => this.openRemember(u.edit));
    u.forget.addEventListener('click', () => this.openForget(u.forget));
    u.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submitRemember();
    });
    u.cancel.addEventListener('click', () => this.closeDialog(u.dialog));
    u.forgetCancel.addEventListener('click', () => this.closeDialog(u.forgetDialog));
    u.forgetConfirm.addEventListener('click', () => this.confirmForget());
    u.fav.addEventListener('click', () => this.toggleFavourite());
    u.prefer.addEventListener('click', () => this.togglePreferred());
    for (const d of [u.dialog, u.forgetDialog]) {
      d.addEventListener('close', () => {
        u.forgetConfirm.disabled = false;
        if (this.waiting === 'remember' && d === u.dialog) this.waiting = '';
        const back = this.opener && this.opener.isConnected && !this.opener.closest('[hidden]') ? this.opener : null;
        if (back) back.focus();
        else {
          const main = document.getElementById('main');
          if (main) main.focus();
        }
        this.opener = null;
      });
    }
  }
}
