// Typing indicators, both directions.
//
// TypingSender turns keystrokes into `typing` frames: at most one `on` every 2 s while
// the user types, and one `off` after 3 s without a keystroke, when the box is emptied,
// or when the message is sent. TypingShown displays the other side's indicator and hides
// it by itself if an `off` never comes (say, the other side lost its connection).

const ON_EVERY_MS = 2000;
const IDLE_OFF_MS = 3000;
const SHOWN_FOR_MS = 7000;

export class TypingSender {
  /** @param {(on: boolean) => void} send  sends one typing frame */
  constructor(send) {
    this.sendFrame = send;
    this.active = false;
    this.lastOn = -Infinity;
    this.idle = 0;
  }

  /** Call on every input event with whether the box holds any text. */
  input(hasText) {
    if (!hasText) {
      this.stop();
      return;
    }
    const now = Date.now();
    if (now - this.lastOn >= ON_EVERY_MS) {
      this.lastOn = now;
      this.active = true;
      this.sendFrame(true);
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), IDLE_OFF_MS);
  }

  /** Call when the message is sent (or the chat closes): says `off` once if needed. */
  stop() {
    clearTimeout(this.idle);
    if (!this.active) return;
    this.active = false;
    this.sendFrame(false);
  }
}

export class TypingShown {
  /** @param {HTMLElement} node  a polite live region that holds the indicator text */
  constructor(node) {
    this.node = node;
    this.timer = 0;
  }

  /** `text`: a string, or strings and nodes (a name as a <bdi>) to show in a row. */
  show(text) {
    clearTimeout(this.timer);
    const parts = [].concat(text);
    const plain = parts.map((p) => (typeof p === 'string' ? p : p.textContent)).join('');
    if (this.node.textContent !== plain) this.node.replaceChildren(...parts);
    this.timer = setTimeout(() => this.hide(), SHOWN_FOR_MS);
  }

  hide() {
    clearTimeout(this.timer);
    this.node.textContent = '';
  }
}
