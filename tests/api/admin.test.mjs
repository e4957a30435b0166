// Administration in the console (API.md "Administration"): queues whose hours change live
// for patrons, library settings, accounts invited by e-mail through a real SMTP server
// (tests/api/smtp_sink.py), set-password links that work once, deactivation and password
// changes that end sessions and close consoles at once, the last-admin rule, roles (a
// librarian and a supervisor get 403 everywhere) and libraries kept apart.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  Server, stopAndCheck, patron, staff, login, staffRest, pollUntil, request, freePort, tempDir,
  addLibrary, addStaff, runCli, JEN, SAM, startSink, received, readMail, activeChat,
} from './lib.mjs';

const SUE = { email: 'sue@demo.library', name: 'Sue Park', role: 'supervisor', password: 'sue-secret-pw' };
const BEA = { email: 'bea@branch.library', name: 'Bea Branch', role: 'admin', password: 'bea-secret-pw' };
const CLEO = { email: 'cleo@branch.library', name: 'Cleo Hub', role: 'consortium_admin', password: 'cleo-secret-pw' };

// Every admin route, with a body that would be valid for an admin (ids of demo records).
const ROUTES = [
  ['GET', '/api/v1/admin/queues'], ['POST', '/api/v1/admin/queues', { slug: 'x', name: 'X' }],
  ['POST', '/api/v1/admin/queues/1', { name: 'Renamed' }], ['GET', '/api/v1/admin/staff'],
  ['POST', '/api/v1/admin/staff', { email: 'n@demo.library', name: 'N' }],
  ['POST', '/api/v1/admin/staff/1', { max_chats: 2 }], ['POST', '/api/v1/admin/staff/1/invite', {}],
  ['GET', '/api/v1/admin/library'], ['POST', '/api/v1/admin/library', { greeting: 'Hi' }],
  ['GET', '/api/v1/admin/consortium'],
];

const utcToday = () => new Date().toISOString().slice(0, 10);
const errCode = (r) => r.json && r.json.error && r.json.error.code;

describe('administration', () => {
  const dir = tempDir('rapport-admin');
  let srv; let sink; let sam;
  before(async () => {
    const port = await freePort();
    srv = new Server({
      args: ['--smtp-url', `smtp://127.0.0.1:${port}`, '--mail-from', 'desk@library.example.org',
        '--rate', '1000', '--burst', '1000'],
    });
    sink = await startSink(port, join(dir, 'mail.jsonl'));
    // the demo library exists once `rapport demo` ran: start once, stop, then add to it
    await srv.start();
    await srv.stop();
    addStaff(srv.dataDir, 'demo', SUE);
    addLibrary(srv.dataDir, { slug: 'branch', name: 'Branch Library', queue: 'ask:Ask Branch', staff: [BEA, CLEO] });
    for (const args of [['consortium', 'create', '--slug', 'north', '--name', 'Northern Libraries'],
      ['consortium', 'add', '--library', 'demo', '--consortium', 'north'],
      ['consortium', 'add', '--library', 'branch', '--consortium', 'north']]) {
      const r = runCli([...args, '--data-dir', srv.dataDir]);
      assert.equal(r.status, 0, r.out);
    }
    await srv.restart();
    sam = staffRest(srv.port, await login(srv.port, SAM));
  });
  after(async () => { await stopAndCheck(srv, assert); await sink.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('a librarian and a supervisor get 403 on every admin route; an admin on the consortium one', async () => {
    for (const who of [JEN, SUE.email]) {
      const rest = staffRest(srv.port, await login(srv.port, who, who === JEN ? undefined : SUE.password));
      for (const [method, path, body] of ROUTES) {
        const r = method === 'GET' ? await rest.get(path) : await rest.post(path, body);
        assert.equal(r.status, 403, `${who} ${method} ${path}: ${r.text}`);
        assert.equal(errCode(r), 'forbidden');
      }
    }
    const r = await sam.get('/api/v1/admin/consortium');
    assert.equal(r.status, 403, r.text);
    const anon = await request(srv.port, { path: '/api/v1/admin/queues' });
    assert.equal(anon.status, 401);
  });

  it('a new queue and its hours reach a connected patron live, without a restart', async () => {
    const p = await patron(srv, { library: 'demo' });
    const made = await sam.post('/api/v1/admin/queues', { slug: 'evening', name: 'Evening desk', cascade_seconds: 90 });
    assert.equal(made.status, 201, made.text);
    const q = made.json.queue;
    assert.equal(q.slug, 'evening');
    assert.equal(q.cascade_seconds, 90);
    assert.deepEqual(q.hours, []);
    const seen = await p.waitFor('queues', (f) => f.queues.some((x) => x.id === q.id));
    assert.equal(seen.queues.find((x) => x.id === q.id).name, 'Evening desk');
    // a new patron's welcome has it too
    const p2 = await patron(srv, { library: 'demo' });
    assert.ok(p2.welcome.queues.some((x) => x.id === q.id && x.hours_open === true));

    // closed today (UTC), open every day otherwise
    const hours = [0, 1, 2, 3, 4, 5, 6].map((d) => ({ weekday: d, opens_min: 0, closes_min: 1440 }));
    const ed = await sam.post(`/api/v1/admin/queues/${q.id}`, {
      name: 'Evening and weekend desk', hours, closed: [utcToday()], time_zone: 'UTC', reply_hours: 48,
    });
    assert.equal(ed.status, 200, ed.text);
    assert.equal(ed.json.queue.name, 'Evening and weekend desk');
    assert.equal(ed.json.queue.hours.length, 7);
    assert.deepEqual(ed.json.queue.closed, [utcToday()]);
    assert.equal(ed.json.queue.time_zone, 'UTC');
    assert.equal(ed.json.queue.reply_hours, 48);
    assert.equal(ed.json.queue.cascade_seconds, 90, 'what the edit did not name stays');
    const closed = await p.waitFor('queues', (f) => f.queues.some((x) => x.id === q.id && x.hours_open === false
      && x.name === 'Evening and weekend desk'));
    assert.equal(closed.queues.find((x) => x.id === q.id).time_zone, 'UTC');
    // reopened: the closed date removed
    assert.equal((await sam.post(`/api/v1/admin/queues/${q.id}`, { closed: [] })).status, 200);
    await p.waitFor('queues', (f) => f.queues.some((x) => x.id === q.id && x.hours_open === true));
    const list = await sam.get('/api/v1/admin/queues');
    assert.ok(list.json.queues.some((x) => x.id === q.id && x.open_by_hours === true), list.text);
    await p.close();
    await p2.close();
  });

  it('refuses what is not valid with a clear 400 (or 409)', async () => {
    const bad = async (path, body, code = 400) => {
      const r = await sam.post(path, body);
      assert.equal(r.status, code, `${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.ok(r.json.error.message.length > 10, r.text);
      return r;
    };
    await bad('/api/v1/admin/queues', { slug: 'Bad Slug', name: 'X' });
    await bad('/api/v1/admin/queues', { slug: 'ok', name: '' });
    await bad('/api/v1/admin/queues', { slug: 'ok', name: 'X', extra: 1 });
    await bad('/api/v1/admin/queues', { slug: 'ask', name: 'Again' }, 409);
    const ask = (await sam.get('/api/v1/admin/queues')).json.queues.find((x) => x.slug === 'ask');
    const qp = `/api/v1/admin/queues/${ask.id}`;
    await bad(qp, { hours: [{ weekday: 7, opens_min: 0, closes_min: 60 }] });
    await bad(qp, { hours: [{ weekday: 1, opens_min: 0, closes_min: 1441 }] });
    await bad(qp, { hours: 'Mon-Fri 9-5' });
    await bad(qp, { closed: ['2026-13-40'] });
    await bad(qp, { time_zone: 'Mars/Olympus' });
    await bad(qp, { time_zone: '../../etc/passwd' });
    await bad(qp, { reply_hours: 0 });
    await bad(qp, { cascade_seconds: -1 });
    await bad(qp, { name: 'a\nb' });
    await bad('/api/v1/admin/queues/999999', { name: 'Nope' }, 404);
    await bad('/api/v1/admin/library', { colour: 'red' });
    await bad('/api/v1/admin/library', { colour: '#12345g' });
    await bad('/api/v1/admin/library', { text_colour: 'url(javascript:alert(1))' });
    await bad('/api/v1/admin/library', { origins: ['https://ok.example/path'] });
    await bad('/api/v1/admin/library', { origins: ['javascript:alert(1)'] });
    await bad('/api/v1/admin/library', { origins: ['https://user@ok.example'] });
    await bad('/api/v1/admin/library', { consortium_card: ['ssn'] });
    await bad('/api/v1/admin/staff', { email: 'not-an-address', name: 'X' });
    await bad('/api/v1/admin/staff', { email: 'n@demo.library', name: 'X', role: 'owner' });
    await bad('/api/v1/admin/staff', { email: JEN, name: 'Jen again' }, 409);
    // nothing changed meanwhile
    assert.equal((await sam.get('/api/v1/admin/queues')).json.queues.find((x) => x.slug === 'ask').name, ask.name);
  });

  it('library settings: saved, normalised, and what patrons receive', async () => {
    const r = await sam.post('/api/v1/admin/library', {
      policy_notes: 'Open 9-5. Walk-ins welcome.\nRefer theses questions to the graduate desk.',
      origins: ['HTTPS://WWW.Library.Example:443', 'http://localhost:8000'],
      greeting: 'Hello! Ask us anything <b>not bold</b>',
      colour: '#1A5F7A', text_colour: '#ffffff', consortium_card: ['tenure', 'preferred_name'],
    });
    assert.equal(r.status, 200, r.text);
    const lib = r.json.library;
    assert.deepEqual(lib.origins, ['https://www.library.example', 'http://localhost:8000']);
    assert.equal(lib.colour, '#1a5f7a');
    assert.deepEqual(lib.consortium_card, ['preferred_name', 'tenure'], 'in the card\'s order');
    assert.ok(r.json.card_fields.includes('notes'));
    const again = await sam.get('/api/v1/admin/library');
    assert.deepEqual(again.json.library, lib);
    const p = await patron(srv, { library: 'demo' });
    assert.equal(p.welcome.library.greeting, 'Hello! Ask us anything <b>not bold</b>');
    assert.equal(p.welcome.library.colour, '#1a5f7a');
    assert.equal(p.welcome.library.text_colour, '#ffffff');
    await p.close();
    // an allowed origin now opens the widget's socket (live: lib->origins)
    const w = await patron(srv, { library: 'demo', origin: 'http://localhost:8000' });
    await w.close();
    // a partial edit keeps the rest
    const g = await sam.post('/api/v1/admin/library', { greeting: '' });
    assert.equal(g.json.library.colour, '#1a5f7a');
    assert.equal(g.json.library.greeting, '');
  });

  it('an admin of one library sees and changes nothing of another', async () => {
    const bea = staffRest(srv.port, await login(srv.port, BEA.email, BEA.password));
    const mine = (await sam.get('/api/v1/admin/queues')).json.queues;
    const theirs = (await bea.get('/api/v1/admin/queues')).json.queues;
    assert.ok(theirs.length >= 1);
    assert.ok(theirs.every((q) => !mine.some((m) => m.id === q.id)), 'no queue of the demo library');
    const staffList = (await bea.get('/api/v1/admin/staff')).json.staff;
    assert.ok(staffList.every((s) => s.email.endsWith('@branch.library')), JSON.stringify(staffList));
    const jen = (await sam.get('/api/v1/admin/staff')).json.staff.find((s) => s.email === JEN);
    for (const [path, body] of [[`/api/v1/admin/queues/${mine[0].id}`, { name: 'Taken over' }],
      [`/api/v1/admin/staff/${jen.id}`, { active: false }], [`/api/v1/admin/staff/${jen.id}`, { role: 'admin' }],
      [`/api/v1/admin/staff/${jen.id}/invite`, {}]]) {
      const r = await bea.post(path, body);
      assert.equal(r.status, 404, `${path}: ${r.text}`);
    }
    assert.equal((await bea.get('/api/v1/admin/library')).json.library.slug, 'branch');
    assert.notEqual((await sam.get('/api/v1/admin/queues')).json.queues[0].name, 'Taken over');
    assert.equal((await sam.get('/api/v1/admin/staff')).json.staff.find((s) => s.id === jen.id).active, true);
  });

  it('a consortium admin sees the members and what each shares', async () => {
    const cleo = staffRest(srv.port, await login(srv.port, CLEO.email, CLEO.password));
    const r = await cleo.get('/api/v1/admin/consortium');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.consortium.slug, 'north');
    assert.equal(r.json.consortium.name, 'Northern Libraries');
    const slugs = r.json.libraries.map((l) => l.slug).sort();
    assert.deepEqual(slugs, ['branch', 'demo']);
    const demo = r.json.libraries.find((l) => l.slug === 'demo');
    assert.ok(Array.isArray(demo.consortium_card));
    // an admin cannot hand out the consortium role
    const made = await staffRest(srv.port, await login(srv.port, BEA.email, BEA.password))
      .post('/api/v1/admin/staff', { email: 'dan@branch.library', name: 'Dan', role: 'consortium_admin' });
    assert.equal(made.status, 403, made.text);
  });

  it('an invitation arrives by e-mail; its link sets a password once, then the invitee logs in', async () => {
    const inv = await sam.post('/api/v1/admin/staff', { email: 'nina@demo.library', name: 'Nina New', role: 'librarian', max_chats: 2 });
    assert.equal(inv.status, 201, inv.text);
    assert.equal(inv.json.staff.active, true);
    assert.equal(inv.json.staff.max_chats, 2);
    assert.equal(inv.json.staff.invited, true);
    assert.equal(inv.json.mail, 'queued');
    // no usable password until the link is used
    assert.equal((await login(srv.port, 'nina@demo.library', '')).res.status, 401);
    const mails = await pollUntil(() => received(sink.file, 'nina@demo.library'), (m) => m.length >= 1, 10000, 100);
    const m = readMail(mails[0].data);
    const link = /(http:\/\/\S+)\/set-password\?t=([A-Za-z0-9_-]{43})/.exec(m.text);
    assert.ok(link, m.text);
    const token = link[2];
    const page = await request(srv.port, { path: '/set-password' });
    assert.equal(page.status, 200);
    assert.match(page.text, /<form/);
    const about = await request(srv.port, { path: `/api/v1/set-password?t=${token}` });
    assert.equal(about.status, 200, about.text);
    assert.equal(about.json.account.email, 'nina@demo.library');
    const post = (body) => request(srv.port, { method: 'POST', path: '/api/v1/set-password', body });
    const short = await post({ token, password: 'short' });
    assert.equal(short.status, 400, short.text);
    const ok = await post({ token, password: 'nina-long-password' });
    assert.equal(ok.status, 200, ok.text);
    const l = await login(srv.port, 'nina@demo.library', 'nina-long-password');
    assert.equal(l.res.status, 200, l.res.text);
    assert.equal(l.res.json.staff.role, 'librarian');
    const nina = (await sam.get('/api/v1/admin/staff')).json.staff.find((s) => s.email === 'nina@demo.library');
    assert.equal(nina.invited, false, 'the password is set');
    // the link works once
    const again = await post({ token, password: 'another-long-password' });
    assert.equal(again.status, 410, again.text);
    assert.equal(errCode(again), 'link_invalid');
    assert.equal((await request(srv.port, { path: `/api/v1/set-password?t=${token}` })).status, 410);
    assert.equal((await post({ token: 'x'.repeat(43), password: 'another-long-password' })).status, 410);
    assert.equal((await login(srv.port, 'nina@demo.library', 'another-long-password')).res.status, 401);
  });

  it('deactivating closes the account\'s consoles at once, hands back its chats, and its login fails', async () => {
    const jenWs = await staff(srv, JEN);
    const { p, chat } = await activeChat(srv, jenWs, { text: 'Deactivation test question' });
    const jen = (await sam.get('/api/v1/admin/staff')).json.staff.find((s) => s.email === JEN);
    const t0 = Date.now();
    const r = await sam.post(`/api/v1/admin/staff/${jen.id}`, { active: false });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.staff.active, false);
    const closed = await jenWs.closed(3000);
    assert.ok(Date.now() - t0 < 3000, 'at once, not at the next minute\'s session check');
    assert.equal(closed.code, 1008, JSON.stringify(closed));
    await p.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'queued');
    assert.equal((await login(srv.port, JEN)).res.status, 401);
    assert.equal((await staffRest(srv.port, jenWs.login).get('/api/v1/me')).status, 401);
    // back again: the same password works
    const back = await sam.post(`/api/v1/admin/staff/${jen.id}`, { active: true });
    assert.equal(back.json.staff.active, true);
    assert.equal((await login(srv.port, JEN)).res.status, 200);
    await p.close();
  });

  it('changing a password ends the account\'s other sessions and consoles', async () => {
    const a = await login(srv.port, BEA.email, BEA.password);
    const b = await staff(srv, BEA.email, BEA.password);
    const ra = staffRest(srv.port, a);
    const bad = await ra.post('/api/v1/me/password', { current: 'wrong-password', password: 'bea-new-password' });
    assert.equal(bad.status, 401, bad.text);
    const r = await ra.post('/api/v1/me/password', { current: BEA.password, password: 'bea-new-password' });
    assert.equal(r.status, 200, r.text);
    await b.closed(3000);
    assert.equal((await staffRest(srv.port, b.login).get('/api/v1/me')).status, 401, 'the other session ended');
    assert.equal((await ra.get('/api/v1/me')).status, 200, 'the one that changed it goes on');
    assert.equal((await login(srv.port, BEA.email, BEA.password)).res.status, 401);
    assert.equal((await login(srv.port, BEA.email, 'bea-new-password')).res.status, 200);
  });

  it('wrong current passwords count with failed logins', async () => {
    const cleo = staffRest(srv.port, await login(srv.port, CLEO.email, CLEO.password));
    const codes = [];
    for (let i = 0; i < 6; i++) {
      codes.push((await cleo.post('/api/v1/me/password', { current: `wrong-${i}-password`, password: 'cleo-new-password' })).status);
    }
    assert.deepEqual(codes, [401, 401, 401, 401, 401, 429]);
    const r = await cleo.post('/api/v1/me/password', { current: CLEO.password, password: 'cleo-new-password' });
    assert.equal(r.status, 429, 'not even the right one, for now');
  });

  it('the last admin cannot demote or deactivate themselves; role and cap apply live', async () => {
    const me = (await sam.get('/api/v1/admin/staff')).json.staff.find((s) => s.you);
    assert.equal(me.email, SAM);
    for (const body of [{ role: 'librarian' }, { role: 'supervisor' }, { active: false }]) {
      const r = await sam.post(`/api/v1/admin/staff/${me.id}`, body);
      assert.equal(r.status, 409, r.text);
      assert.equal(errCode(r), 'last_admin');
    }
    assert.equal((await sam.get('/api/v1/me')).json.staff.role, 'admin');
    // Jen as supervisor with a cap of 1: her next login says so
    const jen = (await sam.get('/api/v1/admin/staff')).json.staff.find((s) => s.email === JEN);
    const r = await sam.post(`/api/v1/admin/staff/${jen.id}`, { role: 'supervisor', max_chats: 1 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.staff.chat_cap, 1);
    const l = await login(srv.port, JEN);
    assert.equal(l.res.json.staff.role, 'supervisor');
    assert.equal(l.res.json.staff.max_chats, 1);
    // another admin: now Sam may step down, and the new admin keeps the library run
    assert.equal((await sam.post(`/api/v1/admin/staff/${jen.id}`, { role: 'admin', max_chats: 0 })).status, 200);
    const down = await sam.post(`/api/v1/admin/staff/${me.id}`, { role: 'supervisor' });
    assert.equal(down.status, 200, down.text);
    assert.equal((await sam.get('/api/v1/admin/queues')).status, 403, 'no longer an admin, at once');
    const jenRest = staffRest(srv.port, l);
    assert.equal((await jenRest.post(`/api/v1/admin/staff/${me.id}`, { role: 'admin' })).status, 200);
  });
  it('everything set here is still in force after a restart', async () => {
    const before = { queues: (await sam.get('/api/v1/admin/queues')).json.queues,
      library: (await sam.get('/api/v1/admin/library')).json.library };
    await srv.stop();
    await srv.restart();
    const jen = staffRest(srv.port, await login(srv.port, JEN)); // an admin now (the test above)
    assert.deepEqual((await jen.get('/api/v1/admin/queues')).json.queues.map(({ open_by_hours, ...q }) => q),
      before.queues.map(({ open_by_hours, ...q }) => q));
    // `rapport demo` adds its own origins (this run's ports) and keeps the admin's
    const { origins, ...lib } = (await jen.get('/api/v1/admin/library')).json.library;
    const { origins: had, ...libBefore } = before.library;
    assert.deepEqual(lib, libBefore);
    for (const o of had) assert.ok(origins.includes(o), `${o} kept: ${origins}`);
    const staffList = (await jen.get('/api/v1/admin/staff')).json.staff;
    assert.equal(staffList.find((x) => x.email === SAM).role, 'admin');
    assert.equal(staffList.find((x) => x.email === 'nina@demo.library').invited, false);
    const p = await patron(srv, { library: 'demo' });
    assert.equal(p.welcome.library.colour, before.library.colour);
    await p.close();
  });
});
