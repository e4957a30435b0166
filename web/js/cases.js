// cases.js: the console's offline questions (docs/API.md, "Cases"): the library's cases
// that are not closed (open ones first, overdue at the top, then answered ones), each
// with its whole thread (the question, librarians' answers and the patron's replies, in
// order), a reply form (e-mailed to the patron; keeps the case's promise) and Close.
// Times are in the library's time zone. Live: a `case_changed` frame on the staff socket
// (a new case, a patron's reply, an answer, a close) reloads the list and open threads.
import { el } from './ui.js';
import { apiError } from './api.js';
import { localTimeEl } from './localtime.js';

export class Cases {
  /** opts: root (a section), api, onAlert(text). */
  constructor(opts) {
    this.root = opts.root;
    this.api = opts.api;
    this.onAlert = opts.onAlert || (() => {});
    this.loading = false;
    this.again = false;
    this.tz = 'UTC';
    this.open = new Set(); // ids whose thread is shown
    this.drafts = new Map(); // case id -> an answer being written (kept across reloads)
    this.names = new Map(); // staff id -> name, for the thread
    this.namesLoaded = false;
    this.heading = el('h2', { class: 'side-heading', text: 'Offline questions', attrs: { id: 'cases-heading' } });
    this.status = el('p', { class: 'hint', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.list = el('ul', { class: 'cases-list' });
    this.root.setAttribute('aria-labelledby', 'cases-heading');
    this.root.replaceChildren(this.heading, this.status, this.list);
  }

  async load() {
    if (this.loading) { this.again = true; return; }
    this.loading = true;
    if (!this.namesLoaded) {
      const o = await this.api('GET', 'promises/owners');
      if (o.status === 200 && o.body && Array.isArray(o.body.owners)) {
        for (const s of o.body.owners) this.names.set(s.id, s.name);
        this.namesLoaded = true;
      }
    }
    const [a, b] = await Promise.all([this.api('GET', 'cases'), this.api('GET', 'cases?state=answered')]);
    this.loading = false;
    if (a.status === 200 && a.body && b.status === 200 && b.body) {
      this.tz = a.body.time_zone || 'UTC';
      this.render([...(a.body.cases || []), ...(b.body.cases || [])]);
    }
    if (this.again) { this.again = false; this.load(); }
  }

  /** A `case_changed` frame: {case, why}. */
  onChanged(f) {
    if (f && f.why === 'patron_reply') this.status.textContent = `Case ${f.case}: the patron replied.`;
    else if (f && f.why === 'new') this.status.textContent = `A new offline question (case ${f.case}).`;
    this.load();
  }

  render(cases) {
    const open = cases.filter((c) => c.state === 'open').length;
    const answered = cases.length - open;
    this.heading.textContent = !cases.length ? 'Offline questions'
      : `Offline questions (${open} open${answered ? `, ${answered} answered` : ''})`;
    const keep = new Set(cases.map((c) => c.id));
    for (const id of this.open) if (!keep.has(id)) this.open.delete(id);
    for (const id of this.drafts.keys()) if (!keep.has(id)) this.drafts.delete(id);
    // a reload (a live update) must not take the librarian's draft or focus away
    const focused = document.activeElement && this.list.contains(document.activeElement)
      ? document.activeElement.id : '';
    this.list.replaceChildren(...cases.map((c) => this.item(c)));
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    if (!cases.length) this.list.append(el('li', { class: 'hint', text: 'None waiting.' }));
  }

  item(c) {
    const due = c.state === 'answered'
      ? el('p', { class: 'case-due' }, ['Answered · waiting for the patron'])
      : el('p', { class: c.overdue ? 'case-due is-overdue' : 'case-due' },
        [c.overdue ? 'Overdue since ' : 'Reply by ', localTimeEl(c.reply_by, this.tz)]);
    const q = el('p', { class: 'case-question', text: c.question });
    const who = el('p', { class: 'case-who' }, [`Case ${c.id} · `, el('bdi', { text: c.email })]);
    const threadId = `case-thread-${c.id}`;
    const thread = el('ol', { class: 'case-thread', attrs: { id: threadId, 'aria-label': `The thread of case ${c.id}` } });
    const toggle = el('button', {
      class: 'btn btn--small btn--quiet case-toggle',
      text: 'Show the whole thread',
      attrs: { type: 'button', 'aria-expanded': 'false', 'aria-controls': threadId },
    });
    thread.hidden = true;
    const showThread = async () => {
      const r = await this.api('GET', `cases/${c.id}`);
      if (r.status !== 200 || !r.body) { this.onAlert(apiError(r)); return; }
      this.fillThread(thread, r.body);
      thread.hidden = false;
      toggle.textContent = 'Hide the thread';
      toggle.setAttribute('aria-expanded', 'true');
    };
    toggle.addEventListener('click', () => {
      if (this.open.has(c.id)) {
        this.open.delete(c.id);
        thread.hidden = true;
        toggle.textContent = 'Show the whole thread';
        toggle.setAttribute('aria-expanded', 'false');
      } else {
        this.open.add(c.id);
        showThread();
      }
    });
    if (this.open.has(c.id)) showThread();

    const id = `case-reply-${c.id}`;
    const text = el('textarea', { attrs: { id, rows: 3, maxlength: 4000, required: true } });
    text.value = this.drafts.get(c.id) || '';
    text.addEventListener('input', () => {
      if (text.value) this.drafts.set(c.id, text.value);
      else this.drafts.delete(c.id);
    });
    const send = el('button', { class: 'btn btn--small', text: 'Send by e-mail', attrs: { type: 'submit' } });
    const close = el('button', {
      class: 'btn btn--small btn--quiet case-close', text: 'Close case',
      attrs: { type: 'button', 'aria-label': `Close case ${c.id}` },
    });
    const form = el('form', { class: 'case-form' }, [
      el('label', { text: 'Answer', attrs: { for: id } }), text,
      el('div', { class: 'case-actions' }, [send, close])]);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = text.value.trim();
      if (!body) return;
      send.disabled = true;
      const r = await this.api('POST', `cases/${c.id}/reply`, { text: body });
      send.disabled = false;
      if (r.status !== 200) {
        this.onAlert(apiError(r));
        return;
      }
      this.status.textContent = r.body && r.body.mail === 'undeliverable'
        ? `Case ${c.id}: your answer is saved, but this library cannot send e-mail right now (undeliverable), so the patron will not get it by e-mail.`
        : `Case ${c.id}: your answer is queued to be e-mailed.`;
      this.drafts.delete(c.id);
      this.open.add(c.id);
      this.load();
    });
    close.addEventListener('click', async () => {
      close.disabled = true;
      const r = await this.api('POST', `cases/${c.id}/close`, {});
      close.disabled = false;
      if (r.status !== 200) {
        this.onAlert(apiError(r));
        return;
      }
      this.status.textContent = `Case ${c.id} is closed.`;
      this.load();
    });
    return el('li', { class: 'case-item', dataset: { case: c.id } }, [due, q, who, toggle, thread, form]);
  }

  staffName(id) {
    return this.names.get(id) || 'Librarian';
  }

  fillThread(list, data) {
    const c = data.case;
    const tz = c.time_zone || this.tz;
    const line = (who, at, body, cls) => el('li', { class: `case-msg ${cls}` }, [
      el('p', { class: 'case-msg-meta' }, [who, ' · ', localTimeEl(at, tz)]),
      el('p', { class: 'case-msg-body', text: body })]);
    list.replaceChildren(line('Patron (question)', c.created_at, c.question, 'case-msg--patron'),
      ...(data.messages || []).map((m) => line(m.author === 'staff' ? el('bdi', { text: this.staffName(m.staff) }) : 'Patron', m.at, m.body,
        m.author === 'staff' ? 'case-msg--staff' : 'case-msg--patron')));
  }
}
