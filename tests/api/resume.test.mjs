// "A client that reconnects with its last seen sequence number gets every message after it,
// once, in order."
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  patron, staff, staffAgain, activeChat, cmid, sleep, Client, serverForSuite,
} from './lib.mjs';

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('resume', () => {
  const srv = serverForSuite({ args: ['--rate', '1000', '--burst', '1000'] });

  it('patron reconnect gets exactly the missed messages, once, in order', async () => {
    const jen = await staff(srv);
    const { p, chat } = await activeChat(srv, jen);
    await p.say(chat, 'before the tunnel');
    const a = await jen.say(chat, 'reply before');
    await p.waitFor('msg', (f) => f.chat === chat && f.seq === a.seq);
    const N = a.seq; // last seq the patron saw
    const token = p.token;
    await p.close();

    let last = N;
    for (let i = 0; i < 20; i++) {
      const ack = await jen.say(chat, `while you were away ${i}`);
      assert.equal(ack.seq, last + 1);
      last = ack.seq;
    }

    const p2 = await patron(srv, { token });
    assert.equal(p2.welcome.token, undefined, 'no new token for a known patron');
    assert.equal(p2.welcome.patron.id, p.welcome.patron.id, 'same patron');
    const listed = p2.welcome.chats.find((c) => c.id === chat);
    assert.ok(listed, 'welcome lists the active chat');
    assert.equal(listed.state, 'active');
    assert.equal(listed.last_seq, last);

    const { msgs, resumed } = await p2.resume(chat, N);
    assert.equal(resumed.last, last);
    assert.deepEqual(msgs.map((m) => m.seq), range(N + 1, last));
    assert.deepEqual(msgs.map((m) => m.text), range(0, 19).map((i) => `while you were away ${i}`));
    assert.ok(msgs.every((m) => m.from === 'staff'));
    await sleep(300);
    assert.deepEqual(p2.msgs(chat).map((m) => m.seq), range(N + 1, last), 'nothing twice, nothing old');

    // live messages after resumed arrive once
    const live = await jen.say(chat, 'live again');
    await p2.waitFor('msg', (f) => f.chat === chat && f.seq === live.seq);
    last = live.seq;
    await sleep(200);
    assert.deepEqual(p2.msgs(chat).map((m) => m.seq), range(N + 1, last));

    // resume again on the same (subscribed) connection: nothing it was sent comes again
    const again = await p2.resume(chat, 0);
    assert.equal(again.resumed.last, last);
    await sleep(200);
    assert.deepEqual(p2.msgs(chat).map((m) => m.seq), range(N + 1, last), 'a seq sent twice');

    // a second connection resuming from 0 gets everything
    const p3 = await patron(srv, { token });
    const all = await p3.resume(chat, 0);
    assert.equal(all.resumed.last, last);
    assert.deepEqual(all.msgs.map((m) => m.seq), range(1, last));
    assert.equal(all.msgs[1].event, 'joined');
    await sleep(200);
    assert.deepEqual(p3.msgs(chat).map((m) => m.seq), range(1, last));

    // resume after the last seq: nothing, just resumed
    const p4 = await patron(srv, { token });
    const none = await p4.resume(chat, last);
    assert.deepEqual(none.msgs, []);
    assert.equal(none.resumed.last, last);

    // both live connections get the next message once
    const n = await jen.say(chat, 'to all of you');
    for (const c of [p2, p3, p4]) await c.waitFor('msg', (f) => f.chat === chat && f.seq === n.seq);
    await sleep(200);
    for (const c of [p2, p3, p4]) {
      assert.equal(c.msgs(chat).filter((m) => m.seq === n.seq).length, 1);
    }
    for (const c of [p2, p3, p4]) await c.close();
    await jen.close();
  });

  it('frames pipelined after hello are handled in order once the welcome is out', async () => {
    const jen = await staff(srv);
    const { p, chat } = await activeChat(srv, jen);
    const a = await jen.say(chat, 'before the reconnect');
    const token = p.token;
    await p.close();
    for (let round = 0; round < 20; round++) {
      const c = await Client.open(srv.wsUrl);
      const m = cmid('pipe');
      // all in one go, before the welcome: the hello is answered asynchronously
      c.send({ type: 'hello', role: 'patron', token });
      c.send({ type: 'resume', chat, after: 0 });
      c.send({ type: 'send', chat, cmid: m, text: `pipelined ${round}` });
      c.send({ type: 'ping' });
      const w = await c.waitFor(null, (f) => f.type === 'welcome' || f.type === 'error');
      assert.equal(w.type, 'welcome', JSON.stringify(w));
      const r = await c.waitFor('resumed', (f) => f.chat === chat);
      assert.ok(r.last >= a.seq);
      const ack = await c.waitFor('ack', (f) => f.cmid === m);
      assert.equal(ack.chat, chat);
      await c.waitFor('pong');
      assert.ok(!c.frames.some((f) => f.type === 'error'), JSON.stringify(c.frames.filter((f) => f.type === 'error')));
      // the subscription is live: Jen's next message arrives
      const j = await jen.say(chat, `after pipelined ${round}`);
      await c.waitFor('msg', (f) => f.chat === chat && f.seq === j.seq);
      await c.close();
    }
    // a new patron pipelining join after hello gets its chat
    const n = await Client.open(srv.wsUrl);
    n.send({ type: 'hello', role: 'patron' });
    n.send({ type: 'ping' });
    await n.waitFor('welcome');
    await n.waitFor('pong');
    assert.ok(!n.frames.some((f) => f.type === 'error'));
    await n.close();
    jen.send({ type: 'end', chat });
    await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'ended');
    await jen.close();
  });

  it('staff reconnect resumes the same way', async () => {
    const jen = await staff(srv);
    const { p, chat } = await activeChat(srv, jen);
    const a = await p.say(chat, 'are you there?');
    await jen.waitFor('msg', (f) => f.chat === chat && f.seq === a.seq);
    const N = a.seq;
    const session = jen.login;
    await jen.close();

    let last = N;
    for (let i = 0; i < 10; i++) {
      const ack = await p.say(chat, `patron alone ${i}`);
      assert.equal(ack.seq, last + 1);
      last = ack.seq;
    }
    const jen2 = await staffAgain(srv, session);
    assert.ok(jen2.welcome.chats.some((c) => c.id === chat && c.state === 'active'),
      'staff welcome lists my active chat');
    const { msgs, resumed } = await jen2.resume(chat, N);
    assert.equal(resumed.last, last);
    assert.deepEqual(msgs.map((m) => m.seq), range(N + 1, last));
    assert.ok(msgs.every((m) => m.from === 'patron' && m.name === 'Patron'));
    await sleep(300);
    assert.deepEqual(jen2.msgs(chat).map((m) => m.seq), range(N + 1, last));

    // and can carry on
    const r = await jen2.say(chat, 'back now');
    assert.equal(r.seq, last + 1);
    await p.waitFor('msg', (f) => f.chat === chat && f.seq === r.seq);
    await p.close();
    await jen2.close();
  });

  it('resume while messages keep arriving: no gap, no repeat', async () => {
    const jen = await staff(srv);
    const { p, chat } = await activeChat(srv, jen);
    const token = p.token;
    await p.close();
    for (let i = 0; i < 10; i++) await jen.say(chat, `early ${i}`);
    const p2 = await patron(srv, { token });
    // staff keeps sending while the patron resumes
    const sending = (async () => {
      const acks = [];
      for (let i = 0; i < 30; i++) {
        const cm = cmid('race');
        jen.send({ type: 'send', chat, cmid: cm, text: `racing ${i}` });
        acks.push(cm);
      }
      let lastSeq = 0;
      for (const cm of acks) {
        const ack = await jen.answer(cm);
        assert.equal(ack.type, 'ack');
        lastSeq = ack.seq;
      }
      return lastSeq;
    })();
    const res = await p2.resume(chat, 0);
    const lastSeq = await sending;
    await p2.waitFor('msg', (f) => f.chat === chat && f.seq === lastSeq, 5000);
    await sleep(200);
    assert.ok(res.resumed.last >= 12);
    assert.deepEqual(p2.msgs(chat).map((m) => m.seq), range(1, lastSeq));
    await p2.close();
    await jen.close();
  });
});
