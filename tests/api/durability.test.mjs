// "A message the server acknowledged survives kill -9 of the server."
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  staff, activeChat, cmid, request, withTimeout, sleep, noisyText, unbatch, serverForSuite,
} from './lib.mjs';

describe('ack only after commit', () => {
  const srv = serverForSuite({ args: ['--rate', '1000', '--burst', '1000'] });

  it('every acknowledged message survives SIGKILL', async (t) => {
    const jen = await staff(srv);
    const { p, chat } = await activeChat(srv, jen);
    const token = p.token;

    const N = 200;
    const sent = [];
    const acks = new Map();
    let killed = null;
    let ackCountAtKill = 0;
    const onAckCount = () => {
      if (!killed && acks.size >= 50) {
        ackCountAtKill = acks.size;
        killed = srv.kill();
      }
    };
    p.ws.on('message', (data) => {
      let f;
      try { f = JSON.parse(data.toString()); } catch { return; }
      for (const g of unbatch(f)) {
        if (g.type === 'ack' && g.chat === chat) {
          acks.set(g.cmid, g.seq); // any ack that arrived was sent, so it must hold
          onAckCount();
        }
      }
    });
    for (let i = 0; i < N; i++) {
      const cm = cmid(`b${i}`);
      sent.push(cm);
      p.send({ type: 'send', chat, cmid: cm, text: `burst ${i} ${noisyText(3000)}` });
    }
    await withTimeout((async () => {
      while (!killed) await sleep(5);
    })(), 10000, 'waiting for 50 acks');
    await killed;
    assert.ok(ackCountAtKill >= 50);

    // acks are distinct, increasing in the order they arrived, after seq 2 (question, joined)
    const seqs = [...acks.values()];
    assert.equal(new Set(seqs).size, seqs.length, 'distinct seqs');
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'acks in seq order');
    assert.ok(seqs[0] >= 3);

    await p.closed(5000).catch(() => p.terminate());
    jen.terminate();

    await srv.restart();
    const r = await request(srv.port, { path: `/api/v1/chats/${chat}`,
      headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, r.text);
    const stored = new Map(r.json.messages.filter((m) => m.cmid).map((m) => [m.cmid, m.seq]));
    const lost = [];
    for (const [cm, seq] of acks) {
      if (stored.get(cm) !== seq) lost.push({ cmid: cm, acked: seq, stored: stored.get(cm) });
    }
    assert.deepEqual(lost, [], `acknowledged messages missing after kill -9 (${acks.size} acked)`);
    t.diagnostic(`acks at kill: ${ackCountAtKill}, acks received: ${acks.size}, `
      + `stored after restart: ${r.json.messages.length - 2} of ${N}`);
    // the transcript is whole: seqs 1..n without gaps or repeats, each cmid once
    const all = r.json.messages.map((m) => m.seq);
    assert.deepEqual(all, Array.from({ length: all.length }, (_, i) => i + 1));
    const cms = r.json.messages.filter((m) => m.cmid).map((m) => m.cmid);
    assert.equal(new Set(cms).size, cms.length);
    // nothing stored that was never sent
    for (const cm of cms.slice(1)) assert.ok(sent.includes(cm), `unknown cmid ${cm}`);
  });
});
