// Who may do what, by role and by library: the matrix is written from the documentation
// (docs/API.md, per route; docs/PROTOCOL.md, "Who may see what"), never from the route
// table, so a route whose flags in src/api/routes.c disagree with the docs fails here.
// Roles: librarian < supervisor < admin < consortium_admin, each including the one before.
// Libraries: demo and north share the consortium "metro"; solo is alone. Every {id} route
// is asked for demo's records by north's and solo's admins: it must answer exactly like a
// missing record. Every refused POST is followed by a re-read proving nothing changed.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, SAM, JEN, PASSWORD, serverForSuite, staff, login, staffRest, request, patron, activeChat,
  ask, addLibrary, addStaff, runCli, remember, pollUntil, loadFrameSchemas, commandErrors, cmid, staffWs,
} from './lib.mjs';

const SUE = { email: 'sue@demo.library', name: 'Sue Park', role: 'supervisor', password: PASSWORD };
const CORA = { email: 'cora@demo.library', name: 'Cora Ames', role: 'consortium_admin', password: PASSWORD };
const LEE = { email: 'lee@demo.library', name: 'Lee Chan', role: 'librarian', password: PASSWORD };
const NADIA = { email: 'nadia@north.example', name: 'Nadia Roy', role: 'admin', password: PASSWORD };
const NIA = { email: 'nia@north.example', name: 'Nia Osei', role: 'librarian', password: PASSWORD };
const OLA = { email: 'ola@solo.example', name: 'Ola Berg', role: 'admin', password: PASSWORD };
const MISSING = 999999;
const DAY = 86400000;
const RANK = { librarian: 0, supervisor: 1, admin: 2, consortium_admin: 3 };
const NEED = { staff: 0, supervisor: 1, admin: 2, consortium: 3 };

function cli(args) {
  const r = runCli(args);
  if (r.status !== 0) throw new Error(`rapport ${args.join(' ')}: ${r.out}`);
}

/** "METHOD /path/{id}" of every route docs/API.md names (as routes.test.mjs reads them). */
function docRoutes() {
  const text = readFileSync(join(ROOT, 'docs', 'API.md'), 'utf8');
  const set = new Set();
  for (const m of text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) +(\/[^`\s?[]*)/g)) set.add(routeKey(m[1], m[2]));
  return [...set].sort();
}
function routeKey(method, path) { return `${method} ${path.split('?')[0].replace(/\{[^}]*\}/g, '{id}')}`; }

// ---------------------------------------------------------------- the documented matrix
// need: the least role (open, staff, supervisor, admin, consortium). rec(caller): a record
// rule of the docs overriding a pass ('forbidden' 403, 'hidden' 404 as missing, 'denied'
// 403 or 404). foreign: the body names a demo record (other libraries: as missing).
// snap: what a refused call must leave as it was. consumes: the first allowed caller may
// use the record up (later ones may get 404). may404: the docs allow 404 to allowed callers.
const byName = (...names) => (c) => (names.includes(c.name) ? null : 'hidden');
const ownerOrAdmin = (c) => (c.rank >= RANK.admin ? null : 'forbidden'); // owner: Sam, an admin
const photo = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really')]);
const ROUTES = [
  { m: 'GET', p: '/healthz', need: 'open' },
  { m: 'POST', p: '/api/v1/login', need: 'open', body: {} },
  { m: 'POST', p: '/api/v1/logout', need: 'staff', fresh: true },
  { m: 'GET', p: '/api/v1/me', need: 'staff' },
  { m: 'GET', p: '/api/v1/colleagues', need: 'staff' },
  { m: 'GET', p: '/api/v1/chats', need: 'staff' },
  { m: 'GET', p: '/api/v1/chats/{chat}', need: 'staff' },
  { m: 'POST', p: '/api/v1/chats/{live}/messages', need: 'staff', rec: (c) => (c.name === 'jen' ? null : 'denied'),
    body: (c) => ({ cmid: `roles-${c.name}`, text: `from ${c.name}` }), snap: 'live' },
  { m: 'POST', p: '/api/v1/chats/{chat}/outcome', need: 'staff', snap: 'chat',
    body: (c) => ({ outcome: c.lib === 'demo' ? 'answered' : 'unanswered' }) },
  { m: 'POST', p: '/api/v1/chats/{chat}/followup', need: 'staff', snap: 'followups',
    body: (c) => ({ due_at: Date.now() + DAY, message: `from ${c.name}` }) },
  { m: 'GET', p: '/api/v1/chats/{chat}/handoffs', need: 'staff' },
  { m: 'GET', p: '/api/v1/patrons/{patron}/card', need: 'staff' },
  { m: 'POST', p: '/api/v1/patrons/{patron}/notes', need: 'staff', snap: 'card', body: (c) => ({ body: `by ${c.name}` }) },
  { m: 'POST', p: '/api/v1/notes/{note}', need: 'staff', rec: byName('sam'), snap: 'card',
    body: (c) => ({ body: `edited by ${c.name}` }) },
  { m: 'POST', p: '/api/v1/notes/{note}/delete', need: 'admin', snap: 'card', consumes: true },
  { m: 'POST', p: '/api/v1/patrons/{patron}/traits', need: 'staff', snap: 'card',
    body: (c) => ({ key: 'programme', value: `by ${c.name}` }) },
  { m: 'GET', p: '/api/v1/trait-keys', need: 'staff' },
  { m: 'POST', p: '/api/v1/trait-keys', need: 'admin', snap: 'traitKeys', body: (c) => ({ key: `k_${c.name}`, label: `By ${c.name}` }) },
  { m: 'GET', p: '/api/v1/search?q=citations', need: 'staff' },
  { m: 'GET', p: '/api/v1/reports/continuity?days=30', need: 'staff' },
  { m: 'GET', p: '/api/v1/reports/handoffs?days=30', need: 'supervisor' },
  { m: 'GET', p: '/api/v1/reports/feedback?days=30', need: 'supervisor' },
  { m: 'GET', p: '/api/v1/reports/waits?days=30', need: 'staff' },
  { m: 'GET', p: '/api/v1/audit/card-views', need: 'admin' },
  { m: 'GET', p: '/api/v1/promises', need: 'staff' },
  { m: 'POST', p: '/api/v1/promises', need: 'staff', foreign: true, snap: 'promises',
    body: (c, ids) => ({ patron: ids.patron, what: `by ${c.name}`, due_at: Date.now() + DAY, channel: 'email' }) },
  { m: 'GET', p: '/api/v1/promises/owners', need: 'staff' },
  { m: 'GET', p: '/api/v1/promises/{done}', need: 'staff' },
  { m: 'POST', p: '/api/v1/promises/{done}/done', need: 'staff', rec: ownerOrAdmin, snap: 'done', body: { note: 'sent' } },
  { m: 'POST', p: '/api/v1/promises/{cancel}/cancel', need: 'staff', rec: ownerOrAdmin, snap: 'cancel', body: { reason: 'no' } },
  { m: 'POST', p: '/api/v1/promises/{reassign}/reassign', need: 'staff', rec: ownerOrAdmin, snap: 'reassign',
    body: (c, ids) => ({ owner: c.lib && c.lib !== 'demo' ? c.login.body.staff.id : ids.jenId }) }, // a librarian of the caller's library
  { m: 'GET', p: '/api/v1/reports/promises?days=30', need: 'staff' },
  { m: 'GET', p: '/api/v1/outbox', need: 'admin' },
  { m: 'POST', p: '/api/v1/outbox/{mail}/retry', need: 'admin', snap: 'mail', consumes: true, may404: true },
  { m: 'GET', p: '/api/v1/followups', need: 'staff' },
  { m: 'POST', p: '/api/v1/followups/{followup}/cancel', need: 'staff', snap: 'followups', consumes: true },
  { m: 'GET', p: '/api/v1/followup?t=nope', need: 'open' },
  { m: 'POST', p: '/api/v1/followup-response', need: 'open', body: { token: 'nope', rating: 5 } },
  { m: 'POST', p: '/api/v1/followup-stop', need: 'open', body: { token: 'nope' } },
  { m: 'GET', p: '/api/v1/cases', need: 'staff' },
  { m: 'GET', p: '/api/v1/cases/{case}', need: 'staff' },
  { m: 'POST', p: '/api/v1/cases/{case}/reply', need: 'staff', snap: 'case', body: (c) => ({ text: `answer by ${c.name}` }) },
  { m: 'POST', p: '/api/v1/cases/{case}/close', need: 'staff', snap: 'case' },
  { m: 'GET', p: '/api/v1/case?t=nope', need: 'open' },
  { m: 'POST', p: '/api/v1/case-reply', need: 'open', body: { token: 'nope', text: 'hi' } },
  { m: 'GET', p: '/api/v1/me/profile', need: 'staff' },
  { m: 'POST', p: '/api/v1/me/profile', need: 'staff', body: {} },
  { m: 'POST', p: '/api/v1/me/photo', need: 'staff', image: true },
  { m: 'POST', p: '/api/v1/me/photo/delete', need: 'staff' },
  { m: 'GET', p: '/api/v1/staff/{account}/photo', need: 'open', may404: true },
  { m: 'GET', p: '/api/v1/admin/queues', need: 'admin' },
  { m: 'POST', p: '/api/v1/admin/queues', need: 'admin', snap: 'queues',
    body: (c) => ({ slug: `q-${c.name}`, name: `Queue of ${c.name}`, cascade_seconds: 0 }) },
  { m: 'POST', p: '/api/v1/admin/queues/{queue}', need: 'admin', snap: 'queues', body: (c) => ({ name: `Ask ${c.name}` }) },
  { m: 'GET', p: '/api/v1/admin/staff', need: 'admin' },
  { m: 'POST', p: '/api/v1/admin/staff', need: 'admin', snap: 'staff',
    body: (c) => ({ email: `inv-${c.name}@${c.lib}.library`, name: `Invitee ${c.name}`, role: 'librarian', max_chats: 0 }) },
  { m: 'POST', p: '/api/v1/admin/staff/{account}', need: 'admin', snap: 'staff', body: { max_chats: 7 } },
  { m: 'POST', p: '/api/v1/admin/staff/{account}/invite', need: 'admin', snap: 'mails' },
  { m: 'GET', p: '/api/v1/admin/library', need: 'admin' },
  { m: 'POST', p: '/api/v1/admin/library', need: 'admin', snap: 'library', body: (c) => ({ greeting: `Hello from ${c.name}` }) },
  { m: 'GET', p: '/api/v1/admin/consortium', need: 'consortium' },
  { m: 'GET', p: '/api/v1/set-password?t=nope', need: 'open' },
  { m: 'POST', p: '/api/v1/set-password', need: 'open', body: { token: 'nope', password: 'long enough pw' } },
  { m: 'POST', p: '/api/v1/me/password', need: 'staff', body: { current: PASSWORD, password: 'x' } },
];

/** What the docs promise `c` gets from route `r`: pass, unauth, forbidden, hidden or denied. */
function expected(r, c) {
  if (r.need === 'open') return 'pass';
  if (!c.login) return 'unauth';
  if (c.rank < NEED[r.need]) return 'forbidden';
  if ((/\{/.test(r.p) || r.foreign) && c.lib !== 'demo') return 'hidden';
  return (r.rec && r.rec(c)) || 'pass';
}

const strip = (x) => JSON.parse(JSON.stringify(x, (k, v) => (['now', 'overdue', 'due_soon', 'online', 'position'].includes(k) ? undefined : v)));
const pick = (list, ...keys) => list.map((x) => Object.fromEntries(keys.map((k) => [k, x[k]])));

describe('roles and libraries: who may do what', () => {
  const srv = serverForSuite({ args: ['--smtp-url', 'smtp://127.0.0.1:1', '--mail-from', 'desk@demo.library',
    '--public-url', 'http://chat.demo.library', '--mail-attempts', '1', '--rate', '1000', '--burst', '1000'] });
  const ids = {};
  const callers = [];
  let reader; // Sam's REST, for re-reading records
  let queueId;

  const SNAPS = {
    chat: async () => { const r = await reader.get(`/api/v1/chats/${ids.chat}`); return [r.json.chat.outcome, r.json.messages.length]; },
    live: async () => (await reader.get(`/api/v1/chats/${ids.live}`)).json.messages.map((m) => m.text),
    card: async () => {
      const j = (await reader.get(`/api/v1/patrons/${ids.patron}/card`)).json;
      return { notes: pick(j.notes, 'id', 'body'), traits: pick(j.traits, 'key', 'value') };
    },
    traitKeys: async () => (await reader.get('/api/v1/trait-keys')).json,
    promises: async () => pick((await reader.get('/api/v1/promises')).json.promises, 'id'),
    done: async () => strip((await reader.get(`/api/v1/promises/${ids.done}`)).json),
    cancel: async () => strip((await reader.get(`/api/v1/promises/${ids.cancel}`)).json),
    reassign: async () => strip((await reader.get(`/api/v1/promises/${ids.reassign}`)).json),
    followups: async () => {
      const out = [];
      for (const s of ['scheduled', 'cancelled']) out.push(pick((await reader.get(`/api/v1/followups?state=${s}`)).json.followups, 'id'));
      return out;
    },
    case: async () => { const j = (await reader.get(`/api/v1/cases/${ids.case}`)).json; return [j.case.state, j.messages.length]; },
    mail: async () => pick((await reader.get('/api/v1/outbox?state=dead')).json.mails, 'id', 'attempts'),
    mails: async () => { // every mail id, in whatever state (read until two reads agree: mails move between states)
      const read = async () => {
        const out = new Set();
        for (const s of ['dead', 'queued', 'sending', 'sent']) for (const m of (await reader.get(`/api/v1/outbox?state=${s}`)).json.mails) out.add(m.id);
        return [...out].sort();
      };
      let last = await read();
      for (let i = 0; i < 20; i++) { const now = await read(); if (JSON.stringify(now) === JSON.stringify(last)) break; last = now; }
      return last;
    },
    queues: async () => pick((await reader.get('/api/v1/admin/queues')).json.queues, 'id', 'slug', 'name'),
    staff: async () => pick((await reader.get('/api/v1/admin/staff')).json.staff, 'id', 'email', 'role', 'max_chats', 'active'),
    library: async () => (await reader.get('/api/v1/admin/library')).json.library,
  };

  before(async () => {
    await srv.stop();
    for (const s of [SUE, CORA, LEE]) addStaff(srv.dataDir, 'demo', s);
    addLibrary(srv.dataDir, { slug: 'north', name: 'North College Library', queue: 'ask:Ask North', staff: [NADIA, NIA] });
    addLibrary(srv.dataDir, { slug: 'solo', name: 'Solo Library', queue: 'ask:Ask Solo', staff: [OLA] });
    cli(['consortium', 'create', '--data-dir', srv.dataDir, '--slug', 'metro', '--name', 'Metro Libraries']);
    for (const lib of ['demo', 'north']) cli(['consortium', 'add', '--data-dir', srv.dataDir, '--library', lib, '--consortium', 'metro']);
    await srv.restart();
    callers.push({ name: 'nobody', rank: -1, lib: null, rest: null });
    for (const [name, email, role, lib] of [['nadia', NADIA.email, 'admin', 'north'], ['ola', OLA.email, 'admin', 'solo'],
      ['jen', JEN, 'librarian', 'demo'], ['sue', SUE.email, 'supervisor', 'demo'], ['sam', SAM, 'admin', 'demo'],
      ['cora', CORA.email, 'consortium_admin', 'demo']]) {
      const l = await login(srv.port, email);
      assert.equal(l.res.status, 200, `login ${email}: ${l.res.text}`);
      assert.equal(l.body.staff.role, role, `${email} is a ${role}`);
      callers.push({ name, rank: RANK[role], lib, login: l, rest: staffRest(srv.port, l) });
    }
    reader = callers.find((c) => c.name === 'sam').rest;
    // demo's records: a remembered patron's ended chat, a live chat, a note, promises, a
    // follow-up, a case, a dead mail, its queue and an account
    const jen = await staff(srv, JEN);
    ids.jenId = jen.welcome.staff.id;
    queueId = jen.welcome.queues[0].id;
    ids.queue = queueId;
    const p = await patron(srv);
    await remember(p, { preferred_name: 'Ana', email: 'ana@example.com' });
    // the remembered patron's own chat (activeChat made a fresh patron): ask again as p
    const mine = await p.join('Citations again');
    jen.send({ type: 'pick', chat: mine.chat });
    await jen.waitFor('chat', (f) => f.chat && f.chat.id === mine.chat && f.chat.state === 'active');
    jen.send({ type: 'end', chat: mine.chat });
    await jen.waitFor('chat', (f) => f.chat.id === mine.chat && f.chat.state === 'ended');
    ids.chat = mine.chat;
    ids.patron = (await reader.get(`/api/v1/chats/${mine.chat}`)).json.chat.patron;
    // Jen's live chat (her console and its patron stay open, so it stays hers)
    ids.live = (await activeChat(srv, jen, { text: 'A live question' })).chat;
    const must = async (r, status) => { const x = await r; assert.equal(x.status, status, x.text); return x.json; };
    ids.note = (await must(reader.post(`/api/v1/patrons/${ids.patron}/notes`, { body: 'Sam\'s note' }), 201)).note.id;
    for (const k of ['done', 'cancel', 'reassign']) {
      ids[k] = (await must(reader.post('/api/v1/promises', { patron: ids.patron, what: `promise ${k}`, due_at: Date.now() + DAY,
        channel: 'email' }), 201)).promise.id;
    }
    ids.followup = (await must(staffRest(srv.port, jen.login).post(`/api/v1/chats/${ids.chat}/followup`,
      { due_at: Date.now() + DAY, message: 'How did it go?' }), 201)).followup.id;
    const q = await ask(p, { type: 'ask_offline', queue: queueId, text: 'Do you have the 1851 census?', email: 'ana@example.com' },
      (f) => f.type === 'case_created');
    assert.equal(q.type, 'case_created', JSON.stringify(q));
    ids.case = q.case.id;
    const dead = await pollUntil(() => reader.get('/api/v1/outbox?state=dead'), (r) => r.json.mails.length > 0, 8000, 200);
    assert.ok(dead.json.mails.length > 0, 'a dead mail to retry (no SMTP server listens on port 1)');
    ids.mail = dead.json.mails[0].id;
    ids.account = (await reader.get('/api/v1/admin/staff')).json.staff.find((s) => s.email === LEE.email).id;
    await p.close();
  });

  /** The path of `r` with demo's ids (or `missing` for every id). */
  const pathOf = (r, missing) => r.p.replace(/\{(\w+)\}/g, (_, k) => String(missing ? MISSING : ids[k]));
  const bodyOf = (r, c, missing) => {
    const b = typeof r.body === 'function' ? r.body(c, missing ? { ...ids, patron: MISSING } : ids) : r.body;
    return b === undefined && r.m === 'POST' ? {} : b;
  };

  async function call(r, c, { missing = false } = {}) {
    const path = pathOf(r, missing);
    let l = c.login;
    if (l && r.fresh) l = await login(srv.port, l.body.staff.email);
    const headers = l ? { Cookie: l.cookie, ...(r.m === 'POST' ? { 'X-CSRF-Token': l.csrf } : {}) } : {};
    if (r.image) return request(srv.port, { method: 'POST', path, body: photo, headers: { ...headers, 'Content-Type': 'image/png' } });
    return request(srv.port, { method: r.m, path, headers, body: bodyOf(r, c, missing) });
  }

  const code = (res) => res.json && res.json.error && res.json.error.code;
  const got = (res) => `${res.status} ${res.text.slice(0, 200)}`;

  /** The problem with `res` for expectation `exp`, or null. */
  async function judge(r, c, exp, res, { first }) {
    const isId = /\{/.test(r.p) || r.foreign;
    switch (exp) {
      case 'unauth': return res.status === 401 && code(res) === 'unauthenticated' ? null : 'expected 401 unauthenticated';
      case 'forbidden': return res.status === 403 && code(res) === 'forbidden' ? null : 'expected 403 forbidden';
      case 'denied': return [403, 404].includes(res.status) ? null : 'expected 403 or 404 (not theirs)';
      case 'hidden': {
        const m = await call(r, c, { missing: true });
        if (res.status !== 404 || m.status !== res.status || code(m) !== code(res)) {
          return `expected 404 exactly like a missing record (missing: ${got(m)})`;
        }
        return null;
      }
      default: {
        if ((res.status === 401 && code(res) === 'unauthenticated') || res.status === 403 || res.status >= 500) {
          return 'expected to pass the role check';
        }
        if (res.status === 404 && isId && !r.may404 && !(r.consumes && !first)) return 'expected its record (not 404)';
        return null;
      }
    }
  }

  it('covers every route of docs/API.md', () => {
    assert.deepEqual(ROUTES.map((r) => routeKey(r.m, r.p)).sort(), docRoutes());
  });

  for (const r of ROUTES) {
    const key = `${r.m} ${r.p}`;
    it(`${key}: ${r.need === 'open' ? 'open to all' : `${r.need} and up`}, libraries kept apart`, async () => {
      const problems = [];
      let first = true;
      for (const c of callers) {
        const exp = expected(r, c);
        const before_ = exp !== 'pass' && r.snap ? await SNAPS[r.snap]() : null;
        const res = await call(r, c);
        const bad = await judge(r, c, exp, res, { first });
        if (bad) problems.push(`${key} as ${c.name} (${c.lib || 'no login'}): ${bad}, got ${got(res)}`);
        if (before_ !== null) {
          const after_ = await SNAPS[r.snap]();
          try { assert.deepEqual(after_, before_); } catch {
            problems.push(`${key} as ${c.name}: refused (${res.status}) but changed ${r.snap}: ${JSON.stringify(before_)} -> ${JSON.stringify(after_)}`);
          }
        }
        if (exp === 'pass' && res.status < 300) first = false;
      }
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  it('POST /api/v1/admin/staff: only a consortium admin may make a consortium admin', async () => {
    const body = (n) => ({ email: `ca-${n}@demo.library`, name: `CA ${n}`, role: 'consortium_admin' });
    const sam = callers.find((c) => c.name === 'sam');
    const before_ = await SNAPS.staff();
    const r = await sam.rest.post('/api/v1/admin/staff', body('sam'));
    assert.equal(r.status, 403, `POST /api/v1/admin/staff role consortium_admin as sam (admin): ${got(r)}`);
    assert.deepEqual(await SNAPS.staff(), before_, 'nothing made');
    const ok = await callers.find((c) => c.name === 'cora').rest.post('/api/v1/admin/staff', body('cora'));
    assert.equal(ok.status, 201, `as cora (consortium_admin): ${got(ok)}`);
  });

  // ---------------------------------------------------------------- WebSocket
  describe('WebSocket commands (PROTOCOL.md, "Who may see what")', () => {
    const senders = loadFrameSchemas().senders;
    // a minimal valid command of every type, for chat `chat`
    const command = (type, chat) => ({
      favourite: { staff: ids.jenId, on: true }, email_transcript: { chat, email: 'a@example.com' }, prefer: { staff: ids.jenId },
      forget: {}, typing: { chat, on: true }, join: { queue: queueId, cmid: cmid('j'), text: 'hi' }, choose: { chat, choice: 'first' }, rate: { chat, rating: 5 },
      remember: { notice: '1' }, ask_offline: { queue: queueId, text: 'hi', email: 'a@example.com' }, someone_else: { chat },
      signin_link: { email: 'a@example.com' }, handoff_accept: { chat }, handoff_decline: { chat }, pick: { chat },
      handoff: { chat, staff: ids.jenId, note: 'x' }, handoff_cancel: { chat }, status: { status: 'on_duty' },
    }[type]);
    // every welcome is checked against docs/schemas/ws/server.welcome.json by lib.mjs: a
    // role the schema lacks fails here
    const onDuty = async (email) => {
      const l = await login(srv.port, email);
      const c = await staffWs(srv, l.cookie);
      c.login = l;
      c.send({ type: 'hello', role: 'staff' });
      c.welcome = await c.waitFor('welcome');
      return c;
    };
    const only = (who) => Object.keys(senders).filter((t) => senders[t] === who).sort();
    const errorOf = async (c, frame, okPred = () => false) => ask(c, { type: frame.type, ...frame }, okPred);

    it('staff sending a patron-only command, and a patron a staff-only one, get bad_frame', async () => {
      const jen = await staff(srv, JEN);
      const p = await patron(srv);
      const problems = [];
      for (const [c, who, types] of [[jen, 'staff', only('patron')], [p, 'patron', only('staff')]]) {
        assert.ok(types.length >= 5, `the schemas name ${who === 'staff' ? 'patron' : 'staff'}-only commands`);
        for (const t of types) {
          const f = { type: t, ...command(t, ids.live) };
          assert.equal(commandErrors(f), null, `the test's ${t} fits the schema`);
          const a = await errorOf(c, f, (x) => x.type !== 'error');
          if (a.type !== 'error' || a.code !== 'bad_frame') problems.push(`${t} from ${who}: expected bad_frame, got ${JSON.stringify(a)}`);
        }
      }
      assert.deepEqual(problems, [], problems.join('\n'));
      for (const c of [jen, p]) await c.close();
    });

    // who: [login, the expected answers to a colleague's (Lee's) live chat]
    const WS = [
      ['jen', JEN, { pick: 'ok', resume: 'forbidden', handoff: 'forbidden', mine: 'forbidden' }],
      ['sue', SUE.email, { pick: 'ok', resume: 'ok', handoff: 'ok', mine: 'forbidden' }],
      ['sam', SAM, { pick: 'ok', resume: 'ok', handoff: 'ok', mine: 'forbidden' }],
      ['cora', CORA.email, { pick: 'ok', resume: 'ok', handoff: 'ok', mine: 'forbidden' }],
      ['nia (north)', NIA.email, { pick: 'not_found', resume: 'not_found', handoff: 'not_found', mine: 'not_found' }],
    ];
    for (const [name, email, want] of WS) {
      it(`${name}: pick ${want.pick}, a colleague's live chat: resume ${want.resume}, handoff ${want.handoff}, send/typing/end ${want.mine}`, async () => {
        const lee = await staff(srv, LEE.email);
        const me = await onDuty(email);
        const held = await activeChat(srv, lee, { text: 'Held by Lee' });
        const problems = [];
        const expect = (what, a, w) => {
          const gotCode = a.type === 'error' ? a.code : 'ok';
          if (gotCode !== w) problems.push(`${what} as ${name}: expected ${w}, got ${JSON.stringify(a).slice(0, 300)}`);
        };
        // pick: a queued chat of demo
        const q = await patron(srv);
        const j = await q.join('Anyone there?');
        expect('pick', await errorOf(me, { type: 'pick', chat: j.chat }, (f) => f.type === 'chat' && f.chat.id === j.chat
          && f.chat.state === 'active'), want.pick);
        expect('resume', await errorOf(me, { type: 'resume', chat: held.chat, after: 0 }, (f) => f.type === 'resumed'
          && f.chat === held.chat), want.resume);
        for (const t of ['send', 'typing', 'end']) {
          const f = { type: t, chat: held.chat, ...(t === 'send' ? { cmid: cmid('s'), text: 'not yours' } : {}), ...(t === 'typing' ? { on: true } : {}) };
          expect(t, await errorOf(me, f, (x) => (x.type === 'ack' && x.cmid === f.cmid) || (x.type === 'chat'
            && x.chat.id === held.chat && x.chat.state === 'ended')), want.mine);
        }
        expect('handoff', await errorOf(me, { type: 'handoff', chat: held.chat, staff: me.welcome.staff.id, note: 'reassign' },
          (f) => f.type === 'chat' && f.chat.id === held.chat && f.chat.handoff && f.chat.handoff.state === 'offered'), want.handoff);
        const row = await staffRest(srv.port, lee.login).get(`/api/v1/chats/${held.chat}`);
        if (row.json.chat.state !== 'active' || row.json.chat.staff.id !== lee.welcome.staff.id) {
          problems.push(`${name} changed Lee's chat: ${row.text.slice(0, 300)}`);
        }
        if (row.json.messages.some((m) => m.text === 'not yours')) problems.push(`${name}'s send landed in Lee's chat`);
        lee.send({ type: 'end', chat: held.chat });
        if (want.pick === 'ok') me.send({ type: 'end', chat: j.chat });
        for (const c of [held.p, q, me, lee]) await c.close();
        assert.deepEqual(problems, [], problems.join('\n'));
      });
    }

  });
});
