// The console's way to the Administration page (js/admin.js): a header button shown only
// to a library's administrators, and the switch between the desk and that page. The desk
// keeps running underneath (its WebSocket, its alerts); the same button, now "Back to the
// desk", returns to it.

import { AdminView, isAdmin } from './admin.js';

export class AdminNav {
  /**
   * @param {object} o
   * @param {Function} o.api the REST helper (js/api.js)
   * @param {() => object|null} o.me the signed-in librarian
   */
  constructor({ api, me }) {
    this.btn = document.getElementById('admin-btn');
    this.desk = document.getElementById('desk-view');
    this.view = new AdminView({ root: document.getElementById('admin-view'), api, me });
    this.me = me;
    this.btn.addEventListener('click', () => (this.open ? this.toDesk() : this.toAdmin()));
    this.open = false;
  }

  /** After sign-in: the button for admins only, the desk showing. */
  signedIn() {
    this.btn.hidden = !isAdmin(this.me());
    this.toDesk(false);
  }

  /** After sign-out: nothing of it left. */
  reset() {
    this.btn.hidden = true;
    this.view.close();
    this.open = false;
  }

  toAdmin() {
    this.open = true;
    this.desk.hidden = true;
    this.btn.textContent = 'Back to the desk';
    this.btn.setAttribute('aria-expanded', 'true');
    this.view.open();
  }

  toDesk(focus = true) {
    const was = this.open;
    this.open = false;
    this.view.close();
    this.desk.hidden = false;
    this.btn.textContent = 'Administration';
    this.btn.setAttribute('aria-expanded', 'false');
    if (focus && was) this.btn.focus();
  }
}
