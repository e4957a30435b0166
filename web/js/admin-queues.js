// Administration: the library's queues (docs/API.md, "Administration"): the list, a new
// queue, and one queue's name, weekly hours (one opening per day here; the API takes
// more), closed dates, time zone, reply policy and cascade delay. A saved change reaches
// patrons' pages and widgets at once.

import { adminError, cardForm, el, field, input, statusLine, say } from './admin-ui.js';

// Monday first, as people read a week; the API numbers days from Sunday = 0.
const DAYS = [[1, 'Monday'], [2, 'Tuesday'], [3, 'Wednesday'], [4, 'Thursday'], [5, 'Friday'],
  [6, 'Saturday'], [0, 'Sunday']];
const SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const hhmm = (min) => `${String(Math.floor(min / 60) % 24).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
/** "09:30" as minutes; closing "00:00" is midnight at the end of the day (1440). */
function minutes(value, closing) {
  const m = /^(\d\d):(\d\d)$/.exec(value || '');
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return closing && v === 0 ? 1440 : v;
}

/** "Mon–Fri 09:00–17:00, Sat 10:00–14:00" (days with the same times grouped, Monday
 * first), "Every day ..." or the always-open words. */
export function hoursText(q) {
  if (!q.hours.length) return 'No opening hours: open whenever a librarian is on duty';
  const span = (h) => `${hhmm(h.opens_min)}–${h.closes_min === 1440 ? '24:00' : hhmm(h.closes_min)}`;
  const order = [1, 2, 3, 4, 5, 6, 0];
  const spans = new Map(); // times -> weekdays in week order
  for (const wd of order) {
    for (const h of q.hours.filter((x) => x.weekday === wd)) {
      const k = span(h);
      if (!spans.has(k)) spans.set(k, []);
      spans.get(k).push(wd);
    }
  }
  const days = (wds) => {
    if (wds.length === 7) return 'Every day';
    const runs = [];
    for (const wd of wds) {
      const last = runs[runs.length - 1];
      if (last && order.indexOf(wd) === order.indexOf(last[last.length - 1]) + 1) last.push(wd);
      else runs.push([wd]);
    }
    return runs.map((r) => (r.length > 2 ? `${SHORT[r[0]]}–${SHORT[r[r.length - 1]]}` : r.map((d) => SHORT[d]).join(', '))).join(', ');
  };
  const text = [...spans].map(([k, wds]) => `${days(wds)} ${k}`).join('; ');
  return q.closed.length ? `${text} · closed on ${q.closed.length} date${q.closed.length > 1 ? 's' : ''}` : text;
}

export class AdminQueues {
  constructor({ root, api }) {
    Object.assign(this, { root, api });
    this.queues = [];
    this.build();
  }

  build() {
    const { root } = this;
    root.replaceChildren();
    root.append(el('h2', 'admin-heading', 'Queues'),
      el('p', 'hint', 'Patrons choose a queue when they ask. Changes reach their pages and widgets as soon as you save.'));
    this.list = el('ul', 'admin-list');
    this.list.setAttribute('aria-label', 'Queues');
    this.status = statusLine('aq-status');
    this.editor = el('section', 'admin-card admin-editor');
    this.editor.hidden = true;
    this.editor.setAttribute('aria-labelledby', 'aq-edit-heading');
    root.append(this.list, this.status, this.editor, this.newForm());
  }

  newForm() {
    const { form: f } = cardForm('admin-card admin-inline', 'aq-new-heading', 'New queue');
    const name = input('aq-new-name', { type: 'text', maxlength: '127', required: '' });
    const slug = input('aq-new-slug', { type: 'text', maxlength: '63', required: '', pattern: '[a-z0-9][a-z0-9-]*' });
    const st = statusLine('aq-new-status');
    const btn = el('button', 'btn', 'Add queue');
    btn.type = 'submit';
    // a slug from the name until the admin types one
    name.addEventListener('input', () => {
      if (!slug.dataset.touched) slug.value = name.value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
    });
    slug.addEventListener('input', () => { slug.dataset.touched = '1'; });
    f.append(field('Name', name, 'What patrons see, e.g. "Ask a Librarian" or "Health sciences".'),
      field('Short name in links', slug, 'Lower-case letters, digits and "-"; it cannot be changed later.'), btn, st);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      say(st, 'Adding…');
      const res = await this.api('POST', 'admin/queues', { slug: slug.value.trim(), name: name.value.trim() });
      if (res.status !== 201) { say(st, adminError(res), true); return; }
      say(st, `Added "${res.body.queue.name}". Set its hours below.`);
      name.value = '';
      slug.value = '';
      delete slug.dataset.touched;
      await this.load();
      this.edit(res.body.queue.id);
    });
    return f;
  }

  async load() {
    const res = await this.api('GET', 'admin/queues');
    if (res.status !== 200) { say(this.status, adminError(res, 'Could not load the queues.'), true); return; }
    this.queues = res.body.queues;
    this.renderList();
    if (this.editing && !this.queues.some((q) => q.id === this.editing)) this.editor.hidden = true;
  }

  renderList() {
    this.list.replaceChildren(...this.queues.map((q) => {
      const li = el('li', 'admin-item');
      const main = el('div', 'admin-item-main');
      main.append(el('strong', 'admin-item-name', q.name), el('span', 'admin-item-meta', hoursText(q)));
      const state = el('span', `tag ${q.open_by_hours ? 'tag--ok' : 'tag--off'}`, q.open_by_hours ? 'Open by its hours now' : 'Closed by its hours now');
      const btn = el('button', 'btn btn--quiet btn--small', 'Edit');
      btn.type = 'button';
      btn.setAttribute('aria-label', `Edit ${q.name}`);
      btn.addEventListener('click', () => this.edit(q.id));
      li.append(main, state, btn);
      return li;
    }));
  }

  edit(id) {
    const q = this.queues.find((x) => x.id === id);
    if (!q) return;
    this.editing = id;
    this.editor.replaceChildren(...this.editorParts(q));
    this.editor.hidden = false;
    this.editor.querySelector('h3').focus();
  }

  editorParts(q) {
    const h = el('h3', null, `Edit "${q.name}"`);
    h.id = 'aq-edit-heading';
    h.tabIndex = -1;
    const form = el('form', 'admin-form');
    form.noValidate = true;
    const name = input('aq-name', { type: 'text', maxlength: '127', required: '' });
    name.value = q.name;
    const zone = input('aq-zone', { type: 'text', list: 'aq-zones', autocomplete: 'off' });
    zone.value = q.time_zone;
    const zones = el('datalist');
    zones.id = 'aq-zones';
    for (const z of (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : ['UTC'])) {
      const o = document.createElement('option');
      o.value = z;
      zones.append(o);
    }
    const reply = input('aq-reply', { type: 'number', min: '1', max: '2400', step: '1' });
    reply.value = q.reply_hours;
    const cascade = input('aq-cascade', { type: 'number', min: '0', max: '86400', step: '1' });
    cascade.value = q.cascade_seconds;
    const st = statusLine('aq-edit-status');
    const save = el('button', 'btn', 'Save queue');
    save.type = 'submit';
    const close = el('button', 'btn btn--quiet', 'Close');
    close.type = 'button';
    close.addEventListener('click', () => { this.editor.hidden = true; this.editing = 0; });
    const actions = el('div', 'admin-actions');
    actions.append(save, close);
    const hours = this.hoursPart(q);
    const closed = this.closedPart(q);
    form.append(field('Name', name), hours.part, closed.part,
      field('Time zone', zone, 'The library\'s (every queue\'s) zone for hours and dates, e.g. Europe/London.'),
      zones,
      field('Answer offline questions within (business hours)', reply, 'The library\'s reply policy: 24 is one business day.'),
      field('Offer to the consortium after (seconds)', cascade, '0: never. A chat no one picks up this long is offered to the consortium\'s librarians too.'),
      actions, st);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {
        name: name.value.trim(), time_zone: zone.value.trim() || 'UTC', reply_hours: Number(reply.value),
        cascade_seconds: Number(cascade.value), hours: hours.value(), closed: closed.value(),
      };
      if (!body.hours) { say(st, 'Each open day needs an opening and a closing time.', true); return; }
      say(st, 'Saving…');
      const res = await this.api('POST', `admin/queues/${q.id}`, body);
      if (res.status !== 200) { say(st, adminError(res), true); return; }
      await this.load();
      this.edit(q.id);
      say(document.getElementById('aq-edit-status'), 'Saved. Patrons see the change now.');
    });
    return [h, form];
  }

  // Weekly hours: "always open" or one opening per ticked day.
  hoursPart(q) {
    const part = el('fieldset', 'admin-hours');
    part.append(el('legend', null, 'Opening hours'));
    const modes = el('div', 'admin-radios');
    const always = input('aq-always', { type: 'radio', name: 'aq-mode', value: 'always' });
    const set = input('aq-set', { type: 'radio', name: 'aq-mode', value: 'set' });
    (q.hours.length ? set : always).checked = true;
    const lab = (i, text) => { const l = el('label', null, text); l.htmlFor = i.id; const d = el('div', 'check'); d.append(i, l); return d; };
    modes.append(lab(always, 'No fixed hours: open whenever a librarian is on duty'), lab(set, 'Open on these days and times'));
    const table = el('div', 'admin-days');
    const rows = DAYS.map(([wd, day]) => {
      const mine = q.hours.filter((x) => x.weekday === wd);
      const h = mine[0];
      // more openings that day (set through the API): shown, and kept as they are
      const extra = mine.slice(1);
      const row = el('div', 'admin-day');
      const on = input(`aq-day-${wd}`, { type: 'checkbox' });
      on.checked = !!h;
      const l = el('label', 'admin-day-name', day);
      l.htmlFor = on.id;
      const opens = input(`aq-open-${wd}`, { type: 'time', 'aria-label': `${day} opens` });
      const closes = input(`aq-close-${wd}`, { type: 'time', 'aria-label': `${day} closes` });
      opens.value = h ? hhmm(h.opens_min) : '09:00';
      closes.value = h ? hhmm(h.closes_min) : '17:00';
      const sync = () => { opens.disabled = closes.disabled = !on.checked; };
      on.addEventListener('change', sync);
      sync();
      row.append(on, l, opens, el('span', 'admin-to', 'to'), closes);
      if (extra.length) {
        row.append(el('span', 'admin-item-meta', `and ${extra.map((x) => hoursText({ hours: [{ ...x, weekday: wd }], closed: [] })
          .replace(/^\S+ /, '')).join(', ')} (kept)`));
      }
      return { wd, on, opens, closes, extra };
    });
    table.append(...rows.map((r) => r.on.parentElement));
    const showDays = () => { table.hidden = !set.checked; };
    always.addEventListener('change', showDays);
    set.addEventListener('change', showDays);
    showDays();
    part.append(modes, table, el('p', 'hint', 'A closing time of 00:00 means midnight; one earlier than the opening runs past midnight.'));
    return {
      part,
      value: () => {
        if (always.checked) return [];
        const out = [];
        for (const r of rows) {
          if (!r.on.checked) continue;
          const o = minutes(r.opens.value, false);
          const c = minutes(r.closes.value, true);
          if (o === null || c === null) return null;
          out.push({ weekday: r.wd, opens_min: o, closes_min: c });
          for (const x of r.extra) if (x.opens_min !== o) out.push({ weekday: r.wd, opens_min: x.opens_min, closes_min: x.closes_min });
        }
        return out;
      },
    };
  }

  // Closed dates: a list with Remove buttons and a date to add.
  closedPart(q) {
    const part = el('fieldset', 'admin-closed');
    part.append(el('legend', null, 'Closed dates (holidays)'));
    let dates = [...q.closed];
    const list = el('ul', 'admin-dates');
    const render = () => {
      list.replaceChildren(...dates.map((d) => {
        const li = el('li', null);
        const rm = el('button', 'link-btn', 'Remove');
        rm.type = 'button';
        rm.setAttribute('aria-label', `Remove ${d}`);
        rm.addEventListener('click', () => { dates = dates.filter((x) => x !== d); render(); });
        li.append(el('span', null, d), rm);
        return li;
      }));
      if (!dates.length) list.append(el('li', 'hint', 'None.'));
    };
    const date = input('aq-date', { type: 'date' });
    const add = el('button', 'btn btn--quiet btn--small', 'Add date');
    add.type = 'button';
    add.addEventListener('click', () => {
      if (date.value && !dates.includes(date.value)) dates = [...dates, date.value].sort();
      date.value = '';
      render();
    });
    const row = el('div', 'admin-inline');
    row.append(field('Date', date), add);
    render();
    part.append(list, row);
    return { part, value: () => dates };
  }
}
