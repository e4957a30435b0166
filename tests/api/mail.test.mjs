// E-mail: the outbox, its sender, transcripts by e-mail and sign-in links, against a real
// SMTP server (aiosmtpd, tests/api/smtp_sink.py) on loopback. PROTOCOL.md
// ("email_transcript", "signin_link"), API.md ("E-mail outbox"), DECISIONS.md ("E-mail").
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  Server, stopAndCheck, patron, staff, login, staffRest, ask, remember, pollUntil, healthz,
  freePort, tempDir, addStaff, sleep, SAM, JEN, startSink, received,
} from './lib.mjs';
import { localWhen } from '../../web/js/localtime.js';

const FROM = 'desk@library.example.org';
const ZOE = { email: 'zoe@demo.library', name: 'Zoë Ñúñez', password: 'zoe-secret-pw' };
const EVE = { email: 'eve@demo.library', name: 'Eve\r\nBcc: evil@example.net', password: 'eve-secret-pw' };

// ---------------------------------------------------------------- parsing messages

function decodeWords(v) {
  // adjacent encoded words are joined without the folding white space between them
  return v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi,
    (_, b) => `\u0000${b}\u0000`).split('\u0000').map((s, i) => (i % 2 ? Buffer.from(s, 'base64') : Buffer.from(s, 'utf8')))
    .reduce((acc, b) => Buffer.concat([acc, b]), Buffer.alloc(0)).toString('utf8');
}

/** Headers (lower-case name -> [raw values]) and body of a raw message. */
function parseMessage(raw) {
  const cut = raw.indexOf('\r\n\r\n');
  assert.ok(cut > 0, 'a blank line ends the headers');
  const head = raw.slice(0, cut);
  const body = raw.slice(cut + 4);
  assert.ok(!/[^\r]\n/.test(head) && !/\r(?!\n)/.test(head), 'header lines end with CRLF');
  const headers = {};
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const m = /^([!-9;-~]+):\s?(.*)$/.exec(line);
    assert.ok(m, `a header line: ${JSON.stringify(line)}`);
    (headers[m[1].toLowerCase()] ||= []).push(m[2]);
  }
  for (const l of head.split('\r\n')) assert.ok(l.length <= 998, 'header line length');
  return { headers, body, head };
}

/** The decoded parts of a multipart message: [{ type, text }]. */
function parts(msg) {
  const ct = msg.headers['content-type'][0];
  const b = /boundary="([^"]+)"/.exec(ct);
  assert.ok(ct.startsWith('multipart/alternative') && b, ct);
  const chunks = msg.body.split(`--${b[1]}`);
  assert.ok(chunks[chunks.length - 1].startsWith('--'), 'closing boundary');
  return chunks.slice(1, -1).map((c) => {
    const p = parseMessage(c.replace(/^\r\n/, ''));
    assert.match(p.headers['content-transfer-encoding'][0], /^base64$/i);
    for (const l of p.body.split('\r\n')) assert.ok(l.length <= 76, 'base64 line length');
    return { type: p.headers['content-type'][0], text: Buffer.from(p.body.replace(/\s+/g, ''), 'base64').toString('utf8') };
  });
}

// ---------------------------------------------------------------- helpers

async function endedChat(srv, st, text) {
  const p = await patron(srv);
  const a = await p.join(text);
  st.send({ type: 'pick', chat: a.chat });
  await st.waitFor('chat', (f) => f.chat && f.chat.id === a.chat && f.chat.state === 'active');
  return { p, chat: a.chat };
}

const emailed = (p, chat, email) => ask(p, { type: 'email_transcript', chat, email },
  (f) => f.type === 'emailed' && f.chat === chat);

function mailServer(smtpPort, extra = []) {
  return new Server({
    args: ['--smtp-url', `smtp://127.0.0.1:${smtpPort}`, '--mail-from', FROM,
      '--rate', '1000', '--burst', '1000', ...extra],
  });
}

// ---------------------------------------------------------------- tests

describe('transcript by e-mail', () => {
  let srv; let sink; let dir;
  before(async () => {
    dir = tempDir('rapport-sink');
    const port = await freePort();
    sink = await startSink(port, join(dir, 'mail.jsonl'));
    srv = mailServer(port);
    await srv.start(); // creates the demo library; then its staff, and a restart

    await srv.stop();
    addStaff(srv.dataDir, 'demo', ZOE);
    addStaff(srv.dataDir, 'demo', EVE);
    await srv.restart();
  });
  after(async () => { await stopAndCheck(srv, assert); await sink.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('arrives well-formed, with librarian names and "You", and nothing of anyone else', async () => {
    const st = await staff(srv, ZOE.email, ZOE.password);
    const other = await endedChat(srv, st, 'Other patron secret zebracorn');
    const { p, chat } = await endedChat(srv, st, 'Help with citations, please');
    await p.waitFor('msg', (f) => f.chat === chat && f.event === 'joined');
    await st.say(chat, 'Bonjour, ça va? Let us look at APA.');
    await p.say(chat, 'Thanks — très bien');
    st.send({ type: 'end', chat });
    await p.waitFor('msg', (f) => f.chat === chat && f.event === 'ended');
    const before = Date.now();
    const r = await emailed(p, chat, 'reader@example.org');
    assert.equal(r.type, 'emailed', JSON.stringify(r));
    const mails = await pollUntil(() => received(sink.file), (m) => m.length >= 1, 10000);
    assert.equal(mails.length, 1);
    const m = mails[0];
    assert.deepEqual(m.rcpt_tos, ['reader@example.org']);
    assert.equal(m.mail_from, FROM);
    const msg = parseMessage(m.data);
    const h = msg.headers;
    for (const k of ['date', 'from', 'to', 'subject', 'message-id', 'mime-version', 'content-type']) {
      assert.equal((h[k] || []).length, 1, `one ${k} header`);
    }
    assert.match(h.date[0], /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/);
    assert.ok(Math.abs(Date.parse(h.date[0]) - before) < 60000, h.date[0]);
    assert.match(h['message-id'][0], /^<[0-9a-f]{32}@library\.example\.org>$/);
    assert.equal(h.to[0], '<reader@example.org>');
    assert.equal(decodeWords(h.from[0]), `"Riverside Public Library" <${FROM}>`);
    assert.match(h.subject[0], /^=\?UTF-8\?B\?/, 'a non-ASCII subject is RFC 2047 encoded');
    assert.equal(decodeWords(h.subject[0]), 'Your chat with Zoë Ñúñez — Riverside Public Library');
    const ps = parts(msg);
    assert.deepEqual(ps.map((x) => x.type), ['text/plain; charset=UTF-8', 'text/html; charset=UTF-8']);
    const text = ps[0].text;
    assert.match(text, /\] You: Help with citations, please\r\n/);
    assert.match(text, /\] Zoë Ñúñez joined the chat\.\r\n/);
    assert.match(text, /\] Zoë Ñúñez: Bonjour, ça va\? Let us look at APA\.\r\n/);
    assert.match(text, /\] You: Thanks — très bien\r\n/);
    assert.match(text, /The chat ended\./);
    assert.ok(!text.includes('zebracorn') && !ps[1].text.includes('zebracorn'), 'no other patron');
    assert.ok(!/\bPatron\b/.test(text));
    assert.match(ps[1].text, /<li>\[\d{1,2}:\d\d [ap]m\] Zoë Ñúñez: Bonjour, ça va\? Let us look at APA\.<\/li>/);
    // times in the library's zone (the demo library: Europe/London), in words, not UTC
    assert.match(text, /Times are the library's local time\./);
    assert.doesNotMatch(text, /UTC|\+0000/);
    const clock = (ms) => localWhen(ms, 'Europe/London').split(', ')[1];
    const said = /\[(\d{1,2}:\d\d [ap]m)\] You: Thanks/.exec(text)[1];
    assert.ok([clock(before - 60000), clock(before), clock(Date.now())].includes(said), `${said} is London time`);
    assert.equal(r.mail, 'queued');
    // the other patron cannot have this chat mailed
    const no = await ask(other.p, { type: 'email_transcript', chat, email: 'x@example.org' }, () => false);
    assert.equal(no.code, 'not_found');
    await other.p.close();
    await p.close();
    await st.close();
  });

  it('never lets a CR/LF start a header: refused addresses, cleaned names', async () => {
    const st = await staff(srv, EVE.email, EVE.password);
    const { p, chat } = await endedChat(srv, st, 'Injection check');
    for (const email of ['a@example.org\r\nBcc: evil@example.net', 'a@example.org\nX: y',
      'Evil <a@example.org>', 'a@example.org, b@example.org', 'no-at-sign', 'a@-bad-.org']) {
      const r = await ask(p, { type: 'email_transcript', chat, email }, (f) => f.type === 'emailed');
      assert.equal(r.code, 'bad_email', `${JSON.stringify(email)}: ${JSON.stringify(r)}`);
    }
    const n0 = received(sink.file).length;
    const r = await emailed(p, chat, 'victim@example.org');
    assert.equal(r.type, 'emailed', JSON.stringify(r));
    const mails = await pollUntil(() => received(sink.file), (m) => m.length > n0, 10000);
    const m = mails[mails.length - 1];
    assert.deepEqual(m.rcpt_tos, ['victim@example.org']);
    const msg = parseMessage(m.data);
    assert.equal(msg.headers.bcc, undefined, 'no Bcc header');
    assert.ok(!/\r\nBcc:/i.test(msg.head));
    assert.equal(decodeWords(msg.headers.subject[0]),
      'Your chat with Eve  Bcc: evil@example.net — Riverside Public Library');
    await p.close();
    await st.close();
  });

  it('is limited per patron (5 an hour)', async () => {
    const st = await staff(srv, JEN);
    const { p, chat } = await endedChat(srv, st, 'Rate limit check');
    for (let i = 0; i < 5; i++) {
      const r = await emailed(p, chat, `me${i}@example.org`);
      assert.equal(r.type, 'emailed', JSON.stringify(r));
    }
    const r = await ask(p, { type: 'email_transcript', chat, email: 'me5@example.org' }, (f) => f.type === 'emailed');
    assert.equal(r.code, 'rate_limited');
    await p.close();
    await st.close();
  });
  it('tells a hand-off in the patron\'s words (as the chat page does)', async () => {
    const [jen, sam] = [await staff(srv, JEN), await staff(srv, SAM)];
    const { p, chat } = await endedChat(srv, jen, 'Articles on wound care?');
    const event = (name) => (f) => f.type === 'msg' && f.chat === chat && f.event === name;
    await ask(jen, { type: 'handoff', chat, staff: sam.welcome.staff.id, note: 'nursing' }, event('handoff_offered'));
    sam.send({ type: 'handoff_decline', chat });
    await p.waitFor('msg', event('handoff_returned'));
    await ask(p, { type: 'someone_else', chat }, event('someone_else'));
    await sam.waitFor('queue', (f) => (f.handoffs || []).some((h) => h.chat === chat));
    sam.send({ type: 'handoff_accept', chat });
    await p.waitFor('msg', event('handoff_accepted'));
    const n0 = received(sink.file).length;
    await emailed(p, chat, 'handed@example.org');
    const mails = await pollUntil(() => received(sink.file), (m) => m.length > n0, 10000);
    const text = parts(parseMessage(mails[mails.length - 1].data))[0].text;
    for (const said of ['Jen Ortiz is asking a colleague to join; Jen stays with you meanwhile.', 'Jen Ortiz is still with you.',
      "You asked if someone else could help; we're asking a colleague.", 'Sam Lee has read your conversation and is joining.']) {
      assert.ok(text.includes(`] ${said}\r\n`), `${said} in:\n${text}`);
    }
    for (const c of [p, jen, sam]) await c.close();
  });
});

describe('the outbox survives an SMTP outage and a crash: every mail exactly once', () => {
  let srv; let sink; let dir;
  after(async () => { await stopAndCheck(srv, assert); if (sink) await sink.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('100 mails queued while the SMTP server is down arrive once each after kill -9 and restart', async () => {
    dir = tempDir('rapport-sink');
    const port = await freePort(); // nothing listens there yet
    srv = mailServer(port, ['--patron-mails', '1000', '--mail-retry-ms', '300',
      '--mail-retry-max-ms', '1000', '--mail-attempts', '1000']);
    await srv.start();
    const st = await staff(srv, JEN);
    const { p, chat } = await endedChat(srv, st, 'Please send this to my whole class');
    const N = 100;
    const answers = [];
    for (let i = 0; i < N; i++) {
      p.send({ type: 'email_transcript', chat, email: `student${i}@example.org` });
    }
    for (let i = 0; i < N; i++) {
      answers.push(await p.waitFor(null, (f) => f.type === 'emailed' || f.type === 'error', 10000));
    }
    assert.deepEqual(answers.filter((f) => f.type !== 'emailed'), []);
    const h1 = await pollUntil(() => healthz(srv.port),
      (r) => r.json.mail.queued === N && r.json.mail.failed_attempts > 0, 5000);
    assert.equal(h1.json.mail.queued, N, JSON.stringify(h1.json.mail));
    assert.equal(h1.json.mail.sent, 0);
    assert.ok(h1.json.mail.failed_attempts > 0, 'the sender tried and failed');
    await p.close();
    await st.close();
    await srv.kill(); // a crash, some rows may be `sending`
    await srv.restart();
    await sleep(500); // it tries again and fails: still down
    sink = await startSink(port, join(dir, 'mail.jsonl'));
    const mails = await pollUntil(() => received(sink.file), (m) => m.length >= N, 20000, 100);
    await sleep(1500); // anything extra would arrive now
    const all = received(sink.file);
    assert.equal(all.length, N, `received ${all.length}`);
    const ids = all.map((m) => parseMessage(m.data).headers['message-id'][0]);
    assert.equal(new Set(ids).size, N, 'every Message-ID once');
    const to = all.map((m) => m.rcpt_tos[0]).sort();
    assert.deepEqual(to, Array.from({ length: N }, (_, i) => `student${i}@example.org`).sort());
    const h2 = await pollUntil(() => healthz(srv.port), (r) => r.json.mail.queued === 0, 5000);
    assert.equal(h2.json.mail.queued, 0);
    assert.equal(h2.json.mail.dead, 0);
    assert.ok(mails.length >= N);
  });
});

describe('dead letters and sign-in links', () => {
  let srv; let sink; let dir; let port;
  before(async () => {
    dir = tempDir('rapport-sink');
    port = await freePort();
    srv = mailServer(port, ['--mail-retry-ms', '100', '--mail-retry-max-ms', '200',
      '--mail-attempts', '3', '--signin-ttl', '2']);
    await srv.start();
  });
  after(async () => { await stopAndCheck(srv, assert); if (sink) await sink.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('backs off, then a dead letter with its last error is shown to admins, who can retry it', async () => {
    const st = await staff(srv, JEN);
    const { p, chat } = await endedChat(srv, st, 'Dead letter check');
    assert.equal((await emailed(p, chat, 'lost@example.org')).type, 'emailed');
    const sam = staffRest(srv.port, await login(srv.port, SAM));
    const list = await pollUntil(() => sam.get('/api/v1/outbox?state=dead'),
      (r) => r.status === 200 && r.json.mails.length === 1, 8000, 100);
    assert.equal(list.json.mails.length, 1, list.text);
    const dead = list.json.mails[0];
    assert.equal(dead.to, 'lost@example.org');
    assert.equal(dead.state, 'dead');
    assert.equal(dead.attempts, 3);
    assert.match(dead.last_error, /connect/i);
    assert.equal(dead.kind, 'transcript');
    assert.equal(list.json.summary.smtp, true);
    assert.equal(list.json.summary.status, 'sending');
    assert.equal(list.json.summary.dead, 1);
    assert.equal(list.json.summary.undeliverable, 1);
    const h = await pollUntil(() => healthz(srv.port), (x) => x.json.mail.dead === 1, 8000, 100);
    assert.equal(h.json.mail.smtp, true);
    assert.equal(h.json.mail.status, 'sending');
    assert.equal(h.json.mail.undeliverable, 1, 'the same count, the same word');
    // librarians may not see it; nobody unauthenticated either
    const jen = staffRest(srv.port, await login(srv.port, JEN));
    assert.equal((await jen.get('/api/v1/outbox?state=dead')).status, 403);
    assert.equal((await jen.post(`/api/v1/outbox/${dead.id}/retry`)).status, 403);
    assert.equal((await sam.post(`/api/v1/outbox/${dead.id}/retry`, {}, { csrf: false })).status, 403);
    assert.equal((await sam.get('/api/v1/outbox?state=nope')).status, 400);
    // a permanent failure (550) is dead at once
    sink = await startSink(port, join(dir, 'mail.jsonl'), { reject: 'bounce' });
    assert.equal((await emailed(p, chat, 'bounce@example.org')).type, 'emailed');
    const list2 = await pollUntil(() => sam.get('/api/v1/outbox?state=dead'),
      (r) => r.json.mails.length === 2, 8000, 100);
    const bounced = list2.json.mails.find((m) => m.to === 'bounce@example.org');
    assert.equal(bounced.attempts, 1);
    assert.match(bounced.last_error, /550/);
    // retry the first: the server is up now
    const rr = await sam.post(`/api/v1/outbox/${dead.id}/retry`);
    assert.equal(rr.status, 200, rr.text);
    assert.equal((await sam.post(`/api/v1/outbox/${dead.id}/retry`)).status, 404, 'only dead mails');
    const got = await pollUntil(() => received(sink.file), (m) => m.length === 1, 8000);
    assert.deepEqual(got[0].rcpt_tos, ['lost@example.org']);
    const list3 = await pollUntil(() => sam.get('/api/v1/outbox?state=dead'),
      (r) => r.json.mails.length === 1, 3000);
    assert.equal(list3.json.mails[0].to, 'bounce@example.org');
    // the sink has it before rapport has recorded the result: wait for the record
    const sent = await pollUntil(() => sam.get('/api/v1/outbox?state=sent'),
      (r) => r.json.mails.length > 0, 3000);
    assert.equal(sent.json.mails[0].to, 'lost@example.org');
    await p.close();
    await st.close();
  });

  it('a sign-in link carries a remembered patron to another browser, once', async () => {
    assert.ok(sink, 'the SMTP server runs (previous test)');
    const anon = await patron(srv);
    const no = await ask(anon, { type: 'signin_link' }, (f) => f.type === 'signin_sent');
    assert.equal(no.code, 'not_remembered');
    await anon.close();

    const p = await patron(srv);
    const rel = await remember(p, { display_name: 'Ana', email: 'ana@example.org' });
    assert.equal(rel.relation.remembered, true, JSON.stringify(rel));
    const n0 = received(sink.file).length;
    const r = await ask(p, { type: 'signin_link' }, (f) => f.type === 'signin_sent');
    assert.equal(r.type, 'signin_sent', JSON.stringify(r));
    assert.equal(r.mail, 'queued');
    assert.equal(r.expires_in, 2, 'the real --signin-ttl');
    const mails = await pollUntil(() => received(sink.file), (m) => m.length > n0, 8000);
    const m = mails[mails.length - 1];
    assert.deepEqual(m.rcpt_tos, ['ana@example.org']);
    const text = parts(parseMessage(m.data))[0].text;
    const link = /(http:\/\/\S+\/chat\?library=demo&signin=([A-Za-z0-9_-]{43}))/.exec(text);
    assert.ok(link, text);
    assert.match(text, /The link works once, for 2 seconds\./);
    assert.ok(link[1].startsWith(srv.base), link[1]);

    // the other browser
    const q = await patron(srv, { hello: false });
    q.send({ type: 'hello', role: 'patron', library: 'demo', signin: link[2] });
    const w = await q.waitFor(null, (f) => f.type === 'welcome' || f.type === 'error');
    assert.equal(w.type, 'welcome', JSON.stringify(w));
    assert.equal(w.patron.id, p.welcome.patron.id);
    assert.ok(w.token && w.token !== p.token, 'a token of its own');
    assert.equal(w.relation.remembered, true);
    assert.equal(w.relation.display_name, 'Ana');
    await q.close();
    // both browsers' tokens work
    for (const token of [p.token, w.token]) {
      const again = await patron(srv, { token });
      assert.equal(again.welcome.patron.id, p.welcome.patron.id);
      await again.close();
    }
    // a second use fails clearly
    const z = await patron(srv, { hello: false });
    z.send({ type: 'hello', role: 'patron', library: 'demo', signin: link[2] });
    const e = await z.waitFor(null, (f) => f.type === 'welcome' || f.type === 'error');
    assert.equal(e.code, 'signin_invalid');
    await z.close();

    // a link expires (--signin-ttl 2)
    const r2 = await ask(p, { type: 'signin_link', email: 'ana.phone@example.org' }, (f) => f.type === 'signin_sent');
    assert.equal(r2.type, 'signin_sent');
    const mails2 = await pollUntil(() => received(sink.file), (x) => x.some((y) => y.rcpt_tos[0] === 'ana.phone@example.org'), 8000);
    const m2 = mails2.find((y) => y.rcpt_tos[0] === 'ana.phone@example.org');
    const tok2 = /signin=([A-Za-z0-9_-]{43})/.exec(parts(parseMessage(m2.data))[0].text)[1];
    await sleep(2200);
    const y = await patron(srv, { hello: false });
    y.send({ type: 'hello', role: 'patron', library: 'demo', signin: tok2 });
    const e2 = await y.waitFor(null, (f) => f.type === 'welcome' || f.type === 'error');
    assert.equal(e2.code, 'signin_invalid');
    await y.close();
    await p.close();
  });
});

describe('no SMTP server configured: nothing is pretended to be sent', () => {
  let srv;
  before(async () => {
    srv = new Server({ args: ['--mail-from', FROM, '--rate', '1000', '--burst', '1000'] });
    await srv.start();
  });
  after(async () => { await stopAndCheck(srv, assert); });

  it('patrons are told the library cannot send e-mail; /healthz and the admin panel say undeliverable', async () => {
    const st = await staff(srv, JEN);
    const { p, chat } = await endedChat(srv, st, 'No mail here');
    const t = await ask(p, { type: 'email_transcript', chat, email: 'reader@example.org' },
      (f) => f.type === 'emailed');
    assert.equal(t.type, 'error', JSON.stringify(t));
    assert.equal(t.code, 'mail_unavailable');
    assert.match(t.message, /cannot send e-mail/);
    const rel = await remember(p, { display_name: 'Ana', email: 'ana@example.org' });
    assert.equal(rel.relation.remembered, true);
    const s2 = await ask(p, { type: 'signin_link' }, (f) => f.type === 'signin_sent');
    assert.equal(s2.code, 'mail_unavailable');
    const q = p.welcome.queues[0];
    const o = await ask(p, { type: 'ask_offline', queue: q.id, text: 'Anyone?', email: 'reader@example.org' },
      (f) => f.type === 'case_created');
    assert.equal(o.code, 'mail_unavailable');
    // nothing was queued
    const sam = staffRest(srv.port, await login(srv.port, SAM));
    const queued = await sam.get('/api/v1/outbox?state=queued');
    assert.equal(queued.status, 200, queued.text);
    assert.equal(queued.json.mails.length, 0);
    assert.equal(queued.json.summary.smtp, false);
    assert.equal(queued.json.summary.status, 'undeliverable');
    assert.match(queued.json.summary.reason, /no SMTP server/);
    assert.equal(queued.json.summary.queued, 0);
    const h = await healthz(srv.port);
    assert.equal(h.json.mail.smtp, false);
    assert.equal(h.json.mail.status, 'undeliverable');
    assert.match(h.json.mail.reason, /--smtp-url/);
    assert.equal(h.json.mail.undeliverable, 0);
    await p.close();
    await st.close();
  });
});
