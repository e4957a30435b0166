// Live desk state that must survive a restart: a queued chat's continuity offer (who it is
// offered to and until when), and routing that goes on for someone the patron knows.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Server, stopAndCheck, patron, staff, remember, JEN, SAM, login, sleep, Client,
} from './lib.mjs';

async function pick(st, chat) {
  st.send({ type: 'pick', chat });
  return st.waitFor(null, (f) => (f.type === 'chat' && f.chat.id === chat && f.chat.state === 'active')
    || (f.type === 'error' && f.ref === 'pick'));
}

async function endChat(st, chat) {
  st.send({ type: 'end', chat });
  await st.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'ended');
}

/** A remembered patron who had one chat with `st`, ended; the token to come back with. */
async function regular(srv, st) {
  const p = await patron(srv);
  const r = await remember(p, { display_name: 'Reader' });
  assert.equal(r.type, 'relation', JSON.stringify(r));
  const a = await p.join('First question about citations');
  assert.equal((await pick(st, a.chat)).type, 'chat');
  await endChat(st, a.chat);
  return p;
}

describe('live desk state across a restart', () => {
  // a long window, so it cannot lapse while the server restarts
  const srv = new Server({ args: ['--offer-window', '120'] });
  let jenId;
  before(async () => {
    await srv.start();
    jenId = (await login(srv.port, JEN)).body.staff.id;
  });
  after(async () => { await stopAndCheck(srv, assert); });

  it('a queued chat offered to the librarian who helped stays offered to her, with the same deadline', async () => {
    let jen = await staff(srv, JEN);
    const p = await regular(srv, jen);
    const token = p.token;
    const a = await p.join('Back about my thesis');
    const q = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.offer);
    assert.equal(q.chat.offer.staff.id, jenId);
    const until = q.chat.offer.until;
    await sleep(300); // the offer's write goes with the next batch
    // the server stops with Jen's console open: its closing must not undo the offer
    await srv.stop();
    await Promise.all([p.closed(), jen.closed()]);
    await srv.restart();

    // the patron is back before Jen's console: the offer waits for her
    const p2 = await patron(srv, { token });
    await sleep(1500); // the desk ticks every second
    jen = await staff(srv, JEN);
    const sam = await staff(srv, SAM);
    const listed = p2.welcome.chats.find((c) => c.id === a.chat);
    assert.ok(!p2.all('chat', (f) => f.chat.id === a.chat && f.chat.offer === null).length,
      'the offer was dropped while Jen reconnected');
    assert.ok(listed, JSON.stringify(p2.welcome.chats));
    assert.equal(listed.state, 'queued');
    assert.ok(listed.offer, `offer lost in the restart: ${JSON.stringify(listed)}`);
    assert.equal(listed.offer.staff.id, jenId);
    assert.equal(listed.offer.why, 'helped');
    assert.equal(listed.offer.until, until);
    // still only Jen's to pick
    const e = await pick(sam, a.chat);
    assert.equal(e.type, 'error', JSON.stringify(e));
    assert.equal(e.code, 'offered');
    assert.equal((await pick(jen, a.chat)).type, 'chat');
    await endChat(jen, a.chat);
    await Promise.all([p2.close(), jen.close(), sam.close()]);
  });

  it('someone the patron knows who comes on duty within the window is asked first', async () => {
    let jen = await staff(srv, JEN);
    const p = await regular(srv, jen);
    await jen.close();
    await sleep(200);
    const a = await p.join('Is Jen on today?');
    const q = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'queued');
    assert.equal(q.chat.offer, null, 'nobody they know is on: open to all');
    jen = await staff(srv, JEN);
    const o = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.offer, 3000);
    assert.equal(o.chat.offer.staff.id, jenId);
    assert.equal(o.chat.offer.why, 'helped');
    assert.equal((await pick(jen, a.chat)).type, 'chat');
    await endChat(jen, a.chat);
    await Promise.all([p.close(), jen.close()]);
  });

  it('a visitor who only opens the chat leaves nothing stored; one who asks is kept', async () => {
    const looker = await patron(srv);
    const asker = await patron(srv);
    const a = await asker.join('Where are the study rooms?');
    // a second tab of the visitor who only looked is the same patron
    const tab = await patron(srv, { token: looker.token });
    assert.equal(tab.welcome.patron.id, looker.welcome.patron.id);
    await Promise.all([looker.close(), asker.close(), tab.close()]);
    await srv.stop();
    await srv.restart();
    const back = await patron(srv, { token: asker.token });
    assert.equal(back.welcome.patron.id, asker.welcome.patron.id);
    assert.ok(back.welcome.chats.some((c) => c.id === a.chat), 'the question is kept');
    const c = await Client.open(srv.wsUrl);
    c.send({ type: 'hello', role: 'patron', token: looker.token });
    const e = await c.waitFor(null, (f) => f.type === 'welcome' || f.type === 'error');
    assert.equal(e.type, 'error', `a patron row was stored for a visitor who did nothing: ${JSON.stringify(e)}`);
    assert.equal(e.code, 'unknown_token');
    await Promise.all([back.close(), c.close()]);
  });
});
