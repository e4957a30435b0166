// The consortium: libraries that share a desk. A queue's chat nobody of its library picked
// up within the cascade delay is offered to the consortium's librarians; a covering
// librarian reads the home library's policy notes, the live transcript and only the card
// fields it shares, every card view is in the home library's audit, and their access ends
// with the chat. Hand-offs cross libraries of the consortium, never outside it.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  staff, patron, activeChat, ask, addLibrary, runCli, staffRest, remember, sleep,
  SAM, JEN, PASSWORD, serverForSuite,
} from './lib.mjs';

const NIA = { email: 'nia@north.example', name: 'Nia Osei', password: PASSWORD };
const OLA = { email: 'ola@solo.example', name: 'Ola Berg', password: PASSWORD };
const NOTES = 'Open 9-17. Visitors may use the databases on site only. Refer law questions to the Law Library.';
const ev = (chat, name) => (f) => f.type === 'msg' && f.chat === chat && f.event === name;
const cascadedIn = (chat) => (f) => f.type === 'queue' && f.queue.some((e) => e.id === chat && e.cascaded);

function cli(args) {
  const r = runCli(args);
  if (r.status !== 0) throw new Error(`rapport ${args.join(' ')}: ${r.out}`);
}

describe('the consortium', () => {
  const srv = serverForSuite({ args: ['--handoff-timeout-ms', '3000'] });
  let sam;
  let demoName;
  before(async () => { // north joins demo's consortium; solo stays alone
    await srv.stop();
    addLibrary(srv.dataDir, { slug: 'north', name: 'North College Library', queue: 'ask:Ask North', staff: [NIA] });
    addLibrary(srv.dataDir, { slug: 'solo', name: 'Solo Library', queue: 'ask:Ask Solo', staff: [OLA] });
    cli(['consortium', 'create', '--data-dir', srv.dataDir, '--slug', 'metro', '--name', 'Metro Libraries']);
    for (const lib of ['demo', 'north']) {
      cli(['consortium', 'add', '--data-dir', srv.dataDir, '--library', lib, '--consortium', 'metro']);
    }
    await srv.restart();
    sam = await staff(srv, SAM);
    demoName = sam.welcome.library.name;
    const admin = staffRest(srv.port, sam.login);
    const q = sam.welcome.queues[0].id;
    let r = await admin.post(`/api/v1/admin/queues/${q}`, { cascade_seconds: 2 });
    assert.equal(r.status, 200, r.text);
    r = await admin.post('/api/v1/admin/library', { policy_notes: NOTES, consortium_card: ['preferred_name', 'chats'] });
    assert.equal(r.status, 200, r.text);
    await sam.close(); // nobody of demo is on duty: chats wait for the cascade
  });

  it('cascades a waiting chat to the consortium after the delay; the covering librarian sees the policy notes, the shared card fields only, and loses access when it ends', async () => {
    const nia = await staff(srv, NIA.email, NIA.password);
    const ola = await staff(srv, OLA.email, OLA.password);
    const p = await patron(srv);
    await remember(p, { preferred_name: 'Ana', email: 'ana@example.com', pronouns: 'she/her' });
    const a = await p.join('Can I use the nursing databases from home?');
    const t0 = Date.now();
    const q = await nia.waitFor('queue', cascadedIn(a.chat), 6000);
    assert.ok(Date.now() - t0 >= 1500, 'not before the delay');
    const e = q.queue.find((x) => x.id === a.chat);
    assert.equal(e.library.name, demoName, 'the home library is named');
    assert.equal(e.library.policy_notes, NOTES);
    assert.ok(!(ola.frames.some(cascadedIn(a.chat))), 'a library outside the consortium never sees it');
    nia.send({ type: 'pick', chat: a.chat });
    const joined = await p.waitFor('msg', ev(a.chat, 'joined'));
    assert.equal(joined.name, NIA.name);
    assert.equal(joined.library, 'North College Library', 'the patron is told whose librarian joined');
    await p.say(a.chat, 'I am a student at Demo');
    await nia.waitFor('msg', (f) => f.chat === a.chat && f.text === 'I am a student at Demo');
    await nia.say(a.chat, 'Let me check what Demo allows');
    // the card, as Demo shares it: the preferred name and earlier chats, not the e-mail
    const niaRest = staffRest(srv.port, nia.login);
    const chatRow = await niaRest.get(`/api/v1/chats/${a.chat}`);
    assert.equal(chatRow.status, 200, 'the covering librarian reads the live chat');
    const patronId = chatRow.json.chat.patron;
    const c2 = await niaRest.get(`/api/v1/patrons/${patronId}/card?chat=${a.chat}`);
    assert.equal(c2.status, 200, c2.text);
    assert.equal(c2.json.covering, true);
    assert.equal(c2.json.library.policy_notes, NOTES);
    assert.equal(c2.json.patron.preferred_name, 'Ana');
    assert.deepEqual(c2.json.shared, ['preferred_name', 'chats']);
    assert.equal(c2.json.patron.email, '', 'not shared');
    assert.equal(c2.json.patron.pronouns, '', 'not shared');
    assert.deepEqual(c2.json.notes, [], 'not shared');
    assert.equal(c2.json.traits, undefined, 'not shared');
    // every such view is in the home library's audit
    sam = await staff(srv, SAM);
    const audit = await staffRest(srv.port, sam.login).get(`/api/v1/audit/card-views?patron=${patronId}`);
    assert.equal(audit.status, 200);
    assert.ok(audit.json.views.some((v) => v.staff.name === NIA.name), 'the covering view is audited');
    // the chat ends: Nia's access ends with it
    nia.send({ type: 'end', chat: a.chat });
    await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'ended');
    await sleep(200);
    assert.equal((await niaRest.get(`/api/v1/patrons/${patronId}/card`)).status, 404);
    nia.send({ type: 'resume', chat: a.chat, after: 0 });
    assert.equal((await nia.waitFor('error', (f) => f.ref === 'resume')).code, 'not_found');
    for (const c of [p, nia, ola, sam]) await c.close();
  });

  it('hands a chat to a librarian of another library of the consortium, never outside it', async () => {
    const jen = await staff(srv, JEN);
    const nia = await staff(srv, NIA.email, NIA.password);
    const ola = await staff(srv, OLA.email, OLA.password);
    const { p, chat } = await activeChat(srv, jen, { text: 'Do you have the 1890 maps?' });
    let r = await ask(jen, { type: 'handoff', chat, staff: ola.welcome.staff.id, note: 'maps' }, () => false);
    assert.equal(r.code, 'not_shared');
    const col = await staffRest(srv.port, jen.login).get('/api/v1/colleagues');
    assert.ok(col.json.staff.some((s) => s.id === nia.welcome.staff.id && s.library.name === 'North College Library'));
    assert.ok(!col.json.staff.some((s) => s.id === ola.welcome.staff.id), 'outside the consortium');
    assert.ok(col.json.queues.some((q) => q.library.name === 'North College Library'));
    r = await ask(jen, { type: 'handoff', chat, staff: nia.welcome.staff.id, note: 'North holds the county maps' },
      (f) => f.type === 'chat' && f.chat.id === chat && f.chat.handoff);
    const q = await nia.waitFor('queue', (f) => (f.handoffs || []).some((h) => h.chat === chat));
    assert.equal(q.handoffs.find((h) => h.chat === chat).library.id, jen.welcome.library.id);
    const { msgs } = await nia.resume(chat, 0);
    assert.ok(msgs.some((m) => m.text === 'Do you have the 1890 maps?'), 'read before accepting');
    nia.send({ type: 'handoff_accept', chat });
    const j = await p.waitFor('msg', ev(chat, 'handoff_accepted'));
    assert.equal(j.name, NIA.name);
    assert.equal(j.library, 'North College Library');
    await nia.say(chat, 'We do, in the map room');
    for (const c of [p, jen, nia, ola]) await c.close();
  });
});
