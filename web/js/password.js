// "Change my password" in the console's profile dialog (docs/API.md, "Passwords"): the
// current password and a new one; the server ends every other session of the account and
// closes its other consoles at once, and this one goes on. The form is made when the
// section is first opened, so the sign-in form stays the page's only password form.

import { apiError } from './api.js';
import { el, field, input } from './admin-ui.js';

function build(details, api) {
  const form = el('form');
  form.noValidate = true;
  const current = input('pw-current', { type: 'password', autocomplete: 'current-password', required: '' });
  const next = input('pw-new', { type: 'password', autocomplete: 'new-password', minlength: '10', maxlength: '1023', required: '' });
  const status = el('p', 'pf-status');
  status.id = 'pw-status';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  const save = el('button', 'btn btn--quiet', 'Change password');
  save.type = 'submit';
  form.append(field('Current password', current),
    field('New password', next, 'At least 10 characters. You stay signed in here; every other session of yours ends.'),
    status, save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (next.value.length < 10) {
      status.textContent = 'Please use at least 10 characters.';
      next.focus();
      return;
    }
    status.textContent = 'Changing…';
    const res = await api('POST', 'me/password', { current: current.value, password: next.value });
    if (res.status === 200) {
      status.textContent = 'Password changed. Every other session of yours has ended.';
      current.value = '';
      next.value = '';
      return;
    }
    const wrong = res.status === 401 && res.body && res.body.error && res.body.error.code === 'bad_credentials';
    status.textContent = wrong ? 'Your current password is not right.' : apiError(res);
  });
  details.append(form);
  current.focus();
}

/** Wires the "Change my password" section of the profile dialog. */
export function wirePasswordChange(api) {
  const details = document.getElementById('pw-change');
  details.addEventListener('toggle', () => {
    if (details.open && !details.querySelector('form')) build(details, api);
  });
}
