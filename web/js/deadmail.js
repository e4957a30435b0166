// Admins: the library's e-mail in numbers (queued, sent, undeliverable: the outbox list's
// `summary`, the same words as /healthz) and the e-mail rapport could not deliver
// (docs/API.md, "E-mail outbox"): who it was for,
// what it was, the last error, and a Retry for mails that can be sent again. Sign-in and
// follow-up mails cannot (their links were erased); the patron asks again instead.
// Text via textContent only.

import { apiError } from './api.js';
import { localWhen } from './localtime.js';

const KINDS = { transcript: 'Transcript', signin: 'Sign-in link', followup: 'Check-in', case: 'Answer to a question', other: 'E-mail' };

/** The admin's line about the library's e-mail, in the words /healthz uses (queued,
 * sent, undeliverable). `dead`: dead letters listed. */
export function summaryWords(sum, dead) {
  if (!sum) return dead ? '' : 'No undeliverable e-mail.';
  const counts = `${sum.queued} queued · ${sum.sent} sent · ${sum.undeliverable} undeliverable`;
  if (!sum.smtp) {
    return `E-mail: ${counts}. No SMTP server is configured, so this library cannot send e-mail: queued mail is undeliverable until one is (--smtp-url).`;
  }
  return `E-mail: ${counts}.`;
}

export class DeadMail {
  constructor({ root, api }) {
    this.api = api;
    this.root = root;
    const h = document.createElement('h2');
    h.className = 'side-heading';
    h.id = 'deadmail-heading';
    h.textContent = 'Undelivered e-mail';
    this.status = document.createElement('p');
    this.status.className = 'hint';
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.list = document.createElement('ul');
    this.list.className = 'deadmail-list';
    root.setAttribute('aria-labelledby', h.id);
    root.replaceChildren(h, this.status, this.list);
  }

  /** Shows the section to admins and loads it; hides it from everyone else. */
  async load(admin) {
    this.root.hidden = !admin;
    if (!admin) return;
    const res = await this.api('GET', 'outbox?state=dead');
    if (res.status !== 200 || !res.body || !Array.isArray(res.body.mails)) {
      this.status.textContent = apiError(res, 'Undelivered e-mail: not available.');
      this.list.replaceChildren();
      return;
    }
    const mails = res.body.mails;
    this.tz = res.body.time_zone || 'UTC';
    this.status.textContent = summaryWords(res.body.summary, mails.length);
    this.list.replaceChildren(...mails.map((m) => this.item(m)));
  }

  item(m) {
    const li = document.createElement('li');
    li.className = 'deadmail-item';
    const what = document.createElement('p');
    what.className = 'deadmail-what';
    what.textContent = `${KINDS[m.kind] || 'E-mail'} to ${m.to}`;
    const why = document.createElement('p');
    why.className = 'hint deadmail-why';
    const when = m.created_at ? localWhen(m.created_at, this.tz) : '';
    why.textContent = `${when} · ${m.attempts} ${m.attempts === 1 ? 'attempt' : 'attempts'} · ${m.last_error || 'no error recorded'}`;
    li.append(what, why);
    if (m.kind !== 'signin' && m.kind !== 'followup') {
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'btn btn--small btn--quiet';
      retry.textContent = 'Retry';
      retry.setAttribute('aria-label', `Retry the e-mail to ${m.to}`);
      retry.addEventListener('click', async () => {
        retry.disabled = true;
        const res = await this.api('POST', `outbox/${m.id}/retry`, {});
        if (res.status === 200) {
          this.status.textContent = `Sending the e-mail to ${m.to} again.`;
          li.remove();
        } else {
          retry.disabled = false;
          this.status.textContent = apiError(res);
        }
      });
      li.append(retry);
    }
    return li;
  }
}
