// A client that does not read is cut off once more than 1 MiB waits for it; nothing is lost:
// reconnect and resume delivers everything, in order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  patron, staff, activeChat, cmid, healthz, noisyText, withTimeout, serverForSuite,
} from './lib.mjs';

describe('slow consumer', () => {
  const srv = serverForSuite({ args: ['--rate', '5000', '--burst', '5000'] });

  // shared by the two steps below
  let jen; let chat; let token; let got; let last; let acks; let cms; let texts; let lastSeen;

  it('a patron that stops reading is cut off with 1008; the server stays responsive', async () => {
    jen = await staff(srv);
    const ac = await activeChat(srv, jen);
    const { p } = ac;
    chat = ac.chat;
    token = p.token;
    const seenBefore = p.msgs(chat).length;
    p.ws._socket.pause(); // stop reading: the kernel buffers fill, then the server's queue

    // ~7 MB for the patron: more than the 1 MiB send queue plus what the kernel holds
    // (on loopback the server's socket send buffer alone grows to about 4 MB). Staff sends
    // in batches and reads between them, so that staff itself is not a slow reader.
    const N = 1800;
    texts = new Map();
    cms = [];
    acks = [];
    for (let b = 0; b < N / 50; b++) {
      const batch = [];
      for (let i = b * 50; i < (b + 1) * 50; i++) {
        const cm = cmid(`big${i}`);
        const text = `${i} ${noisyText(3900)}`;
        texts.set(cm, text);
        cms.push(cm);
        batch.push(cm);
        jen.send({ type: 'send', chat, cmid: cm, text });
      }
      for (const cm of batch) {
        const a = await jen.answer(cm, 20000);
        assert.equal(a.type, 'ack', JSON.stringify(a));
        acks.push(a.seq);
      }
      if (b % 6 === 5) {
        const t0 = Date.now();
        const h = await healthz(srv.port, 1000);
        assert.equal(h.status, 200);
        assert.ok(Date.now() - t0 < 1000, 'server slow to answer during the flood');
      }
    }
    for (let i = 1; i < acks.length; i++) assert.equal(acks[i], acks[i - 1] + 1);
    last = acks[acks.length - 1];

    // the server stays responsive
    const t0 = Date.now();
    const h = await healthz(srv.port, 1000);
    assert.equal(h.status, 200);
    assert.ok(Date.now() - t0 < 1000);
    const other = await patron(srv);
    await other.join('me too');
    await other.close();

    // read again: whatever was already on the way arrives, then the close
    p.ws._socket.resume();
    const closeInfo = await withTimeout(p.closedP, 15000, 'the slow patron was never cut off')
      .catch((e) => {
        throw new Error(`${e.message} (it got ${p.msgs(chat).length - seenBefore} of ${N} messages)`);
      });
    got = p.msgs(chat).slice(seenBefore);
    assert.ok(got.length < N, 'the slow patron got everything without being cut off');
    const seqs = got.map((m) => m.seq);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, 'gap or repeat before the cut');
    for (const m of got) assert.equal(m.text, texts.get(m.cmid), 'frames whole');

    lastSeen = Math.max(0, ...p.msgs(chat).map((m) => m.seq));
    assert.equal(closeInfo.code, 1008, `cut-off close code ${closeInfo.code} ${closeInfo.reason}`);
    assert.equal(closeInfo.reason, 'send queue full');
  });

  it('after the cut, reconnect + resume delivers every message, once, in order', async () => {
    assert.ok(acks && acks.length, 'needs the previous step');
    const p2 = await patron(srv, { token });
    const { msgs, resumed } = await p2.resume(chat, lastSeen, 20000);
    assert.equal(resumed.last, last);
    const all = [...got, ...msgs].filter((m) => m.kind === 'text' && m.from === 'staff');
    assert.deepEqual(all.map((m) => m.seq), acks, 'every message, in order, none missing');
    assert.deepEqual(all.map((m) => m.cmid), cms);
    for (const m of msgs) assert.equal(m.text, texts.get(m.cmid));
    await p2.close();
    await jen.close();
  });
});
