// A quick throughput check until the C load generator (bench/loadgen) exists: P patrons in
// active chats with one librarian each send M messages, K in flight, and we count
// acknowledgements (each one durable) per second. Loopback only, bounded in count and time.
// Usage: node bench/quick.mjs [pairs=20] [messages per patron=500] [in flight=8]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const [P, M, K] = [20, 500, 8].map((d, i) => Number(process.argv[2 + i] || d));
const port = 20000 + Math.floor(Math.random() * 20000);
const dir = mkdtempSync(join(tmpdir(), 'rapport-quick-'));
const bin = process.env.RAPPORT_BIN || 'build/rapport';
const srv = spawn(bin, ['demo', '--data-dir', dir, '--port', String(port), '--demo-site-port', '0',
  '--rate', '100000', '--burst', '100000', '--max-chats', String(P + 1)], { stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
const deadline = setTimeout(() => { console.error('timed out'); srv.kill('SIGKILL'); process.exit(1); }, 120000);

async function up() {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}
function open(headers = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'rapport.v1', { headers });
  ws.handlers = [];
  ws.on('message', (d) => {
    const f = JSON.parse(d);
    for (const g of f.type === 'batch' ? f.frames : [f]) for (const h of [...ws.handlers]) h(g);
  });
  return new Promise((res, rej) => { ws.on('open', () => res(ws)); ws.on('error', rej); });
}
const next = (ws, pred) => new Promise((res) => {
  const h = (f) => { if (pred(f)) { ws.handlers.splice(ws.handlers.indexOf(h), 1); res(f); } };
  ws.handlers.push(h);
});

await up();
const login = await fetch(`${base}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ email: 'jen@demo.library', password: 'rapport-demo' }) });
const cookie = login.headers.get('set-cookie').split(';')[0];
const staff = await open({ Cookie: cookie });
staff.send(JSON.stringify({ type: 'hello', role: 'staff' }));
const sw = await next(staff, (f) => f.type === 'welcome');
const queue = sw.queues[0].id;
const patrons = [];
for (let i = 0; i < P; i++) {
  const p = await open();
  p.send(JSON.stringify({ type: 'hello', role: 'patron' }));
  await next(p, (f) => f.type === 'welcome');
  p.send(JSON.stringify({ type: 'join', queue, cmid: `j${i}`, text: 'a question' }));
  const ack = await next(p, (f) => f.type === 'ack');
  staff.send(JSON.stringify({ type: 'pick', chat: ack.chat }));
  await next(p, (f) => f.type === 'msg' && f.event === 'joined');
  patrons.push({ ws: p, chat: ack.chat });
}
const t0 = performance.now();
let acked = 0;
await Promise.all(patrons.map(({ ws, chat }) => new Promise((done) => {
  let sent = 0, got = 0;
  const send = () => { ws.send(JSON.stringify({ type: 'send', chat, cmid: `m${sent}`, text: `message ${sent} of a quick benchmark` })); sent++; };
  ws.handlers.push((f) => {
    if (f.type !== 'ack') return;
    got++; acked++;
    if (sent < M) send();
    if (got === M) done();
  });
  for (let i = 0; i < K && sent < M; i++) send();
})));
const secs = (performance.now() - t0) / 1000;
console.log(`${acked} messages acknowledged (durable) in ${secs.toFixed(2)} s: ` +
  `${Math.round(acked / secs)} msg/s, ${P} pairs, ${K} in flight each, node client`);
clearTimeout(deadline);
for (const { ws } of patrons) ws.close();
staff.close();
srv.kill('SIGTERM');
await new Promise((r) => srv.on('exit', r));
rmSync(dir, { recursive: true, force: true });
