// "Remember me" tells the truth: consent given in a chat or on its end screen links that
// chat; staff consoles hear `patron` when it changes; the card and opener agree with each
// other; forgetting clears every held copy of the remembered flag at once; transcripts
// name a remembered patron (PROTOCOL.md "Relationship memory", API.md, PRIVACY.md).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  Server, stopAndCheck, patron as patronOf, staff, login, staffRest, ask, remember,
  pollUntil, JEN, SAM, serverForSuite,
} from './lib.mjs';

const patron = (srv, opts = {}) => patronOf(srv, { library: 'demo', ...opts });

function word(prefix = 'w') {
  const a = 'abcdefghijklmnopqrstuvwxyz';
  return prefix + [...crypto.randomBytes(8)].map((b) => a[b % 26]).join('');
}

async function pick(st, chat) {
  st.send({ type: 'pick', chat });
  const r = await st.waitFor(null, (f) => (f.type === 'chat' && f.chat.id === chat && f.chat.state === 'active')
    || (f.type === 'error' && f.ref === 'pick'));
  assert.equal(r.type, 'chat', `pick ${chat}: ${JSON.stringify(r)}`);
  return r.chat;
}

async function endChat(st, chat) {
  st.send({ type: 'end', chat });
  await st.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'ended');
}

const card = (rest, id, chat) => rest.get(`/api/v1/patrons/${id}/card${chat ? `?chat=${chat}` : ''}`);

/** No quoted text: the opener never pastes what the patron wrote. */
function assertNoQuote(opener, text) {
  assert.ok(!/[“”"«»]/.test(opener), `opener quotes: ${opener}`);
  for (const w of text.split(/\s+/).filter((x) => x.length > 5)) {
    assert.ok(!opener.includes(w), `opener repeats "${w}" of the patron's words: ${opener}`);
  }
}

describe('remember me, truthfully', () => {
  // an SMTP server that is never there (port 9): e-mail is configured, so transcripts are
  // queued in the outbox, where the test reads them
  const srv = new Server({ args: ['--rate', '1000', '--burst', '1000', '--max-chats', '20',
    '--smtp-url', 'smtp://127.0.0.1:9', '--mail-from', 'desk@library.example.org'] });
  let jenR; let samR; let jenId;
  const open = [];
  const keep = (c) => { open.push(c); return c; };
  before(async () => {
    await srv.start();
    let l = await login(srv.port, JEN);
    jenR = staffRest(srv.port, l);
    jenId = l.body.staff.id;
    l = await login(srv.port, SAM);
    samR = staffRest(srv.port, l);
  });
  afterEach(async () => { while (open.length) await open.pop().close(); });
  after(async () => { await stopAndCheck(srv, assert); });

  it('opting in during a chat links it, tells every console, and the card is a first-time card', async () => {
    const jen = keep(await staff(srv, JEN));
    const sam = keep(await staff(srv, SAM));
    const p = keep(await patron(srv));
    const id = p.welcome.patron.id;
    const q1 = `Need help with the ${word('topic')} database please`;
    const a = await p.join(q1);
    const picked = await pick(jen, a.chat);
    assert.equal(picked.remembered, false);
    assert.equal(picked.returning, false);

    const before_ = await card(jenR, id, a.chat);
    assert.deepEqual(before_.json, { patron: { id, remembered: false } });

    const r = await remember(p, { preferred_name: 'Maya', chat: a.chat });
    assert.equal(r.type, 'relation', JSON.stringify(r));
    assert.equal(r.relation.remembered, true);
    // both consoles hear it: the patron and the chat, whose flag moved
    for (const st of [jen, sam]) {
      const f = await st.waitFor('patron', (x) => x.patron === id);
      assert.equal(f.remembered, true);
      const c = await st.waitFor('chat', (x) => x.chat.id === a.chat && x.chat.remembered === true);
      assert.equal(c.chat.returning, false, 'a first remembered chat is not a returning one');
    }

    const now = await card(jenR, id, a.chat);
    assert.equal(now.status, 200, now.text);
    assert.equal(now.json.patron.remembered, true);
    assert.equal(now.json.patron.preferred_name, 'Maya');
    assert.equal(now.json.returning, false);
    assert.equal(now.json.tenure, 'New to us');
    assert.deepEqual(now.json.chats, [], 'the chat being handled is not an earlier chat');
    assert.match(now.json.opener, /^Hi Maya\b/);
    assert.ok(!/welcome back/i.test(now.json.opener), `first-time opener says welcome back: ${now.json.opener}`);
    assertNoQuote(now.json.opener, q1);

    // Jen can add the note the README asks for, right away
    const n = await jenR.post(`/api/v1/patrons/${id}/notes`, { body: 'Looking for nursing databases.' });
    assert.equal(n.status, 201, n.text);

    // an edit is announced too
    const e = await remember(p, { preferred_name: 'Maya R', chat: a.chat });
    assert.equal(e.relation.preferred_name, 'Maya R');
    await jen.waitFor('patron', (x) => x.patron === id && x.remembered === true);

    // transcripts name her: live frames, and the REST transcript
    p.send({ type: 'send', chat: a.chat, cmid: 'm-name-1', text: 'Thanks!' });
    const m = await jen.waitFor('msg', (x) => x.chat === a.chat && x.from === 'patron' && x.text === 'Thanks!');
    assert.equal(m.name, 'Maya R');
    await endChat(jen, a.chat);
    const t = await pollUntil(() => jenR.get(`/api/v1/chats/${a.chat}`),
      (x) => x.status === 200 && x.json.chat.state === 'ended');
    const mine = t.json.messages.filter((x) => x.from === 'patron');
    assert.ok(mine.length >= 2, JSON.stringify(t.json.messages));
    for (const x of mine) assert.equal(x.name, 'Maya R', JSON.stringify(x));

    // the next chat: returning, with the first chat (question and note) on the card
    const q2 = `Back again about ${word('more')} articles`;
    const b = await p.join(q2);
    const c2 = await jen.waitFor('chat', (x) => x.chat.id === b.chat);
    assert.equal(c2.chat.remembered, true);
    assert.equal(c2.chat.returning, true);
    const next = await card(jenR, id, b.chat);
    assert.equal(next.json.returning, true);
    assert.match(next.json.tenure, /· 1 chat$/);
    assert.deepEqual(next.json.chats.map((x) => x.id), [a.chat]);
    assert.equal(next.json.chats[0].question, q1);
    assert.ok(next.json.notes.some((x) => x.body === 'Looking for nursing databases.'));
    assert.match(next.json.opener, /welcome back/i);
    assertNoQuote(next.json.opener, q1);
    await pick(jen, b.chat);
    await endChat(jen, b.chat);
  });

  it('opting in on the end screen links the chat just ended, and only your own', async () => {
    const jen = keep(await staff(srv, JEN));
    const p = keep(await patron(srv));
    const other = keep(await patron(srv));
    const id = p.welcome.patron.id;
    const a = await p.join(`End screen ${word()}`);
    await pick(jen, a.chat);
    await endChat(jen, a.chat);
    const o = await other.join(`Someone else ${word()}`);

    // another patron's chat id is not linked
    const bad = await remember(p, { display_name: 'Ann', chat: o.chat });
    assert.equal(bad.type, 'relation', JSON.stringify(bad));
    const oc = await jenR.get(`/api/v1/chats/${o.chat}`);
    assert.equal(oc.json.chat.remembered, false, 'another patron\'s chat got linked');
    await ask(p, { type: 'forget' }, (x) => x.type === 'relation');

    const r = await remember(p, { display_name: 'Ann', chat: a.chat });
    assert.equal(r.relation.remembered, true);
    const row = await pollUntil(() => jenR.get(`/api/v1/chats/${a.chat}`), (x) => x.json && x.json.chat.remembered === true);
    assert.equal(row.json.chat.remembered, true, 'the ended chat is linked');
    const c = await card(jenR, id);
    assert.deepEqual(c.json.chats.map((x) => x.id), [a.chat]);
    assert.equal(c.json.returning, true, 'with an earlier chat, the card is a returning one');
    assert.match(c.json.opener, /^Hi Ann, welcome back!/);
  });

  it('forget clears the flag everywhere at once: /chats, /chats/{id}, /search, the card', async () => {
    const jen = keep(await staff(srv, JEN));
    const p = keep(await patron(srv));
    const id = p.welcome.patron.id;
    const w = word('forgetme');
    await remember(p, { preferred_name: 'Quinn' });
    const a = await p.join(`Question about ${w}`);
    await pick(jen, a.chat);
    await endChat(jen, a.chat); // ended, but still held by the desk
    const b = await p.join(`Second about ${w}`); // and one still queued

    const flags = async () => {
      const list = await jenR.get('/api/v1/chats?limit=100');
      const one = await jenR.get(`/api/v1/chats/${a.chat}`);
      const two = await jenR.get(`/api/v1/chats/${b.chat}`);
      const s = await jenR.get(`/api/v1/search?q=${w}`);
      assert.equal(list.status, 200, list.text);
      assert.equal(s.status, 200, s.text);
      return {
        list: list.json.chats.filter((x) => x.id === a.chat || x.id === b.chat).map((x) => x.remembered),
        one: one.json.chat.remembered,
        two: two.json.chat.remembered,
        search: s.json.chats.filter((x) => x.id === a.chat).map((x) => x.remembered),
      };
    };
    const yes = await pollUntil(flags, (f) => f.search.length === 1);
    assert.deepEqual(yes, { list: [true, true], one: true, two: true, search: [true] });
    const t = await jenR.get(`/api/v1/chats/${a.chat}`);
    assert.ok(t.json.messages.some((x) => x.from === 'patron' && x.name === 'Quinn'));

    const f = await ask(p, { type: 'forget' }, (x) => x.type === 'relation');
    assert.deepEqual(f.relation, { remembered: false });
    const fr = await jen.waitFor('patron', (x) => x.patron === id && x.remembered === false);
    assert.ok(fr);
    // immediately: no polling
    assert.deepEqual(await flags(), { list: [false, false], one: false, two: false, search: [false] });
    const c = await card(jenR, id, b.chat);
    assert.deepEqual(c.json, { patron: { id, remembered: false } });
    const t2 = await jenR.get(`/api/v1/chats/${a.chat}`);
    for (const x of t2.json.messages.filter((m) => m.from === 'patron')) assert.equal(x.name, 'Patron');
    const q = await samR.get(`/api/v1/chats/${b.chat}`);
    assert.equal(q.json.chat.returning, false);
    // and after a restart (nothing cached survives that either)
    p.send({ type: 'end', chat: b.chat });
    await p.waitFor('chat', (x) => x.chat.id === b.chat && x.chat.state !== 'queued');
    assert.ok(jenId > 0);
  });

  it('consent on the start page: the first chat is new, the second in the same session returning', async () => {
    const jen = keep(await staff(srv, JEN));
    const p = keep(await patron(srv));
    const id = p.welcome.patron.id;
    await remember(p, { preferred_name: 'Noor' });
    const a = await p.join(`Start page ${word()}`);
    const c1 = await jen.waitFor('chat', (x) => x.chat.id === a.chat);
    assert.equal(c1.chat.remembered, true);
    assert.equal(c1.chat.returning, false);
    const q1 = await jen.waitFor('queue', (x) => x.queue.some((e) => e.id === a.chat));
    assert.equal(q1.queue.find((e) => e.id === a.chat).returning, false);
    const k1 = await card(jenR, id, a.chat);
    assert.equal(k1.json.returning, false);
    assert.ok(!/welcome back/i.test(k1.json.opener), k1.json.opener);
    await pick(jen, a.chat);
    await endChat(jen, a.chat);
    const b = await p.join(`Same session ${word()}`);
    const c2 = await jen.waitFor('chat', (x) => x.chat.id === b.chat);
    assert.equal(c2.chat.returning, true);
    const k2 = await card(jenR, id, b.chat);
    assert.equal(k2.json.returning, true);
    assert.deepEqual(k2.json.chats.map((x) => x.id), [a.chat]);
    await pick(jen, b.chat);
    await endChat(jen, b.chat);
  });

  it('the e-mailed transcript names a remembered patron; an anonymous one reads "You"', async () => {
    const jen = keep(await staff(srv, JEN));
    const mailOf = async (p, chat, to) => {
      const r = await ask(p, { type: 'email_transcript', chat, email: to }, (f) => f.type === 'emailed');
      assert.equal(r.type, 'emailed', JSON.stringify(r));
      const db = join(srv.dataDir, 'rapport.db');
      return execFileSync('sqlite3', ['-readonly', db,
        `SELECT body_text FROM outbox WHERE to_addr = '${to}' ORDER BY id DESC LIMIT 1`]).toString();
    };
    const p = keep(await patron(srv));
    await remember(p, { preferred_name: 'Rosa' });
    const a = await p.join('Mail me this please');
    await pick(jen, a.chat);
    await endChat(jen, a.chat);
    const named = await mailOf(p, a.chat, 'rosa@example.org');
    assert.match(named, /\] Rosa: Mail me this please/);
    const q = keep(await patron(srv));
    const b = await q.join('Anonymous mail please');
    await pick(jen, b.chat);
    await endChat(jen, b.chat);
    const anon = await mailOf(q, b.chat, 'anon@example.org');
    assert.match(anon, /\] You: Anonymous mail please/);
  });

  it('an anonymous patron stays "Patron" in transcripts', async () => {
    const jen = keep(await staff(srv, JEN));
    const p = keep(await patron(srv));
    const a = await p.join(`Anonymous ${word()}`);
    await pick(jen, a.chat);
    const t = await jenR.get(`/api/v1/chats/${a.chat}`);
    assert.ok(t.json.messages.filter((x) => x.from === 'patron').every((x) => x.name === 'Patron'), t.text);
    await endChat(jen, a.chat);
  });
});

describe('remembered after a restart', () => {
  const srv = serverForSuite({ args: ['--rate', '1000', '--burst', '1000'] });

  it('a queued chat of a remembered patron is still remembered and returning before they come back', async () => {
    const jen = await staff(srv, JEN);
    const p = await patron(srv);
    await remember(p, { preferred_name: 'Ines' });
    const a = await p.join(`Before restart ${word()}`);
    await pick(jen, a.chat);
    await endChat(jen, a.chat);
    const b = await p.join(`Still waiting ${word()}`);
    const q = await jen.waitFor('queue', (x) => x.queue.some((e) => e.id === b.chat));
    assert.equal(q.queue.find((e) => e.id === b.chat).returning, true);
    await p.close();
    await jen.close();
    const stopped = await srv.stop();
    assert.equal(stopped.code, 0);
    await srv.restart();
    const jen2 = await staff(srv, JEN);
    try {
      const e = jen2.welcome.queue.find((x) => x.id === b.chat);
      assert.ok(e, JSON.stringify(jen2.welcome.queue));
      assert.equal(e.remembered, true, 'the flag survives a restart without the patron');
      assert.equal(e.returning, true);
      const l = await login(srv.port, JEN);
      const r = await staffRest(srv.port, l).get(`/api/v1/chats/${b.chat}`);
      assert.equal(r.json.chat.remembered, true);
      assert.equal(r.json.messages.find((m) => m.from === 'patron').name, 'Ines');
    } finally {
      await jen2.close();
    }
  });
});
