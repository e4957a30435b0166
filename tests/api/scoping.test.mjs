// "Every request is scoped": patrons see only their own chats, staff only their library's,
// librarians act only on chats assigned to them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Server, stopAndCheck, patron, staff, activeChat, cmid, request, assertNone, addLibrary, addStaff, login,
} from './lib.mjs';

const LEE = { email: 'lee@demo.library', name: 'Lee Second', password: 'lee-secret-pw', role: 'librarian' };
const OTHER = { email: 'x@other.library', name: 'Xavier Other', password: 'other-secret-pw' };

describe('scoping', () => {
  const srv = new Server({
    args: ['--rate', '1000', '--burst', '1000'],
    setup: (dir) => addLibrary(dir, {
      slug: 'other', name: 'Other Library', queue: 'ask:Ask Other', staff: [OTHER],
    }),
  });
  before(async () => {
    // a second librarian of demo: the demo library exists once `rapport demo` has run
    await srv.start();
    const r = await srv.stop();
    assert.equal(r.code, 0);
    addStaff(srv.dataDir, 'demo', LEE);
    await srv.restart();
  });
  after(async () => { await stopAndCheck(srv, assert); });

  const SECRET = `my card number is 2900-${cmid('secret')}`;
  let jen; let a; let b; let chatB; let chatA;

  it('setup: two patrons of demo, one chat each, B\'s picked by jen', async () => {
    jen = await staff(srv, 'jen@demo.library');
    assert.equal(jen.welcome.library.slug, 'demo');
    ({ p: b, chat: chatB } = await activeChat(srv, jen, { text: SECRET, library: 'demo' }));
    a = await patron(srv, { library: 'demo' });
    assert.equal(a.welcome.library.slug, 'demo');
    chatA = (await a.join('my own question')).chat;
    assert.notEqual(chatA, chatB);
  });

  it('patron A cannot touch patron B\'s chat over the WebSocket', async () => {
    const missing = chatB + 100000;
    const errs = {};
    for (const [what, id] of [['b', chatB], ['missing', missing]]) {
      a.send({ type: 'resume', chat: id, after: 0 });
      const r = await a.waitFor('error', (f) => f.ref === 'resume');
      const s = cmid('s');
      a.send({ type: 'send', chat: id, cmid: s, text: 'let me in' });
      const se = await a.answer(s);
      a.send({ type: 'typing', chat: id, on: true });
      const t = await a.waitFor('error', (f) => f.ref === 'typing');
      a.send({ type: 'end', chat: id });
      const e = await a.waitFor('error', (f) => f.ref === 'end');
      errs[what] = [r, se, t, e];
    }
    for (const f of [...errs.b, ...errs.missing]) assert.equal(f.code, 'not_found', JSON.stringify(f));
    // another patron's chat looks exactly like a missing one
    const strip = (f) => ({ ...f, ref: undefined });
    assert.deepEqual(errs.b.map(strip), errs.missing.map(strip));

    // B's chat went on untouched: still active, no message from A, B did not see typing
    await jen.say(chatB, 'a message only B may read');
    await assertNone(assert, a, (f) => (f.type === 'msg' || f.type === 'typing') && f.chat === chatB,
      400, 'frames of B\'s chat reached A');
    assert.ok(!JSON.stringify(a.frames).includes(SECRET), 'B\'s question leaked to A');
    assert.ok(!JSON.stringify(a.frames).includes('a message only B may read'));
    await assertNone(assert, b, (f) => f.type === 'typing' && f.from === 'patron', 0);
    const t = await request(srv.port, { path: `/api/v1/chats/${chatB}`,
      headers: { Authorization: `Bearer ${b.token}` } });
    assert.equal(t.json.chat.state, 'active');
    assert.ok(!t.json.messages.some((m) => m.text === 'let me in'));
  });

  it('patron A cannot read or write B\'s chat over REST', async () => {
    const auth = { Authorization: `Bearer ${a.token}` };
    const missing = chatB + 100000;
    const gb = await request(srv.port, { path: `/api/v1/chats/${chatB}`, headers: auth });
    const gm = await request(srv.port, { path: `/api/v1/chats/${missing}`, headers: auth });
    assert.equal(gb.status, 404);
    assert.equal(gb.json.error.code, 'not_found');
    assert.ok(!gb.text.includes(SECRET));
    assert.deepEqual(gb.json, gm.json, 'same answer as a missing chat');
    assert.equal(gm.status, 404);

    const body = { cmid: cmid('rest'), text: 'REST intrusion' };
    const pb = await request(srv.port, { method: 'POST', path: `/api/v1/chats/${chatB}/messages`,
      headers: auth, body });
    const pm = await request(srv.port, { method: 'POST', path: `/api/v1/chats/${missing}/messages`,
      headers: auth, body });
    assert.equal(pb.status, 404, pb.text);
    assert.equal(pb.json.error.code, 'not_found');
    assert.deepEqual(pb.json, pm.json);

    const list = await request(srv.port, { path: '/api/v1/chats', headers: auth });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.chats.map((c) => c.id), [chatA], 'A lists only A\'s chat');
    assert.ok(!list.text.includes(SECRET));

    // no token, or a made-up one: no chat either
    const none = await request(srv.port, { path: `/api/v1/chats/${chatB}` });
    assert.ok(none.status === 401 || none.status === 404, `no auth: ${none.status}`);
    assert.ok(!none.text.includes(SECRET));
    const fake = await request(srv.port, { path: `/api/v1/chats/${chatB}`,
      headers: { Authorization: `Bearer ${'A'.repeat(43)}` } });
    assert.ok(fake.status === 401 || fake.status === 404, `fake token: ${fake.status}`);
    assert.ok(!fake.text.includes(SECRET));

    const t = await request(srv.port, { path: `/api/v1/chats/${chatB}`,
      headers: { Authorization: `Bearer ${b.token}` } });
    assert.ok(!t.json.messages.some((m) => m.text === 'REST intrusion'));
  });

  it('staff of another library see nothing of demo', async () => {
    const x = await staff(srv, OTHER.email, OTHER.password);
    assert.equal(x.welcome.library.slug, 'other');
    assert.ok(!JSON.stringify(x.welcome).includes(SECRET));
    assert.ok(!(x.welcome.queue || []).some((e) => e.id === chatA), 'demo queue entry visible');
    const errs = [];
    for (const [type, extra] of [['resume', { after: 0 }], ['pick', {}]]) {
      for (const id of [chatA, chatB]) {
        x.send({ type, chat: id, ...extra });
        errs.push(await x.waitFor('error', (f) => f.ref === type));
      }
    }
    const s = cmid('x');
    x.send({ type: 'send', chat: chatB, cmid: s, text: 'from the other library' });
    errs.push(await x.answer(s));
    x.send({ type: 'end', chat: chatB });
    errs.push(await x.waitFor('error', (f) => f.ref === 'end'));
    for (const e of errs) assert.equal(e.code, 'not_found', JSON.stringify(e));

    // a new demo chat in the queue does not reach other's staff
    const c = await patron(srv, { library: 'demo' });
    const ca = await c.join('demo-only question');
    await jen.waitFor('queue', (f) => f.queue.some((e) => e.id === ca.chat));
    await assertNone(assert, x, (f) => JSON.stringify(f).includes('demo-only question')
      || (f.type === 'chat' && f.chat.id === ca.chat), 300, 'demo chat shown to other library');
    assert.ok(!x.frames.some((f) => f.type === 'msg' && [chatA, chatB].includes(f.chat)));

    // REST
    const cookie = { Cookie: x.login.cookie };
    const list = await request(srv.port, { path: '/api/v1/chats', headers: cookie });
    assert.equal(list.status, 200, list.text);
    const ids = list.json.chats.map((ch) => ch.id);
    for (const id of [chatA, chatB, ca.chat]) assert.ok(!ids.includes(id), `lists demo chat ${id}`);
    for (const st of ['queued', 'active']) {
      const l = await request(srv.port, { path: `/api/v1/chats?state=${st}`, headers: cookie });
      assert.equal(l.status, 200, `?state=${st}: ${l.text}`);
      assert.ok(!l.json.chats.some((ch) => [chatA, chatB, ca.chat].includes(ch.id)));
    }
    const g = await request(srv.port, { path: `/api/v1/chats/${chatB}`, headers: cookie });
    assert.equal(g.status, 404);
    assert.equal(g.json.error.code, 'not_found');
    assert.ok(!g.text.includes(SECRET));
    const pm = await request(srv.port, { method: 'POST', path: `/api/v1/chats/${chatB}/messages`,
      headers: { ...cookie, 'X-CSRF-Token': x.login.csrf },
      body: { cmid: cmid('xr'), text: 'x' } });
    assert.equal(pm.status, 404, pm.text);

    // and jen's list does have them (the negative above is not vacuous)
    const jl = await request(srv.port, { path: '/api/v1/chats', headers: { Cookie: jen.login.cookie } });
    assert.equal(jl.status, 200);
    const jids = jl.json.chats.map((ch) => ch.id);
    for (const id of [chatA, chatB, ca.chat]) assert.ok(jids.includes(id), `jen misses ${id}`);
    await c.close();
    await x.close();
  });

  it('a librarian cannot act on a chat assigned to another librarian', async () => {
    const lee = await staff(srv, LEE.email, LEE.password);
    assert.equal(lee.welcome.staff.role, 'librarian');
    assert.equal(lee.welcome.library.slug, 'demo');
    // a colleague's live chat is theirs: a librarian cannot read it (a supervisor may)
    lee.send({ type: 'resume', chat: chatB, after: 0 });
    assert.equal((await lee.waitFor('error', (f) => f.ref === 'resume')).code, 'forbidden');
    const ls = cmid('lee');
    lee.send({ type: 'send', chat: chatB, cmid: ls, text: 'lee butting in' });
    const le = await lee.answer(ls);
    assert.equal(le.type, 'error');
    assert.equal(le.code, 'forbidden');
    lee.send({ type: 'typing', chat: chatB, on: true });
    assert.equal((await lee.waitFor('error', (f) => f.ref === 'typing')).code, 'forbidden');
    lee.send({ type: 'end', chat: chatB });
    assert.equal((await lee.waitFor('error', (f) => f.ref === 'end')).code, 'forbidden');
    await lee.close();

    // the same for the demo admin (sam): send/typing/end only on chats assigned to oneself
    const sam = await staff(srv, 'sam@demo.library');
    // sam, an admin, may watch (resume) jen's live chat of their own library
    const r = await sam.resume(chatB, 0);
    assert.ok(r.msgs.length >= 2);
    const s = cmid('sam');
    sam.send({ type: 'send', chat: chatB, cmid: s, text: 'sam butting in' });
    const e1 = await sam.answer(s);
    assert.equal(e1.type, 'error');
    assert.equal(e1.code, 'forbidden');
    sam.send({ type: 'typing', chat: chatB, on: true });
    assert.equal((await sam.waitFor('error', (f) => f.ref === 'typing')).code, 'forbidden');
    sam.send({ type: 'end', chat: chatB });
    assert.equal((await sam.waitFor('error', (f) => f.ref === 'end')).code, 'forbidden');
    sam.send({ type: 'pick', chat: chatB });
    const pk = await sam.waitFor('error', (f) => f.ref === 'pick');
    assert.ok(['taken', 'bad_state', 'forbidden'].includes(pk.code), JSON.stringify(pk));

    // REST: same
    const l = await login(srv.port, LEE.email, LEE.password);
    const pm = await request(srv.port, { method: 'POST', path: `/api/v1/chats/${chatB}/messages`,
      headers: { Cookie: l.cookie, 'X-CSRF-Token': l.csrf }, body: { cmid: cmid('sr'), text: 'x' } });
    assert.equal(pm.status, 403, pm.text);
    assert.equal(pm.json.error.code, 'forbidden');

    const t = await request(srv.port, { path: `/api/v1/chats/${chatB}`,
      headers: { Authorization: `Bearer ${b.token}` } });
    assert.equal(t.json.chat.state, 'active');
    assert.equal(t.json.chat.staff.name, jen.welcome.staff.name);
    assert.ok(!t.json.messages.some((m) => ['sam butting in', 'lee butting in', 'x'].includes(m.text)));
    await assertNone(assert, b, (f) => f.type === 'typing' && f.from === 'staff' && f.on === true, 0);
    await sam.close();
    await a.close();
    await b.close();
    await jen.close();
  });
});
