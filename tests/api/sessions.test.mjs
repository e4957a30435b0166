// Staff sessions: cookie flags, fresh session per login, uniform failures, lockout, logout.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  login, request, staff, staffAgain, staffWs, Client, assertServing, JEN, SAM, PASSWORD,
  serverForSuite,
} from './lib.mjs';

describe('staff sessions', () => {
  const srv = serverForSuite();

  it('login sets an HttpOnly, SameSite=Strict session cookie and returns csrf', async () => {
    const l = await login(srv.port, JEN);
    assert.equal(l.res.status, 200, l.res.text);
    assert.ok(l.setCookie, `no rapport_session cookie: ${JSON.stringify(l.res.headers['set-cookie'])}`);
    const attrs = l.setCookie.split(';').map((s) => s.trim().toLowerCase());
    assert.ok(attrs.includes('httponly'), l.setCookie);
    assert.ok(attrs.includes('samesite=strict'), l.setCookie);
    assert.ok(attrs.includes('path=/'), l.setCookie);
    assert.ok(l.session.length >= 20, 'session id long enough');
    assert.equal(typeof l.csrf, 'string');
    assert.ok(l.csrf.length >= 16);
    assert.equal(l.body.staff.email, JEN);
    assert.equal(l.body.staff.role, 'librarian');
    assert.equal(l.body.library.slug, 'demo');
    assert.equal(l.body.password, undefined);
    assert.ok(!l.res.text.includes(PASSWORD));
    const me = await request(srv.port, { path: '/api/v1/me', headers: { Cookie: l.cookie } });
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(me.json.staff, l.body.staff);
    assert.equal(me.json.csrf, l.csrf);
  });

  it('each login makes a new session', async () => {
    const a = await login(srv.port, JEN);
    const b = await login(srv.port, JEN);
    assert.equal(a.res.status, 200);
    assert.equal(b.res.status, 200);
    assert.notEqual(a.session, b.session);
    assert.notEqual(a.csrf, b.csrf);
    // a session id sent in with the login is not reused
    const c = await login(srv.port, JEN, PASSWORD, { Cookie: a.cookie });
    assert.notEqual(c.session, a.session);
    for (const x of [a, b, c]) {
      const me = await request(srv.port, { path: '/api/v1/me', headers: { Cookie: x.cookie } });
      assert.equal(me.status, 200);
    }
  });

  it('no session or a made-up one → 401 unauthenticated', async () => {
    const none = await request(srv.port, { path: '/api/v1/me' });
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'unauthenticated');
    const fake = await request(srv.port, { path: '/api/v1/me',
      headers: { Cookie: `rapport_session=${'x'.repeat(43)}` } });
    assert.equal(fake.status, 401);
    assert.equal(fake.json.error.code, 'unauthenticated');
    const list = await request(srv.port, { path: '/api/v1/chats' });
    assert.equal(list.status, 401);
  });

  it('wrong password and unknown email: the same 401 bad_credentials', async () => {
    const wrong = await login(srv.port, JEN, 'not-the-password');
    const unknown = await login(srv.port, 'nobody@demo.library', 'not-the-password');
    assert.equal(wrong.res.status, 401);
    assert.equal(unknown.res.status, 401);
    assert.equal(wrong.res.json.error.code, 'bad_credentials');
    assert.deepEqual(unknown.res.json, wrong.res.json);
    assert.equal(wrong.setCookie, null);
    assert.equal(unknown.setCookie, null);
    const empty = await login(srv.port, JEN, '');
    assert.ok([400, 401].includes(empty.res.status));
    assert.equal(empty.setCookie, null);
  });

  it('login with a foreign Origin → 403 bad_origin', async () => {
    const r = await login(srv.port, JEN, PASSWORD, { Origin: 'http://evil.example' });
    assert.equal(r.res.status, 403, r.res.text);
    assert.equal(r.res.json.error.code, 'bad_origin');
    assert.equal(r.setCookie, null);
    const ok = await login(srv.port, JEN, PASSWORD, { Origin: srv.origin });
    assert.equal(ok.res.status, 200);
  });

  it('the 6th wrong password for one account → 429 with Retry-After', async () => {
    for (let i = 1; i <= 5; i++) {
      const r = await login(srv.port, SAM, `wrong-${i}`);
      assert.equal(r.res.status, 401, `attempt ${i}: ${r.res.status} ${r.res.text}`);
    }
    const r6 = await login(srv.port, SAM, 'wrong-6');
    assert.equal(r6.res.status, 429, r6.res.text);
    assert.equal(r6.res.json.error.code, 'rate_limited');
    assert.match(String(r6.res.headers['retry-after']), /^[1-9][0-9]*$/);
    // even the right password is held back now, and gives no session
    const right = await login(srv.port, SAM, PASSWORD);
    assert.equal(right.res.status, 429);
    assert.equal(right.setCookie, null);
    // another account is not locked
    const jen = await login(srv.port, JEN);
    assert.equal(jen.res.status, 200);
  });

  it('logout closes that session\'s WebSockets with 1008; /me is then 401', async () => {
    const jen = await staff(srv, JEN);
    const sess = jen.login;
    const jen2 = await staffAgain(srv, sess); // a second socket, same session
    const other = await staff(srv, JEN); // another session of the same person
    const out = await request(srv.port, { method: 'POST', path: '/api/v1/logout',
      headers: { Cookie: sess.cookie, 'X-CSRF-Token': sess.csrf }, body: {} });
    assert.equal(out.status, 200, out.text);
    assert.deepEqual(out.json, { ok: true });
    for (const c of [jen, jen2]) {
      const { code } = await c.closed(5000);
      assert.equal(code, 1008);
    }
    const me = await request(srv.port, { path: '/api/v1/me', headers: { Cookie: sess.cookie } });
    assert.equal(me.status, 401);
    assert.equal(me.json.error.code, 'unauthenticated');
    // the ended session cannot open a staff socket again
    const c = await staffWs(srv, sess.cookie);
    c.send({ type: 'hello', role: 'staff' });
    const e = await c.waitFor('error');
    assert.equal(e.code, 'unauthenticated');
    assert.equal((await c.closed(5000)).code, 1008);
    // the other session lives on
    other.send({ type: 'ping' });
    await other.waitFor('pong');
    const me2 = await request(srv.port, { path: '/api/v1/me', headers: { Cookie: other.login.cookie } });
    assert.equal(me2.status, 200);
    await other.close();
  });

  it('staff hello without a cookie → unauthenticated, closed 1008', async () => {
    const c = await Client.open(srv.wsUrl, { origin: srv.origin });
    c.send({ type: 'hello', role: 'staff' });
    const e = await c.waitFor('error');
    assert.equal(e.code, 'unauthenticated');
    assert.equal((await c.closed(5000)).code, 1008);
    assert.equal(c.all('welcome').length, 0);
    await assertServing(srv, assert);
  });
});
