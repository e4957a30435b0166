// Offline questions: opening hours per queue tell the patron when the desk opens; a
// question left while the desk is offline becomes a case with a reply-by time from the
// library's policy, tracked as a promise, answered by e-mail (a real SMTP server on
// loopback, tests/api/smtp_sink.py); the patron's link shows the thread and takes a
// reply. PROTOCOL.md ("ask_offline"), API.md ("Cases"), OPERATIONS.md ("Opening hours").
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  Server, stopAndCheck, patron, staff, login, staffRest, ask, pollUntil, freePort, tempDir,
  addLibrary, runCli, request, SAM, JEN, PASSWORD, startSink, received,
} from './lib.mjs';
import { localWhen } from '../../web/js/localtime.js';

const DAY = 24 * 3600 * 1000;
const BEA = { email: 'bea@branch.library', name: 'Bea Branch', password: 'bea-secret-pw', role: 'admin' };

/** The decoded text/plain part of a raw message. */
function plainText(raw) {
  const b = /boundary="([^"]+)"/.exec(raw);
  assert.ok(b, 'multipart');
  for (const chunk of raw.split(`--${b[1]}`)) {
    if (!/content-type: text\/plain/i.test(chunk)) continue;
    const body = chunk.slice(chunk.indexOf('\r\n\r\n') + 4);
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  throw new Error('no text/plain part');
}

/** Sends ask_offline with `fields` (queue, text, email) and resolves the answer: case_created or an error. */
const askOffline = (p, fields) => ask(p, { type: 'ask_offline', ...fields }, (f) => f.type === 'case_created');
const utcDate = (ms) => new Date(ms).toISOString().slice(0, 10);
const startOfUtcDay = (ms) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), new Date(ms).getUTCDate());
const linkToken = (text) => { const m = /\/case\?t=([A-Za-z0-9_-]{43})/.exec(text); assert.ok(m, `a case link in ${text}`); return m[1]; };

describe('offline questions', () => {
  let srv; let sink; let dir; let today;
  before(async () => {
    dir = tempDir('rapport-offline');
    const port = await freePort();
    sink = await startSink(port, join(dir, 'mail.jsonl'));
    today = Date.now();
    srv = new Server({
      args: ['--smtp-url', `smtp://127.0.0.1:${port}`, '--mail-from', 'desk@library.example.org',
        '--public-url', 'https://chat.library.example.org', '--rate', '1000', '--burst', '1000'],
      setup(d) {
        // the demo queue: open every day but closed all of today (UTC), so it is closed now
        const init = runCli(['init', '--data-dir', d, '--library', 'demo', '--name', 'Riverside Public Library', '--queue', 'ask:Ask a Librarian']);
        assert.equal(init.status, 0, init.out);
        const h = runCli(['queue', 'hours', '--data-dir', d, '--library', 'demo', '--queue', 'ask',
          '--set', 'Sun-Sat 00:00-24:00', '--time-zone', 'UTC', '--closed', utcDate(today)]);
        assert.equal(h.status, 0, h.out);
        assert.match(h.out, /closed: \d{4}-\d\d-\d\d/);
        // a second library without hours (always open by schedule) for scoping
        addLibrary(d, { slug: 'branch', name: 'Branch Library', queue: 'help:Help', staff: [BEA] });
      },
    });
    await srv.start();
  });
  after(async () => { await stopAndCheck(srv, assert); await sink.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('the CLI refuses bad hours, dates and zones', () => {
    for (const bad of [['--set', 'Mon 9-17'], ['--closed', '2026-02-30'], ['--time-zone', 'Mars/Olympus'], ['--reply-hours', '0']]) {
      const r = runCli(['queue', 'hours', '--data-dir', srv.dataDir, '--library', 'demo', '--queue', 'ask', ...bad]);
      assert.equal(r.status, 2, `${bad}: ${r.out}`);
    }
    const r = runCli(['queue', 'hours', '--data-dir', srv.dataDir, '--library', 'demo', '--queue', 'nope']);
    assert.equal(r.status, 1);
  });

  it('a queue closed by its hours tells the patron when it opens, even with staff on duty', async () => {
    const st = await staff(srv, JEN);
    const p = await patron(srv);
    const q = p.welcome.queues.find((x) => x.slug === 'ask');
    assert.equal(q.open, false);
    assert.equal(q.hours_open, false);
    assert.equal(q.time_zone, 'UTC');
    assert.equal(q.next_open, startOfUtcDay(today) + DAY);
    const wd = new Date(q.next_open).toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
    assert.equal(q.next_open_local, `${wd} 0:00`);
    await p.close(); await st.close();
  });

  it('a queue open by hours with nobody on duty is offline, with no next opening', async () => {
    const p = await patron(srv, { library: 'branch' });
    const q = p.welcome.queues[0];
    assert.equal(q.hours_open, true);
    assert.equal(q.staff_on, 0);
    assert.equal(q.open, false);
    assert.equal(q.next_open, null);
    await p.close();
  });

  it('an offline question becomes a case with a reply-by, a promise and an acknowledgement', async () => {
    const p = await patron(srv);
    const q = p.welcome.queues.find((x) => x.slug === 'ask');
    const before = Date.now();
    const r = await askOffline(p, { queue: q.id, text: 'Do you have the 1851 census for Leeds?', email: 'reader@example.org' });
    assert.equal(r.type, 'case_created', JSON.stringify(r));
    // policy: 24 business hours; today is closed (no business day) so they start tomorrow
    assert.equal(r.case.reply_by, startOfUtcDay(before) + 2 * DAY);
    assert.equal(r.case.state, 'open');
    const pr = await p.waitFor('promises', (f) => f.promises.length === 1);
    assert.equal(pr.promises[0].due_at, r.case.reply_by);
    assert.equal(pr.promises[0].owner.name, 'Sam Lee'); // the library's first administrator
    const mails = await pollUntil(() => received(sink.file), (m) => m.length >= 1, 10000);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0].rcpt_tos, ['reader@example.org']);
    const text = plainText(mails[0].data);
    assert.match(text, /1851 census for Leeds/);
    assert.match(text, new RegExp(`case ${r.case.id}\\b`));
    const token = linkToken(text);

    // the librarian sees it in the console list (overdue first), with the patron's address
    const sam = staffRest(srv.port, await login(srv.port, SAM, PASSWORD));
    const list = await sam.get('/api/v1/cases');
    assert.equal(list.status, 200, list.text);
    const c = list.json.cases.find((x) => x.id === r.case.id);
    assert.ok(c, JSON.stringify(list.json));
    assert.equal(c.email, 'reader@example.org');
    assert.equal(c.overdue, false);
    assert.ok(c.promise > 0);

    // answered by e-mail: the mail arrives, the promise is kept
    const jen = staffRest(srv.port, await login(srv.port, JEN, PASSWORD));
    const rep = await jen.post(`/api/v1/cases/${r.case.id}/reply`, { text: 'Yes: ask for HO107 at the desk.' });
    assert.equal(rep.status, 200, rep.text);
    assert.equal(rep.json.case.state, 'answered');
    const mails2 = await pollUntil(() => received(sink.file), (m) => m.length >= 2, 10000);
    assert.equal(mails2.length, 2);
    const answer = plainText(mails2[1].data);
    assert.match(answer, /HO107/);
    const token2 = linkToken(answer);
    assert.notEqual(token2, token);
    const gone = await p.waitFor('promises', (f) => f.promises.length === 0);
    assert.equal(gone.promises.length, 0);
    const open = await sam.get('/api/v1/cases');
    assert.ok(!open.json.cases.some((x) => x.id === r.case.id), 'no longer open');

    // the patron's links show the thread; a web reply reopens the case
    for (const t of [token, token2]) {
      const v = await request(srv.port, { path: `/api/v1/case?t=${t}` });
      assert.equal(v.status, 200, v.text);
      assert.equal(v.json.case.id, r.case.id);
      assert.equal(v.json.case.question, 'Do you have the 1851 census for Leeds?');
      assert.equal(v.json.case.email, undefined, 'the patron view carries no address');
      assert.deepEqual(v.json.messages.map((m) => [m.author, m.body]), [['staff', 'Yes: ask for HO107 at the desk.']]);
    }
    const page = await request(srv.port, { path: `/case?t=${token}` });
    assert.equal(page.status, 200);
    assert.match(page.text, /<script type="module" src="case\.js">/);
    const web = await request(srv.port, { method: 'POST', path: '/api/v1/case-reply', body: { token, text: 'Thanks! Is it on microfilm?' } });
    assert.equal(web.status, 200, web.text);
    assert.equal(web.json.case.state, 'open');
    const reopened = await sam.get('/api/v1/cases');
    assert.ok(reopened.json.cases.some((x) => x.id === r.case.id), 'open again for librarians');
    const thread = await sam.get(`/api/v1/cases/${r.case.id}`);
    assert.deepEqual(thread.json.messages.map((m) => m.author), ['staff', 'patron']);
    await p.close();
  });

  it('the console sees the whole thread live, closes the case, and the patron page then says closed', async () => {
    const console_ = await staff(srv, JEN); // a live console of the library
    const branch = await staff(srv, BEA.email, BEA.password);
    const p = await patron(srv);
    const q = p.welcome.queues.find((x) => x.slug === 'ask');
    const n0 = received(sink.file).length;
    const r = await askOffline(p, { queue: q.id, text: 'Where are the parish maps?', email: 'maps@example.org' });
    assert.equal(r.type, 'case_created', JSON.stringify(r));
    assert.equal(r.mail, 'queued');
    const fresh = await console_.waitFor('case_changed', (f) => f.case === r.case.id);
    assert.equal(fresh.why, 'new');
    // the acknowledgement says when, in the library's zone (UTC here), in words
    const mails = await pollUntil(() => received(sink.file), (m) => m.length >= n0 + 1, 10000);
    const ack = plainText(mails[n0].data);
    assert.ok(ack.includes(`by ${localWhen(r.case.reply_by, 'UTC')}.`), ack);
    assert.match(localWhen(r.case.reply_by, 'UTC'), /^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+, 12:00 am$/);
    assert.doesNotMatch(ack, /\+0000/);
    const token = linkToken(ack);

    const jen = staffRest(srv.port, await login(srv.port, JEN, PASSWORD));
    const a1 = await jen.post(`/api/v1/cases/${r.case.id}/reply`, { text: 'In the map room, drawer 4.' });
    assert.equal(a1.status, 200, a1.text);
    assert.equal(a1.json.mail, 'queued');
    assert.equal((await console_.waitFor('case_changed', (f) => f.case === r.case.id && f.why === 'answered')).why, 'answered');
    const web = await request(srv.port, { method: 'POST', path: '/api/v1/case-reply', body: { token, text: 'Which floor is that?' } });
    assert.equal(web.status, 200, web.text);
    assert.equal((await console_.waitFor('case_changed', (f) => f.case === r.case.id && f.why === 'patron_reply')).why, 'patron_reply');
    const a2 = await jen.post(`/api/v1/cases/${r.case.id}/reply`, { text: 'The second floor.' });
    assert.equal(a2.status, 200, a2.text);
    const t = await jen.get(`/api/v1/cases/${r.case.id}`);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.case.question, 'Where are the parish maps?');
    assert.equal(t.json.case.time_zone, 'UTC');
    assert.deepEqual(t.json.messages.map((m) => [m.author, m.body]), [
      ['staff', 'In the map room, drawer 4.'], ['patron', 'Which floor is that?'], ['staff', 'The second floor.']]);
    const ats = t.json.messages.map((m) => m.at);
    assert.deepEqual([...ats].sort((x, y) => x - y), ats, 'oldest first');

    // another library can neither close it nor hear of it
    assert.equal((await staffRest(srv.port, await login(srv.port, BEA.email, BEA.password)).post(`/api/v1/cases/${r.case.id}/close`, {})).status, 404);
    const before = Date.now();
    const cl = await jen.post(`/api/v1/cases/${r.case.id}/close`, {});
    assert.equal(cl.status, 200, cl.text);
    assert.equal(cl.json.case.state, 'closed');
    assert.ok(cl.json.case.closed_at >= before);
    assert.equal(cl.json.case.closed_by.name, 'Jen Ortiz');
    assert.equal((await console_.waitFor('case_changed', (f) => f.case === r.case.id && f.why === 'closed')).why, 'closed');
    assert.equal((await jen.post(`/api/v1/cases/${r.case.id}/close`, {})).status, 409);
    const closed = await jen.get('/api/v1/cases?state=closed');
    const row = closed.json.cases.find((x) => x.id === r.case.id);
    assert.ok(row, 'listed as closed');
    assert.equal(row.closed_by.name, 'Jen Ortiz');
    assert.ok(!(await jen.get('/api/v1/cases?state=answered')).json.cases.some((x) => x.id === r.case.id));
    // the patron's page says closed and takes no more replies
    const v = await request(srv.port, { path: `/api/v1/case?t=${token}` });
    assert.equal(v.json.case.state, 'closed');
    assert.equal(v.json.case.closed_at, cl.json.case.closed_at);
    assert.equal(v.json.case.library, 'Riverside Public Library');
    assert.equal(v.json.case.closed_by, undefined, 'no staff ids for the patron');
    const late = await request(srv.port, { method: 'POST', path: '/api/v1/case-reply', body: { token, text: 'One more thing' } });
    assert.equal(late.status, 409, late.text);
    assert.equal(late.json.error.code, 'case_closed');
    assert.ok(!branch.frames.some((f) => f.type === 'case_changed'), 'the other library heard nothing');
    await p.close(); await console_.close(); await branch.close();
  });

  it('closing a case nobody answered cancels its promise, with the reason', async () => {
    const p = await patron(srv);
    const q = p.welcome.queues.find((x) => x.slug === 'ask');
    const r = await askOffline(p, { queue: q.id, text: 'Spam, really', email: 'spam@example.org' });
    assert.equal(r.type, 'case_created');
    await p.waitFor('promises', (f) => f.promises.length === 1);
    const sam = staffRest(srv.port, await login(srv.port, SAM, PASSWORD));
    const c = (await sam.get(`/api/v1/cases/${r.case.id}`)).json.case;
    assert.ok(c.promise > 0);
    const cl = await sam.post(`/api/v1/cases/${r.case.id}/close`, {});
    assert.equal(cl.status, 200, cl.text);
    await p.waitFor('promises', (f) => f.promises.length === 0);
    const pr = await pollUntil(() => sam.get(`/api/v1/promises/${c.promise}`), (x) => x.json && x.json.promise && x.json.promise.state !== 'open', 3000);
    assert.equal(pr.json.promise.state, 'cancelled', pr.text);
    assert.equal(pr.json.promise.cancel_reason, `Case ${r.case.id} closed without an answer`);
    await p.close();
  });

  it('bad questions and unknown links are refused', async () => {
    const p = await patron(srv);
    const q = p.welcome.queues.find((x) => x.slug === 'ask');
    const e1 = await askOffline(p, { queue: q.id, text: '   ', email: 'reader@example.org' });
    assert.equal(e1.code, 'bad_text');
    const e2 = await askOffline(p, { queue: q.id, text: 'Hello?', email: 'not-an-address' });
    assert.equal(e2.type, 'error');
    const e3 = await askOffline(p, { queue: 999999, text: 'Hello?', email: 'reader@example.org' });
    assert.equal(e3.code, 'not_found');
    const v = await request(srv.port, { path: `/api/v1/case?t=${'A'.repeat(43)}` });
    assert.equal(v.status, 404);
    const w = await request(srv.port, { method: 'POST', path: '/api/v1/case-reply', body: { token: 'short', text: 'hi' } });
    assert.equal(w.status, 404);
    const anon = await request(srv.port, { path: '/api/v1/cases' });
    assert.equal(anon.status, 401);
    await p.close();
  });

  it('scoping: another library neither sees nor answers the case, nor takes questions for its queues', async () => {
    const p = await patron(srv);
    const q = p.welcome.queues.find((x) => x.slug === 'ask');
    const r = await askOffline(p, { queue: q.id, text: 'Scoped question', email: 'scoped@example.org' });
    assert.equal(r.type, 'case_created');
    const bea = staffRest(srv.port, await login(srv.port, BEA.email, BEA.password));
    const list = await bea.get('/api/v1/cases');
    assert.equal(list.status, 200);
    assert.equal(list.json.cases.length, 0);
    assert.equal((await bea.get(`/api/v1/cases/${r.case.id}`)).status, 404);
    assert.equal((await bea.post(`/api/v1/cases/${r.case.id}/reply`, { text: 'Not mine' })).status, 404);
    const bp = await patron(srv, { library: 'branch' });
    const e = await askOffline(bp, { queue: q.id, text: 'Wrong library', email: 'x@example.org' });
    assert.equal(e.code, 'not_found');
    await p.close(); await bp.close();
  });
});
