// The relationship card beside the open chat in the console (docs/API.md, "Relationship
// memory (staff)"): who the patron is to us, a suggested opener, earlier chats, notes,
// traits, and their preferred and favourite librarians. Anonymous patrons get a short
// "nothing is remembered" card. Every GET of a card is audited, so it is fetched when a
// chat is opened and after an edit, not on every render.

import { bdi, el, isolate, timeEl } from './ui.js';
import { apiError } from './api.js';
import { coveringCard, goneText } from './card-covering.js';

const OUTCOMES = {
  answered: 'Answered',
  partly: 'Partly answered',
  referred: 'Referred',
  follow_up: 'Follow-up needed',
  unanswered: 'Unanswered',
};
export { OUTCOMES };

const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const STYLE_HINTS = ['detail-oriented', 'big-picture'];

function dateEl(ms) {
  const d = new Date(ms || 0);
  return el('time', { text: dateFmt.format(d), attrs: { datetime: d.toISOString() } });
}

export class CardPanel {
  /**
   * @param {object} o
   * @param {HTMLElement} o.root     the element the card is drawn into
   * @param {Function} o.api         REST helper from api.js
   * @param {() => object} o.me      the signed-in staff member {id, name, role}
   * @param {(text: string) => boolean} o.insert  puts the opener in the reply box
   * @param {(chatId: number, back?: Function) => void} o.openTranscript
   * @param {(q: string, patron: number) => Promise<object>} o.search   patron history search
   * @param {(card: object|null, chatId: number) => void} [o.onLoad]
   */
  constructor(o) {
    Object.assign(this, o);
    this.chatId = 0;
    this.patronId = 0;
    this.card = null;
    this.status = 'empty'; // empty | loading | ready | error
    this.error = '';
    this.editing = ''; // 'trait:<key>' | 'note:<id>' | ''
    this.results = null; // {q, chats} of a search within the patron's history
    this.flash = '';
    this.seq = 0;
  }

  /** Shows the card of the patron of `chat` ({id, patron}); fetches it. */
  show(chat) {
    const patron = chat && typeof chat.patron === 'number' ? chat.patron : 0;
    if (!chat) {
      this.chatId = this.patronId = 0;
      this.card = null;
      this.status = 'empty';
      this.render();
      return;
    }
    const same = chat.id === this.chatId && patron === this.patronId;
    this.chatId = chat.id;
    this.patronId = patron;
    if (same && this.status === 'ready') return;
    this.card = null;
    this.editing = '';
    this.results = null;
    this.flash = '';
    this.load();
  }

  async load(keepFocus = false) {
    const my = ++this.seq;
    if (!this.patronId) {
      this.status = 'error';
      this.error = 'This chat does not say who the patron is, so there is no card.';
      this.render();
      return;
    }
    if (!this.card) {
      this.status = 'loading';
      this.render();
    }
    const res = await this.api('GET', `patrons/${this.patronId}/card?chat=${this.chatId}`);
    if (my !== this.seq) return; // another chat was opened meanwhile
    if (res.status === 200 && res.body && res.body.patron) {
      this.card = res.body;
      this.status = 'ready';
    } else {
      const covered = this.card && this.card.covering ? this.card : null; // access ended with the chat
      this.card = null;
      this.status = 'error';
      this.error = res.status === 404 ? (covered ? goneText(covered) : "This patron's card is not available.") : apiError(res, 'The card could not be loaded.');
    }
    this.render(keepFocus);
    if (this.onLoad) this.onLoad(this.card, this.chatId);
  }

  /** Re-reads the card after an edit, keeping focus where it was. */
  refresh() {
    return this.load(true);
  }

  // ---- rendering ----------------------------------------------------------------------

  render(keepFocus = false) {
    const active = document.activeElement;
    const key = keepFocus && active && this.root.contains(active) ? active.dataset.key : '';
    this.root.replaceChildren(...this.body());
    if (key) {
      const again = this.root.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (again) again.focus();
      else this.root.querySelector('h2')?.focus();
    }
  }

  body() {
    if (this.status === 'empty') {
      return [el('h2', { class: 'card-title', text: 'Patron', attrs: { id: 'card-heading', tabindex: '-1' } }), el('p', { class: 'empty', text: 'Open a chat to see who you are talking to.' })];
    }
    if (this.status === 'loading') {
      return [el('h2', { class: 'card-title', text: 'Patron', attrs: { id: 'card-heading', tabindex: '-1' } }), el('p', { class: 'empty', text: 'Loading the card…' })];
    }
    if (this.status === 'error') {
      return [el('h2', { class: 'card-title', text: 'Patron', attrs: { id: 'card-heading', tabindex: '-1' } }), el('p', { class: 'empty', text: this.error })];
    }
    const c = this.card;
    if (c.covering) return coveringCard(this, c); // another library's patron (js/card-covering.js)
    if (!c.patron.remembered) {
      return [
        el('h2', { class: 'card-title', text: 'Patron', attrs: { id: 'card-heading', tabindex: '-1' } }),
        el('p', { class: 'card-anon', text: 'Anonymous patron — nothing is remembered.' }),
        el('p', {
          class: 'hint',
          text: 'They have not chosen "Remember me", so there are no earlier chats, notes or traits to show. If they would like you to remember them next time, they can choose "Remember me" on the chat page.',
        }),
      ];
    }
    return [
      this.header(c),
      this.flash ? el('p', { class: 'card-flash', text: this.flash, attrs: { role: 'status' } }) : null,
      this.opener(c),
      this.history(c),
      this.notes(c),
      this.traits(c),
      this.followups(c),
    ].filter(Boolean);
  }

  // ---- follow-ups: check-in e-mails (docs/API.md, "Follow-ups") ----------------------

  followups(c) {
    const list = c.followups || [];
    const canMail = Boolean(c.patron.email);
    const STATES = { scheduled: 'Scheduled', sent: 'Sent, no answer yet', answered: 'Answered', undeliverable: 'Undeliverable: the e-mail could not be sent' };
    const items = list.map((f) => {
      const state = el('span', { class: `followup-state is-${f.state}`, text: STATES[f.state] || f.state });
      const parts = [
        el('p', { class: 'followup-meta' }, [dateEl(f.due_at), ' ', state]),
        el('p', { class: 'followup-msg', text: f.message, attrs: { dir: 'auto' } }),
      ];
      if (f.state === 'answered') {
        parts.push(el('p', { class: 'followup-answer' }, [
          `Rated ${f.rating} of 5`, f.reply ? ': “' : '', f.reply ? el('bdi', { text: f.reply }) : '', f.reply ? '”' : '',
        ]));
      }
      if (f.state === 'scheduled') {
        parts.push(el('p', { class: 'row-actions' }, [el('button', {
          class: 'link-btn link-btn--danger', text: 'Cancel',
          attrs: { type: 'button', 'data-key': `fu-cancel:${f.id}`, 'aria-label': `Cancel the check-in of ${dateFmt.format(new Date(f.due_at || 0))}` },
          on: { click: () => this.cancelFollowup(f.id) },
        })]));
      }
      return el('li', { class: 'followup' }, parts);
    });
    return el('section', { class: 'card-sec', attrs: { 'aria-labelledby': 'card-followups' } }, [
      el('h3', { text: 'Check-ins', attrs: { id: 'card-followups' } }),
      items.length ? el('ul', { class: 'followups' }, items) : el('p', { class: 'empty', text: 'No check-ins yet.' }),
      canMail ? this.followupForm() : el('p', { class: 'hint', text: 'A check-in needs the patron’s e-mail address.' }),
    ]);
  }

  followupForm() {
    const day = 24 * 3600 * 1000;
    const when = el('select', { attrs: { id: 'fu-when', 'data-key': 'fu-when' } }, [
      el('option', { text: 'In 3 days', attrs: { value: String(3 * day) } }),
      el('option', { text: 'In a week', attrs: { value: String(7 * day) } }),
      el('option', { text: 'Pick a date and time', attrs: { value: 'custom' } }),
    ]);
    const custom = el('input', { attrs: { type: 'datetime-local', id: 'fu-at', hidden: true, 'aria-label': 'Date and time' } });
    when.addEventListener('change', () => { custom.hidden = when.value !== 'custom'; });
    const msg = el('textarea', { attrs: { id: 'fu-msg', rows: 2, maxlength: 500, 'data-key': 'fu-msg' } });
    msg.value = 'How did your project go?';
    const form = el('form', { class: 'followup-form' }, [
      el('label', { text: 'Schedule a check-in', attrs: { for: 'fu-when' } }), when, custom,
      el('label', { text: 'Message', attrs: { for: 'fu-msg' } }), msg,
      el('button', { class: 'btn btn--small', text: 'Schedule', attrs: { type: 'submit' } }),
    ]);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const due = when.value === 'custom' ? new Date(custom.value).getTime() : Date.now() + Number(when.value);
      if (!Number.isFinite(due)) { this.say('Pick a date and time.'); return; }
      const res = await this.api('POST', `chats/${this.chatId}/followup`, { due_at: due, message: msg.value.trim() });
      this.flash = res.status === 201 ? 'Check-in scheduled.' : apiError(res, 'The check-in could not be scheduled.');
      this.refresh();
    });
    return form;
  }

  async cancelFollowup(id) {
    const res = await this.api('POST', `followups/${id}/cancel`, {});
    this.flash = res.status === 200 ? 'Check-in cancelled.' : apiError(res, 'It could not be cancelled.');
    this.refresh();
  }

  header(c) {
    const p = c.patron;
    const name = p.preferred_name || p.display_name || (c.returning ? 'Returning patron' : 'Remembered patron');
    const pronouns = p.pronouns || this.traitValue('pronouns');
    const full = p.display_name && p.display_name !== name ? p.display_name : '';
    return el('header', { class: 'card-head' }, [
      el('h2', { class: 'card-title', attrs: { id: 'card-heading', tabindex: '-1' } }, [
        el('span', { text: name }),
        pronouns ? el('span', { class: 'pronouns' }, [' (', bdi(pronouns), ')']) : null,
      ]),
      el('p', { class: 'card-badges' }, [c.returning ? el('span', { class: 'badge', text: 'Returning' }) : el('span', { class: 'badge badge--new', text: 'First remembered chat' }), full ? el('span', { class: 'card-fullname', text: full }) : null]),
      c.tenure ? el('p', { class: 'card-tenure', text: c.tenure }) : null,
      this.people(c),
      p.email ? el('p', { class: 'card-email' }, [el('span', { class: 'visually-hidden', text: 'E-mail: ' }), p.email]) : null,
    ]);
  }

  opener(c) {
    if (!c.opener) return null;
    const id = 'card-opener-text';
    return el('section', { class: 'card-sec card-opener', attrs: { 'aria-labelledby': 'card-opener-h' } }, [
      el('h3', { text: 'Suggested opener', attrs: { id: 'card-opener-h' } }),
      el('p', { class: 'opener-text', text: c.opener, attrs: { id, dir: 'auto' } }),
      el('button', {
        class: 'btn btn--small',
        text: 'Insert',
        attrs: { type: 'button', 'aria-describedby': id, 'data-key': 'opener-insert' },
        on: {
          click: () => {
            if (!this.insert(c.opener)) this.say('Pick up the chat first: the opener goes into your reply box for you to edit.');
          },
        },
      }),
      el('p', { class: 'hint', text: 'Goes into your reply box to edit; nothing is sent until you send it.' }),
    ]);
  }

  /** "Prefers you · Favourites: you, Sam Lee" (null when neither is set). */
  people(c) {
    const me = this.me() || {};
    const pref = c.preferred_staff;
    const favs = Array.isArray(c.favourites) ? c.favourites : [];
    if (!pref && !favs.length) return null;
    const who = (s) => (s.id === me.id ? 'you' : bdi(s.name));
    const parts = [];
    if (pref) parts.push(el('span', { class: pref.id === me.id ? 'is-me' : '' }, ['Prefers ', who(pref)]));
    if (pref && favs.length) parts.push(el('span', { text: ' · ', attrs: { 'aria-hidden': 'true' } }));
    if (favs.length) parts.push(el('span', {}, ['Favourites: ', ...favs.flatMap((f, i) => (i ? [', ', who(f)] : [who(f)]))]));
    return el('p', { class: 'card-people' }, parts);
  }

  traitValue(key) {
    const t = (this.card.traits || []).find((x) => x.key === key);
    return t ? t.value : '';
  }

  traits(c) {
    const traits = Array.isArray(c.traits) ? c.traits : [];
    const keys = Array.isArray(c.trait_keys) ? c.trait_keys : [];
    const rows = traits.map((t) => this.traitRow(t));
    const unused = keys.filter((k) => !traits.some((t) => t.key === k.key));
    return el('section', { class: 'card-sec', attrs: { 'aria-labelledby': 'card-traits-h' } }, [
      el('h3', { text: 'Traits', attrs: { id: 'card-traits-h' } }),
      rows.length ? el('dl', { class: 'traits' }, rows) : el('p', { class: 'empty', text: 'No traits yet.' }),
      unused.length ? this.traitAdd(unused) : null,
    ]);
  }

  traitRow(t) {
    const editing = this.editing === 'trait:' + t.key;
    const dd = editing
      ? this.traitForm(t.key, t.label, t.value, () => {
          this.editing = '';
          this.render();
          this.root.querySelector(`[data-key="trait-edit-${CSS.escape(t.key)}"]`)?.focus();
        })
      : el('dd', {}, [
          el('span', { class: 'trait-value', text: t.value }),
          el('button', {
            class: 'link-btn',
            text: 'Edit',
            attrs: { type: 'button', 'aria-label': `Edit ${(this.card.trait_keys || []).some((k) => k.key === t.key && k.preset) ? t.label : isolate(t.label)}`, 'data-key': `trait-edit-${t.key}` },
            on: {
              click: () => {
                this.editing = 'trait:' + t.key;
                this.render();
                this.root.querySelector(`#trait-in-${CSS.escape(t.key)}`)?.focus();
              },
            },
          }),
        ]);
    return el('div', { class: 'trait' }, [el('dt', { text: t.label }), editing ? el('dd', {}, [dd]) : dd]);
  }

  traitForm(key, label, value, cancel) {
    const inputId = `trait-in-${key}`;
    const input = el('input', { attrs: { type: 'text', id: inputId, value, maxlength: 255, 'aria-label': label, list: key === 'style' ? 'style-hints' : null } });
    const form = el('form', { class: 'inline-form', attrs: { novalidate: true } }, [
      input,
      key === 'style' ? el('datalist', { attrs: { id: 'style-hints' } }, STYLE_HINTS.map((v) => el('option', { attrs: { value: v } }))) : null,
      el('button', { class: 'btn btn--small', text: 'Save', attrs: { type: 'submit' } }),
      el('button', { class: 'btn btn--quiet btn--small', text: 'Cancel', attrs: { type: 'button' }, on: { click: cancel } }),
    ]);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.saveTrait(key, input.value.trim(), `trait-edit-${key}`);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        cancel();
      }
    });
    return form;
  }

  traitAdd(unused) {
    const select = el('select', { attrs: { id: 'trait-add-key', 'data-key': 'trait-add-key' } }, unused.map((k) => el('option', { text: k.label, attrs: { value: k.key } })));
    const input = el('input', { attrs: { type: 'text', id: 'trait-add-value', maxlength: 255, list: 'style-hints-add' } });
    const form = el('form', { class: 'trait-add', attrs: { novalidate: true, 'aria-label': 'Add a trait' } }, [
      el('label', { class: 'visually-hidden', text: 'Trait', attrs: { for: 'trait-add-key' } }),
      select,
      el('label', { class: 'visually-hidden', text: 'Value', attrs: { for: 'trait-add-value' } }),
      input,
      el('datalist', { attrs: { id: 'style-hints-add' } }, STYLE_HINTS.map((v) => el('option', { attrs: { value: v } }))),
      el('button', { class: 'btn btn--quiet btn--small', text: 'Add', attrs: { type: 'submit', 'data-key': 'trait-add' } }),
    ]);
    input.placeholder = 'Value';
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = input.value.trim();
      if (!v) {
        input.focus();
        return;
      }
      this.saveTrait(select.value, v, 'trait-add-key');
    });
    return form;
  }

  async saveTrait(key, value, focusKey) {
    const res = await this.api('POST', `patrons/${this.patronId}/traits`, { key, value });
    if (res.status !== 200) {
      this.say(apiError(res, 'The trait could not be saved.'));
      return;
    }
    this.editing = '';
    this.flash = value ? 'Trait saved.' : 'Trait removed.';
    await this.refresh();
    this.root.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
  }

  notes(c) {
    const me = this.me() || {};
    const notes = (Array.isArray(c.notes) ? c.notes.slice() : []).sort((a, b) => (b.created_at || 0) - (a.created_at || 0));
    const add = el('textarea', { attrs: { id: 'note-new', rows: 2, maxlength: 2000, 'data-key': 'note-new' } });
    const addForm = el('form', { class: 'note-add', attrs: { novalidate: true } }, [
      el('label', { class: 'visually-hidden', text: 'New note', attrs: { for: 'note-new' } }),
      add,
      el('button', { class: 'btn btn--small', text: 'Add note', attrs: { type: 'submit', 'data-key': 'note-add' } }),
    ]);
    add.placeholder = 'Add a note for colleagues (staff only)';
    addForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = add.value.trim();
      if (!body) {
        add.focus();
        return;
      }
      const res = await this.api('POST', `patrons/${this.patronId}/notes`, { body });
      if (res.status !== 201 && res.status !== 200) {
        this.say(apiError(res, 'The note could not be saved.'));
        return;
      }
      this.flash = 'Note added.';
      await this.refresh();
      this.root.querySelector('[data-key="note-new"]')?.focus();
    });
    return el('section', { class: 'card-sec', attrs: { 'aria-labelledby': 'card-notes-h' } }, [
      el('h3', { text: `Notes${notes.length ? ` (${notes.length})` : ''}`, attrs: { id: 'card-notes-h' } }),
      notes.length ? el('ul', { class: 'notes' }, notes.map((n) => this.noteItem(n, me))) : el('p', { class: 'empty', text: 'No notes yet.' }),
      addForm,
    ]);
  }

  noteItem(n, me) {
    const author = n.author ? (n.author.id === me.id ? 'You' : n.author.name) : 'Staff';
    const edited = n.updated_at && n.created_at && n.updated_at - n.created_at > 1000;
    const meta = el('p', { class: 'note-meta' }, [el('bdi', { class: 'note-author', text: author }), ' · ', timeEl(n.created_at), edited ? ' · edited' : '']);
    if (this.editing === 'note:' + n.id) {
      const ta = el('textarea', { attrs: { id: `note-edit-${n.id}`, rows: 3, maxlength: 2000, 'aria-label': 'Edit note' } });
      ta.value = n.body || '';
      const cancel = () => {
        this.editing = '';
        this.render();
        this.root.querySelector(`[data-key="note-edit-${n.id}"]`)?.focus();
      };
      const form = el('form', { class: 'note-edit', attrs: { novalidate: true } }, [
        ta,
        el('div', { class: 'row-actions' }, [
          el('button', { class: 'btn btn--small', text: 'Save', attrs: { type: 'submit' } }),
          el('button', { class: 'btn btn--quiet btn--small', text: 'Cancel', attrs: { type: 'button' }, on: { click: cancel } }),
        ]),
      ]);
      ta.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          cancel();
        }
      });
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = ta.value.trim();
        if (!body) {
          ta.focus();
          return;
        }
        const res = await this.api('POST', `notes/${n.id}`, { body });
        if (res.status !== 200) {
          this.say(apiError(res, 'The note could not be saved.'));
          return;
        }
        this.editing = '';
        this.flash = 'Note saved.';
        await this.refresh();
        this.root.querySelector(`[data-key="note-edit-${n.id}"]`)?.focus();
      });
      return el('li', { class: 'note' }, [meta, form]);
    }
    const actions = [];
    if (n.can_edit) {
      actions.push(
        el('button', {
          class: 'link-btn',
          text: 'Edit',
          attrs: { type: 'button', 'data-key': `note-edit-${n.id}`, 'aria-label': 'Edit this note' },
          on: {
            click: () => {
              this.editing = 'note:' + n.id;
              this.render();
              this.root.querySelector(`#note-edit-${n.id}`)?.focus();
            },
          },
        }),
      );
    }
    if (n.can_delete) {
      actions.push(
        el('button', {
          class: 'link-btn link-btn--danger',
          text: 'Delete',
          attrs: { type: 'button', 'data-key': `note-del-${n.id}`, 'aria-label': `Delete this note by ${isolate(author)}` },
          on: { click: () => this.deleteNote(n) },
        }),
      );
    }
    return el('li', { class: 'note' }, [
      meta,
      el('p', { class: 'note-body', text: n.body || '', attrs: { dir: 'auto' } }),
      actions.length ? el('div', { class: 'row-actions' }, actions) : null,
    ]);
  }

  async deleteNote(n) {
    if (!window.confirm('Delete this note for everyone? This cannot be undone.')) return;
    const res = await this.api('POST', `notes/${n.id}/delete`, {});
    if (res.status !== 200) {
      this.say(apiError(res, 'The note could not be deleted.'));
      return;
    }
    this.flash = 'Note deleted.';
    await this.refresh();
    this.root.querySelector('[data-key="note-new"]')?.focus();
  }

  history(c) {
    const chats = this.results ? this.results.chats : Array.isArray(c.chats) ? c.chats.slice().sort((a, b) => (b.created_at || 0) - (a.created_at || 0)) : [];
    const q = el('input', { attrs: { type: 'search', id: 'card-search', 'data-key': 'card-search', value: this.results ? this.results.q : '' } });
    q.placeholder = 'Search their chats';
    const form = el('form', { class: 'card-search', attrs: { role: 'search', 'aria-label': 'Within this patron', novalidate: true } }, [
      el('label', { class: 'visually-hidden', text: "Search this patron's chats", attrs: { for: 'card-search' } }),
      q,
      el('button', { class: 'btn btn--quiet btn--small', text: 'Search', attrs: { type: 'submit' } }),
    ]);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = q.value.trim();
      if (!text) {
        this.results = null;
        this.render();
        return;
      }
      const res = await this.search(text, this.patronId);
      if (res.status !== 200) {
        this.say(res.status === 400 ? 'Type a word to search for.' : apiError(res, 'The search did not work.'));
        return;
      }
      this.results = { q: text, chats: (res.body && res.body.chats) || [] };
      this.render();
      this.root.querySelector('#card-results-status')?.focus();
    });
    const head = this.results
      ? el('p', { class: 'card-results', attrs: { id: 'card-results-status', tabindex: '-1', role: 'status' } }, [
          `${chats.length} ${chats.length === 1 ? 'chat matches' : 'chats match'} “`, bdi(this.results.q), '”. ',
          el('button', {
            class: 'link-btn',
            text: 'Show all earlier chats',
            attrs: { type: 'button' },
            on: {
              click: () => {
                this.results = null;
                this.render();
                this.root.querySelector('[data-key="card-search"]')?.focus();
              },
            },
          }),
        ])
      : null;
    const list = chats.length
      ? el('ul', { class: 'history' }, chats.map((ch) => this.historyItem(ch)))
      : el('p', { class: 'empty', text: this.results ? 'Nothing found.' : 'No earlier chats.' });
    return el('section', { class: 'card-sec', attrs: { 'aria-labelledby': 'card-history-h' } }, [
      el('h3', { text: 'Earlier chats', attrs: { id: 'card-history-h' } }),
      form,
      head,
      list,
    ]);
  }

  historyItem(ch) {
    const who = ch.staff && ch.staff.name ? ch.staff.name : 'Not picked up';
    const bits = [];
    if (ch.outcome) bits.push(el('span', { class: 'badge' + (ch.outcome === 'answered' ? '' : ' badge--warm'), text: OUTCOMES[ch.outcome] || ch.outcome }));
    if (ch.rating) bits.push(el('span', { class: 'rating', text: `★ ${ch.rating}/5`, attrs: { title: `Rated ${ch.rating} of 5 by the patron` } }));
    const btn = el(
      'button',
      {
        class: 'history-item',
        attrs: { type: 'button', 'data-key': `hist-${ch.id}` },
        on: { click: () => this.openTranscript(ch.id, () => this.root.querySelector(`[data-key="hist-${ch.id}"]`)?.focus()) },
      },
      [
        el('span', { class: 'history-top' }, [dateEl(ch.created_at), el('span', { text: ' · ' + who })]),
        el('span', { class: 'history-q', text: ch.question || '(no question)' }),
        bits.length ? el('span', { class: 'history-tags' }, bits) : null,
      ],
    );
    return el('li', {}, [btn]);
  }

  say(text) {
    this.flash = text;
    this.render(true);
  }
}
