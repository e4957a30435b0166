// cases.js: the console's list of offline questions (docs/API.md, "Cases"): open cases of
// the library, overdue first, each with the patron's question and a reply form; a reply
// is e-mailed to the patron and keeps the case's promise. Reloaded when the desk's
// promises change (each case is tracked by one).
import { el, timeEl } from './ui.js';
import { apiError } from './api.js';

export class Cases {
  /** opts: root (a section), api, onAlert(text). */
  constructor(opts) {
    this.root = opts.root;
    this.api = opts.api;
    this.onAlert = opts.onAlert || (() => {});
    this.loading = false;
    this.heading = el('h2', { class: 'side-heading', text: 'Offline questions', attrs: { id: 'cases-heading' } });
    this.list = el('ul', { class: 'cases-list' });
    this.root.setAttribute('aria-labelledby', 'cases-heading');
    this.root.replaceChildren(this.heading, this.list);
  }

  async load() {
    if (this.loading) return;
    this.loading = true;
    const r = await this.api('GET', 'cases');
    this.loading = false;
    if (r.status !== 200 || !r.body) return;
    this.render(r.body.cases || []);
  }

  render(cases) {
    this.heading.textContent = cases.length ? `Offline questions (${cases.length})` : 'Offline questions';
    this.list.replaceChildren(...cases.map((c) => this.item(c)));
    if (!cases.length) this.list.append(el('li', { class: 'hint', text: 'None waiting.' }));
  }

  item(c) {
    const due = el('p', { class: c.overdue ? 'case-due is-overdue' : 'case-due' },
      [c.overdue ? 'Overdue since ' : 'Reply by ', timeEl(c.reply_by)]);
    const q = el('p', { class: 'case-question', text: c.question });
    const who = el('p', { class: 'case-who', text: c.email });
    const id = `case-reply-${c.id}`;
    const text = el('textarea', { attrs: { id, rows: 3, maxlength: 4000, required: true } });
    const send = el('button', { class: 'btn btn--small', text: 'Send by e-mail', attrs: { type: 'submit' } });
    const form = el('form', { class: 'case-form' }, [
      el('label', { text: 'Answer', attrs: { for: id } }), text, send]);
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
      this.load();
    });
    return el('li', { class: 'case-item' }, [due, q, who, form]);
  }
}
