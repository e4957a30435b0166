// The relationship card of another library's patron, for a librarian covering their chat
// (docs/API.md, the card's `covering`, `shared` and `library`): one plain sentence says
// what that library shares ("North College Library shares: preferred name, earlier chats.
// Nothing else about this patron is shown to other libraries."), then only those parts,
// read-only: no notes, traits, check-ins or promises can be added for another library's
// patron, and their earlier transcripts stay with that library. js/card.js draws the rest.

import { bdi, el, timeEl } from './ui.js';

const FIELDS = {
  display_name: 'full name',
  preferred_name: 'preferred name',
  pronouns: 'pronouns',
  email: 'e-mail address',
  tenure: 'how long they have been a patron',
  chats: 'earlier chats',
  notes: 'notes',
  traits: 'traits',
  promises: 'open promises',
  followups: 'check-ins',
};

const dayFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** "<Library> shares: a, b. Nothing else about this patron is shown to other libraries." */
export function sharesLine(lib, shared) {
  const name = bdi(lib.name || 'Their library');
  const words = (Array.isArray(shared) ? shared : []).map((f) => FIELDS[f] || f);
  if (!words.length) return [name, ' shares nothing about its patrons with other libraries.'];
  return [name, ` shares: ${words.join(', ')}. Nothing else about this patron is shown to other libraries.`];
}

/** What the card says once the chat it was read for has ended (the server answers 404). */
export function goneText(card) {
  const lib = card && card.library ? card.library.name : 'the other library';
  return `The chat has ended, and with it your access to this patron of ${lib}: their card is no longer shown.`;
}

const heading = (kids) => el('h2', { class: 'card-title', attrs: { id: 'card-heading', tabindex: '-1' } }, kids);

/** A read-only part of the card: `title`, and `items` (nodes) or the `none` line. */
function part(id, title, items, none) {
  return el('section', { class: 'card-sec', attrs: { 'aria-labelledby': id } }, [
    el('h3', { text: title, attrs: { id } }),
    items.length ? el('ul', { class: 'cover-list' }, items.map((kids) => el('li', {}, kids))) : el('p', { class: 'empty', text: none }),
  ]);
}

function day(ms) {
  const d = new Date(ms || 0);
  return el('time', { text: dayFmt.format(d), attrs: { datetime: d.toISOString() } });
}

/** The card's nodes for a covering librarian (`panel`: the CardPanel, for its opener). */
export function coveringCard(panel, c) {
  const lib = c.library || {};
  const shared = Array.isArray(c.shared) ? c.shared : [];
  const p = c.patron;
  const says = el('p', { class: 'card-cover', attrs: { id: 'card-cover' } }, sharesLine(lib, shared));
  const whose = el('p', { class: 'card-badges' }, [el('span', { class: 'badge badge--cover' }, [bdi(lib.name || 'Another library'), '’s patron'])]);
  if (!p.remembered) {
    return [
      heading(['Patron']), whose,
      el('p', { class: 'card-anon', text: 'Anonymous patron — nothing is remembered.' }),
      el('p', { class: 'hint' }, ['They have not chosen "Remember me" with ', bdi(lib.name || 'their library'), ', so there is nothing to share with you.']),
    ];
  }
  const name = p.preferred_name || p.display_name || 'Their patron';
  const out = [
    heading([el('span', { text: name }), p.pronouns ? el('span', { class: 'pronouns' }, [' (', bdi(p.pronouns), ')']) : null]),
    whose,
    p.display_name && p.display_name !== name ? el('p', { class: 'card-fullname', text: p.display_name }) : null,
    c.tenure ? el('p', { class: 'card-tenure', text: c.tenure }) : null,
    p.email ? el('p', { class: 'card-email' }, [el('span', { class: 'visually-hidden', text: 'E-mail: ' }), p.email]) : null,
    says,
    panel.opener(c),
  ];
  const has = (f) => shared.includes(f);
  if (has('chats')) {
    const items = (c.chats || []).map((ch) => [day(ch.created_at), ' · ', bdi(ch.staff ? ch.staff.name : 'Not picked up'), el('span', { class: 'cover-q', text: ch.question || '(no question)', attrs: { dir: 'auto' } })]);
    out.push(part('cover-chats-h', 'Earlier chats', items, 'No earlier chats.'));
    if (items.length) out.push(el('p', { class: 'hint' }, ['Their transcripts stay with ', bdi(lib.name || 'their library'), '.']));
  }
  if (has('notes')) {
    const items = (c.notes || []).map((n) => [el('span', { class: 'note-meta' }, [bdi(n.author ? n.author.name : 'Staff'), ' · ', timeEl(n.created_at)]), el('span', { class: 'cover-body', text: n.body || '', attrs: { dir: 'auto' } })]);
    out.push(part('cover-notes-card-h', 'Their notes', items, 'No notes.'));
  }
  if (has('traits')) {
    const items = (c.traits || []).map((t) => [el('span', { class: 'cover-key', text: `${t.label}: ` }), bdi(t.value)]);
    out.push(part('cover-traits-h', 'Traits', items, 'No traits.'));
  }
  if (has('promises')) {
    const items = (c.promises || []).map((x) => [bdi(x.what || ''), ' · due ', timeEl(x.due_at)]);
    out.push(part('cover-promises-h', 'Open promises', items, 'No open promises.'));
  }
  if (has('followups')) {
    const items = (c.followups || []).map((f) => [day(f.due_at), ' · ', el('span', { text: f.state || '' }), el('span', { class: 'cover-body', text: f.message || '', attrs: { dir: 'auto' } })]);
    out.push(part('cover-followups-h', 'Check-ins', items, 'No check-ins.'));
  }
  return out.filter(Boolean);
}
