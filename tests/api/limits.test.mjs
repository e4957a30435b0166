// Session expiry closes open consoles; console activity keeps a session alive; new anonymous
// patrons per address are capped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, staff, patron, Client, sleep, JEN, ask, cmid, serverForSuite } from './lib.mjs';

describe('session expiry', () => {
  const srv = serverForSuite({ args: ['--session-idle', '2'] });

  it('an idle session ends: its console is closed with 1008 and /me is 401', async () => {
    const jen = await staff(srv, JEN);
    const cookie = { Cookie: jen.login.cookie };
    assert.equal((await request(srv.port, { path: '/api/v1/me', headers: cookie })).status, 200);
    const { code, reason } = await jen.closed(6000);
    assert.equal(code, 1008);
    assert.equal(reason, 'session expired');
    const me = await request(srv.port, { path: '/api/v1/me', headers: cookie });
    assert.equal(me.status, 401);
    assert.equal(me.json.error.code, 'unauthenticated');
  });

  it('REST use keeps a session alive past the idle limit', async () => {
    const jen = await staff(srv, JEN);
    const cookie = { Cookie: jen.login.cookie };
    for (let i = 0; i < 4; i++) {
      await sleep(900);
      assert.equal((await request(srv.port, { path: '/api/v1/me', headers: cookie })).status, 200);
    }
    assert.ok(jen.isOpen, 'console closed while the session was in use');
    await jen.close();
  });
});

describe('new patrons per address', () => {
  const srv = serverForSuite({ args: ['--new-patrons', '5'] });

  it('the 6th new patron within a minute gets rate_limited; returning patrons are not limited', async () => {
    const ps = [];
    for (let i = 0; i < 5; i++) ps.push(await patron(srv));
    const c = await Client.open(srv.wsUrl);
    c.send({ type: 'hello', role: 'patron' });
    const e = await c.waitFor('error');
    assert.equal(e.code, 'rate_limited');
    assert.equal(c.all('welcome').length, 0);
    await c.close();
    // a known token still works
    const again = await patron(srv, { token: ps[0].token });
    assert.equal(again.welcome.patron.id, ps[0].welcome.patron.id);
    for (const p of [...ps, again]) await p.close();
  });
});

describe('messages per chat', () => {
  const srv = serverForSuite({ args: ['--chat-max-messages', '4'] });

  it('a chat at --chat-max-messages refuses the next send, and nothing is lost', async () => {
    const p = await patron(srv);
    const a = await p.join('first'); // seq 1
    assert.equal((await p.say(a.chat, 'second')).seq, 2);
    assert.equal((await p.say(a.chat, 'third')).seq, 3);
    assert.equal((await p.say(a.chat, 'fourth')).seq, 4);
    const over = cmid('over');
    const e = await ask(p, { type: 'send', chat: a.chat, cmid: over, text: 'fifth' }, () => false);
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'bad_state');
    assert.match(e.message, /maximum length/);
    const t = await request(srv.port, { path: `/api/v1/chats/${a.chat}`,
      headers: { Authorization: `Bearer ${p.token}` } });
    assert.deepEqual(t.json.messages.map((m) => m.text), ['first', 'second', 'third', 'fourth']);
    await p.close();
  });
});
