// No patron left alone: a librarian who logs out, goes Away with "hand back", or whose
// console disappears past the grace, hands their active chats back to the FRONT of the
// queue; the patron is told, a colleague can pick the chat up and sees the transcript.
// Away librarians are not on duty for patrons, routing or "ask for".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  patron, staff, staffAgain, activeChat, request, ask, cmid, sleep, assertNone, SAM, JEN,
  queueId, serverForSuite,
} from './lib.mjs';

const GRACE = 1500;

function isHandback(chat) {
  return (f) => f.type === 'msg' && f.chat === chat && f.kind === 'event' && f.event === 'handed_back';
}

async function logout(st) {
  return request(st.srv.port, {
    method: 'POST', path: '/api/v1/logout', body: {},
    headers: { Cookie: st.login.cookie, 'X-CSRF-Token': st.login.csrf },
  });
}

describe('hand-back', () => {
  const srv = serverForSuite({ args: ['--handback-grace-ms', String(GRACE)] });

  it('logging out hands active chats back to the front of the queue; Jen picks one up with its history', async () => {
    const sam = await staff(srv, SAM);
    assert.equal(sam.welcome.staff.status, 'on_duty');
    const { p, chat } = await activeChat(srv, sam, { text: 'Where are the maps?' });
    await p.say(chat, 'The old county ones, please');
    const other = await patron(srv);
    const waiting = await other.join('I was waiting already');
    const jen = await staff(srv, JEN);
    assert.equal(jen.welcome.queue[0].id, waiting.chat);

    const res = await logout(sam);
    assert.equal(res.status, 200);
    await sam.closed();

    const ev = await p.waitFor('msg', isHandback(chat));
    assert.equal(ev.from, 'staff');
    assert.equal(ev.name, 'Sam Lee');
    const back = await p.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'queued', 5000, { after: ev });
    assert.equal(back.chat.staff, null);
    assert.equal(back.chat.position, 1, 'the patron keeps their place: first');
    assert.equal(back.chat.handed_back.by.name, 'Sam Lee');
    // the other patron moved to second
    await other.waitFor('chat', (f) => f.chat.id === waiting.chat && f.chat.position === 2);

    const q = await jen.waitFor('queue', (f) => f.queue.some((e) => e.id === chat));
    assert.deepEqual(q.queue.map((e) => e.id), [chat, waiting.chat]);
    assert.equal(q.queue[0].handed_back.by.name, 'Sam Lee');
    assert.equal(q.queue[0].question, 'Where are the maps?');

    // the patron may write while waiting again; Jen gets everything on pick
    await p.say(chat, 'Still here');
    jen.send({ type: 'pick', chat });
    await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'active' && f.chat.staff.name === 'Jen Ortiz');
    await p.waitFor('msg', (f) => f.chat === chat && f.event === 'joined' && f.name === 'Jen Ortiz');
    await jen.waitFor('msg', (f) => f.chat === chat && f.event === 'joined' && f.name === 'Jen Ortiz');
    const got = jen.msgs(chat);
    const texts = got.filter((m) => m.kind === 'text').map((m) => m.text);
    assert.deepEqual(texts, ['Where are the maps?', 'The old county ones, please', 'Still here']);
    assert.ok(got.some((m) => m.event === 'handed_back' && m.name === 'Sam Lee'));
    const a = await jen.say(chat, 'Hello, I can help');
    assert.ok(a.seq > 0);
    await p.waitFor('msg', (f) => f.chat === chat && f.text === 'Hello, I can help');
    for (const c of [p, other, jen]) await c.close();
  });

  it('logging out of one browser keeps the chats while another console of theirs is open', async () => {
    const sam = await staff(srv, SAM);
    const { p, chat } = await activeChat(srv, sam);
    const sam2 = await staff(srv, SAM); // a second login (a second browser)
    assert.equal((await logout(sam)).status, 200);
    await sam.closed();
    await assertNone(assert, p, isHandback(chat), 2 * GRACE + 500, 'no hand-back while Sam is on elsewhere');
    await sam2.say(chat, 'Still with you');
    await p.waitFor('msg', (f) => f.text === 'Still with you');
    assert.equal((await logout(sam2)).status, 200);
    await p.waitFor('msg', isHandback(chat));
    await p.close();
    await drainQueue(srv, chat);
  });

  it('a console that disappears hands its chats back after the grace; a reconnect within it cancels', async () => {
    const sam = await staff(srv, SAM);
    const { p, chat } = await activeChat(srv, sam);
    // a reload: gone, back within the grace
    sam.terminate();
    await sleep(GRACE / 3);
    const again = await staffAgain(srv, sam.login);
    assert.ok(again.welcome.chats.some((c) => c.id === chat), 'the chat is still Sam\'s after a reload');
    await assertNone(assert, p, isHandback(chat), 2 * GRACE + 500, 'no hand-back after a reload');
    await again.say(chat, 'Sorry, my page reloaded');
    await p.waitFor('msg', (f) => f.text === 'Sorry, my page reloaded');

    // gone for good (the browser crashed)
    const t0 = Date.now();
    again.terminate();
    const ev = await p.waitFor('msg', isHandback(chat), GRACE + 4000);
    const took = Date.now() - t0;
    assert.ok(took >= GRACE - 100, `handed back after ${took} ms, not before the ${GRACE} ms grace`);
    assert.equal(ev.name, 'Sam Lee');
    const back = await p.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'queued', 5000, { after: ev });
    assert.equal(back.chat.position, 1);
    // a colleague can take it
    const jen = await staff(srv, JEN);
    assert.ok(jen.welcome.queue.some((e) => e.id === chat));
    jen.send({ type: 'pick', chat });
    await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'active');
    // Sam, back later, no longer holds it
    const late = await staffAgain(srv, sam.login);
    assert.ok(!late.welcome.chats.some((c) => c.id === chat));
    const refused = await ask(late, { type: 'send', chat, cmid: cmid('late'), text: 'hello?' },
      (f) => f.type === 'ack');
    assert.equal(refused.type, 'error');
    assert.equal(refused.code, 'forbidden');
    jen.send({ type: 'end', chat });
    await p.waitFor('msg', (f) => f.chat === chat && f.event === 'ended');
    for (const c of [p, jen, late]) await c.close();
  });

  it('Away: not on duty for patrons, not routable, not askable; "hand back" sends chats to the queue', async () => {
    const p = await patron(srv);
    // consoles of the earlier tests may still be closing
    if (p.welcome.queues[0].staff_on !== 0) await p.waitFor('queues', (f) => f.queues[0].staff_on === 0);
    const base = 0;
    const jen = await staff(srv, JEN);
    await p.waitFor('queues', (f) => f.queues[0].staff_on === base + 1);

    const st = await ask(jen, { type: 'status', status: 'away' }, (f) => f.type === 'duty');
    assert.equal(st.status, 'away');
    assert.equal(st.handed_back, 0);
    const off = await p.waitFor('queues', (f) => f.queues[0].staff_on === base);
    assert.ok(!(off.librarians || []).some((l) => l.name === 'Jen Ortiz'));
    // a patron asking for Jen is told she is not on
    const cm = cmid('join');
    p.send({ type: 'join', queue: queueId(p.welcome), cmid: cm, text: 'Jen please', staff: jen.welcome.staff.id });
    const err = await p.answer(cm);
    assert.equal(err.type, 'error');
    assert.equal(err.code, 'not_found');
    // a reload keeps Away
    const jen2 = await staffAgain(srv, jen.login);
    assert.equal(jen2.welcome.staff.status, 'away');
    await jen2.close();

    const on = await ask(jen, { type: 'status', status: 'on_duty' }, (f) => f.type === 'duty');
    assert.equal(on.status, 'on_duty');
    await p.waitFor('queues', (f) => f.queues[0].staff_on === base + 1);

    // Away with hand-back
    const { p: p2, chat } = await activeChat(srv, jen);
    const hb = await ask(jen, { type: 'status', status: 'away', handback: true },
      (f) => f.type === 'duty' && f.status === 'away');
    assert.equal(hb.handed_back, 1);
    const ev = await p2.waitFor('msg', isHandback(chat));
    const back = await p2.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'queued', 5000, { after: ev });
    assert.equal(back.chat.handed_back.by.name, 'Jen Ortiz');
    // Jen's console hears of it as a queued chat, and is no longer sent its messages
    await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'queued');
    await p2.say(chat, 'anyone?');
    await assertNone(assert, jen, (f) => f.type === 'msg' && f.text === 'anyone?', 400, 'no longer subscribed');

    // bad frames
    const bad = await ask(jen, { type: 'status', status: 'on_duty', handback: true }, () => false);
    assert.equal(bad.code, 'bad_frame');
    const bad2 = await ask(jen, { type: 'status', status: 'lunch' }, () => false);
    assert.equal(bad2.code, 'bad_frame');
    const pst = await ask(p, { type: 'status', status: 'away' }, () => false);
    assert.equal(pst.code, 'bad_frame');
    await ask(jen, { type: 'status', status: 'on_duty' }, (f) => f.type === 'duty' && f.status === 'on_duty');
    await drainQueue(srv, chat, jen);
    for (const c of [p, p2, jen]) await c.close();
  });
});

/** Ends a queued chat left over by a test by picking it and ending it. */
async function drainQueue(srv, chat, st) {
  const own = !st;
  const jen = st || await staff(srv, JEN);
  jen.send({ type: 'pick', chat });
  await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'active');
  jen.send({ type: 'end', chat });
  await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'ended');
  if (own) await jen.close();
}
