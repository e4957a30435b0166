// The patron page's start view: which queue, how many librarians are on, the greeting,
// "who is on now" (pick a librarian before asking, with honest waits for busy ones), and
// a question left by e-mail when the desk is closed or nobody is on (docs/PROTOCOL.md).
// It reads and writes the page's `state` (queues, librarians, who, whoName).

import { bdi, el, isolate } from './ui.js';
import { humanError } from './errors.js';
import { avatar, firstName, nameLine } from './people.js';
import { msWords, staffOnWords } from './wait.js';
import { localWhen } from './localtime.js';

const $ = (id) => document.getElementById(id);

// A queue closed by its hours takes questions by e-mail only; one open by its hours with
// nobody on duty still queues a chat, and offers e-mail as well (PROTOCOL.md).
export function queueOffline(q) {
  return Boolean(q) && q.hours_open === false;
}

function queueUnstaffed(q) {
  return Boolean(q) && q.open === false && q.hours_open !== false;
}

function staffOnText(q) {
  if (!q || typeof q.staff_on !== 'number') return '';
  if (q.hours_open === false) {
    return q.next_open_local ? `The desk is closed. It opens ${q.next_open_local}.` : 'The desk is closed.';
  }
  if (q.staff_on === 0) return 'No one is on right now';
  return staffOnWords(q);
}

// Honest waits before asking: a librarian at their cap says so, with how long asking for
// them is likely to take (`busy`, `wait_ms` in `librarians`, PROTOCOL.md).
function busyWords(l) {
  if (!l.busy) return '';
  const w = msWords(l.wait_ms);
  return w ? `Helping others right now. Likely wait: ${w}.` : 'Helping others right now.';
}

export class AskView {
  /**
   * @param {object} o
   * @param {object} o.ui the page's elements (chat.js)
   * @param {object} o.state the page's state (chat.js)
   * @param {import('./protocol.js').RapportClient} o.client
   * @param {import('./patron-memory.js').Memory} o.memory
   * @param {(text: string) => void} o.alert shows (or with '' clears) the page's alert
   */
  constructor({ ui, state, client, memory, alert }) {
    Object.assign(this, { ui, state, client, memory, alert });
    this.anonHint = $('question-hint').textContent;
    this.wire();
  }

  queueById(id) {
    return this.state.queues.find((q) => q.id === id) || null;
  }

  selectedQueue() {
    const { ui, state } = this;
    if (state.queues.length > 1) return this.queueById(Number(ui.queueSelect.value)) || state.queues[0];
    return state.queues[0] || null;
  }

  librarianById(id) {
    return this.state.librarians.find((l) => l.id === id) || null;
  }

  renderQueues() {
    const { ui, state } = this;
    const keep = ui.queueSelect.value;
    ui.queueSelect.replaceChildren();
    for (const q of state.queues) {
      const opt = document.createElement('option');
      opt.value = String(q.id);
      opt.textContent = q.name;
      ui.queueSelect.append(opt);
    }
    if (keep && this.queueById(Number(keep))) ui.queueSelect.value = keep;
    ui.queueField.hidden = state.queues.length < 2;
    this.renderStaffOn();
  }

  renderStaffOn() {
    const { ui, state } = this;
    const q = this.selectedQueue();
    const text = staffOnText(q);
    ui.staffOn.textContent = text;
    ui.staffOn.classList.toggle('is-on', Boolean(q && q.staff_on > 0 && !queueOffline(q) && !q.all_busy));
    ui.staffOn.classList.toggle('is-busy', Boolean(q && q.staff_on > 0 && !queueOffline(q) && q.all_busy));
    const canAsk = state.queues.length > 0;
    const offline = queueOffline(q);
    // no e-mail can be sent: say so, rather than take a question nobody can answer
    const noMail = Boolean(q && q.offline_questions === false);
    $('ask-btn').disabled = !canAsk || (offline && noMail);
    ui.offlineField.hidden = noMail || (!offline && !queueUnstaffed(q));
    $('offline-btn').hidden = noMail || !queueUnstaffed(q);
    if (noMail && (offline || queueUnstaffed(q))) {
      ui.offlineStatus.textContent = 'This library cannot send e-mail right now, so you cannot leave a question here. Please come back when the desk is open.';
    } else if (noMail) {
      ui.offlineStatus.textContent = '';
    }
    $('ask-btn').textContent = offline ? 'Leave your question' : 'Ask a librarian';
  }

  renderGreeting() {
    const { ui, memory, state } = this;
    const name = memory.name();
    // Remembered patrons are known by name: no "You don't need to give your name".
    $('question-hint').textContent = memory.remembered()
      ? 'The librarians will see your earlier questions. Your chat is private to you and the library.'
      : this.anonHint;
    if (name) {
      ui.startHeading.replaceChildren('Welcome back, ', bdi(name));
      ui.startLede.textContent = 'What can we help you with today? The librarians can see your earlier questions, so you can pick up where you left off.';
    } else if (memory.remembered()) {
      ui.startHeading.textContent = 'Welcome back';
      ui.startLede.textContent = 'What can we help you with today? The librarians can see your earlier questions, so you can pick up where you left off.';
    } else {
      ui.startHeading.textContent = 'How can we help?';
      ui.startLede.textContent = (state.library && state.library.greeting)
        || 'Ask anything: finding a book, starting a research project, citing a source. A real librarian reads every question.';
    }
  }

  // "Who is on now": first available (the default) or one of the listed librarians.
  renderWho() {
    const { ui, state, memory } = this;
    const libs = state.librarians;
    if (state.who && !this.librarianById(state.who)) {
      const gone = state.whoName || 'That librarian';
      state.who = 0;
      if (!ui.startView.hidden) memory.say(`${isolate(gone)} has just gone off duty, so we'll ask the first available librarian.`);
    }
    ui.whoField.hidden = libs.length === 0;
    if (!libs.length) {
      ui.whoList.replaceChildren();
      this.renderWhoNote();
      return;
    }
    const rel = memory.remembered() ? memory.relation : {};
    const favs = Array.isArray(rel.favourites) ? rel.favourites : [];
    const option = (value, pic, title, sub, badges, busy) => {
      const id = `who-${value || 'first'}`;
      const input = el('input', {
        attrs: { type: 'radio', name: 'who', id, value: String(value), checked: state.who === value },
        on: {
          change: () => {
            state.who = value;
            state.whoName = value ? (this.librarianById(value) || {}).name : '';
            this.renderWhoNote();
          },
        },
      });
      return el('div', { class: 'who-option' }, [
        input,
        el('label', { attrs: { for: id } }, [
          pic,
          el('span', { class: 'who-text' }, [
            title,
            sub ? el('span', { class: 'who-sub', text: sub }) : null,
            busy ? el('span', { class: 'who-busy', text: busy }) : null,
            badges.length ? el('span', { class: 'who-badges' }, badges.map((b) => el('span', { class: 'badge', text: b }))) : null,
          ]),
        ]),
      ]);
    };
    const first = option(
      0,
      el('span', { class: 'avatar avatar--md avatar--any', attrs: { 'aria-hidden': 'true' }, text: '✦' }),
      el('span', { class: 'person-name', text: 'First available' }),
      'Whoever is free first. Usually the quickest.',
      [],
      this.firstBusyWords(),
    );
    const people = libs.map((l) => {
      const badges = [];
      if (rel.preferred_staff === l.id) badges.push('Your preferred librarian');
      if (favs.includes(l.id)) badges.push('★ Favourite');
      return option(l.id, avatar(l, 'md'), nameLine(l), l.subjects || '', badges, busyWords(l));
    });
    // a list re-drawn because someone became busy or free keeps the patron's focus
    const focused = ui.whoList.contains(document.activeElement) ? document.activeElement.id : '';
    ui.whoList.replaceChildren(first, ...people);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    this.renderWhoNote();
  }

  firstBusyWords() {
    const q = this.selectedQueue();
    if (!q || !q.all_busy) return '';
    const w = msWords(q.wait_ms);
    return w ? `Everyone is helping others. Likely wait: ${w}.` : 'Everyone is helping others right now.';
  }

  // Choosing a busy librarian: say how long that is likely to be, and that "First available"
  // stays open (before asking, and while waiting).
  renderWhoNote() {
    const { ui, state } = this;
    const l = state.who ? this.librarianById(state.who) : null;
    if (!l || !l.busy) {
      ui.whoNote.replaceChildren();
      ui.whoNote.hidden = true;
      return;
    }
    const w = msWords(l.wait_ms);
    const name = el('bdi', { text: firstName(l) });
    ui.whoNote.replaceChildren(
      name,
      w ? ` is helping others right now, so asking for them will likely take ${w}. ` : ' is helping others right now. ',
      'You can choose "First available" instead, now or while you wait.',
    );
    ui.whoNote.hidden = false;
  }

  // The desk is offline: the question becomes a case answered by e-mail.
  askOffline(q, text) {
    const { ui } = this;
    const email = ui.offlineEmail.value.trim();
    if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email)) {
      this.alert('Please give an e-mail address so we can answer you.');
      ui.offlineEmail.focus();
      return;
    }
    if (!this.client.send({ type: 'ask_offline', queue: q.id, text, email })) {
      this.alert('Not connected. Please try again in a moment.');
      return;
    }
    $('ask-btn').disabled = true;
    $('offline-btn').disabled = true;
    ui.offlineStatus.textContent = 'Sending your question…';
  }

  wire() {
    const { ui, client } = this;
    ui.queueSelect.addEventListener('change', () => this.renderStaffOn());

    $('offline-btn').addEventListener('click', () => {
      this.alert('');
      const text = ui.question.value.trim();
      const q = this.selectedQueue();
      if (!text) {
        this.alert('Please type your question first.');
        ui.question.focus();
        return;
      }
      if (q) this.askOffline(q, text);
    });

    client.addEventListener('case_created', (e) => {
      const c = e.detail.case || {};
      const q = this.selectedQueue();
      const by = localWhen(c.reply_by, (q && q.time_zone) || 'UTC');
      ui.question.value = '';
      $('ask-btn').disabled = false;
      $('offline-btn').disabled = false;
      ui.offlineStatus.textContent = `Thank you. We have your question and will answer by e-mail by ${by}. An e-mail with a link to follow it is queued to send to you.`;
    });

    client.addEventListener('error', (e) => {
      if (e.detail.ref !== 'ask_offline') return;
      $('ask-btn').disabled = false;
      $('offline-btn').disabled = false;
      ui.offlineStatus.textContent = e.detail.code === 'bad_email'
        ? 'That e-mail address does not look right.' : humanError(e.detail);
    });
  }
}
