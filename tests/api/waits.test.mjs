// Honest waits: a simulated busy hour, compressed. Two librarians (cap 2 each) pick the
// oldest queued chat whenever they have room and handle each for 1.2-2.8 s; 40 patrons
// arrive over ~20 s with a burst in the middle. Every patron records the wait estimate it
// was first shown and its actual wait; the estimates must be within the accuracy
// documented in docs/PERFORMANCE.md ("Honest waits"), and GET /api/v1/reports/waits must
// agree with what happened.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { patron, staff, request, sleep, cmid, queueId, SAM, activeChat, serverForSuite } from './lib.mjs';

const PATRONS = 40;
const HANDLE_MIN = 1200;
const HANDLE_MAX = 2800;

// deterministic pseudo-random numbers, so a run is repeatable
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : Math.trunc((s[n / 2 - 1] + s[n / 2]) / 2);
}

describe('honest waits in a busy hour', () => {
  const srv = serverForSuite({ args: ['--max-chats', '2', '--rate', '1000', '--burst', '1000'] });

  it('estimates shown are within the documented accuracy, and the report agrees', { timeout: 60000 }, async () => {
    const libs = [await staff(srv), await staff(srv, SAM)];
    const queue = []; // chat ids waiting, in join order
    const held = new Map(libs.map((l) => [l, 0]));
    const chats = new Map(); // id -> { first, picked, created }
    let done = 0;
    let stop = false;

    // the desk: every 50 ms each librarian with room picks the oldest waiting chat
    const desk = (async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        for (const l of libs) {
          while (held.get(l) < 2 && queue.length) {
            const id = queue.shift();
            held.set(l, held.get(l) + 1);
            l.send({ type: 'pick', chat: id });
            const handle = HANDLE_MIN + Math.floor(rnd() * (HANDLE_MAX - HANDLE_MIN));
            setTimeout(() => {
              l.send({ type: 'end', chat: id });
              held.set(l, held.get(l) - 1);
            }, handle);
          }
        }
        await sleep(50);
      }
    })();

    async function visit(n) {
      const p = await patron(srv);
      const cm = cmid('join');
      p.send({ type: 'join', queue: queueId(p.welcome), cmid: cm, text: `Question ${n}` });
      const a = await p.answer(cm);
      assert.equal(a.type, 'ack');
      const c = { patron: p };
      chats.set(a.chat, c);
      const first = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.wait);
      c.first = first.chat.wait;
      c.created = first.chat.created_at;
      queue.push(a.chat);
      const act = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'active', 30000);
      c.actual = act.chat.picked_at - act.chat.created_at;
      c.updates = p.all('chat', (f) => f.chat.id === a.chat && f.chat.wait).length;
      await p.waitFor('msg', (f) => f.chat === a.chat && f.event === 'ended', 10000);
      await p.close();
      done++;
    }

    // arrivals: 1 per 700 ms, a burst of 14 in ~2 s after the 8th, then 1 per 600 ms
    const visits = [];
    for (let n = 0; n < PATRONS; n++) {
      visits.push(visit(n));
      await sleep(n >= 8 && n < 22 ? 150 : n < 8 ? 700 : 600);
    }
    await Promise.all(visits);
    stop = true;
    await desk;
    assert.equal(done, PATRONS);

    const rows = [...chats.values()];
    const est = rows.filter((c) => c.first.estimate_ms !== null);
    const errs = est.map((c) => Math.abs(c.first.estimate_ms - c.actual));
    const within = est.filter((c) => Math.abs(c.first.estimate_ms - c.actual) * 2 <= c.actual).length;
    const queued = est.filter((c) => c.first.basis === 'recent');
    const qWithin = queued.filter((c) => Math.abs(c.first.estimate_ms - c.actual) * 2 <= c.actual).length;
    const mae = median(errs);
    const summary = {
      chats: rows.length, estimated: est.length, none: rows.length - est.length,
      queued: queued.length, median_abs_error_ms: mae,
      within_50pct_share: +(within / est.length).toFixed(3),
      queued_within_50pct_share: +(qWithin / queued.length).toFixed(3),
      median_actual_ms: median(rows.map((c) => c.actual)),
      max_actual_ms: Math.max(...rows.map((c) => c.actual)),
      in_range_share: +(queued.filter((c) => c.actual >= c.first.low_ms * 0.75 && c.actual <= c.first.high_ms * 1.25).length / queued.length).toFixed(3),
    };
    console.log('waits:', JSON.stringify(summary));
    // the cold start says "none" rather than invent: only before any chat has ended
    assert.ok(summary.none <= 6, 'no estimate only at the cold start');
    assert.ok(queued.length >= 20, 'the burst queues most patrons');
    // documented accuracy (docs/PERFORMANCE.md): of chats that had to queue, at least 60%
    // within +-50%; the median absolute error at most half the median actual wait
    assert.ok(summary.queued_within_50pct_share >= 0.6, JSON.stringify(summary));
    assert.ok(mae <= summary.median_actual_ms / 2, JSON.stringify(summary));

    // the report agrees with what the patrons saw and waited
    const l = libs[0].login;
    const r = await request(srv.port, { path: '/api/v1/reports/waits?days=1', headers: { Cookie: l.cookie } });
    assert.equal(r.status, 200, r.text);
    const rep = JSON.parse(r.text);
    assert.equal(rep.chats, est.length);
    assert.equal(rep.median_abs_error_ms, mae);
    assert.equal(rep.within_50pct, within);
    assert.equal(rep.abandoned, 0);
    const anon = await request(srv.port, { path: '/api/v1/reports/waits' });
    assert.equal(anon.status, 401);
    const bad = await request(srv.port, { path: '/api/v1/reports/waits?days=0', headers: { Cookie: l.cookie } });
    assert.equal(bad.status, 400);
    for (const x of libs) await x.close();
  });
});

// The history the estimator uses survives a restart: after a few chats of about 1.5 s, a
// patron who queues behind a full desk is told a number from them at once, before and
// after the server restarts (a cold start would say "none": no handling time seen).
describe('wait history across a restart', () => {
  const srv = serverForSuite({ args: ['--max-chats', '1', '--rate', '1000', '--burst', '1000'] });

  const HANDLE = 1500;

  // Jen holds one chat (her cap), and a second patron queues: their first estimate.
  async function queuedBehindFullDesk(jen) {
    const busy = await activeChat(srv, jen);
    const p = await patron(srv);
    const q = p.welcome.queues.find((x) => x.slug === 'ask');
    const a = await p.join('Waiting behind a full desk');
    const f = await p.waitFor('chat', (x) => x.chat.id === a.chat && x.chat.wait);
    return { busy, p, q, wait: f.chat.wait, chatId: a.chat };
  }

  it('estimates from the stored waits, not from nothing', { timeout: 60000 }, async () => {
    let jen = await staff(srv);
    for (let i = 0; i < 4; i++) {
      const { p, chat } = await activeChat(srv, jen);
      await sleep(HANDLE);
      jen.send({ type: 'end', chat });
      await p.waitFor('msg', (f) => f.chat === chat && f.event === 'ended');
      await p.close();
    }
    const before = await queuedBehindFullDesk(jen);
    assert.equal(before.wait.basis, 'recent', JSON.stringify(before.wait));
    assert.ok(before.wait.estimate_ms >= HANDLE * 0.5, JSON.stringify(before.wait));
    assert.equal(before.q.all_busy, true, JSON.stringify(before.q));
    assert.ok(before.q.wait_ms > 0, JSON.stringify(before.q));
    // the queued patron leaves; Jen's chat stays active across the restart
    before.p.send({ type: 'end', chat: before.chatId });
    await before.p.waitFor('msg', (f) => f.chat === before.chatId && f.event === 'abandoned');
    for (const c of [before.p, before.busy.p, jen]) await c.close();

    const st = await srv.stop();
    assert.equal(st.code, 0);
    await srv.restart();

    jen = await staff(srv);
    assert.equal(jen.welcome.chats.length, 1, 'Jen still holds her chat: the desk is full');
    const p = await patron(srv);
    const a = await p.join('Waiting after a restart');
    const f = await p.waitFor('chat', (x) => x.chat.id === a.chat && x.chat.wait);
    const afterRestart = { p, wait: f.chat.wait };
    assert.equal(afterRestart.wait.basis, 'recent', `cold after restart: ${JSON.stringify(afterRestart.wait)}`);
    assert.ok(afterRestart.wait.estimate_ms >= before.wait.estimate_ms * 0.5
      && afterRestart.wait.estimate_ms <= before.wait.estimate_ms * 3,
      `before ${JSON.stringify(before.wait)} after ${JSON.stringify(afterRestart.wait)}`);
    // the start page says everyone is busy, with a likely wait from the same history
    const look = await patron(srv);
    const q1 = look.welcome.queues.find((x) => x.slug === 'ask');
    assert.equal(q1.all_busy, true, JSON.stringify(q1));
    assert.equal(q1.free, 0);
    assert.ok(q1.wait_ms > 0, JSON.stringify(q1));
    for (const c of [look, afterRestart.p, jen]) await c.close();
  });
});

// Patrons on the start page learn when every librarian on is at their cap, and when one has
// room again, without reloading: a `queues` frame follows (at most every 2 s per library).
describe('all librarians busy, live', () => {
  const srv = serverForSuite({ args: ['--max-chats', '1', '--rate', '1000', '--burst', '1000'] });

  it('queues say all_busy when the last free place is taken, and not once one frees', { timeout: 30000 }, async () => {
    const jen = await staff(srv);
    const watcher = await patron(srv);
    const q0 = watcher.welcome.queues.find((x) => x.slug === 'ask');
    assert.equal(q0.all_busy, false, JSON.stringify(q0));
    assert.equal(q0.free, 1);
    const { p, chat } = await activeChat(srv, jen);
    const busy = await watcher.waitFor('queues', (f) => f.queues.some((x) => x.all_busy), 5000);
    assert.equal(busy.queues[0].free, 0);
    jen.send({ type: 'end', chat });
    const free = await watcher.waitFor('queues', (f) => f.queues.some((x) => !x.all_busy && x.free === 1), 5000, { after: busy });
    assert.equal(free.queues[0].staff_on, 1);
    for (const c of [p, watcher, jen]) await c.close();
  });
});
