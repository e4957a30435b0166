// "Promised to you" on the patron's chat page (docs/PROTOCOL.md `promises`): what a
// librarian promised, who, by when and how ("Jen will e-mail you the APA guide by
// Fri 5:00 PM"). Only the patron's own open promises ever arrive. Text via textContent.
import { bdi, el } from './ui.js';
import { firstName } from './people.js';
import { formatDue } from './promises.js';

export class Promised {
  /** Builds its section and puts it before `before` (an element of the page). */
  constructor(before) {
    this.heading = el('h2', { class: 'promised-heading', text: 'Promised to you', attrs: { id: 'promised-heading' } });
    this.list = el('ul', { class: 'promised-list' });
    this.root = el('section', { class: 'promised', attrs: { 'aria-labelledby': 'promised-heading', hidden: true } }, [this.heading, this.list]);
    before.parentNode.insertBefore(this.root, before);
  }

  /** The patron's open promises (from welcome or a `promises` frame). */
  set(promises) {
    const items = Array.isArray(promises) ? promises : [];
    this.root.hidden = items.length === 0;
    this.list.replaceChildren(...items.map((p) => {
      const who = p.owner && p.owner.name ? firstName(p.owner) : 'A librarian';
      const how = p.channel === 'chat' ? 'send you' : 'e-mail you';
      return el('li', {}, [
        bdi(who), ` will ${how} `, el('strong', {}, [bdi(p.what)]), ' by ',
        el('time', { text: formatDue(p.due_at), attrs: { datetime: new Date(p.due_at).toISOString() } }),
        p.channel === 'chat' ? ' here' : '',
      ]);
    }));
  }
}
