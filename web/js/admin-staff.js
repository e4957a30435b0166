// Administration: the library's staff (docs/API.md, "Administration"): each account's
// role, chat cap and whether it is active; an invitation by e-mail (the invitee sets their
// own password through a link that works once); a new password link; deactivation, which
// signs the person out everywhere at once and hands their chats back to the queue.

import { adminError, cardForm, el, field, input, statusLine, say } from './admin-ui.js';

const ROLES = [['librarian', 'Librarian'], ['supervisor', 'Supervisor'], ['admin', 'Administrator'],
  ['consortium_admin', 'Consortium administrator']];

function roleSelect(id, value, label) {
  const s = input(id, { tag: 'select', 'aria-label': label });
  for (const [v, text] of ROLES) {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = text;
    s.append(o);
  }
  s.value = value;
  return s;
}

export class AdminStaff {
  constructor({ root, api }) {
    Object.assign(this, { root, api });
    root.replaceChildren(el('h2', 'admin-heading', 'Staff'),
      el('p', 'hint', 'A supervisor also watches the desk\'s live chats; an administrator also runs the library here.'));
    this.table = el('div', 'admin-staff');
    this.status = statusLine('as-status');
    root.append(this.table, this.status, this.inviteForm());
  }

  inviteForm() {
    const { form: f } = cardForm('admin-card', 'as-new-heading', 'Invite someone');
    const email = input('as-email', { type: 'email', maxlength: '254', required: '', autocomplete: 'off' });
    const name = input('as-name', { type: 'text', maxlength: '127', required: '' });
    const role = roleSelect('as-role', 'librarian', 'Role');
    const cap = input('as-cap', { type: 'number', min: '0', max: '20', step: '1' });
    cap.value = '0';
    const st = statusLine('as-new-status');
    const btn = el('button', 'btn', 'Send invitation');
    btn.type = 'submit';
    const row = el('div', 'admin-grid');
    const roleField = el('div', 'field');
    const rl = el('label', null, 'Role');
    rl.htmlFor = role.id;
    roleField.append(rl, role);
    role.removeAttribute('aria-label');
    row.append(field('E-mail address', email), field('Name', name), roleField,
      field('Most chats at once', cap, '0: the server\'s default.'));
    f.append(el('p', 'hint', 'They get an e-mail with a link to set their own password. The link works once, for 72 hours.'), row, btn, st);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      say(st, 'Sending…');
      const res = await this.api('POST', 'admin/staff', {
        email: email.value.trim(), name: name.value.trim(), role: role.value, max_chats: Number(cap.value) || 0,
      });
      if (res.status !== 201) { say(st, adminError(res), true); return; }
      say(st, res.body.mail === 'queued' ? `Invitation sent to ${res.body.staff.email}.`
        : `The account is made, but the e-mail could not be sent (${res.body.mail}).`, res.body.mail !== 'queued');
      email.value = '';
      name.value = '';
      this.load();
    });
    return f;
  }

  async load() {
    const res = await this.api('GET', 'admin/staff');
    if (res.status !== 200) { say(this.status, adminError(res, 'Could not load the staff.'), true); return; }
    this.render(res.body.staff);
  }

  render(staff) {
    const table = el('table', 'admin-table');
    const cap = el('caption', 'visually-hidden', 'Staff of the library');
    const head = el('thead');
    const hr = el('tr');
    for (const t of ['Name', 'Role', 'Most chats at once', 'Status', '']) hr.append(el('th', null, t));
    hr.lastChild.append(el('span', 'visually-hidden', 'Actions'));
    head.append(hr);
    const body = el('tbody');
    body.append(...staff.map((s) => this.row(s)));
    table.append(cap, head, body);
    this.table.replaceChildren(table);
  }

  row(s) {
    const tr = el('tr', s.active ? '' : 'is-inactive');
    const who = el('td');
    who.append(el('strong', null, s.name), el('br'), el('span', 'admin-item-meta', s.email));
    if (s.you) who.append(el('span', 'tag', 'You'));
    const role = roleSelect(`as-role-${s.id}`, s.role, `Role of ${s.name}`);
    const cap = input(`as-cap-${s.id}`, { type: 'number', min: '0', max: '20', step: '1', 'aria-label': `Most chats at once for ${s.name} (0: the default)` });
    cap.value = s.max_chats;
    const st = statusLine(`as-st-${s.id}`);
    const save = async (body) => {
      say(st, 'Saving…');
      const res = await this.api('POST', `admin/staff/${s.id}`, body);
      if (res.status !== 200) { say(st, adminError(res), true); role.value = s.role; cap.value = s.max_chats; return null; }
      say(st, 'Saved.');
      return res.body.staff;
    };
    // saved with its own button, so moving through the roles by keyboard saves nothing
    const apply = el('button', 'btn btn--quiet btn--small', 'Save');
    apply.type = 'button';
    apply.setAttribute('aria-label', `Save the role and cap of ${s.name}`);
    apply.addEventListener('click', async () => {
      const saved = await save({ role: role.value, max_chats: Number(cap.value) || 0 });
      if (saved) {
        await this.load();
        say(this.status, `Saved: ${saved.name} is now ${ROLES.find(([v]) => v === saved.role)[1].toLowerCase()}, at most ${saved.chat_cap} chats at once.`);
      }
    });
    const state = el('td');
    const tags = el('div', 'admin-tags');
    tags.append(el('span', `tag ${s.active ? 'tag--ok' : 'tag--off'}`, s.active ? 'Active' : 'Deactivated'));
    if (s.online) tags.append(el('span', 'tag', 'Online now'));
    if (s.invited) tags.append(el('span', 'tag tag--off', 'Invited: no password yet'));
    state.append(tags, st);
    const acts = el('td', 'admin-row-actions');
    const toggle = el('button', `btn btn--quiet btn--small${s.active ? ' is-danger' : ''}`, s.active ? 'Deactivate' : 'Reactivate');
    toggle.type = 'button';
    toggle.setAttribute('aria-label', `${s.active ? 'Deactivate' : 'Reactivate'} ${s.name}`);
    toggle.addEventListener('click', async () => {
      // eslint-disable-next-line no-alert
      if (s.active && !window.confirm(`Deactivate ${s.name}? They are signed out everywhere at once and their open chats go back to the queue.`)) return;
      const saved = await save({ active: !s.active });
      if (saved) {
        await this.load();
        say(this.status, saved.active ? `${saved.name} is active again.` : `${saved.name} is deactivated and signed out everywhere.`);
      }
    });
    acts.append(apply, toggle);
    if (s.active) {
      const link = el('button', 'btn btn--quiet btn--small', 'Send password link');
      link.type = 'button';
      link.setAttribute('aria-label', `Send ${s.name} a link to set a new password`);
      link.addEventListener('click', async () => {
        say(st, 'Sending…');
        const res = await this.api('POST', `admin/staff/${s.id}/invite`, {});
        say(st, res.status === 200 ? 'Link sent.' : adminError(res), res.status !== 200);
      });
      acts.append(link);
    }
    const roleTd = el('td');
    roleTd.append(role);
    const capTd = el('td');
    capTd.append(cap, el('span', 'admin-item-meta', ` now ${s.chat_cap}`));
    tr.append(who, roleTd, capTd, state, acts);
    return tr;
  }
}
