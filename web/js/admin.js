// The console's Administration page, for a library's administrators (docs/API.md,
// "Administration"; docs/OPERATIONS.md, "Running the library from the console"): its
// queues (js/admin-queues.js), its staff (js/admin-staff.js), its settings and, for a
// consortium administrator, the consortium (js/admin-library.js). Every change is saved
// at once through /api/v1/admin/... and takes effect on the server without a restart;
// the server checks the role and the library of every record, so this page only hides
// what the role cannot use.

import { AdminQueues } from './admin-queues.js';
import { AdminStaff } from './admin-staff.js';
import { AdminLibrary, AdminConsortium } from './admin-library.js';

export { isAdmin } from './admin-ui.js';

export class AdminView {
  /**
   * @param {object} o
   * @param {HTMLElement} o.root the Administration section
   * @param {Function} o.api the REST helper (js/api.js)
   * @param {() => object|null} o.me the signed-in librarian
   */
  constructor({ root, api, me }) {
    Object.assign(this, { root, api, me });
    this.tabs = [...root.querySelectorAll('[role="tab"]')];
    this.panels = {
      queues: new AdminQueues({ root: root.querySelector('#admin-queues'), api }),
      staff: new AdminStaff({ root: root.querySelector('#admin-staff'), api }),
      library: new AdminLibrary({ root: root.querySelector('#admin-library'), api }),
      consortium: new AdminConsortium({ root: root.querySelector('#admin-consortium'), api }),
    };
    for (const t of this.tabs) {
      t.addEventListener('click', () => this.show(t.dataset.tab));
      t.addEventListener('keydown', (e) => this.tabKey(e, t));
    }
  }

  // Arrow keys move between tabs (the tab pattern); Home/End to the ends.
  tabKey(e, t) {
    const shown = this.tabs.filter((x) => !x.hidden);
    let i = shown.indexOf(t);
    if (e.key === 'ArrowRight') i = (i + 1) % shown.length;
    else if (e.key === 'ArrowLeft') i = (i - 1 + shown.length) % shown.length;
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = shown.length - 1;
    else return;
    e.preventDefault();
    this.show(shown[i].dataset.tab);
    shown[i].focus();
  }

  /** Opens the page on its first tab (or the one last shown). */
  open() {
    const me = this.me();
    const cons = this.tabs.find((t) => t.dataset.tab === 'consortium');
    cons.hidden = !(me && me.role === 'consortium_admin');
    this.root.hidden = false;
    this.show(this.current || 'queues');
    this.root.querySelector('h1').focus();
  }

  close() { this.root.hidden = true; }

  show(name) {
    this.current = name;
    for (const t of this.tabs) {
      const on = t.dataset.tab === name;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
    }
    this.panels[name].load();
  }
}
