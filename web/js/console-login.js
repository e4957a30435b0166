// The console's sign-in view: the e-mail and password form (POST /api/login, docs/API.md)
// and its plain-words errors (wrong password, too many attempts, server unreachable).

import { setStatus } from './ui.js';

export class LoginView {
  /**
   * @param {object} o
   * @param {object} o.ui the console's elements (console.js)
   * @param {Function} o.api the REST helper (js/api.js)
   * @param {() => string} o.title the page title while signed out
   * @param {(session: object) => void} o.onSignedIn the login answer: {csrf, staff, library}
   */
  constructor({ ui, api, title, onSignedIn }) {
    Object.assign(this, { ui, api, title, onSignedIn });
    ui.loginForm.addEventListener('submit', (e) => this.submit(e));
  }

  show(message) {
    const { ui } = this;
    ui.loading.hidden = true;
    ui.deskView.hidden = true;
    ui.meBlock.hidden = true;
    ui.loginView.hidden = false;
    setStatus(ui.conn, '');
    ui.loginError.textContent = message || '';
    ui.loginError.hidden = !message;
    ui.loginBtn.disabled = false;
    document.title = this.title();
    ui.email.focus();
  }

  async submit(e) {
    const { ui } = this;
    e.preventDefault();
    const email = ui.email.value.trim();
    const password = ui.password.value;
    if (!email || !password) {
      ui.loginError.textContent = 'Please enter your email and password.';
      ui.loginError.hidden = false;
      return;
    }
    ui.loginBtn.disabled = true;
    ui.loginError.hidden = true;
    const res = await this.api('POST', 'login', { email, password });
    ui.loginBtn.disabled = false;
    if (res.status === 200 && res.body && res.body.staff) {
      ui.password.value = '';
      this.onSignedIn(res.body);
      return;
    }
    let msg = 'Sorry, signing in did not work. Please try again.';
    if (res.status === 401) msg = "That email and password don't match our records.";
    if (res.status === 429) {
      const after = Number(res.headers && res.headers.get('Retry-After'));
      const mins = after > 0 ? Math.ceil(after / 60) : 15;
      msg = `Too many attempts. Please wait ${mins} ${mins === 1 ? 'minute' : 'minutes'} and try again.`;
    }
    if (res.status === 0) msg = 'The server cannot be reached. Check your connection and try again.';
    ui.loginError.textContent = msg;
    ui.loginError.hidden = false;
    ui.password.focus();
  }
}
