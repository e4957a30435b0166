// A small client for the rapport WebSocket protocol (docs/PROTOCOL.md), shared by the
// patron chat page and the staff console.
//
// What it takes care of:
// - opening /ws with the `rapport.v1` subprotocol and sending `hello` first;
// - reconnecting with backoff (0.5 s, 1 s, 2 s ... at most 10 s) after any drop;
// - an outbox of frames that carry a `cmid` (`join`, `send`): each stays there until its
//   `ack`, and is sent again with the same cmid after a reconnect, so nothing is lost and
//   the server stores it once;
// - the last `seq` seen per chat, so a reconnect can `resume` exactly after it;
// - a ping every 20 s; a connection that stays silent for 45 s is dropped and redialled.
//
// It dispatches one event per server frame, named after its `type` (`welcome`, `msg`,
// `ack`, ...; event.detail is the frame), plus `status` ({state, attempt}) and
// `senderror` ({frame, error}) when the server refuses an outbox frame for good.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 10000];
const PING_EVERY_MS = 20000;
const SILENT_LIMIT_MS = 45000;
// Errors after which the same frame may simply be sent again later.
const RETRYABLE = new Set(['rate_limited', 'store_failed', 'busy']);

/** The WebSocket URL of the rapport server that served this page. */
export function wsURL() {
  return (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws';
}

/** A fresh client message id: 32 hex characters from the browser's CSPRNG. */
export function newCmid() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class RapportClient extends EventTarget {
  /**
   * @param {object} opts
   * @param {() => object} opts.hello   builds the `hello` frame for each new connection
   * @param {string} [opts.outboxKey]   sessionStorage key that keeps unacknowledged frames
   *                                     across a page reload (optional)
   * @param {string} [opts.url]         WebSocket URL (default: this page's server)
   */
  constructor({ hello, outboxKey = '', url = wsURL() }) {
    super();
    this.helloFrame = hello;
    this.url = url;
    this.outboxKey = outboxKey;
    this.ws = null;
    this.ready = false; // true between `welcome` and the socket closing
    this.stopped = true;
    this.attempt = 0;
    this.welcomes = 0;
    this.lastSeq = new Map(); // chat id -> highest seq seen
    this.outbox = new Map(); // cmid -> frame, in send order
    this.retryTimer = 0;
    this.reconnectTimer = 0;
    this.pingTimer = 0;
    this.lastRx = 0;
    this.loadOutbox();
    this.onOnline = () => this.reconnectSoon();
    this.onVisible = () => {
      if (document.visibilityState === 'visible') this.reconnectSoon();
    };
  }

  /** Opens the connection and keeps it open until stop(). */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.connect();
  }

  /** Closes the connection for good (no reconnect). */
  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      this.ready = false;
      ws.close(1000);
    }
    this.emit('status', { state: 'closed', attempt: 0 });
  }

  /** Drops the current connection (if any) and dials again right away. */
  restart() {
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    if (this.ws) this.ws.close(1000);
    else this.connect();
  }

  connect() {
    if (this.stopped || this.ws) return;
    this.emit('status', { state: this.welcomes ? 'reconnecting' : 'connecting', attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(this.url, 'rapport.v1');
    } catch (e) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.lastRx = Date.now();
      this.rawSend(this.helloFrame());
    });
    ws.addEventListener('message', (ev) => this.onMessage(ev));
    ws.addEventListener('close', (ev) => this.onClose(ws, ev));
    // `error` is always followed by `close`; nothing to do here.
  }

  onClose(ws, ev) {
    if (this.ws !== ws) return;
    this.ws = null;
    this.ready = false;
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    this.emit('closed', { code: ev.code, reason: ev.reason });
    if (!this.stopped) this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt++;
    this.emit('status', { state: 'reconnecting', attempt: this.attempt, delay });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** Called when the network or the page wakes up: skip the rest of the backoff. */
  reconnectSoon() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.reconnectTimer);
    this.connect();
  }

  onMessage(ev) {
    this.lastRx = Date.now();
    let frame;
    try {
      frame = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (frame && frame.type === 'batch' && Array.isArray(frame.frames)) {
      // several frames sent as one: handle them in order
      for (const f of frame.frames) this.onFrame(f);
      return;
    }
    this.onFrame(frame);
  }

  onFrame(frame) {
    if (!frame || typeof frame.type !== 'string') return;
    switch (frame.type) {
      case 'welcome':
        this.onWelcome(frame);
        return;
      case 'msg':
        if (typeof frame.seq === 'number') this.noteSeq(frame.chat, frame.seq);
        break;
      case 'ack':
        if (this.outbox.delete(frame.cmid)) this.saveOutbox();
        if (typeof frame.seq === 'number') this.noteSeq(frame.chat, frame.seq, true);
        break;
      case 'error':
        this.onError(frame);
        break;
      default:
        break;
    }
    this.emit(frame.type, frame);
  }

  onWelcome(frame) {
    this.ready = true;
    this.attempt = 0;
    this.welcomes++;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.heartbeat(), PING_EVERY_MS);
    this.emit('status', { state: 'open', attempt: 0 });
    // Listeners send their `resume` frames synchronously from here...
    this.emit('welcome', Object.assign({}, frame, { first: this.welcomes === 1 }));
    // ...then whatever never got its ack goes out again, with the same cmid.
    this.flushOutbox();
  }

  onError(frame) {
    const entry = frame.ref ? this.outbox.get(frame.ref) : null;
    if (!entry) return;
    if (RETRYABLE.has(frame.code)) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.flushOutbox(), frame.code === 'rate_limited' ? 1000 : 2000);
      return;
    }
    this.outbox.delete(frame.ref);
    this.saveOutbox();
    this.emit('senderror', { frame: entry, error: frame });
  }

  heartbeat() {
    if (!this.ws || !this.ready) return;
    if (Date.now() - this.lastRx > SILENT_LIMIT_MS) {
      this.ws.close(4000, 'silent');
      return;
    }
    this.rawSend({ type: 'ping' });
  }

  noteSeq(chat, seq, fromAck = false) {
    // An ack tells us our own message's seq, but not that we saw everything before it,
    // so it must not move the resume point past messages still on their way to us.
    if (fromAck) return;
    const prev = this.lastSeq.get(chat) || 0;
    if (seq > prev) this.lastSeq.set(chat, seq);
  }

  /** Records that everything of `chat` up to `seq` is on screen (e.g. a join's seq 1). */
  markSeen(chat, seq) {
    this.noteSeq(chat, seq);
  }

  /** The last seq of `chat` this page has seen (0 if none). */
  seen(chat) {
    return this.lastSeq.get(chat) || 0;
  }

  rawSend(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Sends a frame without a cmid (typing, resume, pick, end, ping) if connected. */
  send(frame) {
    if (!this.ready) return false;
    return this.rawSend(frame);
  }

  /**
   * Queues a frame that carries a cmid (`join`, `send`) until it is acknowledged, and sends
   * it now if connected. Returns the cmid.
   */
  request(frame) {
    const f = Object.assign({}, frame);
    if (!f.cmid) f.cmid = newCmid();
    this.outbox.set(f.cmid, f);
    this.saveOutbox();
    if (this.ready) this.rawSend(f);
    return f.cmid;
  }

  /** Subscribes to a chat; `after` defaults to the last seq seen. */
  resume(chat, after) {
    const a = typeof after === 'number' ? after : this.seen(chat);
    return this.send({ type: 'resume', chat, after: a });
  }

  /** Frames still waiting for their ack, oldest first. */
  pending() {
    return Array.from(this.outbox.values());
  }

  /** Forgets an unacknowledged frame (for example after the user discards it). */
  discard(cmid) {
    if (this.outbox.delete(cmid)) this.saveOutbox();
  }

  flushOutbox() {
    if (!this.ready) return;
    for (const f of this.outbox.values()) this.rawSend(f);
  }

  loadOutbox() {
    if (!this.outboxKey) return;
    try {
      const saved = JSON.parse(sessionStorage.getItem(this.outboxKey) || '[]');
      if (!Array.isArray(saved)) return;
      for (const f of saved) if (f && typeof f.cmid === 'string') this.outbox.set(f.cmid, f);
    } catch (e) {
      /* storage unavailable or corrupt: start empty */
    }
  }

  saveOutbox() {
    if (!this.outboxKey) return;
    try {
      if (this.outbox.size) sessionStorage.setItem(this.outboxKey, JSON.stringify(this.pending()));
      else sessionStorage.removeItem(this.outboxKey);
    } catch (e) {
      /* private mode or full: the in-memory outbox still works */
    }
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
