// The promise ledger (API.md "Promises", PROTOCOL.md `promises` frames): a promise made
// from a chat shows to the patron and to its owner, becomes overdue on time, is kept and
// counted; who may complete, cancel and reassign; scoping (another library's promise is
// 404; a patron sees only their own); validation; the card; a restart keeps them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Server, stopAndCheck, patron, staff, activeChat, login, staffRest, addLibrary, addStaff,
  remember, assertNone, sleep,
} from './lib.mjs';

const OTHER = { email: 'x@other.library', name: 'Xavier Other', password: 'other-secret-pw' };
const LEE = { email: 'lee@demo.library', name: 'Lee Park', password: 'lee-secret-pw' };
const SECOND = 1000;

describe('promise ledger', () => {
  const srv = new Server({
    args: ['--rate', '1000', '--burst', '1000'],
    setup: (dir) => addLibrary(dir, {
      slug: 'other', name: 'Other Library', queue: 'ask:Ask Other', staff: [OTHER],
    }),
  });
  let jen; let jenR; let samR; let leeR; let lee; let otherR; let p; let chat; let patronId;
  let kept; let late; let handed;

  before(async () => {
    await srv.start(); // creates the demo library; then a second librarian of it
    assert.equal((await srv.stop()).code, 0);
    addStaff(srv.dataDir, 'demo', LEE);
    await srv.restart();
    jen = await staff(srv, 'jen@demo.library');
    jenR = staffRest(srv.port, jen.login);
    samR = staffRest(srv.port, await login(srv.port, 'sam@demo.library'));
    lee = await staff(srv, LEE.email, LEE.password);
    leeR = staffRest(srv.port, lee.login);
    otherR = staffRest(srv.port, await login(srv.port, OTHER.email, OTHER.password));
    ({ p, chat } = await activeChat(srv, jen, { text: 'Can I have the APA guide?', library: 'demo' }));
    patronId = p.welcome.patron.id;
  });
  after(async () => { await stopAndCheck(srv, assert); });

  it('consoles get a promises frame at hello; patrons start with none', async () => {
    const f = jen.frames.find((x) => x.type === 'promises');
    assert.ok(f, 'a promises frame after the staff welcome');
    assert.deepEqual(f.mine, []);
    assert.deepEqual(f.desk, { open: 0, overdue: 0, due_soon: 0 });
    assert.deepEqual(p.welcome.promises, []);
  });

  it('a promise made from a chat shows to the patron and to its owner, then becomes overdue on time', async () => {
    const due = Date.now() + 2500;
    const r = await jenR.post('/api/v1/promises', {
      chat, what: 'the APA guide', due_at: due, channel: 'email',
    });
    assert.equal(r.status, 201, r.text);
    late = r.json.promise;
    assert.equal(late.patron, patronId, 'the chat gives the patron');
    assert.equal(late.chat, chat);
    assert.equal(late.owner.name, 'Jen Ortiz');
    assert.equal(late.created_by.name, 'Jen Ortiz');
    assert.equal(late.state, 'open');
    assert.equal(late.due_at, due);
    assert.equal(late.due_soon, true);
    assert.equal(late.overdue, false);
    // the patron sees it: what, who, by when, how; nothing else
    const pf = await p.waitFor('promises', (f) => f.promises.length === 1);
    assert.deepEqual(pf.promises[0], {
      id: late.id, chat, what: 'the APA guide', due_at: due,
      owner: { id: jen.welcome.staff.id, name: 'Jen Ortiz' }, channel: 'email',
    });
    // the owner's console and lists
    const sf = await jen.waitFor('promises', (f) => f.mine.length === 1 && !f.mine[0].overdue);
    assert.equal(sf.mine[0].id, late.id);
    assert.equal(sf.desk.open, 1);
    const mine = await jenR.get('/api/v1/promises?mine=1');
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(mine.json.promises.map((x) => x.id), [late.id]);
    assert.deepEqual((await leeR.get('/api/v1/promises?mine=1')).json.promises, []);
    assert.deepEqual((await leeR.get('/api/v1/promises')).json.promises.map((x) => x.id), [late.id]);
    // Lee's console hears of the desk's change too, with nothing of its own
    await lee.waitFor('promises', (f) => f.desk.open === 1 && f.mine.length === 0);
    // overdue on time: the tick tells the owner's console
    const od = await jen.waitFor('promises', (f) => f.mine.length === 1 && f.mine[0].overdue, 6000);
    assert.ok(Date.now() >= due, 'not before it is due');
    assert.ok(Date.now() - due < 2500, `told ${Date.now() - due} ms after the due time`);
    assert.equal(od.desk.overdue, 1);
    const list = await jenR.get('/api/v1/promises?mine=1');
    assert.equal(list.json.promises[0].overdue, true);
  });

  it('overdue come first, then by due time', async () => {
    const r = await jenR.post('/api/v1/promises', {
      patron: patronId, what: 'a list of nursing databases', due_at: Date.now() + 3 * 3600 * SECOND,
      channel: 'chat',
    });
    assert.equal(r.status, 201, r.text);
    kept = r.json.promise;
    assert.equal(kept.chat, null);
    assert.equal(kept.due_soon, false);
    const list = await jenR.get('/api/v1/promises');
    assert.deepEqual(list.json.promises.map((x) => x.id), [late.id, kept.id]);
    const pf = await p.waitFor('promises', (f) => f.promises.length === 2);
    assert.deepEqual(pf.promises.map((x) => x.id), [late.id, kept.id]);
  });

  it('only the owner or an admin completes; done records what was sent; the report counts it', async () => {
    const no = await leeR.post(`/api/v1/promises/${late.id}/done`, { note: 'me too' });
    assert.equal(no.status, 403, no.text);
    const d = await jenR.post(`/api/v1/promises/${late.id}/done`, { note: 'Sent the APA 7 guide (PDF)' });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.promise.state, 'done');
    assert.equal(d.json.promise.done_note, 'Sent the APA 7 guide (PDF)');
    assert.equal(d.json.promise.kept_on_time, false, 'done after it was due');
    const again = await jenR.post(`/api/v1/promises/${late.id}/done`, {});
    assert.equal(again.status, 409, again.text);
    // an admin may complete anyone's, on time
    const k = await samR.post(`/api/v1/promises/${kept.id}/done`, {});
    assert.equal(k.status, 200, k.text);
    assert.equal(k.json.promise.kept_on_time, true);
    // the patron's list empties; the console's too
    await p.waitFor('promises', (f) => f.promises.length === 0);
    await jen.waitFor('promises', (f) => f.mine.length === 0 && f.desk.open === 0);
    const done = await jenR.get('/api/v1/promises?state=done');
    assert.deepEqual(done.json.promises.map((x) => x.id).sort(), [late.id, kept.id].sort());
    const rep = await jenR.get('/api/v1/reports/promises?days=7');
    assert.equal(rep.status, 200, rep.text);
    assert.equal(rep.json.made, 2);
    assert.equal(rep.json.kept_on_time, 1);
    assert.equal(rep.json.late, 1);
    assert.equal(rep.json.open_overdue, 0);
    assert.equal(rep.json.share_kept_on_time, 0.5);
    // another library's report knows nothing of it
    const orep = await otherR.get('/api/v1/reports/promises');
    assert.equal(orep.json.made, 0);
    assert.equal(orep.json.share_kept_on_time, null);
  });

  it('reassign (with a note) and cancel (with a reason) follow the same rule, and leave a history', async () => {
    const r = await jenR.post('/api/v1/promises', {
      chat, what: 'the interlibrary loan form', due_at: Date.now() + 86400 * SECOND, channel: 'email',
    });
    assert.equal(r.status, 201, r.text);
    handed = r.json.promise;
    assert.equal((await leeR.post(`/api/v1/promises/${handed.id}/reassign`, { owner: lee.welcome.staff.id })).status, 403);
    const same = await jenR.post(`/api/v1/promises/${handed.id}/reassign`, { owner: jen.welcome.staff.id });
    assert.equal(same.status, 409, 'to its owner already');
    const h = await jenR.post(`/api/v1/promises/${handed.id}/reassign`, {
      owner: lee.welcome.staff.id, note: 'Lee handles ILL',
    });
    assert.equal(h.status, 200, h.text);
    assert.equal(h.json.promise.owner.name, LEE.name);
    assert.equal(h.json.promise.state, 'open');
    await lee.waitFor('promises', (f) => f.mine.length === 1 && f.mine[0].id === handed.id);
    const pf = await p.waitFor('promises', (f) => f.promises.length === 1 && f.promises[0].owner.name === LEE.name);
    assert.equal(pf.promises[0].id, handed.id);
    // the old owner no longer may
    assert.equal((await jenR.post(`/api/v1/promises/${handed.id}/cancel`, { reason: 'x' })).status, 403);
    // an admin: a reason is required
    assert.equal((await samR.post(`/api/v1/promises/${handed.id}/cancel`, { reason: '  ' })).status, 400);
    assert.equal((await samR.post(`/api/v1/promises/${handed.id}/cancel`, {})).status, 400);
    const c = await samR.post(`/api/v1/promises/${handed.id}/cancel`, { reason: 'Patron found it themselves' });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.promise.state, 'cancelled');
    assert.equal(c.json.promise.cancel_reason, 'Patron found it themselves');
    assert.equal((await leeR.post(`/api/v1/promises/${handed.id}/done`, {})).status, 409);
    const one = await jenR.get(`/api/v1/promises/${handed.id}`);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.json.events.map((e) => [e.kind, e.by.name, e.owner.name, e.note]), [
      ['created', 'Jen Ortiz', 'Jen Ortiz', ''],
      ['reassigned', 'Jen Ortiz', LEE.name, 'Lee handles ILL'],
      ['cancelled', 'Sam Lee', LEE.name, 'Patron found it themselves'],
    ]);
    await p.waitFor('promises', (f) => f.promises.length === 0);
  });

  it('scoping: another library sees 404; a patron sees only their own promises', async () => {
    const other = await patron(srv, { library: 'demo' });
    const r = await jenR.post('/api/v1/promises', {
      chat, what: 'a reading list', due_at: Date.now() + 3600 * SECOND, channel: 'email',
    });
    assert.equal(r.status, 201, r.text);
    const id = r.json.promise.id;
    const missing = id + 1000;
    for (const path of [`/api/v1/promises/${id}`, `/api/v1/promises/${missing}`]) {
      const g = await otherR.get(path);
      assert.equal(g.status, 404, `${path}: ${g.text}`);
    }
    const xavier = (await otherR.get('/api/v1/me')).json.staff.id;
    for (const act of ['done', 'cancel', 'reassign']) {
      const body = act === 'cancel' ? { reason: 'r' } : act === 'reassign' ? { owner: xavier } : {};
      const a = await otherR.post(`/api/v1/promises/${id}/${act}`, body);
      const m = await otherR.post(`/api/v1/promises/${missing}/${act}`, body);
      assert.equal(a.status, 404, `${act}: ${a.text}`);
      assert.deepEqual(a.json, m.json, 'another library\'s promise looks missing');
    }
    assert.deepEqual((await otherR.get('/api/v1/promises')).json.promises, []);
    assert.deepEqual((await otherR.get(`/api/v1/promises?patron=${patronId}`)).json.promises, []);
    // making one for another library's chat or patron
    const oc = await otherR.post('/api/v1/promises', { chat, what: 'x', due_at: Date.now() + 60000, channel: 'email' });
    assert.equal(oc.status, 404, oc.text);
    const op = await otherR.post('/api/v1/promises', { patron: patronId, what: 'x', due_at: Date.now() + 60000, channel: 'email' });
    assert.equal(op.status, 404, op.text);
    const mix = await jenR.post('/api/v1/promises', { chat, patron: other.welcome.patron.id, what: 'x', due_at: Date.now() + 60000, channel: 'email' });
    assert.equal(mix.status, 404, 'the chat is not that patron\'s');
    // the other patron hears nothing of p's promise
    await p.waitFor('promises', (f) => f.promises.some((x) => x.id === id));
    await assertNone(assert, other, (f) => f.type === 'promises', 300, 'no frame about someone else');
    assert.deepEqual(other.welcome.promises, []);
    assert.deepEqual((await jenR.get(`/api/v1/promises?patron=${other.welcome.patron.id}`)).json.promises, []);
    assert.deepEqual((await jenR.get(`/api/v1/promises?patron=${patronId}`)).json.promises.map((x) => x.id), [id]);
    await other.close();
  });

  it('owners: the librarians of one\'s own library', async () => {
    const o = await jenR.get('/api/v1/promises/owners');
    assert.equal(o.status, 200, o.text);
    assert.deepEqual(o.json.owners.map((x) => x.name).sort(), ['Jen Ortiz', LEE.name, 'Sam Lee'].sort());
    const x = await otherR.get('/api/v1/promises/owners');
    assert.deepEqual(x.json.owners.map((y) => y.name), [OTHER.name]);
  });

  it('validation: shape, sizes, times, channel, owner, session and CSRF', async () => {
    const due = Date.now() + 3600 * SECOND;
    const base = { chat, what: 'the guide', due_at: due, channel: 'email' };
    const bad = [
      {}, { ...base, what: undefined }, { ...base, what: '' }, { ...base, what: '   ' },
      { ...base, what: 'x'.repeat(501) }, { ...base, what: 'a\u0000b' },
      { ...base, due_at: Date.now() - 1000 }, { ...base, due_at: Date.now() + 400 * 86400 * SECOND },
      { ...base, due_at: 'tomorrow' }, { ...base, channel: 'sms' }, { ...base, channel: undefined },
      { ...base, chat: undefined }, { ...base, owner: 999999 }, { ...base, extra: 1 },
      { ...base, chat: -1 },
    ];
    for (const b of bad) {
      const r = await jenR.post('/api/v1/promises', b);
      assert.equal(r.status, 400, `${JSON.stringify(b).slice(0, 120)}: ${r.status} ${r.text}`);
    }
    const other = await otherR.get('/api/v1/me');
    const notMine = await jenR.post('/api/v1/promises', { ...base, owner: other.json.staff.id });
    assert.equal(notMine.status, 400, 'an owner of another library');
    const ok = await jenR.post('/api/v1/promises', { ...base, what: 'x'.repeat(500), owner: lee.welcome.staff.id });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.promise.owner.name, LEE.name);
    assert.equal((await jenR.post('/api/v1/promises', base, { csrf: false })).status, 403);
    const anon = staffRest(srv.port, { cookie: '', csrf: '' });
    assert.equal((await anon.get('/api/v1/promises')).status, 401);
    assert.equal((await jenR.get('/api/v1/promises?state=lost')).status, 400);
    assert.equal((await jenR.get('/api/v1/promises?mine=2')).status, 400);
    assert.equal((await jenR.get('/api/v1/reports/promises?days=0')).status, 400);
    assert.equal((await jenR.post(`/api/v1/promises/${ok.json.promise.id}/done`, { note: 'x'.repeat(501) })).status, 400);
    assert.equal((await jenR.post(`/api/v1/promises/${ok.json.promise.id}/done`, 'not json')).status, 400);
  });

  it('the card lists open promises of a remembered patron only', async () => {
    const anonCard = await jenR.get(`/api/v1/patrons/${patronId}/card`);
    assert.equal(anonCard.status, 200, anonCard.text);
    assert.equal(anonCard.json.patron.remembered, false);
    assert.equal(anonCard.json.promises, undefined);
    const rel = await remember(p, { display_name: 'Robin' });
    assert.equal(rel.type, 'relation', JSON.stringify(rel));
    const c = await jenR.get(`/api/v1/patrons/${patronId}/card`);
    assert.equal(c.status, 200, c.text);
    assert.ok(c.json.promises.length >= 1);
    assert.ok(c.json.promises.every((x) => x.patron === patronId && x.state === 'open'));
  });

  it('open promises survive a restart: the patron\'s welcome and the console have them', async () => {
    const before_ = (await jenR.get(`/api/v1/promises?patron=${patronId}`)).json.promises.map((x) => x.id);
    assert.ok(before_.length >= 1);
    const token = p.token;
    await p.close();
    await jen.close();
    await lee.close();
    assert.equal((await srv.stop()).code, 0);
    await srv.restart();
    const p2 = await patron(srv, { token, library: 'demo' });
    assert.deepEqual(p2.welcome.promises.map((x) => x.id), before_);
    const jen2 = await staff(srv, 'jen@demo.library');
    const f = await jen2.waitFor('promises');
    assert.ok(f.desk.open >= before_.length);
    await p2.close();
    await jen2.close();
    await sleep(50);
  });
});
