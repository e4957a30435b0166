// The librarian's status at the desk (On duty / Away), leaving without stranding anyone
// (logging out or going Away with active chats asks what to do with them), and the
// opt-in sound and desktop notification for a new patron in the queue
// (docs/PROTOCOL.md, "Leaving the desk").

const ALERTS_KEY = 'rapport.console.newPatronAlerts';
const LEAVING_KEY = 'rapport.console.leaving'; // per tab: a reload keeps "log out after the last chat"

function leavingStored(on) {
  try {
    if (on === undefined) return sessionStorage.getItem(LEAVING_KEY) === '1';
    if (on) sessionStorage.setItem(LEAVING_KEY, '1');
    else sessionStorage.removeItem(LEAVING_KEY);
  } catch (e) {
    /* storage unavailable: a reload forgets it, the librarian stays Away */
  }
  return false;
}

function stored(op, value) {
  try {
    if (op === 'get') return localStorage.getItem(ALERTS_KEY);
    localStorage.setItem(ALERTS_KEY, value);
  } catch (e) {
    /* private mode: the choice lasts for this page only */
  }
  return null;
}

function chatsWord(n) {
  return `${n} active ${n === 1 ? 'chat' : 'chats'}`;
}

export class Duty {
  /**
   * @param {object} o
   * @param {object} o.ui elements: state, btn, dialog, title, text, cancel, finish, handback,
   *   alertsOn, alertsNote
   * @param {(frame: object) => boolean} o.send sends a frame; false when offline
   * @param {() => number} o.activeCount my active chats
   * @param {() => void} o.logout logs out now (the server hands back what is left)
   * @param {(text: string) => void} o.onAlert shows a message at the desk
   * @param {() => void} o.onChange the status changed (Pick up buttons follow)
   */
  constructor({ ui, send, activeCount, logout, onAlert, onChange }) {
    this.ui = ui;
    this.sendFrame = send;
    this.activeCount = activeCount;
    this.logoutNow = logout;
    this.onAlert = onAlert;
    this.onChange = onChange;
    this.status = 'on_duty';
    this.leaving = false; // "finish them first" on logout: log out after the last chat
    this.mode = null; // what the open dialog is about: 'logout' or 'away'
    this.seen = null; // queue entries already known (no alert for them)
    this.alerts = stored('get') === 'on';
    this.audio = null;
    ui.btn.addEventListener('click', () => this.toggle());
    ui.cancel.addEventListener('click', () => ui.dialog.close());
    ui.finish.addEventListener('click', () => this.choose(false));
    ui.handback.addEventListener('click', () => this.choose(true));
    ui.alertsOn.checked = this.alerts;
    ui.alertsOn.addEventListener('change', () => this.setAlerts(ui.alertsOn.checked));
    this.render();
    this.renderAlerts();
  }

  get away() {
    return this.status === 'away';
  }

  /** Back to the start (a new login). */
  reset() {
    this.status = 'on_duty';
    this.setLeaving(false);
    this.seen = null;
    this.seenHandoffs = null;
    if (this.ui.dialog.open) this.ui.dialog.close();
    this.render();
  }

  /** The status the server holds (staff welcome). */
  setStatus(status) {
    this.status = status === 'away' ? 'away' : 'on_duty';
    this.setLeaving(this.away && (this.leaving || leavingStored()));
    this.render();
  }

  setLeaving(on) {
    this.leaving = on;
    leavingStored(on);
  }

  /** A `status` frame: ours, or from another console of ours. */
  onStatus(f) {
    this.setStatus(f.status);
    if (f.handed_back > 0) {
      const n = f.handed_back;
      this.onAlert(`${n === 1 ? 'Your chat went' : `${n} chats went`} back to the front of the queue for a colleague to pick up. The conversation so far goes with ${n === 1 ? 'it' : 'them'}.`);
    }
    this.onChange();
  }

  render() {
    const u = this.ui;
    u.state.textContent = this.away ? (this.leaving ? 'Away · leaving' : 'Away') : 'On duty';
    u.state.classList.toggle('is-away', this.away);
    u.btn.textContent = this.away ? (this.leaving ? 'Stay logged in' : 'Back on duty') : 'Go Away';
  }

  toggle() {
    if (this.away) {
      this.setLeaving(false);
      this.send({ type: 'status', status: 'on_duty' });
      this.render();
      this.onChange();
      return;
    }
    if (this.activeCount() > 0) this.ask('away');
    else this.send({ type: 'status', status: 'away' });
  }

  /** Log out, asking first when patrons are still in my chats. */
  askLogout() {
    if (this.activeCount() > 0) this.ask('logout');
    else this.logoutNow();
  }

  ask(mode) {
    const u = this.ui;
    const n = this.activeCount();
    this.mode = mode;
    u.title.textContent = mode === 'logout'
      ? `Before you log out: you have ${chatsWord(n)}`
      : `Before you go Away: you have ${chatsWord(n)}`;
    u.text.textContent = mode === 'logout'
      ? `Your ${n === 1 ? 'patron is' : 'patrons are'} still talking to you. Hand ${n === 1 ? 'the chat' : 'them'} back to the front of the queue now, so a colleague can take over with the conversation so far, or finish ${n === 1 ? 'it' : 'them'} first: you stay logged in, get no new chats meanwhile, and are logged out when the last one ends.`
      : `Hand ${n === 1 ? 'the chat' : 'them'} back to the front of the queue now, so a colleague can take over with the conversation so far, or finish ${n === 1 ? 'it' : 'them'} first: you get no new chats until you are back on duty.`;
    u.finish.textContent = n === 1 ? 'Finish it first' : 'Finish them first';
    u.handback.textContent = n === 1 ? 'Hand it back to the front of the queue now' : 'Hand them back to the front of the queue now';
    if (!u.dialog.open) u.dialog.showModal();
    u.handback.focus();
  }

  choose(handback) {
    const mode = this.mode;
    this.ui.dialog.close();
    if (mode === 'logout' && handback) {
      this.logoutNow(); // the server hands the chats back as the session ends
      return;
    }
    const frame = { type: 'status', status: 'away' };
    if (handback) frame.handback = true;
    if (!this.send(frame)) return;
    if (mode === 'logout') {
      this.setLeaving(true);
      this.status = 'away';
      this.render();
      this.onChange();
      this.chatsChanged();
    }
  }

  send(frame) {
    if (this.sendFrame(frame)) return true;
    this.onAlert('You are offline right now. Please try again in a moment.');
    return false;
  }

  /** My chats changed: a logout waiting for the last chat to end goes ahead. */
  chatsChanged() {
    if (this.leaving && this.activeCount() === 0) {
      this.setLeaving(false);
      this.logoutNow();
    }
  }

  // ---- new-patron alerts -----------------------------------------------------------

  async setAlerts(on) {
    this.alerts = on;
    stored('set', on ? 'on' : 'off');
    if (on) {
      this.sound(); // also unlocks audio: this runs in the click
      if ('Notification' in window && Notification.permission === 'default') {
        try {
          await Notification.requestPermission();
        } catch (e) {
          /* an old browser: no notifications, the sound still works */
        }
      }
    }
    this.renderAlerts();
  }

  renderAlerts() {
    const note = this.ui.alertsNote;
    if (!this.alerts) {
      note.textContent = '';
      return;
    }
    if (!('Notification' in window)) note.textContent = 'This browser shows no notifications: sound only.';
    else if (Notification.permission === 'denied') note.textContent = 'Notifications are blocked for this site: sound only.';
    else note.textContent = '';
  }

  // The entries of `list` not in the last one seen under `key` (none on a welcome, while
  // alerts are off or while Away).
  added(key, list, ids, fresh) {
    const before = this[key];
    this[key] = new Set(list.map(ids));
    if (fresh || !before || !this.alerts || this.away) return [];
    return list.filter((x) => !before.has(ids(x)));
  }

  /** The queue as the server sent it; `fresh`: a welcome (nothing counts as new). */
  queueSeen(queue, fresh) {
    const added = this.added('seen', queue, (q) => q.id, fresh);
    if (!added.length) return;
    this.sound();
    const title = added.length === 1 ? 'New patron waiting' : `${added.length} new patrons waiting`;
    // The question is the patron's text inside our words: isolated for bidi.
    this.notify(title, added[0].question ? `\u201C\u2068${added[0].question}\u2069\u201D` : '', 'rapport-queue');
  }

  /** Hand-offs I may take (js/handoff-take.js), as the server sent them. */
  handoffsSeen(list, fresh) {
    const added = this.added('seenHandoffs', list, (h) => `${h.chat}@${h.at}`, fresh);
    if (!added.length) return;
    this.sound();
    const h = added[0];
    const title = h.to ? `\u2068${h.from.name}\u2069 is handing you a chat` : `A chat was handed to your library's queue`;
    this.notify(title, h.note ? `\u201C\u2068${h.note}\u2069\u201D` : '', 'rapport-handoff');
  }

  notify(title, body, tag) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    try {
      const n = new Notification(title, { body, tag });
      n.onclick = () => {
        window.focus();
        n.close();
      };
    } catch (e) {
      /* notifications may need a service worker on some platforms: the sound was played */
    }
  }

  sound() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      if (!this.audio) this.audio = new AC();
      const ctx = this.audio;
      if (ctx.state === 'suspended') ctx.resume().catch(() => {});
      const t = ctx.currentTime + 0.01;
      for (const [freq, at] of [[880, 0], [660, 0.18]]) {
        const o = ctx.createOscillator();
        const g = ctx.createGain();
        o.type = 'sine';
        o.frequency.value = freq;
        g.gain.setValueAtTime(0.0001, t + at);
        g.gain.exponentialRampToValueAtTime(0.18, t + at + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.3);
        o.connect(g).connect(ctx.destination);
        o.start(t + at);
        o.stop(t + at + 0.32);
      }
      this.sounded = (this.sounded || 0) + 1;
      document.documentElement.dataset.newPatronSounds = String(this.sounded);
    } catch (e) {
      /* no audio device: nothing to play */
    }
  }
}
