// Follow-ups: a check-in e-mail scheduled from a chat, sent when due through the outbox to
// a real SMTP server (aiosmtpd, tests/api/smtp_sink.py) on loopback, with a rating link,
// a chat link that signs the patron in (continuity routing offers the chat to the same
// librarian), List-Unsubscribe; consent and scoping. API.md ("Follow-ups").
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  Server, stopAndCheck, patron, staff, login, staffRest, ask, remember, pollUntil, request,
  freePort, tempDir, addLibrary, sleep, JEN, startSink, received, endedChat, readMail,
} from './lib.mjs';

const OTHER = { email: 'x@other.library', name: 'Xavier Other', password: 'other-secret-pw' };
describe('follow-ups', () => {
  let srv; let sink; let dir; let jen; let jenRest; let otherRest;
  before(async () => {
    dir = tempDir('rapport-fu');
    const port = await freePort();
    sink = await startSink(port, join(dir, 'mail.jsonl'), { reject: 'bounce' });
    srv = new Server({
      args: ['--smtp-url', `smtp://127.0.0.1:${port}`, '--mail-from', 'desk@library.example.org',
        '--rate', '1000', '--burst', '1000'],
      setup: (d) => addLibrary(d, { slug: 'other', name: 'Other Library', queue: 'ask:Ask Other', staff: [OTHER] }),
    });
    await srv.start();
    jen = await staff(srv, JEN);
    jenRest = staffRest(srv.port, await login(srv.port, JEN));
    otherRest = staffRest(srv.port, await login(srv.port, OTHER.email, OTHER.password));
  });
  after(async () => { await jen.close(); await stopAndCheck(srv, assert); await sink.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('arrives once when due; its rating lands on the card; its chat link signs in and offers the chat to the same librarian', async () => {
    const p = await patron(srv, { library: 'demo' });
    assert.equal((await remember(p, { display_name: 'Ana', email: 'ana@example.org' })).relation.remembered, true);
    const chat = await endedChat(jen, p, 'Help with my history project');
    const due = Date.now() + 2500;
    const r = await jenRest.post(`/api/v1/chats/${chat}/followup`, { due_at: due, message: 'How did your project go?' });
    assert.equal(r.status, 201, r.text);
    const fu = r.json.followup;
    assert.equal(fu.state, 'scheduled');
    assert.equal(fu.patron, p.welcome.patron.id);
    assert.equal(fu.chat, chat);
    const list = await jenRest.get('/api/v1/followups?state=scheduled');
    assert.ok(list.json.followups.some((f) => f.id === fu.id), list.text);
    assert.equal(received(sink.file, 'ana@example.org').length, 0, 'not before it is due');

    const mails = await pollUntil(() => received(sink.file, 'ana@example.org'), (m) => m.length >= 1, 10000, 100);
    assert.ok(Date.now() >= due - 50, 'not early');
    const m = readMail(mails[0].data);
    assert.match(m.head, /\r\nList-Unsubscribe: <http:\/\/\S+\/followup\.html\?t=[A-Za-z0-9_-]{43}&stop=1>/);
    assert.match(m.text, /How did your project go\?/);
    const rate = /(http:\/\/\S+\/followup\.html\?t=([A-Za-z0-9_-]{43}))&r=4/.exec(m.text);
    const link = /signin=([A-Za-z0-9_-]{43})/.exec(m.text);
    // the page names the library and who asked (a read: records nothing)
    const about = await request(srv.port, { path: `/api/v1/followup?t=${rate[2]}` });
    assert.equal(about.status, 200, about.text);
    assert.equal(about.json.followup.staff_name, 'Jen Ortiz');
    assert.ok(about.json.followup.library.length > 0);
    assert.equal(about.json.followup.time_zone, 'Europe/London'); // the demo library's zone
    assert.equal(about.json.followup.rating, 0);
    assert.equal((await request(srv.port, { path: `/api/v1/followup?t=${'x'.repeat(43)}` })).status, 404);
    assert.ok(rate && link, m.text);
    const sent = await pollUntil(() => jenRest.get('/api/v1/followups?state=sent'), (x) => x.json.followups.some((f) => f.id === fu.id), 5000);
    assert.ok(sent.json.followups.find((f) => f.id === fu.id).sent_at > 0);

    // the rating page is served; it posts the token and the rating
    const page = await request(srv.port, { path: '/followup.html' });
    assert.equal(page.status, 200);
    const token = rate[2];
    const bad = await request(srv.port, { method: 'POST', path: '/api/v1/followup-response', body: { token: 'x'.repeat(43), rating: 4 } });
    assert.equal(bad.status, 404);
    const ok = await request(srv.port, { method: 'POST', path: '/api/v1/followup-response', body: { token, rating: 4 } });
    assert.equal(ok.status, 200, ok.text);
    const ok2 = await request(srv.port, { method: 'POST', path: '/api/v1/followup-response', body: { token, rating: 5, reply: 'It went really well, thanks!' } });
    assert.equal(ok2.status, 200, ok2.text);
    const card = await jenRest.get(`/api/v1/patrons/${p.welcome.patron.id}/card`);
    assert.equal(card.status, 200, card.text);
    const onCard = card.json.followups.find((f) => f.id === fu.id);
    assert.equal(onCard.state, 'answered');
    assert.equal(onCard.rating, 5);
    assert.equal(onCard.reply, 'It went really well, thanks!');

    // the chat link: another browser, signed in as the patron; the new chat is offered to Jen
    const q = await patron(srv, { hello: false });
    q.send({ type: 'hello', role: 'patron', library: 'demo', signin: link[1] });
    const w = await q.waitFor(null, (f) => f.type === 'welcome' || f.type === 'error');
    assert.equal(w.type, 'welcome', JSON.stringify(w));
    assert.equal(w.patron.id, p.welcome.patron.id);
    q.welcome = w;
    const a = await q.join('Back about the project');
    const qf = await q.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'queued');
    assert.ok(qf.chat.offer, JSON.stringify(qf.chat));
    assert.equal(qf.chat.offer.staff.id, jenRest.login.body.staff.id);
    jen.send({ type: 'pick', chat: a.chat });
    await jen.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'active');
    jen.send({ type: 'end', chat: a.chat });
    await jen.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'ended');
    await sleep(1500);
    assert.equal(received(sink.file, 'ana@example.org').length, 1, 'exactly once');

    // the unsubscribe link: a scheduled one is cancelled, new ones are refused
    const later = await jenRest.post(`/api/v1/chats/${chat}/followup`, { due_at: Date.now() + 3600000, message: 'And now?' });
    assert.equal(later.status, 201, later.text);
    const stop = await request(srv.port, { method: 'POST', path: '/api/v1/followup-stop', body: { token } });
    assert.equal(stop.status, 200, stop.text);
    const gone = await jenRest.get('/api/v1/followups?state=cancelled');
    assert.ok(gone.json.followups.some((f) => f.id === later.json.followup.id), gone.text);
    const refused = await jenRest.post(`/api/v1/chats/${chat}/followup`, { due_at: Date.now() + 3600000, message: 'Again?' });
    assert.equal(refused.status, 409, refused.text);
    await q.close();
    await p.close();
  });

  it('needs a remembered patron with an e-mail address (409), in the library (404), a valid body (400)', async () => {
    const anon = await patron(srv, { library: 'demo' });
    const c1 = await endedChat(jen, anon, 'Anonymous question');
    const r1 = await jenRest.post(`/api/v1/chats/${c1}/followup`, { due_at: Date.now() + 60000, message: 'Hi' });
    assert.equal(r1.status, 409, r1.text);
    assert.match(r1.json.error.message || r1.text, /remembered/);
    const noMail = await patron(srv, { library: 'demo' });
    await remember(noMail, { display_name: 'Bo' });
    const c2 = await endedChat(jen, noMail, 'Remembered, no e-mail');
    const r2 = await jenRest.post(`/api/v1/chats/${c2}/followup`, { due_at: Date.now() + 60000, message: 'Hi' });
    assert.equal(r2.status, 409, r2.text);
    const r3 = await otherRest.post(`/api/v1/chats/${c2}/followup`, { due_at: Date.now() + 60000, message: 'Hi' });
    assert.equal(r3.status, 404, r3.text);
    assert.equal((await jenRest.post(`/api/v1/chats/${c2}/followup`, { due_at: Date.now() + 60000, message: '' })).status, 400);
    assert.equal((await jenRest.post(`/api/v1/chats/${c2}/followup`, { due_at: 5, message: 'x' })).status, 400);
    assert.equal((await jenRest.post(`/api/v1/chats/${c2}/followup`, { due_at: Date.now() + 60000, message: 'x' }, { csrf: false })).status, 403);
    assert.equal((await request(srv.port, { path: '/api/v1/followups' })).status, 401);
    const ol = await otherRest.get('/api/v1/followups');
    assert.deepEqual(ol.json.followups, []);
    await anon.close();
    await noMail.close();
  });

  it('one whose mail became a dead letter is undeliverable, not scheduled', async () => {
    const p = await patron(srv, { library: 'demo' });
    await remember(p, { display_name: 'Bo', email: 'bounce@example.org' });
    const chat = await endedChat(jen, p, 'A bouncing address');
    const r = await jenRest.post(`/api/v1/chats/${chat}/followup`, { due_at: Date.now(), message: 'Did it work?' });
    assert.equal(r.status, 201, r.text);
    const id = r.json.followup.id;
    const l = await pollUntil(() => jenRest.get('/api/v1/followups'),
      (x) => x.json.followups.some((f) => f.id === id && f.state !== 'scheduled'), 10000, 100);
    assert.equal(l.json.followups.find((f) => f.id === id).state, 'undeliverable');
    const only = await jenRest.get('/api/v1/followups?state=undeliverable');
    assert.deepEqual(only.json.followups.map((f) => f.id), [id]);
    const sched = await jenRest.get('/api/v1/followups?state=scheduled');
    assert.ok(!sched.json.followups.some((f) => f.id === id), 'not listed as scheduled');
    const card = await jenRest.get(`/api/v1/patrons/${p.welcome.patron.id}/card`);
    assert.equal(card.json.followups.find((f) => f.id === id).state, 'undeliverable');
    await p.close();
  });

  it('cancelled before it is due, nothing is sent; another library cannot cancel it', async () => {
    const p = await patron(srv, { library: 'demo' });
    await remember(p, { display_name: 'Cy', email: 'cy@example.org' });
    const chat = await endedChat(jen, p, 'A quick one');
    const r = await jenRest.post(`/api/v1/chats/${chat}/followup`, { due_at: Date.now() + 2500, message: 'Did it work?' });
    assert.equal(r.status, 201, r.text);
    const id = r.json.followup.id;
    assert.equal((await otherRest.post(`/api/v1/followups/${id}/cancel`)).status, 404);
    const c = await jenRest.post(`/api/v1/followups/${id}/cancel`);
    assert.equal(c.status, 200, c.text);
    assert.equal((await jenRest.post(`/api/v1/followups/${id}/cancel`)).status, 404, 'only once');
    await sleep(4500);
    assert.equal(received(sink.file, 'cy@example.org').length, 0);
    const l = await jenRest.get('/api/v1/followups?state=cancelled');
    assert.ok(l.json.followups.some((f) => f.id === id));
    await p.close();
  });
});
