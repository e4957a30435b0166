// The promise ledger in the staff console (docs/API.md "Promises", PROTOCOL.md
// `promises`): "Make a promise" from a chat in two clicks (what, a quick-pick due time,
// owner, channel), the sidebar lists "Mine" (live from `promises` frames) and "Desk"
// (REST, reloaded when a frame says the desk changed), overdue first and due soon
// highlighted, and mark done / reassign / cancel. User text only via textContent.
import { isAdmin } from './admin-ui.js';
import { bdi, el, isolate } from './ui.js';
import { apiError } from './api.js';
import { firstName } from './people.js';

const HOUR = 3600 * 1000;
const dueFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
const dateFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });

/** "Fri 5:00 PM" within a week, else with the date. */
export function formatDue(ms) {
  const d = new Date(ms);
  return Math.abs(ms - Date.now()) < 6 * 24 * HOUR ? dueFmt.format(d) : dateFmt.format(d);
}

/** The quick picks offered for a due time, from `now` (a Date): [{label, at}]. */
export function quickPicks(now = new Date()) {
  const at = (days, hour) => {
    const d = new Date(now);
    d.setDate(d.getDate() + days);
    d.setHours(hour, 0, 0, 0);
    return d.getTime();
  };
  const picks = [];
  if (now.getHours() < 16) picks.push({ label: 'Today 5 pm', at: at(0, 17) });
  picks.push({ label: 'In 2 hours', at: now.getTime() + 2 * HOUR });
  picks.push({ label: 'Tomorrow noon', at: at(1, 12) });
  const toFriday = (5 - now.getDay() + 7) % 7 || 7;
  picks.push({ label: 'Friday 5 pm', at: at(toFriday, 17) });
  return picks;
}

function channelText(c) {
  return c === 'chat' ? 'in chat' : 'by e-mail';
}

const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** Who a promise is for: the patron's name while they are remembered, else a neutral
 * label with the day of the chat it was made in ("Anonymous patron, chat of 3 Dec"). */
export function patronLabel(p) {
  if (p.patron_name) return p.patron_name;
  const day = p.chat_at || p.created_at;
  return day ? `Anonymous patron, chat of ${dayFmt.format(new Date(day))}` : 'Anonymous patron';
}

/** What the patron will see of a promise, as on their page (js/promised.js). */
export function patronPreview({ owner, what, channel, due }) {
  const how = channel === 'chat' ? 'send you' : 'e-mail you';
  const when = Number.isFinite(due) && due > 0 ? formatDue(due) : '…';
  return [`${owner ? firstName(owner) : 'A librarian'} will ${how} `, el('strong', {}, [bdi(what || '…')]), ` by ${when}${channel === 'chat' ? ' here' : ''}`];
}

export class Promises {
  /**
   * root: the sidebar section to fill; paneBar: where the "Make a promise" button goes;
   * api: makeApi(); me(): the staff member; chat(): the selected chat (or null);
   * onAlert(text): shows an error.
   */
  constructor({ root, paneBar, api, me, chat, onAlert }) {
    Object.assign(this, { root, api, me, chat, onAlert });
    this.mine = [];
    this.desk = [];
    this.deskCounts = { open: 0, overdue: 0, due_soon: 0 };
    this.tab = 'mine';
    this.owners = [];
    this.heading = el('h2', { class: 'side-heading', attrs: { id: 'promises-heading' } }, ['Promises ']);
    this.count = el('span', { class: 'count' });
    this.heading.append(this.count);
    this.tabMine = el('button', { class: 'btn btn--quiet btn--small', text: 'Mine', attrs: { type: 'button', 'aria-pressed': 'true' }, on: { click: () => this.show('mine') } });
    this.tabDesk = el('button', { class: 'btn btn--quiet btn--small', text: 'Desk', attrs: { type: 'button', 'aria-pressed': 'false' }, on: { click: () => this.show('desk') } });
    this.empty = el('p', { class: 'empty' });
    this.list = el('ul', { class: 'promise-list' });
    this.live = el('p', { class: 'visually-hidden', attrs: { role: 'status', 'aria-live': 'polite' } });
    root.setAttribute('aria-labelledby', 'promises-heading');
    root.replaceChildren(this.heading, el('div', { class: 'promise-tabs' }, [this.tabMine, this.tabDesk]), this.empty, this.list, this.live);
    this.makeBtn = el('button', { class: 'btn btn--quiet btn--small', text: 'Make a promise', attrs: { type: 'button', hidden: true }, on: { click: () => this.openMake() } });
    paneBar.insertBefore(this.makeBtn, paneBar.querySelector('button'));
    this.buildDialog();
    this.render();
  }

  /** The selected chat changed: offer "Make a promise" for chats one has picked up. */
  setChat(c) {
    this.makeBtn.hidden = !(c && (c.state === 'active' || c.state === 'ended'));
  }

  /** A `promises` frame: my open promises and the desk's counts. */
  onFrame(f) {
    const before = this.mine.filter((p) => p.overdue).map((p) => p.id);
    this.mine = Array.isArray(f.mine) ? f.mine : [];
    const nowOverdue = this.mine.filter((p) => p.overdue && !before.includes(p.id));
    if (nowOverdue.length) this.live.textContent = `Overdue: ${nowOverdue.map((p) => isolate(p.what)).join('; ')}`;
    const counts = f.desk || {};
    const changed = JSON.stringify(counts) !== JSON.stringify(this.deskCounts);
    this.deskCounts = { open: counts.open || 0, overdue: counts.overdue || 0, due_soon: counts.due_soon || 0 };
    if (this.tab === 'desk' && changed) this.loadDesk();
    this.render();
  }

  async loadDesk() {
    const res = await this.api('GET', 'promises?state=open');
    if (res.status === 200 && res.body) this.desk = res.body.promises || [];
    this.render();
  }

  show(tab) {
    this.tab = tab;
    this.tabMine.setAttribute('aria-pressed', String(tab === 'mine'));
    this.tabDesk.setAttribute('aria-pressed', String(tab === 'desk'));
    if (tab === 'desk') this.loadDesk();
    this.render();
  }

  render() {
    const items = this.tab === 'mine' ? this.mine : this.desk;
    const overdue = this.mine.filter((p) => p.overdue).length;
    this.count.textContent = overdue ? `${overdue} overdue` : this.mine.length ? String(this.mine.length) : '';
    this.count.classList.toggle('is-alert', overdue > 0);
    this.tabDesk.textContent = this.deskCounts.open ? `Desk (${this.deskCounts.open})` : 'Desk';
    this.empty.textContent = this.tab === 'mine' ? 'No open promises of yours.' : 'The desk has no open promises.';
    this.empty.hidden = items.length > 0;
    this.list.replaceChildren(...items.map((p) => this.item(p)));
  }

  item(p) {
    const me = this.me();
    const mayAct = me && (p.owner.id === me.id || isAdmin(me));
    const due = el('span', { class: 'promise-due' }, [p.overdue ? 'Overdue since ' : 'Due ', el('time', { text: formatDue(p.due_at), attrs: { datetime: new Date(p.due_at).toISOString() } })]);
    const li = el('li', { class: `promise${p.overdue ? ' is-overdue' : p.due_soon ? ' is-soon' : ''}` }, [
      el('p', { class: 'promise-what', text: p.what, attrs: { dir: 'auto' } }),
      el('p', { class: 'promise-meta' }, [
        due, ` · ${channelText(p.channel)} · `, el('bdi', { class: 'promise-patron', text: patronLabel(p) }),
        ...(this.tab === 'desk' ? [' · ', bdi(p.owner.name)] : []),
      ]),
    ]);
    if (mayAct) {
      li.append(el('div', { class: 'promise-actions' }, [
        el('button', { class: 'btn btn--small', text: 'Done', attrs: { type: 'button' }, on: { click: () => this.openAct('done', p) } }),
        el('button', { class: 'btn btn--quiet btn--small', text: 'Reassign', attrs: { type: 'button' }, on: { click: () => this.openAct('reassign', p) } }),
        el('button', { class: 'btn btn--quiet btn--small', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => this.openAct('cancel', p) } }),
      ]));
    }
    return li;
  }

  // ---- the dialog: make a promise, or act on one -------------------------------------

  buildDialog() {
    const d = el('dialog', { class: 'sheet promise-dialog', attrs: { 'aria-labelledby': 'promise-dialog-title' } });
    this.title = el('h2', { attrs: { id: 'promise-dialog-title' } });
    this.form = el('form', { class: 'sheet-body', attrs: { novalidate: true } });
    this.fields = el('div');
    this.status = el('p', { class: 'hint', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.submitBtn = el('button', { class: 'btn', attrs: { type: 'submit' } });
    const close = el('button', { class: 'btn btn--quiet', text: 'Close', attrs: { type: 'button' }, on: { click: () => d.close() } });
    this.form.append(this.title, this.fields, this.status, el('div', { class: 'sheet-actions' }, [this.submitBtn, close]));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (this.onSubmit) this.onSubmit();
    });
    d.append(this.form);
    document.body.append(d);
    this.dialog = d;
  }

  field(label, control, hint) {
    const id = `pf-${Math.random().toString(36).slice(2)}`;
    control.id = id;
    return el('div', { class: 'field' }, [el('label', { text: label, attrs: { for: id } }), control, hint ? el('p', { class: 'hint', text: hint }) : null]);
  }

  async ownerSelect(selected) {
    if (!this.owners.length) {
      const res = await this.api('GET', 'promises/owners');
      if (res.status === 200 && res.body) this.owners = res.body.owners || [];
    }
    const me = this.me();
    const s = el('select');
    for (const o of this.owners) {
      s.append(el('option', { text: me && o.id === me.id ? `${isolate(o.name)} (me)` : o.name, attrs: { value: o.id, selected: o.id === selected } }));
    }
    return s;
  }

  async openMake() {
    const c = this.chat();
    if (!c) return;
    const me = this.me();
    const what = el('textarea', { attrs: { rows: 2, maxlength: 500, required: true, placeholder: 'the APA guide' } });
    const picks = el('div', { class: 'promise-picks', attrs: { role: 'radiogroup', 'aria-label': 'Due' } });
    const custom = el('input', { attrs: { type: 'datetime-local' } });
    quickPicks().forEach((q, i) => {
      const id = `pp-${i}`;
      picks.append(el('label', { class: 'promise-pick', attrs: { for: id } }, [
        el('input', { attrs: { type: 'radio', name: 'promise-due', id, value: q.at, checked: i === 0 } }), ` ${q.label}`,
      ]));
    });
    const owner = await this.ownerSelect(me && me.id);
    const channel = el('select', {}, [el('option', { text: 'E-mail', attrs: { value: 'email' } }), el('option', { text: 'In chat', attrs: { value: 'chat' } })]);
    this.title.textContent = `Promise to the patron of chat #${c.id}`;
    // The patron's view of it, redrawn as the form changes.
    const preview = el('p', { class: 'hint promise-preview' });
    const dueOf = () => {
      const checked = picks.querySelector('input:checked');
      return custom.value ? new Date(custom.value).getTime() : Number(checked && checked.value);
    };
    const redraw = () => {
      const o = this.owners.find((x) => String(x.id) === owner.value) || me;
      preview.replaceChildren('The patron sees: “', ...patronPreview({ owner: o, what: what.value.trim(), channel: channel.value, due: dueOf() }), '”.');
    };
    const whatField = this.field('What will you send or do?', what);
    whatField.append(preview);
    what.setAttribute('aria-describedby', (preview.id = `pp-preview-${c.id}`));
    for (const n of [what, picks, custom, owner, channel]) {
      n.addEventListener('input', redraw);
      n.addEventListener('change', redraw);
    }
    redraw();
    this.fields.replaceChildren(
      whatField,
      el('fieldset', { class: 'field' }, [el('legend', { text: 'Due' }), picks, el('label', { class: 'promise-pick' }, ['Or: ', custom])]),
      this.field('Owner', owner),
      this.field('Channel', channel),
    );
    this.submitBtn.textContent = 'Promise';
    this.status.textContent = '';
    this.onSubmit = async () => {
      const due = dueOf();
      if (!what.value.trim()) {
        this.status.textContent = 'Say what you promise.';
        what.focus();
        return;
      }
      const res = await this.api('POST', 'promises', { chat: c.id, what: what.value.trim(), due_at: due, owner: Number(owner.value), channel: channel.value });
      if (res.status === 201) {
        this.dialog.close();
        if (this.tab === 'desk') this.loadDesk();
      } else {
        this.status.textContent = apiError(res);
      }
    };
    this.dialog.showModal();
    what.focus();
  }

  async openAct(kind, p) {
    const note = el('textarea', { attrs: { rows: 2, maxlength: 500 } });
    const parts = [el('p', { class: 'promise-what', text: p.what })];
    let owner = null;
    if (kind === 'done') {
      this.title.textContent = 'Mark as done';
      parts.push(this.field('What was sent (optional)', note));
      this.submitBtn.textContent = 'Done';
    } else if (kind === 'cancel') {
      this.title.textContent = 'Cancel the promise';
      parts.push(this.field('Why (the reason is kept)', note));
      this.submitBtn.textContent = 'Cancel promise';
    } else {
      this.title.textContent = 'Reassign';
      owner = await this.ownerSelect(p.owner.id);
      parts.push(this.field('To', owner), this.field('Note for them (optional)', note));
      this.submitBtn.textContent = 'Reassign';
    }
    this.fields.replaceChildren(...parts);
    this.status.textContent = '';
    this.onSubmit = async () => {
      const body = kind === 'done' ? { note: note.value } : kind === 'cancel' ? { reason: note.value } : { owner: Number(owner.value), note: note.value };
      if (kind === 'cancel' && !note.value.trim()) {
        this.status.textContent = 'Give a reason.';
        note.focus();
        return;
      }
      const res = await this.api('POST', `promises/${p.id}/${kind}`, body);
      if (res.status === 200) {
        this.dialog.close();
        if (this.tab === 'desk') this.loadDesk();
      } else {
        this.status.textContent = apiError(res);
      }
    };
    this.dialog.showModal();
    (owner || note).focus();
  }
}
