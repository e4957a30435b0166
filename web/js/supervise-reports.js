// Supervisors' reports in the console's side column (docs/API.md, GET /api/v1/reports/
// handoffs and /reports/feedback): how chats were handed on in the last 30 days (what came
// of it, by queue, and how often patrons asked "could someone else help me?" per
// librarian — for supervisors only, never shown to peers), and the patrons' ratings per
// librarian with the latest rated chats. Nothing here is drawn for a librarian.

import { bdi, el, timeEl } from './ui.js';
import { supervises } from './supervise.js';

const DAYS = 30;

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** "40 s", "3 min": a duration in plain words. */
function took(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 60000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  return `${Math.round(ms / 60000)} min`;
}

function stars(n) {
  return el('span', { class: 'sv-stars', attrs: { 'aria-hidden': 'true' }, text: '★'.repeat(n) + '☆'.repeat(5 - n) });
}

/** Rows of a small two-column table: [label, value] pairs. */
function facts(rows) {
  return el('dl', { class: 'sv-facts' }, rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, [].concat(v))]));
}

function sub(text) {
  return el('h3', { class: 'sv-sub', text });
}

function heading(id, text, onRefresh) {
  return el('div', { class: 'sv-head' }, [
    el('h2', { class: 'side-heading', attrs: { id }, text }),
    el('button', { class: 'link-btn sv-refresh', text: 'Update', attrs: { type: 'button', 'aria-describedby': id }, on: { click: onRefresh } }),
  ]);
}

export class SuperviseReports {
  /**
   * @param {object} o
   * @param {HTMLElement} o.handoffs the Hand-offs section
   * @param {HTMLElement} o.feedback the Feedback section
   * @param {Function} o.api the REST helper (js/api.js)
   * @param {() => object|null} o.me the signed-in librarian
   * @param {(id: number) => void} o.openTranscript opens an ended chat's transcript
   */
  constructor({ handoffs, feedback, api, me, openTranscript }) {
    Object.assign(this, { handoffsRoot: handoffs, feedbackRoot: feedback, api, me, openTranscript });
    this.timer = 0;
  }

  load() {
    const on = supervises(this.me());
    this.handoffsRoot.hidden = !on;
    this.feedbackRoot.hidden = !on;
    clearTimeout(this.timer);
    if (!on) {
      this.handoffsRoot.replaceChildren();
      this.feedbackRoot.replaceChildren();
      return;
    }
    this.timer = setTimeout(() => this.load(), 2 * 60 * 1000);
    this.loadHandoffs();
    this.loadFeedback();
  }

  /** Loads again in a little while (a chat ended: a rating may follow). */
  soon(ms = 8000) {
    if (!supervises(this.me())) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), ms);
  }

  stop() {
    clearTimeout(this.timer);
    this.handoffsRoot.hidden = true;
    this.feedbackRoot.hidden = true;
  }

  /** GET reports/`kind`: {head, b} (b null, and the section says why, when it failed). */
  async report(root, kind, title, again) {
    const res = await this.api('GET', `reports/${kind}?days=${DAYS}`);
    const head = heading(`sv-${kind}-heading`, title, again);
    if (res.status === 200 && res.body) return { head, b: res.body };
    const why = res.status === 403 ? 'Only supervisors and admins can see this report.' : `The ${title.toLowerCase()} report is not available right now.`;
    root.replaceChildren(head, el('p', { class: 'empty', text: why }));
    return { head, b: null };
  }

  async loadHandoffs() {
    const root = this.handoffsRoot;
    const { head, b } = await this.report(root, 'handoffs', 'Hand-offs', () => this.loadHandoffs());
    if (!b) return;
    const kids = [head, el('p', { class: 'sv-hint', text: `Chats handed on to a colleague or a queue, last ${DAYS} days.` })];
    if (!b.total) {
      kids.push(el('p', { class: 'empty', text: 'No chat was handed on.' }));
    } else {
      kids.push(facts([
        ['Handed on', `${b.total} (${plural(b.chats, 'chat')})`],
        ['Accepted', String(b.accepted)],
        ['Declined', String(b.declined)],
        ['Nobody took it in time', String(b.timed_out)],
        ['Handed on twice or more', plural(b.chats_two_plus, 'chat')],
        ['Typical time to accept', took(b.accept_ms_median)],
      ]));
      if ((b.by_queue || []).length) {
        kids.push(sub('By queue'), el('ul', { class: 'sv-rows' }, b.by_queue.map((q) =>
          el('li', {}, [bdi(q.queue.name), el('span', { class: 'sv-num', text: `${q.total} handed on, ${q.accepted} accepted` })]))));
      }
    }
    const asked = (b.someone_else || []).filter((x) => x.total > 0);
    kids.push(sub('Asked for someone else'), el('p', { class: 'sv-hint', text: 'How often patrons asked “Could someone else help me?”, by the librarian they were with. Only supervisors see this.' }));
    kids.push(asked.length
      ? el('ul', { class: 'sv-rows' }, asked.map((x) => el('li', {}, [bdi(x.staff.name), el('span', { class: 'sv-num', text: plural(x.total, 'time') })])))
      : el('p', { class: 'empty', text: 'No patron asked.' }));
    root.replaceChildren(...kids);
  }

  async loadFeedback() {
    const root = this.feedbackRoot;
    const { head, b } = await this.report(root, 'feedback', 'Feedback', () => this.loadFeedback());
    if (!b) return;
    if (!b.rated) {
      root.replaceChildren(head, el('p', { class: 'empty', text: `No patron rated a chat in the last ${DAYS} days.` }));
      return;
    }
    const kids = [head, el('p', { class: 'sv-total' }, [`${b.mean.toFixed(1)} of 5 on average, from ${plural(b.rated, 'rating')} (last ${DAYS} days).`])];
    kids.push(sub('By librarian'), el('ul', { class: 'sv-rows' }, (b.by_staff || []).map((s) =>
      el('li', {}, [s.staff ? bdi(s.staff.name) : 'Nobody (never picked up)', el('span', { class: 'sv-num', text: `${s.mean.toFixed(1)} average · ${plural(s.rated, 'rating')}` })]))));
    kids.push(sub('Latest rated chats'), el('ul', { class: 'sv-recent' }, (b.recent || []).slice(0, 8).map((x) => this.recent(x))));
    root.replaceChildren(...kids);
  }

  recent(x) {
    const c = x.chat;
    const id = `sv-rated-${c.id}`;
    return el('li', { class: 'sv-rated' }, [
      el('p', { class: 'sv-rated-top', attrs: { id } }, [stars(x.rating), el('span', { class: 'visually-hidden', text: `Rated ${x.rating} of 5` }), ' ', c.staff ? bdi(c.staff.name) : '', c.ended_at ? [' · ', timeEl(c.ended_at)] : ''].flat()),
      el('p', { class: 'sv-rated-q', attrs: { dir: 'auto' } }, x.question ? ['“', bdi(x.question), '”'] : ['(no question)']),
      el('button', { class: 'link-btn', text: `Read chat #${c.id}`, attrs: { type: 'button', 'aria-describedby': id }, on: { click: () => this.openTranscript(c.id) } }),
    ]);
  }
}
