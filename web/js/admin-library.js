// Administration: the library's settings and its consortium (docs/API.md,
// "Administration"): policy notes for covering librarians, the websites allowed to embed
// the widget, the widget's greeting and colours (a choice of colour, never CSS), and the
// card fields shared with the consortium; a consortium administrator also sees its member
// libraries and what each shares.

import { adminError, el, field, input, statusLine, say } from './admin-ui.js';

// How the card's field names read in the form.
const CARD_WORDS = {
  display_name: 'Name', preferred_name: 'Preferred name', pronouns: 'Pronouns', email: 'E-mail address',
  tenure: 'How long they have been with us', chats: 'Earlier chats', notes: 'Staff notes',
  traits: 'Traits', promises: 'Promises', followups: 'Follow-ups',
};
const HEX = /^#[0-9a-f]{6}$/;

function colourField(id, label, value, fallback) {
  const wrap = el('div', 'field admin-colour');
  const use = input(`${id}-on`, { type: 'checkbox' });
  use.checked = !!value;
  const ul = el('label', null, `Own ${label.toLowerCase()}`);
  ul.htmlFor = use.id;
  const pick = input(id, { type: 'color', 'aria-label': label });
  pick.value = value || fallback;
  pick.disabled = !use.checked;
  use.addEventListener('change', () => { pick.disabled = !use.checked; });
  const check = el('div', 'check');
  check.append(use, ul);
  wrap.append(check, pick);
  return { wrap, pick, value: () => (use.checked && HEX.test(pick.value) ? pick.value : '') };
}

export class AdminLibrary {
  constructor({ root, api }) {
    Object.assign(this, { root, api });
  }

  async load() {
    const res = await this.api('GET', 'admin/library');
    if (res.status !== 200) {
      this.root.replaceChildren(el('p', 'alert', adminError(res, 'Could not load the settings.')));
      return;
    }
    this.render(res.body.library, res.body.card_fields);
  }

  render(lib, cardFields) {
    const f = el('form', 'admin-form');
    f.noValidate = true;
    const notes = input('al-notes', { tag: 'textarea', rows: '5', maxlength: '4095' });
    notes.value = lib.policy_notes;
    const origins = input('al-origins', { tag: 'textarea', rows: '3', spellcheck: 'false' });
    origins.value = lib.origins.join('\n');
    const greeting = input('al-greeting', { type: 'text', maxlength: '300' });
    greeting.value = lib.greeting;
    const brand = colourField('al-colour', 'Colour', lib.colour, '#0b6660');
    const text = colourField('al-text-colour', 'Text colour', lib.text_colour, '#ffffff');
    const preview = el('p', 'admin-preview', lib.greeting || 'Ask anything: finding a book, starting a research project…');
    preview.setAttribute('aria-hidden', 'true');
    const paint = () => {
      // validated values only, set through the CSSOM (never as markup or raw CSS text)
      const c = brand.value();
      const t = text.value();
      preview.style.setProperty('--preview-bg', c || '#0b6660');
      preview.style.setProperty('--preview-fg', t || '#ffffff');
      preview.textContent = greeting.value.trim() || 'Ask anything: finding a book, starting a research project…';
    };
    for (const i of [brand.pick, text.pick, greeting]) i.addEventListener('input', paint);
    brand.wrap.addEventListener('change', paint);
    text.wrap.addEventListener('change', paint);
    const card = el('fieldset', 'admin-checks');
    card.append(el('legend', null, 'Card fields shared with the consortium'));
    if (!lib.in_consortium) card.append(el('p', 'hint', 'This library is in no consortium yet; these apply once it joins one.'));
    const boxes = cardFields.map((name) => {
      const b = input(`al-card-${name}`, { type: 'checkbox', value: name });
      b.checked = lib.consortium_card.includes(name);
      const l = el('label', null, CARD_WORDS[name] || name);
      l.htmlFor = b.id;
      const d = el('div', 'check');
      d.append(b, l);
      card.append(d);
      return b;
    });
    const st = statusLine('al-status');
    const save = el('button', 'btn', 'Save settings');
    save.type = 'submit';
    const look = el('fieldset', 'admin-look');
    look.append(el('legend', null, 'The chat widget and patron page'),
      field('Greeting', greeting, 'Shown above the question box. Plain text.'), brand.wrap, text.wrap, preview);
    f.append(el('h2', 'admin-heading', 'Library settings'),
      field('Policy notes', notes, 'For librarians of other libraries covering your desk: hours, borrowing and access rules, whom to refer to.'),
      field('Websites allowed to embed the widget', origins, 'One per line, e.g. https://www.library.example (no path).'),
      look, card, save, st);
    paint();
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      say(st, 'Saving…');
      const res = await this.api('POST', 'admin/library', {
        policy_notes: notes.value,
        origins: origins.value.split('\n').map((s) => s.trim()).filter(Boolean),
        greeting: greeting.value.trim(),
        colour: brand.value(),
        text_colour: text.value(),
        consortium_card: boxes.filter((b) => b.checked).map((b) => b.value),
      });
      if (res.status !== 200) { say(st, adminError(res), true); return; }
      origins.value = res.body.library.origins.join('\n');
      say(st, 'Saved. New patron pages use it now.');
    });
    this.root.replaceChildren(f);
  }
}

export class AdminConsortium {
  constructor({ root, api }) {
    Object.assign(this, { root, api });
  }

  async load() {
    const res = await this.api('GET', 'admin/consortium');
    const { root } = this;
    root.replaceChildren(el('h2', 'admin-heading', 'Consortium'));
    if (res.status !== 200) { root.append(el('p', 'alert', adminError(res, 'Could not load the consortium.'))); return; }
    if (!res.body.consortium) {
      root.append(el('p', 'hint', 'This library is in no consortium. A server operator adds it with `rapport consortium add`.'));
      return;
    }
    root.append(el('p', 'lede', res.body.consortium.name));
    const list = el('ul', 'admin-list');
    list.setAttribute('aria-label', 'Member libraries');
    for (const l of res.body.libraries) {
      const li = el('li', 'admin-item admin-member');
      const main = el('div', 'admin-item-main');
      main.append(el('strong', 'admin-item-name', l.name),
        el('span', 'admin-item-meta', l.consortium_card.length
          ? `Shares: ${l.consortium_card.map((n) => CARD_WORDS[n] || n).join(', ')}` : 'Shares no card fields'));
      if (l.policy_notes) main.append(el('p', 'admin-notes', l.policy_notes));
      li.append(main);
      list.append(li);
    }
    root.append(list);
  }
}
