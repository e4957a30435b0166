// Bounded queues: when the writer's or the workers' queue is full, every request still gets
// an answer (an ack or 200, or the `busy` error / 503), nothing acknowledged is missing,
// nothing refused is stored, and the server keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Server, stopAndCheck, staff, staffRest, patron, login, request, cmid, healthz, JEN,
  assertServing, pollUntil,
} from './lib.mjs';

async function withServer(args, fn) {
  const srv = new Server({ args });
  await srv.start();
  try {
    await fn(srv);
  } finally {
    await stopAndCheck(srv, assert);
  }
}

test('a full worker queue answers REST reads 503 busy, never hangs or leaks', async () => {
  await withServer(['--workers', '1', '--read-queue-max', '1'], async (srv) => {
    const l = await login(srv.port, JEN);
    const N = 120;
    const all = await Promise.all(Array.from({ length: N }, () =>
      request(srv.port, { path: '/api/v1/chats?limit=200', headers: { Cookie: l.cookie }, timeout: 8000 })));
    const ok = all.filter((r) => r.status === 200);
    const busy = all.filter((r) => r.status === 503);
    assert.equal(ok.length + busy.length, N,
      `every read answered 200 or 503: ${JSON.stringify([...new Set(all.map((r) => r.status))])}`);
    assert.ok(ok.length >= 1, 'some reads were served');
    assert.ok(busy.length >= 1, `with a queue of one, a burst of ${N} reads is refused in part`);
    for (const r of busy) {
      assert.equal(r.json.error.code, 'busy');
      assert.match(r.json.error.message, /\S/);
    }
    for (const r of ok) assert.ok(Array.isArray(r.json.chats));
    // the queue drains: the next read is served, the server is alive
    const again = await request(srv.port, { path: '/api/v1/chats', headers: { Cookie: l.cookie } });
    assert.equal(again.status, 200);
    assert.equal((await healthz(srv.port)).status, 200);
  });
});

test('a full writer queue refuses messages with busy; what was acked is stored, nothing else', async () => {
  await withServer(['--write-queue-max', '4', '--rate', '1000', '--burst', '1000'], async (srv) => {
    const st = await staff(srv);
    const p = await patron(srv);
    const a = await p.join('First question');
    st.send({ type: 'pick', chat: a.chat });
    await p.waitFor('msg', (f) => f.chat === a.chat && f.kind === 'event' && f.event === 'joined');

    const N = 300;
    const sent = Array.from({ length: N }, (_, i) => ({ cm: cmid('q'), text: `burst message ${i}` }));
    // sent at once: the frames arrive together, faster than one commit
    for (const s of sent) p.send({ type: 'send', chat: a.chat, cmid: s.cm, text: s.text });
    const answers = await Promise.all(sent.map((s) => p.answer(s.cm, 10000)));
    const acked = new Set();
    let busy = 0;
    answers.forEach((f, i) => {
      if (f.type === 'ack') acked.add(sent[i].text);
      else {
        assert.equal(f.code, 'busy', `a refused send says busy: ${JSON.stringify(f)}`);
        busy++;
      }
    });
    assert.ok(busy >= 1, `a queue of four writes refuses part of a burst of ${N} (acked ${acked.size})`);
    assert.ok(acked.size >= 1, 'part of the burst was taken');

    // the transcript holds exactly the acknowledged messages, once each
    const rest = staffRest(srv.port, st.login);
    const t = await rest.get(`/api/v1/chats/${a.chat}`);
    assert.equal(t.status, 200);
    const stored = t.json.messages.filter((m) => m.kind === 'text' && /^burst message/.test(m.text))
      .map((m) => m.text);
    assert.equal(new Set(stored).size, stored.length, 'no message stored twice');
    assert.deepEqual(new Set(stored), acked, 'stored == acknowledged');
    // seqs have no holes: memory and the store agree
    const seqs = t.json.messages.map((m) => m.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));

    // a send after the burst is taken, and the server still serves new patrons
    const late = cmid('late');
    p.send({ type: 'send', chat: a.chat, cmid: late, text: 'after the burst' });
    assert.equal((await p.answer(late)).type, 'ack');
    await assertServing(srv, assert);
    await pollUntil(() => healthz(srv.port), (h) => h.status === 200);
    await p.close();
    await st.close();
  });
});

test('a full writer queue answers a REST send 503 busy', async () => {
  await withServer(['--write-queue-max', '2'], async (srv) => {
    const p = await patron(srv);
    // with a queue of two, the join itself may meet a write still on its way: ask again
    let a;
    for (let i = 0; !a; i++) {
      try {
        a = await p.join('Question over REST');
      } catch (e) {
        if (i >= 50 || !/"busy"/.test(e.message)) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const N = 60;
    const all = await Promise.all(Array.from({ length: N }, (_, i) => request(srv.port, {
      method: 'POST', path: `/api/v1/chats/${a.chat}/messages`,
      headers: { Authorization: `Bearer ${p.token}` }, body: { cmid: cmid('r'), text: `rest ${i}` },
    })));
    const ok = all.filter((r) => r.status === 201);
    const busy = all.filter((r) => r.status === 503);
    assert.equal(ok.length + busy.length, N, `201 or 503: ${[...new Set(all.map((r) => r.status))]}`);
    for (const r of busy) assert.equal(r.json.error.code, 'busy');
    assert.ok(ok.length >= 1);
    const chats = await request(srv.port, { path: `/api/v1/chats/${a.chat}`, headers: { Authorization: `Bearer ${p.token}` } });
    const stored = chats.json.messages.filter((m) => /^rest /.test(m.text || '')).length;
    assert.equal(stored, ok.length, 'stored == answered 201');
    await p.close();
  });
});
