// Relationship memory: consent, the staff card (notes, traits, audit), search, scoping,
// continuity routing and its report (PROTOCOL.md "Continuity routing", API.md
// "Relationship memory (staff)").
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  Server, stopAndCheck, patron as patronOf, staff, request, login, cmid, queueId, addLibrary, addStaff,
  assertNone, staffRest, ask, remember, pollUntil, JEN, SAM,
} from './lib.mjs';

const LEE = { email: 'lee@demo.library', name: 'Lee Offline', password: 'lee-secret-pw', role: 'librarian' };
const XAV = { email: 'x@other.library', name: 'Xavier Other', password: 'other-secret-pw', role: 'librarian' };
const YAN = { email: 'y@other.library', name: 'Yan Otheradmin', password: 'other-admin-pw', role: 'admin' };

/** A patron of the demo library (the first library here is "other", made before demo). */
const patron = (srv, opts = {}) => patronOf(srv, { library: 'demo', ...opts });

/** A word no other chat contains (letters only, so every tokenizer keeps it whole). */
function word(prefix = 'w') {
  const a = 'abcdefghijklmnopqrstuvwxyz';
  return prefix + [...crypto.randomBytes(8)].map((b) => a[b % 26]).join('');
}

/** A server with the demo library, an offline demo librarian (Lee) and a second library. */
function relServer(args = []) {
  const srv = new Server({
    args: ['--rate', '1000', '--burst', '1000', '--max-chats', '20', ...args],
    setup: (dir) => addLibrary(dir, {
      slug: 'other', name: 'Other Library', queue: 'ask:Ask Other', staff: [XAV, YAN],
    }),
  });
  srv.boot = async () => {
    await srv.start();
    const r = await srv.stop();
    assert.equal(r.code, 0);
    addStaff(srv.dataDir, 'demo', LEE); // the demo library exists once `rapport demo` ran
    await srv.restart();
  };
  return srv;
}

/** Clients opened by a test, closed after it (so a failed test does not leave anyone on). */
function tracker() {
  const open = [];
  const keep = (c) => { open.push(c); return c; };
  afterEach(async () => { while (open.length) await open.pop().close(); });
  return keep;
}

const restOf = async (srv, email, password) => {
  const l = await login(srv.port, email, password);
  assert.equal(l.res.status, 200, l.res.text);
  return staffRest(srv.port, l);
};

/** The patron's queued chat frame for `chat` (the first one, as the patron saw it). */
const queuedFrame = (p, chat) => p.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'queued');

async function pick(st, chat) {
  st.send({ type: 'pick', chat });
  const r = await st.waitFor(null, (f) => (f.type === 'chat' && f.chat.id === chat && f.chat.state === 'active')
    || (f.type === 'error' && f.ref === 'pick'));
  assert.equal(r.type, 'chat', `pick ${chat}: ${JSON.stringify(r)}`);
  return r;
}

async function endChat(st, chat) {
  st.send({ type: 'end', chat });
  await st.waitFor('chat', (f) => f.chat.id === chat && f.chat.state === 'ended');
}

/** A remembered patron (fresh) who had one chat with `st`, ended. Returns { p, chat, rel }. */
async function rememberedWithHistory(srv, st, { fields = { display_name: 'Reader' }, text } = {}) {
  const p = await patron(srv);
  const r = await remember(p, fields);
  assert.equal(r.type, 'relation', JSON.stringify(r));
  assert.equal(r.relation.remembered, true);
  const a = await p.join(text || `First question ${word()}`);
  await pick(st, a.chat);
  await endChat(st, a.chat);
  return { p, chat: a.chat, rel: r.relation };
}

/** Number of chats in a search answer (-1 when it is not a 200 with a list). */
const count = (r) => (r.status === 200 && r.json && Array.isArray(r.json.chats) ? r.json.chats.length : -1);

const card = (rest, id, chat) => rest.get(`/api/v1/patrons/${id}/card${chat ? `?chat=${chat}` : ''}`);

describe('relationship memory', () => {
  const srv = relServer();
  let jenR; let samR; let xR; let yR; let jenId; let samId; let leeId;
  before(async () => {
    await srv.boot();
    jenR = await restOf(srv, JEN);
    samR = await restOf(srv, SAM);
    xR = await restOf(srv, XAV.email, XAV.password);
    yR = await restOf(srv, YAN.email, YAN.password);
    jenId = jenR.login.body.staff.id;
    samId = samR.login.body.staff.id;
    leeId = (await login(srv.port, LEE.email, LEE.password)).body.staff.id;
    assert.equal(samR.login.body.staff.role, 'admin', 'the demo admin is Sam');
  });
  after(async () => { await stopAndCheck(srv, assert); });
  const keep = tracker();

  describe('consent', () => {
    it('a new patron is not remembered and is shown the notice', async () => {
      const p = keep(await patron(srv));
      assert.deepEqual(p.welcome.relation, { remembered: false });
      assert.equal(typeof p.welcome.notice, 'object', JSON.stringify(p.welcome));
      assert.equal(typeof p.welcome.notice.version, 'string');
      assert.ok(p.welcome.notice.version.length > 0);
      assert.equal(typeof p.welcome.notice.text, 'string');
      assert.ok(p.welcome.notice.text.length > 40, `notice text: ${p.welcome.notice.text}`);
      assert.equal(typeof p.welcome.patron.id, 'number');
      assert.ok(Array.isArray(p.welcome.librarians), 'welcome.librarians');
    });

    it('remember needs the version of the notice shown', async () => {
      const p = keep(await patron(srv));
      const v = p.welcome.notice.version;
      for (const notice of [`${v}-old`, '', 2026, undefined]) {
        const frame = { type: 'remember', display_name: 'Nope' };
        if (notice !== undefined) frame.notice = notice; // undefined: no notice at all
        const r = await ask(p, frame, (f) => f.type === 'relation');
        assert.equal(r.type, 'error', `notice ${JSON.stringify(notice)} accepted: ${JSON.stringify(r)}`);
        assert.equal(r.ref, 'remember');
        if (notice === `${v}-old`) assert.equal(r.code, 'stale_notice', JSON.stringify(r));
      }
      await p.close();
      const again = keep(await patron(srv, { token: p.token }));
      assert.deepEqual(again.welcome.relation, { remembered: false }, 'refused consent stored anyway');
      // the patron's row is written as the refused remember arrives, not before its error
      // frame: the card may need a moment to find it
      const c = await pollUntil(() => card(jenR, p.welcome.patron.id), (r) => r.status === 200);
      assert.equal(c.status, 200, c.text);
      assert.deepEqual(c.json, { patron: { id: p.welcome.patron.id, remembered: false } });
    });

    it('remember, recognised on return, update, forget', async () => {
      const t0 = Date.now();
      const p = keep(await patron(srv));
      const r = await remember(p, { display_name: 'Maya Quinn', preferred_name: 'Maya',
        pronouns: 'she/her', email: 'maya@example.org' });
      assert.equal(r.type, 'relation', JSON.stringify(r));
      const rel = r.relation;
      assert.equal(rel.remembered, true);
      assert.ok(rel.since >= t0 - 1000 && rel.since <= Date.now() + 1000, `since ${rel.since}`);
      assert.equal(rel.display_name, 'Maya Quinn');
      assert.equal(rel.preferred_name, 'Maya');
      assert.equal(rel.pronouns, 'she/her');
      assert.equal(rel.email, 'maya@example.org');
      assert.equal(rel.name, 'Maya', 'greeted by the preferred name');

      // a new connection with the token: recognised
      await p.close();
      const back = keep(await patron(srv, { token: p.token }));
      assert.equal(back.welcome.patron.id, p.welcome.patron.id);
      assert.deepEqual(back.welcome.relation, rel, 'the same relation on return');

      // the staff card shows what they gave
      const c = await card(jenR, p.welcome.patron.id);
      assert.equal(c.status, 200, c.text);
      assert.equal(c.json.patron.remembered, true);
      assert.equal(c.json.patron.display_name, 'Maya Quinn');
      assert.equal(c.json.patron.preferred_name, 'Maya');
      assert.equal(c.json.patron.pronouns, 'she/her');
      assert.equal(c.json.patron.email, 'maya@example.org');
      assert.equal(c.json.patron.since, rel.since);

      // remember again updates the four fields (a missing one is cleared), keeps `since`
      const u = await remember(back, { display_name: 'Maya Q.' });
      assert.equal(u.type, 'relation', JSON.stringify(u));
      assert.equal(u.relation.remembered, true);
      assert.equal(u.relation.since, rel.since, 'since kept on update');
      assert.equal(u.relation.display_name, 'Maya Q.');
      assert.ok(!u.relation.preferred_name, 'preferred_name cleared');
      assert.ok(!u.relation.pronouns, 'pronouns cleared');
      assert.ok(!u.relation.email, 'email cleared');
      assert.equal(u.relation.name, 'Maya Q.', 'greeted by the display name without a preferred one');

      // forget
      const f = await ask(back, { type: 'forget' }, (x) => x.type === 'relation');
      assert.equal(f.type, 'relation', JSON.stringify(f));
      assert.deepEqual(f.relation, { remembered: false });
      await back.close();
      const later = keep(await patron(srv, { token: p.token }));
      assert.deepEqual(later.welcome.relation, { remembered: false }, 'forgotten on return');
      const c2 = await card(jenR, p.welcome.patron.id);
      assert.deepEqual(c2.json, { patron: { id: p.welcome.patron.id, remembered: false } });
      assert.ok(!c2.text.includes('maya@example.org'));
    });

    it('consent links the chat open at that moment, not earlier anonymous chats', async () => {
      const jen = keep(await staff(srv, JEN));
      const p = keep(await patron(srv));
      const id = p.welcome.patron.id;
      const old = (await p.join(`Before consent ${word()}`)).chat;
      await pick(jen, old);
      await endChat(jen, old);
      const open = (await p.join(`Consent during this chat ${word()}`)).chat;
      await pick(jen, open);
      const r = await remember(p, { display_name: 'Linked Later' });
      assert.equal(r.type, 'relation', JSON.stringify(r));
      await endChat(jen, open);
      const c = await card(jenR, id);
      assert.equal(c.status, 200, c.text);
      assert.deepEqual(c.json.chats.map((x) => x.id), [open], 'the open chat only');
      const again = (await p.join('After consent')).chat;
      const q = await queuedFrame(p, again);
      assert.equal(q.chat.remembered, true);
      await pick(jen, again);
      await endChat(jen, again);
      const c2 = await card(jenR, id);
      assert.deepEqual(c2.json.chats.map((x) => x.id), [again, open], 'newest first');
    });

    it('forget erases notes, traits, favourites, the preferred librarian and the history', async () => {
      const jen = keep(await staff(srv, JEN));
      const { p, chat } = await rememberedWithHistory(srv, jen, { fields: { display_name: 'Forgettable',
        email: 'forget@example.org' } });
      keep(p);
      const id = p.welcome.patron.id;
      const fav = await ask(p, { type: 'favourite', staff: jenId, on: true }, (f) => f.type === 'relation');
      assert.equal(fav.type, 'relation', JSON.stringify(fav));
      assert.deepEqual(fav.relation.favourites, [jenId]);
      const pref = await ask(p, { type: 'prefer', staff: jenId }, (f) => f.type === 'relation');
      assert.equal(pref.type, 'relation', JSON.stringify(pref));
      assert.equal(pref.relation.preferred_staff, jenId);
      const noteText = `Writes a thesis on moss ${word()}`;
      const n = await jenR.post(`/api/v1/patrons/${id}/notes`, { body: noteText });
      assert.equal(n.status, 201, n.text);
      const t = await jenR.post(`/api/v1/patrons/${id}/traits`, { key: 'programme', value: 'MSc Botany' });
      assert.equal(t.status, 200, t.text);

      const before_ = await card(jenR, id);
      assert.equal(before_.status, 200, before_.text);
      assert.ok(before_.json.notes.some((x) => x.body === noteText), 'note on the card');
      assert.ok(before_.json.traits.some((x) => x.key === 'programme' && x.value === 'MSc Botany'));
      assert.deepEqual(before_.json.favourites.map((x) => x.id), [jenId]);
      assert.equal(before_.json.preferred_staff.id, jenId);
      assert.deepEqual(before_.json.chats.map((x) => x.id), [chat]);

      // the audit row may commit just after the card is answered: poll
      const views0 = await pollUntil(() => samR.get(`/api/v1/audit/card-views?patron=${id}`),
        (r) => r.status === 200 && r.json.views.length >= 1);
      assert.ok(views0.json.views.length >= 1, 'the card view above is audited');
      const f = await ask(p, { type: 'forget' }, (x) => x.type === 'relation');
      assert.deepEqual(f.relation, { remembered: false });
      const views1 = await samR.get(`/api/v1/audit/card-views?patron=${id}`);
      assert.ok(views1.json.views.length >= views0.json.views.length, 'audit rows are kept after forget');
      const after_ = await card(jenR, id);
      assert.equal(after_.status, 200, after_.text);
      assert.deepEqual(after_.json, { patron: { id, remembered: false } }, 'the card after forget');
      for (const s of [noteText, 'MSc Botany', 'forget@example.org', 'Forgettable']) {
        assert.ok(!after_.text.includes(s), `card still has ${s}`);
      }

      // nothing can be written for them any more
      const n2 = await jenR.post(`/api/v1/patrons/${id}/notes`, { body: 'after forget' });
      assert.equal(n2.status, 404, n2.text);
      const e2 = await jenR.post(`/api/v1/notes/${n.json.note.id}`, { body: 'edit after forget' });
      assert.equal(e2.status, 404, e2.text);
      const t2 = await jenR.post(`/api/v1/patrons/${id}/traits`, { key: 'programme', value: 'x' });
      assert.equal(t2.status, 404, t2.text);
      const fav2 = await ask(p, { type: 'favourite', staff: jenId, on: true }, (x) => x.type === 'relation');
      assert.equal(fav2.type, 'error', `favourite while not remembered: ${JSON.stringify(fav2)}`);
      assert.equal(fav2.code, 'not_remembered');
      const pref2 = await ask(p, { type: 'prefer', staff: jenId }, (x) => x.type === 'relation');
      assert.equal(pref2.type, 'error', `prefer while not remembered: ${JSON.stringify(pref2)}`);
      assert.equal(pref2.code, 'not_remembered');

      // agreeing again starts from nothing: nothing earlier comes back
      const again = await remember(p, { display_name: 'Forgettable' });
      assert.equal(again.type, 'relation', JSON.stringify(again));
      assert.ok(!again.relation.preferred_staff, JSON.stringify(again.relation));
      assert.deepEqual(again.relation.favourites || [], []);
      const fresh = await card(jenR, id);
      assert.equal(fresh.json.patron.remembered, true);
      assert.deepEqual(fresh.json.notes, []);
      assert.deepEqual(fresh.json.traits, []);
      assert.deepEqual(fresh.json.chats, [], 'earlier chats linked again after re-consent');
      assert.deepEqual(fresh.json.favourites, []);
      assert.equal(fresh.json.preferred_staff, null);
      assert.ok(!fresh.text.includes(noteText));
    });

    it('a patron who did not agree leaves no relationship data', async () => {
      const jen = keep(await staff(srv, JEN));
      const p = keep(await patron(srv));
      const id = p.welcome.patron.id;
      const a = await p.join(`Anonymous question ${word()}`);
      const q = await queuedFrame(p, a.chat);
      assert.equal(q.chat.remembered, false, JSON.stringify(q.chat));
      assert.equal(q.chat.patron, id);
      assert.equal(q.chat.offer, null);
      const qe = await jen.waitFor('queue', (f) => f.queue.some((e) => e.id === a.chat));
      const entry = qe.queue.find((e) => e.id === a.chat);
      assert.equal(entry.remembered, false);
      assert.equal(entry.patron, id);
      assert.equal(entry.offer, null);
      const act = await pick(jen, a.chat);
      assert.equal(act.chat.remembered, false);
      await endChat(jen, a.chat);

      const n = await jenR.post(`/api/v1/patrons/${id}/notes`, { body: 'should not be kept' });
      assert.equal(n.status, 404, n.text);
      assert.equal(n.json.error.code, 'not_found');
      const t = await jenR.post(`/api/v1/patrons/${id}/traits`, { key: 'programme', value: 'BA History' });
      assert.equal(t.status, 404, t.text);
      const fav = await ask(p, { type: 'favourite', staff: jenId, on: true }, (f) => f.type === 'relation');
      assert.equal(fav.type, 'error', `favourite accepted: ${JSON.stringify(fav)}`);
      assert.equal(fav.code, 'not_remembered');
      const pref = await ask(p, { type: 'prefer', staff: jenId }, (f) => f.type === 'relation');
      assert.equal(pref.type, 'error', `prefer accepted: ${JSON.stringify(pref)}`);
      assert.equal(pref.code, 'not_remembered');
      const c = await card(jenR, id);
      assert.equal(c.status, 200, c.text);
      assert.deepEqual(c.json, { patron: { id, remembered: false } });
      const s = await pollUntil(() => jenR.get(`/api/v1/search?q=anonymous&patron=${id}`),
        (r) => r.status !== 200 || r.json.chats.length > 0, 500);
      assert.equal(s.status, 200, s.text);
      assert.deepEqual(s.json.chats, [], 'an anonymous chat in the patron\'s history');
      await p.close();
      const back = keep(await patron(srv, { token: p.token }));
      assert.deepEqual(back.welcome.relation, { remembered: false });
    });
  });

  describe('the card', () => {
    let p; let chat1; let chat2; let id; let q1; let noteId;
    after(async () => { if (p) await p.close(); });
    it('lists the earlier chat with its outcome and rating, a tenure line and an opener', async () => {
      const jen = keep(await staff(srv, JEN));
      keep(await staff(srv, SAM));
      p = await patron(srv); // used by the later tests of this block
      id = p.welcome.patron.id;
      const r = await remember(p, { display_name: 'Ravi Kumar', preferred_name: 'Ravi' });
      assert.equal(r.type, 'relation', JSON.stringify(r));
      q1 = `How do I cite a podcast in APA ${word('p')}?`;
      const a1 = await p.join(q1);
      chat1 = a1.chat;
      const act = await pick(jen, chat1);
      assert.equal(act.chat.remembered, true, 'a remembered patron\'s chat is remembered');
      assert.equal(act.chat.patron, id);
      await jen.say(chat1, 'Author, A. (Host). (2024). Title [Audio podcast].');
      await endChat(jen, chat1);

      for (const bad of ['great', 'ANSWERED', 7]) {
        const o = await jenR.post(`/api/v1/chats/${chat1}/outcome`, { outcome: bad });
        assert.equal(o.status, 400, `outcome ${bad}: ${o.text}`);
      }
      const o = await jenR.post(`/api/v1/chats/${chat1}/outcome`, { outcome: 'answered' });
      assert.equal(o.status, 200, o.text);
      assert.deepEqual(o.json, { ok: true });
      const noCsrf = await jenR.post(`/api/v1/chats/${chat1}/outcome`, { outcome: 'partly' }, { csrf: false });
      assert.equal(noCsrf.status, 403, noCsrf.text);

      const rated = await ask(p, { type: 'rate', chat: chat1, rating: 5 }, (f) => f.type === 'rated');
      assert.deepEqual(rated, { type: 'rated', chat: chat1, rating: 5 });

      const a2 = await p.join('Back again: how about a YouTube video?');
      chat2 = a2.chat;
      await pick(jen, chat2);

      const c = await card(jenR, id, chat2);
      assert.equal(c.status, 200, c.text);
      const k = c.json;
      assert.equal(k.patron.id, id);
      assert.equal(k.patron.remembered, true);
      assert.equal(k.patron.display_name, 'Ravi Kumar');
      assert.equal(k.patron.preferred_name, 'Ravi');
      assert.equal(k.chats.length, 1, `chats: ${JSON.stringify(k.chats)}`);
      const h = k.chats[0];
      assert.equal(h.id, chat1);
      assert.equal(h.question, q1);
      assert.equal(h.staff.id, jenId);
      assert.equal(h.staff.name, jenR.login.body.staff.name);
      assert.equal(h.outcome, 'answered');
      assert.equal(h.rating, 5);
      assert.equal(h.state, 'ended');
      assert.equal(typeof h.created_at, 'number');
      assert.ok(!k.chats.some((x) => x.id === chat2), 'the chat being handled is left out');
      assert.match(k.tenure, /\b1 chat\b/, `tenure: ${k.tenure}`);
      assert.ok(k.opener.includes('Ravi'), `opener: ${k.opener}`);
      // the earlier chat is referred to by its date, never by quoting the patron's words
      assert.match(k.opener, /welcome back! How did it go with what we found for you (on \d{1,2} [A-Z][a-z]+|earlier today)\?/, `opener: ${k.opener}`);
      assert.ok(!k.opener.includes('cite a podcast'), `the opener quotes the earlier question: ${k.opener}`);
      assert.ok(!k.opener.includes('YouTube'), 'the opener quotes the chat being handled');
      assert.deepEqual(k.notes, []);
      // only what the patron gave (by null, e.g. their preferred name): no staff traits yet
      assert.deepEqual(k.traits.filter((t) => t.by !== null), []);
      const presets = k.trait_keys.filter((x) => x.preset).map((x) => x.key).sort();
      assert.deepEqual(presets, ['language', 'preferred_name', 'programme', 'pronouns', 'style']);
      for (const tk of k.trait_keys) assert.ok(tk.label.length > 0, JSON.stringify(tk));
      assert.equal(k.preferred_staff, null);
      assert.deepEqual(k.favourites, []);
      await endChat(jen, chat2);
    });

    it('rate: 1 to 5, only one\'s own ended chats', async () => {
      assert.ok(chat2, 'needs the previous test');
      for (const bad of [0, 6, 2.5, '5']) {
        const e = await ask(p, { type: 'rate', chat: chat1, rating: bad }, (f) => f.type === 'rated');
        assert.equal(e.type, 'error', `rating ${bad}: ${JSON.stringify(e)}`);
      }
      const other = keep(await patron(srv));
      const oe = await ask(other, { type: 'rate', chat: chat1, rating: 1 }, (f) => f.type === 'rated');
      assert.equal(oe.type, 'error', 'another patron rated the chat');
      assert.equal(oe.code, 'not_found');
      const c = await card(jenR, id);
      assert.equal(c.json.chats.find((x) => x.id === chat1).rating, 5, 'the rating changed');
      // an open chat of one's own: the chat exists for them, its state does not allow it
      const a3 = await p.join('Not over yet');
      const ae = await ask(p, { type: 'rate', chat: a3.chat, rating: 4 }, (f) => f.type === 'rated');
      p.send({ type: 'end', chat: a3.chat });
      assert.equal(ae.type, 'error', JSON.stringify(ae));
      assert.equal(ae.code, 'bad_state', 'rating a queued chat of one\'s own');
    });

    it('notes: the author edits, others may not, only admins delete', async () => {
      assert.ok(id, 'needs the previous test');
      const body = `Working on a podcast literature review ${word()}`;
      const n = await jenR.post(`/api/v1/patrons/${id}/notes`, { body });
      assert.equal(n.status, 201, n.text);
      const note = n.json.note;
      noteId = note.id;
      assert.equal(typeof note.id, 'number');
      assert.equal(note.body, body);
      assert.deepEqual(note.author, { id: jenId, name: jenR.login.body.staff.name });
      assert.equal(typeof note.created_at, 'number');
      assert.equal(note.can_edit, true);
      assert.equal(note.can_delete, false, 'a librarian may not delete');

      for (const bad of ['', 'x'.repeat(2001), 'é'.repeat(1000) + 'a']) {
        const r = await jenR.post(`/api/v1/patrons/${id}/notes`, { body: bad });
        assert.equal(r.status, 400, `note of ${Buffer.byteLength(bad)} bytes: ${r.status}`);
      }
      const max = await jenR.post(`/api/v1/patrons/${id}/notes`, { body: 'é'.repeat(1000) });
      assert.equal(max.status, 201, `a note of 2000 bytes: ${max.text.slice(0, 200)}`);
      const noCsrf = await jenR.post(`/api/v1/patrons/${id}/notes`, { body: 'no csrf' }, { csrf: false });
      assert.equal(noCsrf.status, 403, noCsrf.text);
      assert.equal(noCsrf.json.error.code, 'csrf_required');

      const ed = await jenR.post(`/api/v1/notes/${noteId}`, { body: `${body} (edited)` });
      assert.equal(ed.status, 200, ed.text);
      assert.equal(ed.json.note.body, `${body} (edited)`);
      assert.equal(ed.json.note.id, noteId);
      assert.ok(ed.json.note.updated_at >= note.created_at);

      const samEd = await samR.post(`/api/v1/notes/${noteId}`, { body: 'Sam rewrites it' });
      assert.equal(samEd.status, 404, `edit by someone else: ${samEd.text}`);
      const jenDel = await jenR.post(`/api/v1/notes/${noteId}/delete`);
      assert.equal(jenDel.status, 403, jenDel.text);
      assert.equal(jenDel.json.error.code, 'forbidden');

      const c = await card(samR, id);
      const seen = c.json.notes.find((x) => x.id === noteId);
      assert.ok(seen, 'note on the card');
      assert.equal(seen.body, `${body} (edited)`, 'edited by the author only');
      assert.equal(seen.can_edit, false, 'Sam is not the author');
      assert.equal(seen.can_delete, true, 'Sam is an admin');
      assert.equal(c.json.notes[0].id, max.json.note.id, 'newest first');

      const del = await samR.post(`/api/v1/notes/${noteId}/delete`);
      assert.equal(del.status, 200, del.text);
      assert.deepEqual(del.json, { ok: true });
      const c2 = await card(jenR, id);
      assert.ok(!c2.json.notes.some((x) => x.id === noteId), 'deleted note still on the card');
      const again = await samR.post(`/api/v1/notes/${noteId}/delete`);
      assert.equal(again.status, 404, again.text);
      const edGone = await jenR.post(`/api/v1/notes/${noteId}`, { body: 'edit a deleted note' });
      assert.equal(edGone.status, 404, edGone.text);
      // keep one note for the scoping tests
      const keepNote = await jenR.post(`/api/v1/patrons/${id}/notes`, { body: 'kept note' });
      assert.equal(keepNote.status, 201);
      noteId = keepNote.json.note.id;
    });

    it('traits: preset keys, the library\'s own keys, empty value removes', async () => {
      assert.ok(id, 'needs the first card test');
      const t = await jenR.post(`/api/v1/patrons/${id}/traits`, { key: 'programme', value: 'BSc Nursing' });
      assert.equal(t.status, 200, t.text);
      assert.deepEqual(t.json, { ok: true });
      const st = await jenR.post(`/api/v1/patrons/${id}/traits`, { key: 'style', value: 'detail-oriented' });
      assert.equal(st.status, 200, st.text);
      let c = await card(jenR, id);
      const prog = c.json.traits.find((x) => x.key === 'programme');
      assert.ok(prog, JSON.stringify(c.json.traits));
      assert.equal(prog.value, 'BSc Nursing');
      assert.ok(prog.label.length > 0);
      assert.equal(prog.by.id, jenId);
      assert.equal(typeof prog.updated_at, 'number');
      assert.equal(c.json.traits.find((x) => x.key === 'style').value, 'detail-oriented');

      const key = word('k').slice(0, 12);
      const unknown = await jenR.post(`/api/v1/patrons/${id}/traits`, { key, value: '42' });
      assert.equal(unknown.status, 400, unknown.text);
      assert.equal(unknown.json.error.code, 'bad_request');

      // custom keys: admins only, then usable
      const byLib = await jenR.post('/api/v1/trait-keys', { key, label: 'Shoe size' });
      assert.equal(byLib.status, 403, byLib.text);
      for (const bad of ['Shoe Size', 'shoe-size', '', 'x'.repeat(32)]) {
        const r = await samR.post('/api/v1/trait-keys', { key: bad, label: 'Bad' });
        assert.equal(r.status, 400, `key ${JSON.stringify(bad)}: ${r.text}`);
      }
      const add = await samR.post('/api/v1/trait-keys', { key, label: 'Shoe size' });
      assert.equal(add.status, 200, add.text);
      const keys = await jenR.get('/api/v1/trait-keys');
      assert.equal(keys.status, 200, keys.text);
      assert.deepEqual(keys.json.trait_keys.find((x) => x.key === key), { key, label: 'Shoe size', preset: false });
      assert.ok(keys.json.trait_keys.some((x) => x.key === 'programme' && x.preset === true));
      const set = await jenR.post(`/api/v1/patrons/${id}/traits`, { key, value: '42' });
      assert.equal(set.status, 200, set.text);
      c = await card(jenR, id);
      const custom = c.json.traits.find((x) => x.key === key);
      assert.ok(custom, JSON.stringify(c.json.traits));
      assert.equal(custom.value, '42');
      assert.equal(custom.label, 'Shoe size');
      assert.ok(c.json.trait_keys.some((x) => x.key === key && x.preset === false));

      // an empty value removes the trait
      const rm = await jenR.post(`/api/v1/patrons/${id}/traits`, { key: 'programme', value: '' });
      assert.equal(rm.status, 200, rm.text);
      c = await card(jenR, id);
      assert.ok(!c.json.traits.some((x) => x.key === 'programme'), 'programme still there');
      assert.ok(c.json.traits.some((x) => x.key === key), 'other traits stay');

      // an empty label removes the library's key; it can no longer be set
      const rmKey = await samR.post('/api/v1/trait-keys', { key, label: '' });
      assert.equal(rmKey.status, 200, rmKey.text);
      const keys2 = await jenR.get('/api/v1/trait-keys');
      assert.ok(!keys2.json.trait_keys.some((x) => x.key === key));
      const gone = await jenR.post(`/api/v1/patrons/${id}/traits`, { key, value: '43' });
      assert.equal(gone.status, 400, gone.text);
    });

    it('each card view is audited for admins, without content', async () => {
      assert.ok(id, 'needs the first card test');
      const path = `/api/v1/audit/card-views?patron=${id}`;
      const a0 = await samR.get(path);
      assert.equal(a0.status, 200, a0.text);
      await new Promise((r) => setTimeout(r, 100)); // earlier views: stamped before t0
      const t0 = Date.now();
      await card(jenR, id);
      await card(jenR, id, chat2);
      const mine = (r) => r.json.views.filter((v) => v.at >= t0);
      const a1 = await pollUntil(() => samR.get(path), (r) => r.status === 200 && mine(r).length >= 2);
      assert.equal(mine(a1).length, 2, 'one row per card GET');
      for (const v of a1.json.views.slice(0, 2)) {
        assert.deepEqual(Object.keys(v).sort(), ['at', 'patron', 'staff']);
        assert.deepEqual(v.staff, { id: jenId, name: jenR.login.body.staff.name });
        assert.equal(v.patron, id);
        assert.ok(v.at >= t0 && v.at <= Date.now() + 1000, `at ${v.at}`);
      }
      const ats = a1.json.views.map((v) => v.at);
      assert.deepEqual(ats, [...ats].sort((x, y) => y - x), 'newest first');
      for (const s of [q1, 'kept note', 'Ravi']) assert.ok(!a1.text.includes(s), `audit shows ${s}`);
      const all = await samR.get('/api/v1/audit/card-views');
      assert.equal(all.status, 200);
      assert.ok(all.json.views.some((v) => v.patron === id));
      const lib = await jenR.get(path);
      assert.equal(lib.status, 403, `a librarian reads the audit: ${lib.text}`);
      const anon = await request(srv.port, { path });
      assert.equal(anon.status, 401);
      const unauthCard = await request(srv.port, { path: `/api/v1/patrons/${id}/card` });
      assert.equal(unauthCard.status, 401);
      assert.ok(!unauthCard.text.includes('Ravi'));
      const patronCard = await request(srv.port, { path: `/api/v1/patrons/${id}/card`,
        headers: { Authorization: `Bearer ${p.token}` } });
      assert.notEqual(patronCard.status, 200, 'a patron reads their staff card');
      assert.ok(!patronCard.text.includes('kept note'));
    });

    it('staff of another library see none of it', async () => {
      assert.ok(id && noteId, 'needs the earlier card tests');
      const missing = id + 1000000;
      const xc = await card(xR, id);
      const xm = await card(xR, missing);
      assert.equal(xc.status, 404, xc.text);
      assert.equal(xc.json.error.code, 'not_found');
      assert.deepEqual(xc.json, xm.json, 'the same as a patron who does not exist');
      assert.ok(!xc.text.includes('Ravi'));
      assert.equal((await card(yR, id)).status, 404, 'the other library\'s admin');

      const writes = [
        [xR, `/api/v1/patrons/${id}/notes`, { body: 'from the other library' }],
        [xR, `/api/v1/patrons/${id}/traits`, { key: 'programme', value: 'Other' }],
        [xR, `/api/v1/notes/${noteId}`, { body: 'other edits' }],
        [yR, `/api/v1/notes/${noteId}`, { body: 'other admin edits' }],
        [yR, `/api/v1/notes/${noteId}/delete`, {}],
        [xR, `/api/v1/chats/${chat1}/outcome`, { outcome: 'unanswered' }],
        [yR, `/api/v1/chats/${chat1}/outcome`, { outcome: 'unanswered' }],
      ];
      for (const [who, path, body] of writes) {
        const r = await who.post(path, body);
        assert.equal(r.status, 404, `${who.login.body.staff.email} POST ${path}: ${r.status} ${r.text}`);
      }
      const k = await card(jenR, id);
      assert.ok(k.json.notes.some((x) => x.id === noteId && x.body === 'kept note'), 'note changed');
      assert.ok(!k.json.traits.some((x) => x.value === 'Other'));
      assert.equal(k.json.chats.find((x) => x.id === chat1).outcome, 'answered', 'outcome changed');

      const audit = await yR.get(`/api/v1/audit/card-views?patron=${id}`);
      assert.ok(audit.status === 404 || (audit.status === 200 && audit.json.views.length === 0),
        `other admin sees demo card views: ${audit.text}`);
      const auditAll = await yR.get('/api/v1/audit/card-views');
      assert.equal(auditAll.status, 200);
      assert.ok(!auditAll.json.views.some((v) => v.patron === id));

      // and the other way round: a remembered patron of the other library
      const op = keep(await patron(srv, { library: 'other' }));
      assert.equal(op.welcome.library.slug, 'other');
      const r = await remember(op, { display_name: 'Otto Other' });
      assert.equal(r.type, 'relation', JSON.stringify(r));
      const oc = await card(jenR, op.welcome.patron.id);
      assert.equal(oc.status, 404, oc.text);
      assert.ok(!oc.text.includes('Otto'));
      const xo = await card(xR, op.welcome.patron.id);
      assert.equal(xo.status, 200, xo.text);
      assert.equal(xo.json.patron.display_name, 'Otto Other');
      // a demo patron cannot favour or prefer a librarian of another library
      const xid = xR.login.body.staff.id;
      const fav = await ask(p, { type: 'favourite', staff: xid, on: true }, (f) => f.type === 'relation');
      assert.equal(fav.type, 'error', JSON.stringify(fav));
      const pref = await ask(p, { type: 'prefer', staff: xid }, (f) => f.type === 'relation');
      assert.equal(pref.type, 'error', JSON.stringify(pref));
      const k2 = await card(jenR, id);
      assert.deepEqual(k2.json.favourites, []);
      assert.equal(k2.json.preferred_staff, null);
    });
  });

  describe('search', () => {
    const K = word('kw');
    const M = word('mar');
    let s1; let s2; let s3; let sr; let so; let anonId; let remId;
    const search = (rest, qs) => rest.get(`/api/v1/search?${qs}`);
    const ids = (r) => r.json.chats.map((c) => c.id);

    it('finds ended chats of the library by their words, newest first', async () => {
      const jen = keep(await staff(srv, JEN));
      const x = keep(await staff(srv, XAV.email, XAV.password));
      const anon = keep(await patron(srv));
      anonId = anon.welcome.patron.id;
      s1 = (await anon.join(`${K} habitat survey`)).chat;
      await pick(jen, s1);
      await endChat(jen, s1);
      s2 = (await anon.join(`${K} diet study`)).chat;
      await pick(jen, s2);
      await jen.say(s2, `Try the journal ${M} for that.`);
      await endChat(jen, s2);
      s3 = (await anon.join(`${K} open question`)).chat;
      await pick(jen, s3);
      const op = keep(await patron(srv, { library: 'other' }));
      so = (await op.join(`${K} in the other library`)).chat;
      await pick(x, so);
      await endChat(x, so);

      const r = await pollUntil(() => search(jenR, `q=${K}`), (x_) => count(x_) >= 2);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(ids(r), [s2, s1], 'ended demo chats, newest first (no open chat, no other library)');
      const first = r.json.chats[0];
      assert.equal(first.question, `${K} diet study`);
      assert.equal(first.state, 'ended');
      assert.equal(first.staff.id, jenId);

      // words anywhere in the chat, not only the question
      const m = await search(jenR, `q=${M}`);
      assert.deepEqual(ids(m), [s2]);
      // every word must occur, as a whole word (no prefix matching: docs/DECISIONS.md)
      assert.deepEqual(ids(await search(jenR, `q=${K}+habitat`)), [s1]);
      assert.deepEqual(ids(await search(jenR, `q=${K}+diet`)), [s2]);
      assert.deepEqual(ids(await search(jenR, `q=${K}+hab`)), [], 'a part of a word does not match');
      assert.deepEqual(ids(await search(jenR, `q=hab+${K}`)), [], 'nor when it is not last');
      assert.deepEqual(ids(await search(jenR, `q=${K}+elephant`)), []);
      assert.deepEqual(ids(await search(jenR, `q=${K.toUpperCase()}`)), [s2, s1], 'case-insensitive');
      // paging
      assert.deepEqual(ids(await search(jenR, `q=${K}&limit=1`)), [s2]);
      assert.deepEqual(ids(await search(jenR, `q=${K}&before=${s2}`)), [s1]);

      // the open chat becomes searchable when it ends
      await endChat(jen, s3);
      const r3 = await pollUntil(() => search(jenR, `q=${K}`), (x_) => count(x_) >= 3);
      assert.deepEqual(ids(r3), [s3, s2, s1]);

      // the other library's staff find only their own chat
      const xs = await pollUntil(() => search(xR, `q=${K}`), (x_) => count(x_) >= 1);
      assert.deepEqual(ids(xs), [so], 'search crosses libraries');
      assert.ok(!JSON.stringify(r3.json).includes('other library'));
    });

    it('treats quotes and operators as text', async () => {
      assert.ok(s2, 'needs the previous test');
      const cases = [
        [`"${K}"`, [s3, s2, s1]],
        [`"${K} diet"`, [s2]],
        [`${K} OR elephant`, []],
        [`${K} NOT diet`, []],
        [`${K} AND diet`, []],
        [`${K} -diet`, [s2]],
        [`${K} NEAR(diet)`, []],
        [`question:${K}`, []], // no chat has "question" right before K
        [`diet ${K}*`, [s2]],
        [`${K}'`, [s3, s2, s1]],
        [`(${K}`, [s3, s2, s1]],
        [`${K} ^diet`, [s2]],
        [`{${K}} + diet`, [s2]],
        [`${K} "unbalanced`, []],
        [`${K}; DROP TABLE chats; --`, []],
      ];
      for (const [q, want] of cases) {
        const r = await search(jenR, `q=${encodeURIComponent(q)}`);
        assert.equal(r.status, 200, `q=${q}: ${r.status} ${r.text}`);
        assert.deepEqual(ids(r), want, `q=${q}`);
      }
      for (const q of ['', '   ', '"*()', '-', '""', '* : ^']) {
        const r = await search(jenR, `q=${encodeURIComponent(q)}`);
        assert.equal(r.status, 400, `q=${JSON.stringify(q)}: ${r.status} ${r.text}`);
        assert.equal(r.json.error.code, 'bad_request');
      }
      const none = await jenR.get('/api/v1/search');
      assert.equal(none.status, 400, none.text);
      const anon = await request(srv.port, { path: `/api/v1/search?q=${K}` });
      assert.equal(anon.status, 401);
      assert.ok(!anon.text.includes('diet'));
      // still serving
      assert.equal((await search(jenR, `q=${K}`)).status, 200);
    });

    it('patron= restricts to that patron\'s remembered history', async () => {
      assert.ok(s2, 'needs the first search test');
      const jen = keep(await staff(srv, JEN));
      const p = keep(await patron(srv));
      remId = p.welcome.patron.id;
      const r = await remember(p, { display_name: 'Searchable' });
      assert.equal(r.type, 'relation');
      sr = (await p.join(`${K} remembered question`)).chat;
      await pick(jen, sr);
      await endChat(jen, sr);
      const all = await pollUntil(() => search(jenR, `q=${K}`), (x) => count(x) >= 4);
      assert.deepEqual(ids(all), [sr, s3, s2, s1]);
      assert.deepEqual(ids(await search(jenR, `q=${K}&patron=${remId}`)), [sr]);
      assert.deepEqual(ids(await search(jenR, `q=${K}&patron=${anonId}`)), [],
        'an anonymous patron has no remembered history');
      const ox = await search(xR, `q=${K}&patron=${remId}`);
      assert.ok(ox.status === 404 || (ox.status === 200 && ox.json.chats.length === 0), ox.text);
      // after forget, their history is no longer linked to them
      const f = await ask(p, { type: 'forget' }, (x) => x.type === 'relation');
      assert.deepEqual(f.relation, { remembered: false });
      const gone = await pollUntil(() => search(jenR, `q=${K}&patron=${remId}`), (x) => count(x) === 0);
      assert.deepEqual(ids(gone), []);
    });
  });

  describe('continuity routing', () => {
    const offerOf = (f) => f.chat.offer;

    it('a returning patron is offered to the librarian who helped them', async () => {
      const jen = keep(await staff(srv, JEN));
      const sam = keep(await staff(srv, SAM));
      const { p } = await rememberedWithHistory(srv, jen);
      keep(p);
      const a = await p.join('Back again about my thesis');
      const q = await queuedFrame(p, a.chat);
      const o = offerOf(q);
      assert.ok(o, `no offer: ${JSON.stringify(q.chat)}`);
      assert.equal(o.staff.id, jenId);
      assert.equal(o.staff.name, jenR.login.body.staff.name);
      for (const f of ['pronouns', 'subjects', 'bio', 'photo']) assert.ok(f in o.staff, `offer.staff.${f}`);
      assert.equal(o.why, 'helped');
      const window_ = o.until - q.chat.created_at;
      assert.ok(window_ > 28000 && window_ <= 31000, `until ${window_} ms after the join, expected 30 s`);
      assert.equal(q.chat.remembered, true);
      for (const st of [jen, sam]) {
        const qf = await st.waitFor('queue', (f) => f.queue.some((e) => e.id === a.chat && e.offer));
        const e = qf.queue.find((x) => x.id === a.chat);
        assert.deepEqual(e.offer.staff, { id: jenId, name: jenR.login.body.staff.name });
        assert.equal(e.offer.why, 'helped');
        assert.equal(e.offer.until, o.until);
        assert.equal(e.remembered, true);
        assert.equal(e.patron, p.welcome.patron.id);
      }
      sam.send({ type: 'pick', chat: a.chat });
      const e = await sam.waitFor('error', (f) => f.ref === 'pick');
      assert.equal(e.code, 'offered', JSON.stringify(e));
      const act = await pick(jen, a.chat);
      assert.equal(act.chat.staff.id, jenId);
      await p.waitFor('msg', (f) => f.chat === a.chat && f.event === 'joined' && f.name === jenR.login.body.staff.name);
      await endChat(jen, a.chat);
    });

    it('the offer ends at once when that librarian goes off duty', async () => {
      const jen = keep(await staff(srv, JEN));
      const sam = keep(await staff(srv, SAM));
      const { p } = await rememberedWithHistory(srv, jen);
      keep(p);
      const a = await p.join('Jen, are you there?');
      const q = await queuedFrame(p, a.chat);
      assert.equal(q.chat.offer && q.chat.offer.staff.id, jenId, JSON.stringify(q.chat));
      await jen.close();
      const open = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.offer === null, 2000);
      assert.equal(open.chat.state, 'queued');
      const act = await pick(sam, a.chat);
      assert.equal(act.chat.staff.id, samId);
      await endChat(sam, a.chat);
    });

    it('choose first opens the chat to everyone', async () => {
      const jen = keep(await staff(srv, JEN));
      const sam = keep(await staff(srv, SAM));
      const { p } = await rememberedWithHistory(srv, jen);
      keep(p);
      const a = await p.join('Anyone is fine');
      const q = await queuedFrame(p, a.chat);
      assert.equal(q.chat.offer && q.chat.offer.staff.id, jenId);
      const c = await ask(p, { type: 'choose', chat: a.chat, choice: 'first' },
        (f) => f.type === 'chat' && f.chat.id === a.chat && f.chat.offer === null);
      assert.equal(c.type, 'chat', JSON.stringify(c));
      assert.equal(c.chat.offer, null);
      await sam.waitFor('queue', (f) => f.queue.some((e) => e.id === a.chat && e.offer === null));
      await pick(sam, a.chat);
      await endChat(sam, a.chat);
    });

    it('choose staff offers the chat to the librarian asked for, with no time limit', async () => {
      const jen = keep(await staff(srv, JEN));
      const sam = keep(await staff(srv, SAM));
      const { p } = await rememberedWithHistory(srv, jen);
      keep(p);
      const a = await p.join('Could Sam help me?');
      await queuedFrame(p, a.chat);
      // only a librarian of the library who is on now
      for (const staffId of [leeId, xR.login.body.staff.id, 999999]) {
        const e = await ask(p, { type: 'choose', chat: a.chat, choice: 'staff', staff: staffId },
          (f) => f.type === 'chat' && f.chat.id === a.chat && f.chat.offer && f.chat.offer.staff.id === staffId);
        assert.equal(e.type, 'error', `choose ${staffId}: ${JSON.stringify(e)}`);
        assert.equal(e.code, 'not_found');
      }
      const c = await ask(p, { type: 'choose', chat: a.chat, choice: 'staff', staff: samId },
        (f) => f.type === 'chat' && f.chat.id === a.chat && f.chat.offer && f.chat.offer.staff.id === samId);
      assert.equal(c.type, 'chat', JSON.stringify(c));
      assert.equal(c.chat.offer.staff.id, samId);
      assert.equal(c.chat.offer.why, 'asked');
      assert.equal(c.chat.offer.until, 0);
      const qf = await jen.waitFor('queue', (f) => f.queue.some((e) => e.id === a.chat && e.offer
        && e.offer.staff.id === samId));
      assert.equal(qf.queue.find((e) => e.id === a.chat).offer.why, 'asked');
      jen.send({ type: 'pick', chat: a.chat });
      assert.equal((await jen.waitFor('error', (f) => f.ref === 'pick')).code, 'offered');
      await pick(sam, a.chat);
      await endChat(sam, a.chat);
    });

    it('join with staff: asked for at once; a librarian who is not on is not_found', async () => {
      const jen = keep(await staff(srv, JEN));
      const sam = keep(await staff(srv, SAM));
      const { p } = await rememberedWithHistory(srv, jen);
      keep(p);
      const queue = queueId(p.welcome);
      const before_ = await request(srv.port, { path: '/api/v1/chats', headers: { Authorization: `Bearer ${p.token}` } });
      for (const staffId of [leeId, xR.login.body.staff.id]) {
        const cm = cmid('join');
        p.send({ type: 'join', queue, cmid: cm, text: 'Lee please', staff: staffId });
        const e = await p.answer(cm);
        assert.equal(e.type, 'error', JSON.stringify(e));
        assert.equal(e.code, 'not_found');
      }
      const after_ = await request(srv.port, { path: '/api/v1/chats', headers: { Authorization: `Bearer ${p.token}` } });
      assert.equal(after_.json.chats.length, before_.json.chats.length, 'a refused join opened a chat');

      const cm = cmid('join');
      p.send({ type: 'join', queue, cmid: cm, text: 'Sam please', staff: samId });
      const a = await p.answer(cm);
      assert.equal(a.type, 'ack', JSON.stringify(a));
      const q = await queuedFrame(p, a.chat);
      assert.equal(q.chat.offer && q.chat.offer.staff.id, samId, JSON.stringify(q.chat));
      assert.equal(q.chat.offer.why, 'asked');
      assert.equal(q.chat.offer.until, 0);
      jen.send({ type: 'pick', chat: a.chat });
      assert.equal((await jen.waitFor('error', (f) => f.ref === 'pick')).code, 'offered');
      await pick(sam, a.chat);
      await endChat(sam, a.chat);
    });

    it('a preferred librarian is offered first; then the one who helped', async () => {
      const jen = keep(await staff(srv, JEN));
      let sam = keep(await staff(srv, SAM));
      const { p } = await rememberedWithHistory(srv, jen);
      keep(p);
      const r = await ask(p, { type: 'prefer', staff: samId }, (f) => f.type === 'relation');
      assert.equal(r.type, 'relation', JSON.stringify(r));
      assert.equal(r.relation.preferred_staff, samId);
      const a = await p.join('For my preferred librarian');
      const q = await queuedFrame(p, a.chat);
      assert.equal(q.chat.offer && q.chat.offer.staff.id, samId, JSON.stringify(q.chat));
      assert.equal(q.chat.offer.why, 'preferred');
      assert.ok(q.chat.offer.until > q.chat.created_at, 'a preferred offer lapses');
      // Sam goes off: Jen, who helped before, gets it
      await sam.close();
      const next = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.offer
        && f.chat.offer.staff.id === jenId, 2000);
      assert.equal(next.chat.offer.why, 'helped');
      await pick(jen, a.chat);
      await endChat(jen, a.chat);
      sam = keep(await staff(srv, SAM));
      // favourites and clearing the preference
      const fav = await ask(p, { type: 'favourite', staff: samId, on: true }, (f) => f.type === 'relation');
      assert.deepEqual(fav.relation.favourites, [samId]);
      const unfav = await ask(p, { type: 'favourite', staff: samId, on: false }, (f) => f.type === 'relation');
      assert.deepEqual(unfav.relation.favourites || [], []);
      const clear = await ask(p, { type: 'prefer', staff: 0 }, (f) => f.type === 'relation');
      assert.equal(clear.type, 'relation');
      assert.ok(!clear.relation.preferred_staff, JSON.stringify(clear.relation));
      const a2 = await p.join('No preference now');
      const q2 = await queuedFrame(p, a2.chat);
      assert.equal(q2.chat.offer && q2.chat.offer.staff.id, jenId, 'the helper, not Sam');
      await pick(jen, a2.chat);
      await endChat(jen, a2.chat);
    });

    it('wrong choices are refused', async () => {
      const jen = keep(await staff(srv, JEN));
      keep(await staff(srv, SAM));
      const anon = keep(await patron(srv));
      const a = await anon.join('no offer here');
      const q = await queuedFrame(anon, a.chat);
      assert.equal(q.chat.offer, null, 'an anonymous patron\'s chat is open to all');
      const w = await ask(anon, { type: 'choose', chat: a.chat, choice: 'wait' }, (f) => f.type === 'chat' && f.chat.id === a.chat);
      assert.equal(w.type, 'error', `wait without an offer: ${JSON.stringify(w)}`);
      assert.equal(w.code, 'bad_state');
      const other = keep(await patron(srv));
      const nf = await ask(other, { type: 'choose', chat: a.chat, choice: 'first' }, (f) => f.type === 'chat' && f.chat.id === a.chat);
      assert.equal(nf.type, 'error');
      assert.equal(nf.code, 'not_found', 'choose on another patron\'s chat');
      const bad = await ask(anon, { type: 'choose', chat: a.chat, choice: 'soonest' }, (f) => f.type === 'chat' && f.chat.id === a.chat);
      assert.equal(bad.type, 'error');
      await pick(jen, a.chat);
      const st = await ask(anon, { type: 'choose', chat: a.chat, choice: 'first' }, (f) => f.type === 'chat' && f.chat.id === a.chat && f.chat.state === 'queued');
      assert.equal(st.type, 'error', JSON.stringify(st));
      assert.equal(st.code, 'bad_state', 'choose on an active chat');
      await endChat(jen, a.chat);
    });

    it('forgetting ends continuity offers', async () => {
      const jen = keep(await staff(srv, JEN));
      keep(await staff(srv, SAM));
      const { p } = await rememberedWithHistory(srv, jen);
      keep(p);
      await ask(p, { type: 'forget' }, (f) => f.type === 'relation');
      const r = await remember(p, { display_name: 'Again' });
      assert.equal(r.relation.remembered, true);
      const a = await p.join('Do you remember me?');
      const q = await queuedFrame(p, a.chat);
      assert.equal(q.chat.offer, null, `offered after forget: ${JSON.stringify(q.chat.offer)}`);
      await pick(jen, a.chat);
      await endChat(jen, a.chat);
    });

    it('the continuity report counts returning and continued chats', async () => {
      const path = '/api/v1/reports/continuity';
      const r0 = await samR.get(path);
      assert.equal(r0.status, 200, r0.text);
      for (const k of ['since', 'until', 'returning', 'continued']) assert.equal(typeof r0.json[k], 'number', k);
      assert.ok(r0.json.until - r0.json.since >= 29 * 86400000, 'default window of 30 days');
      const jen = keep(await staff(srv, JEN));
      const sam = keep(await staff(srv, SAM));
      const { p } = await rememberedWithHistory(srv, jen); // first chat: not returning
      keep(p);
      const a2 = await p.join('second: Jen again');
      await queuedFrame(p, a2.chat);
      await pick(jen, a2.chat); // returning, continued
      await endChat(jen, a2.chat);
      const a3 = await p.join('third: whoever is free');
      await queuedFrame(p, a3.chat);
      const ch = await ask(p, { type: 'choose', chat: a3.chat, choice: 'first' },
        (f) => f.type === 'chat' && f.chat.id === a3.chat && f.chat.offer === null);
      assert.equal(ch.type, 'chat', JSON.stringify(ch));
      await pick(sam, a3.chat); // returning, not continued: Sam had not helped them
      await endChat(sam, a3.chat);
      const anon = keep(await patron(srv));
      const a4 = await anon.join('anonymous: never counted');
      await pick(sam, a4.chat);
      await endChat(sam, a4.chat);
      const r1 = await pollUntil(() => samR.get(path), (x) => x.status === 200 && x.json.returning >= r0.json.returning + 2);
      assert.equal(r1.json.returning, r0.json.returning + 2, `returning ${JSON.stringify([r0.json, r1.json])}`);
      assert.equal(r1.json.continued, r0.json.continued + 1, `continued ${JSON.stringify([r0.json, r1.json])}`);
      assert.ok(Math.abs(r1.json.rate - r1.json.continued / r1.json.returning) < 0.01, `rate ${r1.json.rate}`);
      assert.notEqual(r1.json.rate, null);
      const week = await samR.get(`${path}?days=7`);
      assert.equal(week.status, 200, week.text);
      assert.ok(week.json.until - week.json.since <= 7 * 86400000 + 1000);
      assert.equal(week.json.returning, r1.json.returning, 'all of today is in the last 7 days');
      // another library's report does not count demo's chats
      const other = await yR.get(path);
      assert.equal(other.status, 200, other.text);
      assert.equal(other.json.returning, 0);
      assert.equal(other.json.rate, null, 'no returning chats: rate null');
    });
  });
});

describe('continuity routing with a short offer window', () => {
  const srv = relServer(['--offer-window', '1']);
  let jenId;
  before(async () => {
    await srv.boot();
    jenId = (await login(srv.port, JEN)).body.staff.id;
  });
  after(async () => { await stopAndCheck(srv, assert); });
  const keep = tracker();

  it('the offer lapses after the window and anyone may pick', async () => {
    const jen = keep(await staff(srv, JEN));
    const sam = keep(await staff(srv, SAM));
    const { p } = await rememberedWithHistory(srv, jen);
    keep(p);
    const a = await p.join('Is Jen around?');
    const q = await queuedFrame(p, a.chat);
    assert.equal(q.chat.offer && q.chat.offer.staff.id, jenId, JSON.stringify(q.chat));
    const w = q.chat.offer.until - q.chat.created_at;
    assert.ok(w > 500 && w <= 1500, `until ${w} ms after the join, expected 1 s`);
    const lapsed = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.offer === null, 4000);
    assert.equal(lapsed.chat.state, 'queued');
    assert.ok(Date.now() >= q.chat.offer.until - 50, 'lapsed before its time');
    await sam.waitFor('queue', (f) => f.queue.some((e) => e.id === a.chat && e.offer === null), 2000);
    const act = await pick(sam, a.chat);
    assert.equal(act.chat.staff.name, sam.welcome.staff.name);
    await endChat(sam, a.chat);
  });

  it('choose wait keeps the offer past the window', async () => {
    const jen = keep(await staff(srv, JEN));
    const sam = keep(await staff(srv, SAM));
    const { p } = await rememberedWithHistory(srv, jen);
    keep(p);
    const a = await p.join('I will wait for Jen');
    const q = await queuedFrame(p, a.chat);
    assert.equal(q.chat.offer && q.chat.offer.staff.id, jenId, JSON.stringify(q.chat));
    const c = await ask(p, { type: 'choose', chat: a.chat, choice: 'wait' },
      (f) => f.type === 'chat' && f.chat.id === a.chat);
    assert.equal(c.type, 'chat', JSON.stringify(c));
    assert.equal(c.chat.offer.staff.id, jenId);
    assert.equal(c.chat.offer.until, 0, 'no time limit after wait');
    await assertNone(assert, p, (f) => f.type === 'chat' && f.chat.id === a.chat && f.chat.offer === null,
      2200, 'the offer lapsed although the patron chose to wait');
    sam.send({ type: 'pick', chat: a.chat });
    assert.equal((await sam.waitFor('error', (f) => f.ref === 'pick')).code, 'offered');
    await pick(jen, a.chat);
    await endChat(jen, a.chat);
  });
});
