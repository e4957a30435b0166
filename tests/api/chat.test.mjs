// The chat story over the protocol, and idempotent sends (PROTOCOL.md "Guarantees").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  patron, staff, queueId, cmid, request, assertNone, activeChat, serverForSuite,
} from './lib.mjs';

describe('chat story', () => {
  const srv = serverForSuite({ args: ['--rate', '1000', '--burst', '1000'] });

  it('patron and librarian chat from queue to end', async () => {
    const p = await patron(srv);
    assert.equal(p.welcome.role, 'patron');
    assert.match(p.token, /^[A-Za-z0-9_-]{43}$/, 'fresh token: 43 base64url characters');
    assert.equal(p.welcome.library.slug, 'demo', 'default library is the first one');
    const q = p.welcome.queues.find((x) => x.slug === 'ask');
    assert.ok(q, 'queue ask listed');
    assert.equal(q.name, 'Ask a Librarian');
    assert.equal(p.welcome.limits.text_max, 4000);
    assert.equal(p.welcome.limits.frame_max, 16384);
    assert.deepEqual(p.welcome.chats, []);

    const jen = await staff(srv, 'jen@demo.library');
    assert.equal(jen.welcome.role, 'staff');
    assert.equal(jen.welcome.library.slug, 'demo');
    const jenName = jen.welcome.staff.name;
    assert.equal(typeof jenName, 'string');
    assert.ok(jenName.length > 0);
    assert.equal(jenName, jen.login.body.staff.name, 'same name as login');

    // ping/pong
    p.send({ type: 'ping' });
    await p.waitFor('pong');

    // join → ack seq 1, chat frame position 1
    const question = `Do you have the 1962 edition of Pale Fire? ${cmid('q')}`;
    const joinCmid = cmid('join');
    p.send({ type: 'join', queue: q.id, cmid: joinCmid, text: question });
    const ack1 = await p.answer(joinCmid);
    assert.equal(ack1.type, 'ack', JSON.stringify(ack1));
    assert.equal(ack1.seq, 1);
    assert.equal(ack1.cmid, joinCmid);
    assert.equal(typeof ack1.chat, 'number');
    const chatId = ack1.chat;
    const queued = await p.waitFor('chat', (f) => f.chat.id === chatId && f.chat.state === 'queued');
    assert.equal(queued.chat.position, 1);
    assert.equal(queued.chat.staff, null);
    assert.equal(queued.chat.queue, q.id);

    // staff sees the question in the queue frame
    const qf = await jen.waitFor('queue', (f) => f.queue.some((e) => e.id === chatId));
    const entry = qf.queue.find((e) => e.id === chatId);
    assert.equal(entry.question, question);
    assert.equal(entry.queue, q.id);
    assert.equal(entry.patron_online, true);

    // pick
    jen.send({ type: 'pick', chat: chatId });
    const act = await jen.waitFor('chat', (f) => f.chat.id === chatId && f.chat.state === 'active');
    assert.equal(act.chat.position, 0);
    assert.equal(act.chat.staff.name, jenName);
    const joined = await p.waitFor('msg', (f) => f.chat === chatId && f.kind === 'event');
    assert.equal(joined.event, 'joined');
    assert.equal(joined.seq, 2);
    assert.equal(joined.from, 'staff');
    assert.equal(joined.name, jenName);
    const pActive = await p.waitFor('chat', (f) => f.chat.id === chatId && f.chat.state === 'active');
    assert.equal(pActive.chat.staff.name, jenName);
    // the queue frame after pick no longer lists it
    await jen.waitFor('queue', (f) => !f.queue.some((e) => e.id === chatId), 5000, { after: qf });

    // messages both ways, acks with increasing seq
    const a3 = await p.say(chatId, 'Great, thank you!');
    assert.equal(a3.seq, 3);
    const m3 = await jen.waitFor('msg', (f) => f.chat === chatId && f.seq === 3);
    assert.equal(m3.kind, 'text');
    assert.equal(m3.from, 'patron');
    assert.equal(m3.name, 'Patron');
    assert.equal(m3.text, 'Great, thank you!');
    assert.equal(m3.cmid, a3.cmid);

    const a4 = await jen.say(chatId, 'Happy to help — it is on shelf 3. ✓');
    assert.equal(a4.seq, 4);
    const m4 = await p.waitFor('msg', (f) => f.chat === chatId && f.seq === 4);
    assert.equal(m4.from, 'staff');
    assert.equal(m4.name, jenName);
    assert.equal(m4.text, 'Happy to help — it is on shelf 3. ✓');

    // typing both ways, not stored
    p.send({ type: 'typing', chat: chatId, on: true });
    const t1 = await jen.waitFor('typing', (f) => f.chat === chatId);
    assert.deepEqual({ from: t1.from, on: t1.on }, { from: 'patron', on: true });
    jen.send({ type: 'typing', chat: chatId, on: false });
    const t2 = await p.waitFor('typing', (f) => f.chat === chatId);
    assert.deepEqual({ from: t2.from, on: t2.on }, { from: 'staff', on: false });
    assert.equal(t2.name, jenName, 'staff typing carries the name');

    const a5 = await p.say(chatId, 'One more question');
    assert.equal(a5.seq, 5, 'typing is not stored');
    await jen.waitFor('msg', (f) => f.chat === chatId && f.seq === 5);

    // staff ends
    jen.send({ type: 'end', chat: chatId });
    const ended = await p.waitFor('msg', (f) => f.chat === chatId && f.kind === 'event' && f.event === 'ended');
    assert.equal(ended.seq, 6);
    assert.equal(ended.by, 'staff');
    const endedChat = await p.waitFor('chat', (f) => f.chat.id === chatId && f.chat.state === 'ended');
    assert.equal(endedChat.chat.ended_by, 'staff');
    assert.equal(endedChat.chat.position, 0);
    await jen.waitFor('chat', (f) => f.chat.id === chatId && f.chat.state === 'ended');

    // sending to an ended chat: bad_state
    const late = cmid('late');
    p.send({ type: 'send', chat: chatId, cmid: late, text: 'hello?' });
    const e = await p.answer(late);
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'bad_state');

    // each connection saw each seq at most once, in order
    for (const c of [p, jen]) {
      const seqs = c.msgs(chatId).map((m) => m.seq);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'msg in seq order');
      assert.equal(new Set(seqs).size, seqs.length, 'no seq twice');
    }

    // transcript over REST (patron Bearer)
    const r = await request(srv.port, { path: `/api/v1/chats/${chatId}`,
      headers: { Authorization: `Bearer ${p.token}` } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.chat.id, chatId);
    assert.equal(r.json.chat.state, 'ended');
    assert.equal(r.json.chat.ended_by, 'staff');
    assert.deepEqual(r.json.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
    assert.equal(r.json.messages[0].text, question);
    assert.equal(r.json.messages[0].cmid, joinCmid);
    assert.deepEqual(r.json.messages.map((m) => m.kind),
      ['text', 'event', 'text', 'text', 'text', 'event']);
    assert.equal(r.json.messages[3].text, 'Happy to help — it is on shelf 3. ✓');
    assert.ok(r.json.messages.every((m) => m.type === undefined), 'messages shaped without type');

    await p.close();
    await jen.close();
  });

  it('a patron ending a queued chat abandons it', async () => {
    const p = await patron(srv);
    const a = await p.join('never mind');
    p.send({ type: 'end', chat: a.chat });
    await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'abandoned');
    const r = await request(srv.port, { path: `/api/v1/chats/${a.chat}`,
      headers: { Authorization: `Bearer ${p.token}` } });
    assert.equal(r.status, 200);
    assert.equal(r.json.chat.state, 'abandoned');
    await p.close();
  });
});

describe('idempotent sends', () => {
  const srv = serverForSuite({ args: ['--rate', '1000', '--burst', '1000'] });

  it('join twice with one cmid opens one chat', async () => {
    const p = await patron(srv);
    const cm = cmid('join');
    p.send({ type: 'join', queue: queueId(p.welcome), cmid: cm, text: 'same question' });
    const a1 = await p.answer(cm);
    p.send({ type: 'join', queue: queueId(p.welcome), cmid: cm, text: 'same question' });
    const a2 = await p.answer(cm);
    assert.equal(a1.type, 'ack');
    assert.deepEqual(a2, a1, 'same ack');
    const r = await request(srv.port, { path: '/api/v1/chats',
      headers: { Authorization: `Bearer ${p.token}` } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.chats.map((c) => c.id), [a1.chat], 'exactly one chat');

    // again from a new connection (after a "reconnect")
    const p2 = await patron(srv, { token: p.token });
    p2.send({ type: 'join', queue: queueId(p.welcome), cmid: cm, text: 'same question' });
    const a3 = await p2.answer(cm);
    assert.deepEqual(a3, a1);
    const r2 = await request(srv.port, { path: '/api/v1/chats',
      headers: { Authorization: `Bearer ${p.token}` } });
    assert.deepEqual(r2.json.chats.map((c) => c.id), [a1.chat]);
    await p.close();
    await p2.close();
  });

  it('send twice with one cmid stores once and acks the same seq', async () => {
    const jen = await staff(srv);
    const { p, chat } = await activeChat(srv, jen);
    const cm = cmid('dup');
    p.send({ type: 'send', chat, cmid: cm, text: 'only once please' });
    const a1 = await p.answer(cm);
    assert.equal(a1.type, 'ack');
    p.send({ type: 'send', chat, cmid: cm, text: 'only once please' });
    const a2 = await p.answer(cm);
    assert.deepEqual(a2, a1);
    // staff got it once
    await assertNone(assert, jen, (f) => f.type === 'msg' && f.chat === chat && f.cmid === cm
      && f.seq !== a1.seq, 300, 'a duplicate msg');
    assert.equal(jen.all('msg', (f) => f.chat === chat && f.cmid === cm).length, 1);

    // resend after reconnect
    await p.close();
    const p2 = await patron(srv, { token: p.token });
    p2.send({ type: 'send', chat, cmid: cm, text: 'only once please' });
    const a3 = await p2.answer(cm);
    assert.deepEqual(a3, a1);

    // a new cmid gets the next seq
    const a4 = await p2.say(chat, 'next');
    assert.equal(a4.seq, a1.seq + 1);

    const r = await request(srv.port, { path: `/api/v1/chats/${chat}`,
      headers: { Authorization: `Bearer ${p.token}` } });
    assert.equal(r.status, 200);
    assert.equal(r.json.messages.filter((m) => m.cmid === cm).length, 1, 'stored once');
    assert.deepEqual(r.json.messages.map((m) => m.seq), [1, 2, 3, 4]);

    // REST: 201 then 200 with the same body for a repeated cmid
    const rc = cmid('rest');
    const post = () => request(srv.port, { method: 'POST', path: `/api/v1/chats/${chat}/messages`,
      headers: { Authorization: `Bearer ${p.token}` }, body: { cmid: rc, text: 'via REST' } });
    const r1 = await post();
    assert.equal(r1.status, 201, r1.text);
    assert.deepEqual(r1.json, { chat, seq: 5 });
    const r2 = await post();
    assert.equal(r2.status, 200, r2.text);
    assert.deepEqual(r2.json, r1.json);
    const t = await request(srv.port, { path: `/api/v1/chats/${chat}`,
      headers: { Authorization: `Bearer ${p.token}` } });
    assert.deepEqual(t.json.messages.map((m) => m.seq), [1, 2, 3, 4, 5]);
    await p2.close();
    await jen.close();
  });
});
