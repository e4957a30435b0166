// The console's waiting queue: each waiting patron's question, queue, wait so far and
// whether they are online, a chat offered first to a colleague the patron knows (and its
// countdown), one handed back, one of another library of the consortium (js/covering.js
// says whose, with their policy notes), and Pick up (disabled, with the reason, at my cap or Away).
// It reads the console's `state` (queue, queues, picking, me, baseTitle).

import { bdi, el, waitedFor } from './ui.js';

/** The name of queue `id` in `queues` ('' if unknown). */
export function queueName(queues, id) {
  const q = queues.find((x) => x.id === id);
  return q ? q.name : '';
}

// "Offered to Jen (20 s left)": continuity routing holds the chat for someone the patron
// knows; only they may pick it until the offer lapses.
// Returns strings and nodes: the colleague's name as a <bdi>.
function offerText(name, o) {
  const you = name === 'you';
  const why = o.why === 'asked' ? ', who the patron asked for' : o.why === 'preferred' ? ', their preferred librarian' : o.why === 'helped' ? ', who helped them before' : '';
  const head = you ? [`Offered to you${why}`] : ['Offered to ', bdi(name), why];
  if (!o.until) return [...head, ` (waiting for ${you ? 'you' : 'them'})`];
  const left = Math.ceil((o.until - Date.now()) / 1000);
  if (left <= 0) return [...head, ' (opening to everyone…)'];
  if (left > 3600) return head;
  return [...head, ` (${left} s left)`];
}

export class QueueView {
  /**
   * @param {object} o
   * @param {object} o.ui the console's elements (console.js)
   * @param {object} o.state the console's state (console.js)
   * @param {import('./duty.js').Duty} o.duty
   * @param {() => number} o.activeCount my active chats
   * @param {(id: number) => void} o.pick Pick up was chosen for chat `id`
   * @param {(q: object, qid: string) => Node[]} [o.cover] what says an entry of another
   *   library is theirs (js/covering.js); its first node's id is `${qid}-cover`
   */
  constructor({ ui, state, duty, activeCount, pick, cover }) {
    Object.assign(this, { ui, state, duty, activeCount, pick, cover });
    setInterval(() => this.tick(), 1000);
  }

  // Why "Pick up" cannot be used now ("" when it can): at my cap, or Away.
  pickBlocked() {
    const { state, duty } = this;
    const max = state.me ? state.me.max_chats : 0;
    const n = this.activeCount();
    if (max > 0 && n >= max) {
      return `You have ${n} ${n === 1 ? 'chat' : 'chats'}, your limit. Pick up is available again when one ends.`;
    }
    if (duty.leaving) return 'You are Away and will be logged out when your last chat ends; no new chats come to you. Choose "Stay logged in" to stay.';
    if (duty.away) return 'You are Away, so no new chats come to you. Choose "Back on duty" to pick up patrons.';
    return '';
  }

  render() {
    const { ui, state } = this;
    const items = state.queue;
    const why = items.length ? this.pickBlocked() : '';
    ui.queueCount.textContent = items.length ? String(items.length) : '';
    ui.queueEmpty.hidden = items.length > 0;
    ui.queueWhy.textContent = why;
    ui.queueWhy.hidden = !why;
    // drawn afresh on every queue frame: focus on an entry's control stays on it
    const had = ui.queueList.contains(document.activeElement) ? document.activeElement.dataset.key : '';
    ui.queueList.replaceChildren(
      ...items.map((q) => {
        const qid = `q-${q.id}`;
        const picking = state.picking === q.id;
        const cover = this.cover ? this.cover(q, qid) : [];
        const meta = el('p', { class: 'q-meta' }, [
          q.returning ? el('span', { class: 'badge', text: 'Returning' }) : null,
          ...(cover.length ? [] : [el('bdi', { text: queueName(state.queues, q.queue) || 'Queue' }), el('span', { text: '·', attrs: { 'aria-hidden': 'true' } })]),
          el('span', { class: 'q-wait', dataset: { since: q.created_at }, text: 'waiting ' + waitedFor(q.created_at) }),
          q.patron_online === false ? el('span', { class: 'offline', text: 'patron offline' }) : null,
        ]);
        const o = q.offer && q.offer.staff ? q.offer : null;
        const toMe = o && state.me && o.staff.id === state.me.id;
        const offer = o
          ? el('p', {
              class: 'q-offer' + (toMe ? ' is-mine' : ''),
              attrs: { id: `${qid}-offer` },
              dataset: { until: o.until || 0, who: toMe ? 'you' : o.staff.name, why: o.why || '' },
            }, [el('span', { class: 'q-offer-text' }, offerText(toMe ? 'you' : o.staff.name, o))])
          : null;
        const blocked = Boolean(o && !toMe);
        const hb = q.handed_back && q.handed_back.by ? q.handed_back.by : null;
        const handed = hb
          ? el('p', { class: 'q-handed', attrs: { id: `${qid}-handed` } }, [
              'Handed back by ',
              el('bdi', { text: hb.name || 'a colleague' }),
              ': the patron was in a chat and keeps their place.',
            ])
          : null;
        const described = [qid, cover.length ? `${qid}-cover` : '', o ? `${qid}-offer` : '', hb ? `${qid}-handed` : '', why ? 'queue-why' : ''].filter(Boolean).join(' ');
        if (blocked) {
          offer.append(el('span', { class: 'q-offer-why', text: o.until ? ' Only they can pick it up until then.' : ' Only they can pick it up while they are on.' }));
        }
        return el('li', { class: 'q-item' + (toMe ? ' is-offered' : '') + (cover.length ? ' is-cover' : ''), dataset: { chat: q.id } }, [
          ...cover.slice(0, 1),
          el('p', { class: 'q-question', text: q.question || '(no question)', attrs: { id: qid, dir: 'auto' } }),
          meta,
          ...cover.slice(1),
          offer,
          handed,
          el('button', {
            class: 'btn btn--small',
            text: picking ? 'Picking up…' : 'Pick up',
            dataset: { key: `pick-${q.id}` },
            attrs: {
              type: 'button',
              'aria-describedby': described,
              disabled: picking || blocked || Boolean(why),
            },
            on: { click: () => this.pick(q.id) },
          }),
        ]);
      }),
    );
    if (had) ui.queueList.querySelector(`[data-key="${had}"]`)?.focus();
    document.title = items.length ? `(${items.length} waiting) ${state.baseTitle}` : state.baseTitle;
  }

  tick() {
    const { ui } = this;
    for (const span of ui.queueList.querySelectorAll('.q-wait')) {
      span.textContent = 'waiting ' + waitedFor(Number(span.dataset.since));
    }
    for (const p of ui.queueList.querySelectorAll('.q-offer')) {
      const until = Number(p.dataset.until);
      if (until) p.querySelector('.q-offer-text').replaceChildren(...offerText(p.dataset.who, { until, why: p.dataset.why }));
    }
  }
}
