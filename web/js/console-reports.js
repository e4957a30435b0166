// Admins' numbers in the console's side column (docs/API.md, "Reports"): how often
// returning patrons were served by someone who knew them, how close the wait estimates
// came, how many promises were kept on time; and the undelivered e-mail (js/deadmail.js).

import { isAdmin } from './admin-ui.js';

/** Admins: how close the wait estimates shown to patrons came to their real waits. */
async function loadWaitAccuracy(api) {
  const line = document.getElementById('wait-accuracy');
  const res = await api('GET', 'reports/waits?days=30');
  if (res.status !== 200 || !res.body) {
    line.textContent = 'Wait estimates: not available.';
    return;
  }
  const b = res.body;
  if (!b.chats) {
    line.textContent = 'Wait estimates: no picked-up chats with an estimate in the last 30 days yet.';
    return;
  }
  const err = b.median_abs_error_ms < 60000 ? `${Math.round(b.median_abs_error_ms / 1000)} s`
    : `${Math.round(b.median_abs_error_ms / 60000)} min`;
  line.textContent = `Wait estimates: ${Math.round(b.within_50pct_share * 100)}% within ±50% of the real wait, typically off by ${err} (${b.chats} chats, last 30 days).`;
}

/** Admins: how many promises made to patrons were kept on time. */
async function loadPromiseReport(api) {
  const line = document.getElementById('promise-report');
  const res = await api('GET', 'reports/promises?days=30');
  if (res.status !== 200 || !res.body) {
    line.textContent = 'Promises: not available.';
    return;
  }
  const b = res.body;
  const due = b.kept_on_time + b.late + b.open_overdue;
  if (!due) {
    line.textContent = `Promises: none due yet in the last 30 days (${b.open} open).`;
    return;
  }
  const parts = [`${b.kept_on_time} of ${due} kept on time`];
  if (b.late) parts.push(`${b.late} late`);
  if (b.open_overdue) parts.push(`${b.open_overdue} overdue`);
  line.textContent = `Promises: ${parts.join(', ')} (last 30 days).`;
}

export class Reports {
  /**
   * @param {object} o
   * @param {object} o.ui the console's elements: continuity, continuityRate, continuityDetail
   * @param {Function} o.api the REST helper (js/api.js)
   * @param {import('./deadmail.js').DeadMail} o.deadMail
   * @param {() => object|null} o.me the signed-in librarian
   */
  constructor({ ui, api, deadMail, me }) {
    Object.assign(this, { ui, api, deadMail, me });
    this.timer = 0;
  }

  // Admins: how often returning patrons were served by someone who knew them.
  async load() {
    const { ui } = this;
    const me = this.me();
    const admin = isAdmin(me);
    ui.continuity.hidden = !admin;
    this.deadMail.load(admin);
    if (!admin) return;
    loadWaitAccuracy(this.api);
    loadPromiseReport(this.api);
    const res = await this.api('GET', 'reports/continuity?days=30');
    if (res.status !== 200 || !res.body) {
      ui.continuityRate.textContent = 'Not available';
      ui.continuityDetail.textContent = '';
      return;
    }
    const b = res.body;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), 5 * 60 * 1000);
    if (b.rate === null || b.rate === undefined || !b.returning) {
      ui.continuityRate.textContent = '—';
      ui.continuityDetail.textContent = 'No returning patrons picked up in the last 30 days yet.';
      return;
    }
    ui.continuityRate.textContent = `${Math.round(b.rate * 100)}%`;
    ui.continuityDetail.textContent = `${b.continued} of ${b.returning} returning ${b.returning === 1 ? 'patron was' : 'patrons were'} helped by someone who knew them (last 30 days).`;
  }

  /** Loads again in a moment (a returning patron was just picked up somewhere). */
  soon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), 2000);
  }

  stop() {
    clearTimeout(this.timer);
  }
}
