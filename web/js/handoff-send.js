// Handing a chat on (the sender's side, js/handoff.js): "Hand off…" on an active chat of
// mine opens a dialog to choose a colleague on duty or a queue (GET /api/v1/colleagues)
// and write the note; while it is pending the pane says whom we are waiting for, with
// Cancel; then what came of it. Accepted, the chat leaves "My chats" with a calm note.

import { bdi, el, isolate } from './ui.js';
import { humanError } from './errors.js';
import { countdown, keepFocus, otherLibrary } from './handoff.js';

const NOTE_MAX = 1000;

/** Whether hand-off `h` is a supervisor's reassign (the server begins its note so). */
function reassigned(h) {
  return Boolean(h && typeof h.note === 'string' && h.note.startsWith('Reassigned by '));
}

function places(n) {
  if (n <= 0) return 'no free place right now';
  return `${n} free ${n === 1 ? 'place' : 'places'}`;
}

export class HandoffSend {
  constructor({ ui, state, api, send, chats, onAlert }) {
    Object.assign(this, { ui, state, api, sendFrame: send, chats, onAlert });
    this.chatId = 0; // the chat the dialog is about
    this.sending = 0; // sent, awaiting the chat frame that says it is offered
    ui.handoffBtn.addEventListener('click', () => this.open());
    ui.handoffCancel.addEventListener('click', () => ui.handoffDialog.close());
    ui.handoffNote.addEventListener('input', () => this.count());
    // a complaint goes once it is answered
    ui.handoffForm.addEventListener('input', () => (ui.handoffError.hidden = true));
    ui.handoffForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    ui.handoffDialog.addEventListener('close', () => {
      this.sending = 0;
      if (!this.ui.handoffBtn.hidden) this.ui.handoffBtn.focus();
      else this.focusBar();
    });
  }

  mine(chat) {
    return Boolean(chat && chat.staff && this.state.me && chat.staff.id === this.state.me.id);
  }

  /** "Hand off…" shows on an active chat of mine with no hand-off pending. */
  renderButton(r) {
    const c = r ? r.chat : null;
    const pending = c && c.handoff && c.handoff.state === 'offered';
    this.ui.handoffBtn.hidden = !(c && c.state === 'active' && this.mine(c) && !pending && !r.reading);
  }

  focusBar() {
    const b = this.ui.handoffBar.querySelector('button');
    if (b) b.focus();
  }

  // ---- the dialog ------------------------------------------------------------------

  /** Opens the dialog on chat `id` (the open one); `max`: the note's limit, if shorter
   * (a supervisor's reassign: the server puts "Reassigned by <name>:" before it). */
  async open(id = this.state.selected, { max = NOTE_MAX } = {}) {
    const { ui } = this;
    if (!id) return;
    this.chatId = id;
    this.max = max;
    ui.handoffTitle.textContent = `Hand off chat #${id}`;
    ui.handoffError.hidden = true;
    ui.handoffNote.value = ui.handoffNote.dataset.chat === String(id) ? ui.handoffNote.value : '';
    ui.handoffNote.dataset.chat = String(id);
    this.count();
    ui.handoffChoices.replaceChildren(el('p', { class: 'empty', text: 'Finding who is on duty…' }));
    ui.handoffSubmit.disabled = true;
    if (!ui.handoffDialog.open) ui.handoffDialog.showModal();
    const res = await this.api('GET', 'colleagues');
    if (this.chatId !== id || !ui.handoffDialog.open) return;
    if (res.status !== 200 || !res.body) {
      ui.handoffChoices.replaceChildren(el('p', { class: 'alert', text: 'We could not find who is on duty. Close this and try again.' }));
      return;
    }
    this.renderChoices(res.body.staff || [], res.body.queues || []);
  }

  renderChoices(staff, queues) {
    const { ui } = this;
    const lib = this.state.library;
    const option = (value, label, extra, disabled) =>
      el('label', { class: 'ho-choice' + (disabled ? ' is-disabled' : '') }, [
        el('input', { attrs: { type: 'radio', name: 'ho-to', value, disabled } }),
        el('span', { class: 'ho-choice-text' }, [el('span', { class: 'ho-choice-name' }, label), ...extra]),
      ]);
    const people = staff.map((s) => {
      const other = otherLibrary(s.library, lib);
      return option(`staff:${s.id}`, [bdi(s.name), ...(other ? [' · ', bdi(other)] : [])], [
        s.subjects ? el('span', { class: 'ho-choice-sub', text: s.subjects, attrs: { dir: 'auto' } }) : null,
        el('span', { class: 'ho-choice-sub', text: places(s.free) }),
      ], s.free <= 0);
    });
    const byLib = new Map();
    for (const q of queues) {
      const key = q.library ? q.library.id : 0;
      if (!byLib.has(key)) byLib.set(key, { lib: q.library, items: [] });
      byLib.get(key).items.push(q);
    }
    const groups = [...byLib.values()].map(({ lib: l, items }) =>
      el('div', { class: 'ho-group', attrs: { role: 'group', 'aria-label': `Queues of ${isolate((l && l.name) || 'this library')}` } }, [
        el('p', { class: 'ho-group-title' }, ['Queues of ', bdi((l && l.name) || 'this library')]),
        ...items.map((q) => option(`queue:${q.id}`, [bdi(q.name)], [el('span', { class: 'ho-choice-sub', text: 'Whoever on it accepts first' })], false)),
      ]),
    );
    const nobody = !people.length && !groups.length;
    ui.handoffChoices.replaceChildren(
      el('div', { class: 'ho-group', attrs: { role: 'group', 'aria-label': 'Colleagues on duty' } }, [
        el('p', { class: 'ho-group-title', text: 'Colleagues on duty' }),
        ...(people.length ? people : [el('p', { class: 'empty', text: 'Nobody else is on duty right now.' })]),
      ]),
      ...groups,
    );
    ui.handoffSubmit.disabled = nobody;
    const first = ui.handoffChoices.querySelector('input:not([disabled])');
    if (first) first.focus();
    else ui.handoffNote.focus();
  }

  count() {
    const n = [...this.ui.handoffNote.value].length;
    const max = this.max || NOTE_MAX;
    this.ui.handoffCount.textContent = `${n} of ${max} characters`;
    this.ui.handoffCount.classList.toggle('is-over', n > max);
  }

  fail(text, focus) {
    this.ui.handoffError.textContent = text;
    this.ui.handoffError.hidden = false;
    if (focus) focus.focus();
  }

  submit() {
    const { ui } = this;
    const picked = ui.handoffChoices.querySelector('input[name="ho-to"]:checked');
    const note = ui.handoffNote.value.trim();
    if (!picked) return this.fail('Choose a colleague or a queue to hand the chat to.', ui.handoffChoices.querySelector('input:not([disabled])'));
    if (!note) return this.fail('Please write a note, so your colleague does not have to ask the patron again.', ui.handoffNote);
    const max = this.max || NOTE_MAX;
    if ([...note].length > max) return this.fail(`The note is too long: at most ${max} characters.`, ui.handoffNote);
    const [kind, id] = picked.value.split(':');
    const frame = { type: 'handoff', chat: this.chatId, [kind]: Number(id), note };
    if (!this.sendFrame(frame)) return this.fail('You are offline right now. Please try again in a moment.');
    ui.handoffError.hidden = true;
    ui.handoffSubmit.disabled = true;
    this.sending = this.chatId;
  }

  /** A chat frame: once our hand-off is offered, the dialog has done its work. */
  onChat(chat) {
    if (!this.sending || chat.id !== this.sending) return;
    if (!chat.handoff || chat.handoff.state !== 'offered') return;
    this.ui.handoffNote.value = '';
    delete this.ui.handoffNote.dataset.chat;
    this.ui.handoffDialog.close();
  }

  refused(err) {
    if (!['handoff', 'handoff_cancel'].includes(err.ref)) return false;
    if (err.ref === 'handoff' && this.ui.handoffDialog.open) {
      this.ui.handoffSubmit.disabled = false;
      this.sending = 0;
      this.fail(humanError(err), this.ui.handoffSubmit);
    } else {
      this.onAlert(humanError(err));
    }
    return true;
  }

  // ---- the pane's status line ----------------------------------------------------------

  /** The status line for a hand-off I sent from this chat, or null. */
  bar(r) {
    const c = r ? r.chat : null;
    const h = c && c.handoff;
    if (!h || !this.mine(c) || r.handoffSeen === h.at || h.state === 'accepted') return null;
    const to = h.to && h.to.name ? [bdi(h.to.name)] : h.queue ? ['someone on the ', bdi(h.queue.name), ' queue'] : ['a colleague'];
    const lib = h.queue && otherLibrary(h.queue.library, this.state.library);
    if (lib) to.push(' (', bdi(lib), ')');
    if (h.state === 'offered') {
      const why = h.kind === 'patron' ? 'The patron asked if someone else could help. ' : reassigned(h) ? 'A supervisor is reassigning this chat. ' : '';
      return el('div', { class: 'ho-bar ho-bar--waiting' }, [
        el('p', { class: 'ho-line', attrs: { role: 'status' } }, [why, 'Waiting for ', ...to, ' to accept… ', countdown(h.until)]),
        el('p', { class: 'ho-hint', text: 'Keep chatting meanwhile: the chat stays yours until they accept.' }),
        el('button', { class: 'btn btn--quiet btn--small', text: 'Cancel hand-off', dataset: { key: 'cancel' }, attrs: { type: 'button' }, on: { click: () => this.cancel(c.id) } }),
      ]);
    }
    const who = h.to && h.to.name ? [bdi(h.to.name)] : ['Nobody'];
    let said;
    if (h.state === 'declined') said = [...who, ' declined', ...(h.reason ? [': “', bdi(h.reason), '”'] : []), '. The chat is still yours.'];
    else if (h.state === 'timed_out') said = [...(h.to ? [bdi(h.to.name), ' did not accept'] : ['Nobody accepted']), ' in time. The chat is still yours.'];
    else if (h.reason === 'went off duty') said = [...who, ' went off duty before accepting. The chat is still yours.'];
    else if (h.reason) said = ['The hand-off was called off (', bdi(h.reason), '). The chat is still yours.'];
    else said = ['The hand-off was called off. The chat is still yours.'];
    return el('div', { class: 'ho-bar ho-bar--back' }, [
      el('p', { class: 'ho-line', attrs: { role: 'status' } }, said),
      el('button', { class: 'btn btn--quiet btn--small', text: 'Dismiss', dataset: { key: 'dismiss' }, attrs: { type: 'button' }, on: { click: () => this.dismiss(r) } }),
    ]);
  }

  cancel(id) {
    if (!this.sendFrame({ type: 'handoff_cancel', chat: id })) this.onAlert('You are offline right now. Please try again in a moment.');
  }

  dismiss(r) {
    r.handoffSeen = r.chat.handoff.at;
    this.chats().pane.render();
    this.state.selected === r.chat.id && this.chats().focusComposer();
  }

  /** My chat was accepted by a colleague: it leaves "My chats", with a calm note. */
  tookOver(chat, known, mine) {
    if (!known || mine || !this.mine(known.chat) || known.reading) return false;
    if (chat.state !== 'active' || !chat.staff || !chat.staff.name) return false;
    if (!chat.handoff || chat.handoff.state !== 'accepted') return false; // (not a hand-off)
    const { ui } = this;
    ui.mineNote.replaceChildren(bdi(chat.staff.name), ` took over chat #${chat.id}`, reassigned(chat.handoff) ? ', as a supervisor reassigned it.' : '. Thank you for handing it on.');
    ui.mineNote.hidden = false;
    this.chats().drop(chat.id);
    keepFocus(ui.mineNote);
    return true;
  }

  reset() {
    this.ui.mineNote.hidden = true;
    if (this.ui.handoffDialog.open) this.ui.handoffDialog.close();
  }
}
