// Warm hand-offs: a librarian hands a live chat to a named colleague or to a queue, with a
// note the receiver reads (with the transcript) before accepting; declined, unanswered or
// orphaned hand-offs come back to the sender; a patron may ask for someone else. Every
// outcome is defined and no chat is ever left with nobody.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  staff, activeChat, ask, assertNone, addStaff, staffRest, SAM, JEN, PASSWORD, serverForSuite,
} from './lib.mjs';

const TIMEOUT = 1500;
const KIM = 'kim@demo.library';

const ev = (chat, name) => (f) => f.type === 'msg' && f.chat === chat && f.event === name;
const listed = (chat) => (f) => (f.handoffs || []).some((h) => h.chat === chat);
const unlisted = (chat) => (f) => f.type === 'queue' && !(f.handoffs || []).some((h) => h.chat === chat);

async function handoff(from, chat, target, note = 'needs the nursing databases; has tried CINAHL') {
  return ask(from, { type: 'handoff', chat, ...target, note },
    (f) => f.type === 'chat' && f.chat.id === chat && f.chat.handoff && f.chat.handoff.state === 'offered');
}

/** Jen holds a chat and has offered it to Sam, whose console lists it. */
async function offeredToSam(srv) {
  const jen = await staff(srv, JEN);
  const sam = await staff(srv, SAM);
  const { p, chat } = await activeChat(srv, jen);
  await handoff(jen, chat, { staff: sam.welcome.staff.id });
  await sam.waitFor('queue', listed(chat));
  return { jen, sam, p, chat };
}

describe('warm hand-off', () => {
  const srv = serverForSuite({ args: ['--handoff-timeout-ms', String(TIMEOUT)] });
  before(async () => { // a third librarian, in the demo library the first start made
    await srv.stop();
    addStaff(srv.dataDir, 'demo', { email: KIM, name: 'Kim Park', password: PASSWORD });
    await srv.restart();
  });

  it('to a named colleague: Sam reads the note and the transcript first, accepts, and the patron is told who joined', async () => {
    const jen = await staff(srv, JEN);
    const sam = await staff(srv, SAM);
    const { p, chat } = await activeChat(srv, jen, { text: 'I need articles on wound care' });
    await p.say(chat, 'I already tried CINAHL');
    const offered = await handoff(jen, chat, { staff: sam.welcome.staff.id });
    assert.equal(offered.chat.handoff.to.name, 'Sam Lee');
    assert.equal(offered.chat.handoff.note, 'needs the nursing databases; has tried CINAHL');
    // Sam's console lists it, with the note and the question
    const q = await sam.waitFor('queue', listed(chat));
    const h = q.handoffs.find((x) => x.chat === chat);
    assert.equal(h.from.name, 'Jen Ortiz');
    assert.equal(h.kind, 'staff');
    assert.equal(h.note, 'needs the nursing databases; has tried CINAHL');
    assert.equal(h.question, 'I need articles on wound care');
    // the patron sees that Jen is asking someone, never the note
    const pf = await p.waitFor('chat', (f) => f.chat.id === chat && f.chat.handoff);
    assert.equal(pf.chat.handoff.to.name, 'Sam Lee');
    assert.equal(pf.chat.handoff.note, undefined, 'the note is for staff');
    await p.waitFor('msg', ev(chat, 'handoff_offered'));
    // Sam reads the whole conversation before accepting
    const { msgs } = await sam.resume(chat, 0);
    assert.deepEqual(msgs.filter((m) => m.kind === 'text').map((m) => m.text),
      ['I need articles on wound care', 'I already tried CINAHL']);
    // Sam cannot write yet: the chat is still Jen's
    sam.send({ type: 'send', chat, cmid: 'early1', text: 'hi' });
    assert.equal((await sam.answer('early1')).code, 'forbidden');
    sam.send({ type: 'handoff_accept', chat });
    const joined = await p.waitFor('msg', ev(chat, 'handoff_accepted'));
    assert.equal(joined.name, 'Sam Lee');
    const now = await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.staff && f.chat.staff.name === 'Sam Lee');
    assert.equal(now.chat.handoff.state, 'accepted');
    await sam.waitFor('queue', unlisted(chat));
    await sam.say(chat, 'Hello, I have read your conversation');
    await p.waitFor('msg', (f) => f.chat === chat && f.text === 'Hello, I have read your conversation');
    jen.send({ type: 'send', chat, cmid: 'late1', text: 'still here?' });
    assert.equal((await jen.answer('late1')).code, 'forbidden', 'the sender no longer holds the chat');
    for (const c of [p, jen, sam]) await c.close();
  });

  it('declined with a reason, it comes back to the sender, who keeps the chat', async () => {
    const { jen, sam, p, chat } = await offeredToSam(srv);
    sam.send({ type: 'handoff_decline', chat, reason: 'Not my subject, try Kim' });
    const back = await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.handoff && f.chat.handoff.state === 'declined');
    assert.equal(back.chat.handoff.reason, 'Not my subject, try Kim');
    assert.equal(back.chat.staff.name, 'Jen Ortiz');
    const r = await p.waitFor('msg', ev(chat, 'handoff_returned'));
    assert.equal(r.name, 'Jen Ortiz');
    await jen.say(chat, 'I am still with you');
    // declining twice, or accepting after the decline, changes nothing
    sam.send({ type: 'handoff_accept', chat });
    assert.equal((await sam.answer('handoff_accept')).code, 'bad_state');
    for (const c of [p, jen, sam]) await c.close();
  });

  it('unanswered, it comes back after the timeout; the colleague going off duty brings it back at once', async () => {
    const jen = await staff(srv, JEN);
    const sam = await staff(srv, SAM);
    const { p, chat } = await activeChat(srv, jen);
    const t0 = Date.now();
    await handoff(jen, chat, { staff: sam.welcome.staff.id });
    await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.handoff && f.chat.handoff.state === 'timed_out', TIMEOUT + 3000);
    assert.ok(Date.now() - t0 >= TIMEOUT - 100, 'not before the timeout');
    await p.waitFor('msg', ev(chat, 'handoff_returned'));
    // again, and Sam closes his console
    await handoff(jen, chat, { staff: sam.welcome.staff.id });
    await sam.close();
    const back = await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.handoff && f.chat.handoff.state === 'cancelled', 3000);
    assert.equal(back.chat.handoff.reason, 'went off duty');
    assert.equal(back.chat.staff.name, 'Jen Ortiz');
    // and to someone not on duty at all
    const r = await ask(jen, { type: 'handoff', chat, staff: sam.welcome.staff.id, note: 'x' }, () => false);
    assert.equal(r.code, 'off_duty');
    for (const c of [p, jen]) await c.close();
  });

  it('to a queue: the first of two librarians to accept takes it, the second is told it was taken', async () => {
    const jen = await staff(srv, JEN);
    const sam = await staff(srv, SAM);
    const kim = await staff(srv, KIM);
    const { p, chat } = await activeChat(srv, jen);
    const queue = jen.welcome.queues[0].id;
    await handoff(jen, chat, { queue });
    await sam.waitFor('queue', listed(chat));
    await kim.waitFor('queue', listed(chat));
    // Jen's own console does not offer it to her
    sam.send({ type: 'handoff_accept', chat });
    kim.send({ type: 'handoff_accept', chat });
    const [a, b] = await Promise.all([
      sam.waitFor(null, (f) => (f.type === 'error' && f.ref === 'handoff_accept') || ev(chat, 'handoff_accepted')(f)),
      kim.waitFor(null, (f) => (f.type === 'error' && f.ref === 'handoff_accept') || ev(chat, 'handoff_accepted')(f)),
    ]);
    const errors = [a, b].filter((f) => f.type === 'error');
    assert.equal(errors.length, 1, 'exactly one loses');
    assert.equal(errors[0].code, 'taken');
    const winner = a.type === 'error' ? 'Kim Park' : 'Sam Lee';
    const j = await p.waitFor('msg', ev(chat, 'handoff_accepted'));
    assert.equal(j.name, winner);
    for (const c of [p, jen, sam, kim]) await c.close();
  });

  it('the patron leaving mid hand-off cancels it; the receiver\'s list empties', async () => {
    const { jen, sam, p, chat } = await offeredToSam(srv);
    p.send({ type: 'end', chat });
    await sam.waitFor('queue', unlisted(chat));
    sam.send({ type: 'handoff_accept', chat });
    const r = await sam.waitFor('error', (f) => f.ref === 'handoff_accept');
    assert.ok(['bad_state', 'not_found'].includes(r.code));
    for (const c of [p, jen, sam]) await c.close();
  });

  it('bad input: an empty note, a second hand-off while one is pending, someone else\'s chat', async () => {
    const jen = await staff(srv, JEN);
    const sam = await staff(srv, SAM);
    const { p, chat } = await activeChat(srv, jen);
    let r = await ask(jen, { type: 'handoff', chat, staff: sam.welcome.staff.id, note: '   ' }, () => false);
    assert.equal(r.code, 'empty');
    r = await ask(jen, { type: 'handoff', chat, staff: sam.welcome.staff.id, note: 'x'.repeat(1001) }, () => false);
    assert.equal(r.code, 'too_long');
    r = await ask(jen, { type: 'handoff', chat, staff: 999999, note: 'x' }, () => false);
    assert.equal(r.code, 'not_found');
    r = await ask(jen, { type: 'handoff', chat, staff: sam.welcome.staff.id, queue: 1, note: 'x' }, () => false);
    assert.equal(r.code, 'bad_frame');
    const kim = await staff(srv, KIM); // a librarian: not Jen's chat, not a supervisor
    r = await ask(kim, { type: 'handoff', chat, staff: kim.welcome.staff.id, note: 'mine now' }, () => false);
    assert.equal(r.code, 'forbidden', 'only the chat\'s librarian (or a supervisor) hands it on');
    await kim.close();
    await handoff(jen, chat, { staff: sam.welcome.staff.id });
    r = await ask(jen, { type: 'handoff', chat, staff: sam.welcome.staff.id, note: 'again' }, () => false);
    assert.equal(r.code, 'bad_state');
    r = await ask(p, { type: 'handoff_accept', chat }, () => false);
    assert.equal(r.code, 'bad_frame', 'patrons do not take hand-offs');
    jen.send({ type: 'handoff_cancel', chat });
    await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.handoff && f.chat.handoff.state === 'cancelled');
    for (const c of [p, jen, sam]) await c.close();
  });
});

describe('could someone else help me?', () => {
  const srv = serverForSuite({ args: ['--handoff-timeout-ms', String(TIMEOUT)] });

  it('is said honestly when nobody else is on, and honoured as a hand-off when someone is', async () => {
    const jen = await staff(srv, JEN);
    const { p, chat } = await activeChat(srv, jen);
    let r = await ask(p, { type: 'someone_else', chat }, () => false);
    assert.equal(r.code, 'nobody_else');
    await assertNone(assert, jen, ev(chat, 'someone_else'), 300, 'nothing was asked of anyone');
    const sam = await staff(srv, SAM);
    r = await ask(p, { type: 'someone_else', chat }, ev(chat, 'someone_else'));
    assert.equal(r.from, 'patron');
    const q = await sam.waitFor('queue', listed(chat));
    const h = q.handoffs.find((x) => x.chat === chat);
    assert.equal(h.kind, 'patron');
    assert.equal(h.from.name, 'Jen Ortiz');
    assert.match(h.note, /asked if someone else could help/);
    // Jen sees it too, and cannot take it herself
    const mine = await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.handoff && f.chat.handoff.kind === 'patron');
    assert.equal(mine.chat.handoff.state, 'offered');
    r = await ask(jen, { type: 'handoff_accept', chat }, () => false);
    assert.equal(r.code, 'forbidden');
    sam.send({ type: 'handoff_accept', chat });
    const joined = await p.waitFor('msg', ev(chat, 'handoff_accepted'));
    assert.equal(joined.name, 'Sam Lee');
    for (const c of [p, jen, sam]) await c.close();
  });
});

describe('referrals counted', () => {
  const srv = serverForSuite({ args: ['--handoff-timeout-ms', String(TIMEOUT)] });

  it('every hand-off is recorded; supervisors and admins read the report, librarians do not', async () => {
    const { jen, sam, p, chat } = await offeredToSam(srv);
    sam.send({ type: 'handoff_decline', chat, reason: 'Ask the law library' });
    await jen.waitFor('chat', (f) => f.chat.id === chat && f.chat.handoff && f.chat.handoff.state === 'declined');
    await handoff(jen, chat, { staff: sam.welcome.staff.id }, 'second try: the citation style');
    await sam.waitFor('queue', listed(chat));
    sam.send({ type: 'handoff_accept', chat });
    await p.waitFor('msg', ev(chat, 'handoff_accepted'));
    // a second chat: the patron asks for someone else; Jen takes it over from Sam
    const other = await activeChat(srv, sam);
    await ask(other.p, { type: 'someone_else', chat: other.chat }, ev(other.chat, 'someone_else'));
    await jen.waitFor('queue', listed(other.chat));
    jen.send({ type: 'handoff_accept', chat: other.chat });
    await other.p.waitFor('msg', ev(other.chat, 'handoff_accepted'));

    const samRest = staffRest(srv.port, sam.login);
    const hist = await samRest.get(`/api/v1/chats/${chat}/handoffs`);
    assert.equal(hist.status, 200);
    assert.deepEqual(hist.json.handoffs.map((h) => [h.state, h.from.name, h.to.name, h.note]), [
      ['declined', 'Jen Ortiz', 'Sam Lee', 'needs the nursing databases; has tried CINAHL'],
      ['accepted', 'Jen Ortiz', 'Sam Lee', 'second try: the citation style'],
    ]);
    assert.equal(hist.json.handoffs[0].reason, 'Ask the law library');
    assert.ok(hist.json.handoffs[1].decided_at >= hist.json.handoffs[1].created_at);

    const rep = await samRest.get('/api/v1/reports/handoffs?days=1');
    assert.equal(rep.status, 200, rep.text);
    const r = rep.json;
    assert.equal(r.total, 3);
    assert.equal(r.accepted, 2);
    assert.equal(r.declined, 1);
    assert.equal(r.timed_out, 0);
    assert.equal(r.chats, 2);
    assert.equal(r.chats_two_plus, 1, 'the first chat was handed off twice');
    assert.equal(r.per_chat, 1.5);
    assert.ok(r.accept_ms_median >= 0);
    assert.equal(r.by_queue.length, 1);
    assert.equal(r.by_queue[0].total, 3);
    assert.equal(r.by_library[0].library.name, sam.welcome.library.name);
    assert.deepEqual(r.someone_else.map((x) => [x.staff.name, x.total]), [['Sam Lee', 1]]);
    // Jen is a librarian: she never sees how often patrons asked to leave a colleague
    const jenRest = staffRest(srv.port, jen.login);
    const no = await jenRest.get('/api/v1/reports/handoffs');
    assert.equal(no.status, 403);
    assert.equal(no.json.error.code, 'forbidden');
    assert.equal((await samRest.get('/api/v1/reports/handoffs?days=0')).status, 400);
    for (const c of [p, other.p, jen, sam]) await c.close();
  });
});

describe('supervisors', () => {
  const srv = serverForSuite({ args: ['--handoff-timeout-ms', String(TIMEOUT)] });

  it('a supervisor watches a colleague\'s live chat, reassigns it, and reads the feedback; a librarian does none of it', async () => {
    const jen = await staff(srv, JEN);
    const sam = await staff(srv, SAM); // the demo's admin: a supervisor too
    const { p, chat } = await activeChat(srv, sam, { text: 'Where are the theses?' });
    // Jen, a librarian, may not read Sam's live chat, nor hand it on
    jen.send({ type: 'resume', chat, after: 0 });
    assert.equal((await jen.waitFor('error', (f) => f.ref === 'resume')).code, 'forbidden');
    let r = await ask(jen, { type: 'handoff', chat, staff: jen.welcome.staff.id, note: 'mine' }, () => false);
    assert.equal(r.code, 'forbidden');
    // Sam ends it; the patron rates it; a second chat, Jen's, is watched and reassigned by Sam
    sam.send({ type: 'end', chat });
    await p.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'ended');
    await ask(p, { type: 'rate', chat, rating: 4 }, (f) => f.type === 'rated');
    const two = await activeChat(srv, jen, { text: 'Interlibrary loan, please' });
    const { msgs } = await sam.resume(two.chat, 0);
    assert.ok(msgs.some((m) => m.text === 'Interlibrary loan, please'), 'a supervisor watches');
    sam.send({ type: 'send', chat: two.chat, cmid: 'watch1', text: 'hi' });
    assert.equal((await sam.answer('watch1')).code, 'forbidden', 'watching is read-only');
    r = await ask(sam, { type: 'handoff', chat: two.chat, staff: sam.welcome.staff.id, note: 'I know ILL' },
      (f) => f.type === 'chat' && f.chat.id === two.chat && f.chat.handoff && f.chat.handoff.state === 'offered');
    assert.equal(r.chat.handoff.from.name, 'Jen Ortiz', 'still from the chat\'s librarian');
    assert.equal(r.chat.handoff.note, 'Reassigned by Sam Lee: I know ILL');
    sam.send({ type: 'handoff_accept', chat: two.chat });
    await two.p.waitFor('msg', ev(two.chat, 'handoff_accepted'));

    const fb = await staffRest(srv.port, sam.login).get('/api/v1/reports/feedback?days=1');
    assert.equal(fb.status, 200, fb.text);
    assert.equal(fb.json.rated, 1);
    assert.equal(fb.json.mean, 4);
    assert.deepEqual(fb.json.ratings, [0, 0, 0, 1, 0]);
    assert.deepEqual(fb.json.by_staff.map((x) => [x.staff.name, x.rated]), [['Sam Lee', 1]]);
    assert.equal(fb.json.recent[0].question, 'Where are the theses?');
    assert.equal(fb.json.recent[0].chat.id, chat);
    assert.equal(fb.json.recent[0].rating, 4);
    const no = await staffRest(srv.port, jen.login).get('/api/v1/reports/feedback');
    assert.equal(no.status, 403);
    for (const c of [p, two.p, jen, sam]) await c.close();
  });
});

describe('the sender\'s console gone mid hand-off', () => {
  const srv = serverForSuite({ args: ['--handoff-timeout-ms', '60000', '--handback-grace-ms', '800'] });

  it('the chat goes back to the front of the queue with the note, never to nowhere', async () => {
    const { jen, sam, p, chat } = await offeredToSam(srv);
    const pLast = p.frames[p.frames.length - 1];
    const sLast = sam.frames[sam.frames.length - 1];
    await jen.close(); // a crashed browser: no logout
    await p.waitFor('msg', ev(chat, 'handed_back'), 5000, { after: pLast });
    const back = await p.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'queued', 5000, { after: pLast });
    assert.equal(back.chat.position, 1);
    await sam.waitFor('queue', (f) => f.queue.some((e) => e.id === chat) && !(f.handoffs || []).some((h) => h.chat === chat),
      5000, { after: sLast });
    // Sam picks it up from the queue: the chat, its transcript and the note are all there
    const last = sam.frames[sam.frames.length - 1];
    sam.send({ type: 'pick', chat });
    const mine = await sam.waitFor(null, (f) => (f.type === 'error' && f.ref === 'pick')
      || (f.type === 'chat' && f.chat.id === chat && f.chat.state === 'active'), 5000, { after: last });
    assert.equal(mine.type, 'chat', JSON.stringify(mine));
    assert.equal(mine.chat.staff.name, 'Sam Lee');
    assert.equal(mine.chat.handoff.state, 'cancelled');
    assert.equal(mine.chat.handoff.note, 'needs the nursing databases; has tried CINAHL');
    const hist = await staffRest(srv.port, sam.login).get(`/api/v1/chats/${chat}/handoffs`);
    assert.equal(hist.json.handoffs[0].state, 'cancelled');
    assert.equal(hist.json.handoffs[0].reason, 'the chat went back to the queue');
    for (const c of [p, sam]) await c.close();
  });
});
