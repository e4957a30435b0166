// Non-browser protocol clients (the `ws` package) used to set the scene quickly: extra
// patrons in the queue, or a look at the staff `welcome`. They send no Origin header,
// which PROTOCOL.md allows for non-browser clients.

import WebSocket from 'ws';

/** Opens /ws and returns {ws, next(type), send(frame), close()}; frames are buffered. */
export function connect(base, headers = {}) {
  const url = base.replace(/^http/, 'ws') + '/ws';
  const ws = new WebSocket(url, 'rapport.v1', { headers });
  const frames = [];
  const waiters = [];
  ws.on('message', (data) => {
    const f = JSON.parse(String(data));
    // the server may combine frames into one `batch` frame
    if (f.type === 'batch' && Array.isArray(f.frames)) frames.push(...f.frames);
    else frames.push(f);
    for (const w of [...waiters]) w();
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  function next(type, ms = 5000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(look), 1);
        reject(new Error(`no ${type} frame within ${ms} ms; got ${JSON.stringify(frames)}`));
      }, ms);
      function look() {
        const i = frames.findIndex((f) => f.type === type);
        if (i < 0) return;
        const [f] = frames.splice(i, 1);
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(look), 1);
        resolve(f);
      }
      waiters.push(look);
      look();
    });
  }
  return {
    ws,
    opened,
    next,
    send: (f) => ws.send(JSON.stringify(f)),
    close: () => ws.close(),
  };
}

/** A patron who joins the first queue with `question`; resolves once the join is acked. */
export async function queuedPatron(base, question, library = 'demo') {
  const c = connect(base);
  await c.opened;
  c.send({ type: 'hello', role: 'patron', library });
  const welcome = await c.next('welcome');
  c.send({ type: 'join', queue: welcome.queues[0].id, cmid: 'q' + Math.random().toString(36).slice(2), text: question });
  const ack = await c.next('ack');
  return Object.assign(c, { welcome, chat: ack.chat });
}

/** Logs in over REST and returns the staff `welcome` frame of a WebSocket with that session. */
export async function staffWelcome(base, who) {
  const res = await fetch(base + '/api/v1/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  if (res.status !== 200) throw new Error(`login ${who.email}: HTTP ${res.status}`);
  const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
  const c = connect(base, { Cookie: cookie });
  await c.opened;
  c.send({ type: 'hello', role: 'staff' });
  const welcome = await c.next('welcome');
  c.close();
  return welcome;
}
