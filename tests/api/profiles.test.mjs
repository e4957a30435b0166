// Librarian profiles: the profile a librarian edits, "who is on now" for patrons, and
// photos (API.md "Librarian profiles", PROTOCOL.md `welcome`/`queues` `librarians`).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import {
  Server, stopAndCheck, patron, staff, request, requestBytes, login, staffRest, JEN, SAM,
} from './lib.mjs';

// ---- PNG bytes, built here: signature, IHDR, IDAT (zlib of filtered rows), IEND

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = (c & 1) ? (0xedb88320 ^ (c >>> 1)) : (c >>> 1);
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A valid RGB PNG of w x h pixels: random (incompressible) or one colour. */
function png(w, h, { random = false } = {}) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < h; y++) {
    const px = random ? crypto.randomBytes(w * 3) : Buffer.alloc(w * 3, 0x5a);
    rows.push(Buffer.from([0]), px); // filter type 0
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const GIF = Buffer.concat([Buffer.from('GIF89a', 'latin1'),
  Buffer.from('01000100800000ffffff00000021f90401000000002c00000000010001000002024401003b', 'hex')]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>');
const HTML = Buffer.from('<!doctype html><script>alert(1)</script>');

const PROFILE_KEYS = ['bio', 'id', 'listed', 'name', 'photo', 'pronouns', 'subjects'];
const PATRON_PROFILE_KEYS = ['bio', 'id', 'name', 'photo', 'pronouns', 'subjects'];

describe('librarian profiles', () => {
  const srv = new Server({ args: ['--rate', '1000', '--burst', '1000'] });
  let jenR; let samR; let jenId; let samId; let jenName;
  const open = [];
  const keep = (c) => { open.push(c); return c; };
  afterEach(async () => { while (open.length) await open.pop().close(); });
  before(async () => {
    await srv.start();
    const j = await login(srv.port, JEN);
    const s = await login(srv.port, SAM);
    jenR = staffRest(srv.port, j);
    samR = staffRest(srv.port, s);
    jenId = j.body.staff.id;
    samId = s.body.staff.id;
    jenName = j.body.staff.name;
  });
  after(async () => { await stopAndCheck(srv, assert); });

  const PROFILE = { name: 'Jen Ortiz', pronouns: 'she/her', subjects: 'nursing, health sciences, APA',
    bio: 'Health sciences librarian. Ask me about systematic reviews.', listed: true };

  it('GET and POST /me/profile round trip', async () => {
    const g = await jenR.get('/api/v1/me/profile');
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(Object.keys(g.json.profile).sort(), PROFILE_KEYS);
    assert.equal(g.json.profile.id, jenId);
    assert.equal(g.json.profile.name, jenName);
    assert.equal(g.json.profile.listed, false, 'not listed by default');
    assert.equal(g.json.profile.photo, '');

    const p = await jenR.post('/api/v1/me/profile', PROFILE);
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(p.json.profile, { id: jenId, ...PROFILE, photo: '' });
    const g2 = await jenR.get('/api/v1/me/profile');
    assert.deepEqual(g2.json.profile, p.json.profile);
    // another session of Jen sees it; Sam's profile is his own
    const again = staffRest(srv.port, await login(srv.port, JEN));
    assert.deepEqual((await again.get('/api/v1/me/profile')).json.profile, p.json.profile);
    const sam = await samR.get('/api/v1/me/profile');
    assert.equal(sam.json.profile.id, samId);
    assert.equal(sam.json.profile.bio, '');

    // limits are bytes: 500 bytes of bio in 250 two-byte characters is fine
    const maxed = { name: 'n'.repeat(127), pronouns: 'p'.repeat(63), subjects: 's'.repeat(255),
      bio: 'é'.repeat(250), listed: true };
    const m = await jenR.post('/api/v1/me/profile', maxed);
    assert.equal(m.status, 200, m.text);
    assert.deepEqual(m.json.profile, { id: jenId, ...maxed, photo: '' });
    const back = await jenR.post('/api/v1/me/profile', PROFILE);
    assert.equal(back.status, 200, back.text);
  });

  it('refuses fields too long, missing or of the wrong type', async () => {
    const bad = [
      ['name empty', { ...PROFILE, name: '' }],
      ['name 128 bytes', { ...PROFILE, name: 'n'.repeat(128) }],
      ['pronouns 64 bytes', { ...PROFILE, pronouns: 'p'.repeat(64) }],
      ['subjects 256 bytes', { ...PROFILE, subjects: 's'.repeat(256) }],
      ['bio 501 bytes', { ...PROFILE, bio: 'b'.repeat(501) }],
      ['bio 502 bytes in 251 characters', { ...PROFILE, bio: 'é'.repeat(251) }],
      ['listed a string', { ...PROFILE, listed: 'yes' }],
      ['bio a number', { ...PROFILE, bio: 5 }],
    ];
    for (const k of Object.keys(PROFILE)) {
      const b = { ...PROFILE };
      delete b[k];
      bad.push([`missing ${k}`, b]);
    }
    for (const [what, body] of bad) {
      const r = await jenR.post('/api/v1/me/profile', body);
      assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
    }
    const g = await jenR.get('/api/v1/me/profile');
    assert.deepEqual(g.json.profile, { id: jenId, ...PROFILE, photo: '' }, 'a refused POST changed the profile');
  });

  it('needs a session and, to change anything, the CSRF token', async () => {
    const changed = { ...PROFILE, bio: 'changed without CSRF' };
    const noCsrf = await jenR.post('/api/v1/me/profile', changed, { csrf: false });
    assert.equal(noCsrf.status, 403, noCsrf.text);
    assert.equal(noCsrf.json.error.code, 'csrf_required');
    const wrong = await jenR.post('/api/v1/me/profile', changed,
      { csrf: false, headers: { 'X-CSRF-Token': samR.login.csrf } });
    assert.equal(wrong.status, 403, `another session's CSRF token: ${wrong.text}`);
    const photo = await request(srv.port, { method: 'POST', path: '/api/v1/me/photo',
      headers: { Cookie: jenR.login.cookie, 'Content-Type': 'image/png' }, body: png(1, 1) });
    assert.equal(photo.status, 403, `photo without CSRF: ${photo.text}`);
    const del = await jenR.post('/api/v1/me/photo/delete', {}, { csrf: false });
    assert.equal(del.status, 403, del.text);

    const anonGet = await request(srv.port, { path: '/api/v1/me/profile' });
    assert.equal(anonGet.status, 401);
    assert.equal(anonGet.json.error.code, 'unauthenticated');
    const anonPost = await request(srv.port, { method: 'POST', path: '/api/v1/me/profile',
      headers: { 'X-CSRF-Token': jenR.login.csrf }, body: changed });
    assert.equal(anonPost.status, 401, anonPost.text);
    const anonPhoto = await request(srv.port, { method: 'POST', path: '/api/v1/me/photo',
      headers: { 'Content-Type': 'image/png', 'X-CSRF-Token': jenR.login.csrf }, body: png(1, 1) });
    assert.equal(anonPhoto.status, 401, anonPhoto.text);
    const g = await jenR.get('/api/v1/me/profile');
    assert.equal(g.json.profile.bio, PROFILE.bio, 'changed without CSRF or session');
    assert.equal(g.json.profile.photo, '');
  });

  it('listed librarians on duty are shown to patrons; unlisted ones never', async () => {
    assert.equal((await samR.get('/api/v1/me/profile')).json.profile.listed, false);
    const watcher = keep(await patron(srv));
    assert.deepEqual(watcher.welcome.librarians, [], 'nobody on yet');

    const jen = keep(await staff(srv, JEN));
    const q1 = await watcher.waitFor('queues', (f) => f.queues.some((q) => q.staff_on === 1));
    assert.equal(q1.librarians.length, 1, JSON.stringify(q1.librarians));
    const shown = q1.librarians[0];
    // the profile, and whether they are at their cap (honest waits; no e-mail or role)
    assert.deepEqual(Object.keys(shown).sort(), [...PATRON_PROFILE_KEYS, 'busy'].sort(), 'no e-mail or role for patrons');
    assert.deepEqual(shown, { id: jenId, name: PROFILE.name, pronouns: PROFILE.pronouns,
      subjects: PROFILE.subjects, bio: PROFILE.bio, photo: '', busy: false });
    const p2 = keep(await patron(srv));
    assert.deepEqual(p2.welcome.librarians, [shown]);
    assert.ok(!JSON.stringify(p2.welcome).includes('@demo.library'), 'staff e-mail shown to patrons');

    // Sam on duty, not listed: counted, not shown
    const sam = keep(await staff(srv, SAM));
    const q2 = await watcher.waitFor('queues', (f) => f.queues.some((q) => q.staff_on === 2), 5000, { after: q1 });
    assert.deepEqual(q2.librarians.map((l) => l.id), [jenId]);
    // a second console of Jen: still listed once
    const jen2 = keep(await staff(srv, JEN));
    const p3 = keep(await patron(srv));
    assert.deepEqual(p3.welcome.librarians.map((l) => l.id), [jenId]);

    // Jen logs off (both consoles): gone
    await jen2.close();
    await jen.close();
    const q3 = await watcher.waitFor('queues', (f) => f.queues.some((q) => q.staff_on === 1), 5000, { after: q2 });
    assert.deepEqual(q3.librarians, [], 'Jen still listed after going off duty');
    const p4 = keep(await patron(srv));
    assert.deepEqual(p4.welcome.librarians, []);

    // Jen back, but unlisted: not shown while on
    const jen3 = keep(await staff(srv, JEN));
    await watcher.waitFor('queues', (f) => f.queues.some((q) => q.staff_on === 2), 5000, { after: q3 });
    const un = await jenR.post('/api/v1/me/profile', { ...PROFILE, listed: false });
    assert.equal(un.status, 200, un.text);
    const p5 = keep(await patron(srv));
    assert.deepEqual(p5.welcome.librarians, [], 'unlisted Jen shown');
    const re = await jenR.post('/api/v1/me/profile', PROFILE);
    assert.equal(re.status, 200);
    const p6 = keep(await patron(srv));
    assert.deepEqual(p6.welcome.librarians.map((l) => l.id), [jenId], 'listed again');
    const lists = [...watcher.all('queues').map((f) => f.librarians), watcher.welcome.librarians,
      p2.welcome.librarians, p3.welcome.librarians, p6.welcome.librarians];
    for (const l of lists) assert.ok(!l.some((x) => x.id === samId), 'unlisted Sam shown to patrons');
    await sam.close();
    await jen3.close();
  });

  it('the chat\'s librarian is shown to the patron with the profile', async () => {
    const jen = keep(await staff(srv, JEN));
    const p = keep(await patron(srv));
    const a = await p.join('Who is helping me?');
    jen.send({ type: 'pick', chat: a.chat });
    const act = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'active');
    assert.deepEqual(act.chat.staff, { id: jenId, name: PROFILE.name, pronouns: PROFILE.pronouns,
      subjects: PROFILE.subjects, bio: PROFILE.bio, photo: '' });
    jen.send({ type: 'end', chat: a.chat });
    await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'ended');
  });

  describe('photo', () => {
    const upload = (rest, bytes, type = 'image/png', csrf = true) => request(srv.port, {
      method: 'POST', path: '/api/v1/me/photo', body: bytes,
      headers: { Cookie: rest.login.cookie, 'Content-Type': type, ...(csrf ? { 'X-CSRF-Token': rest.login.csrf } : {}) },
    });
    const photoPath = (id) => `/api/v1/staff/${id}/photo`;
    let url1; let big;

    it('a PNG uploaded is served back as is, with safe headers', async () => {
      const tiny = png(1, 1);
      const r = await upload(jenR, tiny);
      assert.equal(r.status, 200, r.text);
      url1 = r.json.profile.photo;
      assert.match(url1, new RegExp(`^/api/v1/staff/${jenId}/photo(\\?v=[^&]+)?$`), url1);
      assert.equal((await jenR.get('/api/v1/me/profile')).json.profile.photo, url1);
      const g = await requestBytes(srv.port, { path: url1 });
      assert.equal(g.status, 200);
      assert.ok(g.bytes.equals(tiny), 'different bytes served');
      assert.equal(g.headers['content-type'], 'image/png');
      assert.equal(g.headers['x-content-type-options'], 'nosniff');
      assert.match(g.headers['content-security-policy'] || '', /default-src 'none'/);
      assert.match(g.headers['cache-control'] || '', /max-age=86400/);
      const plain = await requestBytes(srv.port, { path: photoPath(jenId) });
      assert.equal(plain.status, 200);
      assert.ok(plain.bytes.equals(tiny));

      // patrons see it in the librarian's profile
      const jen = keep(await staff(srv, JEN));
      const p = keep(await patron(srv));
      assert.equal(p.welcome.librarians.find((l) => l.id === jenId).photo, url1);
      const a = await p.join('Nice photo');
      jen.send({ type: 'pick', chat: a.chat });
      const act = await p.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'active');
      assert.equal(act.chat.staff.photo, url1);
      jen.send({ type: 'end', chat: a.chat });
      await jen.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'ended');
    });

    it('a larger photo (beyond the 64 KiB JSON limit) replaces it under a new URL', async () => {
      assert.ok(url1, 'needs the previous test');
      big = png(200, 200, { random: true });
      assert.ok(big.length > 100 * 1024 && big.length < 512 * 1024, `${big.length} bytes`);
      const r = await upload(jenR, big);
      assert.equal(r.status, 200, r.text);
      const url2 = r.json.profile.photo;
      assert.notEqual(url2, url1, 'the URL changes with the photo');
      const g = await requestBytes(srv.port, { path: url2 });
      assert.equal(g.status, 200);
      assert.ok(g.bytes.equals(big), 'different bytes served');
      const none = await requestBytes(srv.port, { path: photoPath(samId) });
      assert.equal(none.status, 404, 'Sam has no photo');
      const missing = await requestBytes(srv.port, { path: photoPath(999999) });
      assert.equal(missing.status, 404);
    });

    it('refuses anything but PNG or JPEG, a type that does not match, and > 512 KiB', async () => {
      assert.ok(big, 'needs the previous test');
      const cases = [
        ['SVG as image/png', SVG, 'image/png', 415],
        ['SVG as image/svg+xml', SVG, 'image/svg+xml', 415],
        ['GIF as image/gif', GIF, 'image/gif', 415],
        ['GIF as image/png', GIF, 'image/png', 415],
        ['HTML as image/png', HTML, 'image/png', 415],
        ['HTML as image/jpeg', HTML, 'image/jpeg', 415],
        ['PNG as image/jpeg', png(1, 1), 'image/jpeg', 415],
        ['PNG as text/html', png(1, 1), 'text/html', 415],
      ];
      for (const [what, bytes, type, want] of cases) {
        const r = await upload(jenR, bytes, type);
        assert.equal(r.status, want, `${what}: ${r.status} ${r.text}`);
      }
      const huge = Buffer.concat([png(1, 1), Buffer.alloc(512 * 1024 + 1 - png(1, 1).length)]);
      assert.equal(huge.length, 512 * 1024 + 1);
      // rapport answers 413 from the headers and closes: a client still sending the body
      // may see its connection reset first (rest_rel.test.mjs reads the 413 on a raw socket)
      const r = await upload(jenR, huge).catch((e) => ({ status: `error ${e.code || e.message}` }));
      assert.ok(r.status === 413 || /EPIPE|ECONNRESET/.test(String(r.status)),
        `${huge.length} bytes: ${r.status}`);
      // the photo is still the last good one
      const g = await requestBytes(srv.port, { path: photoPath(jenId) });
      assert.equal(g.status, 200);
      assert.ok(g.bytes.equals(big), 'a refused upload replaced the photo');
      assert.equal(g.headers['content-type'], 'image/png');
    });

    it('delete removes it', async () => {
      assert.ok(big, 'needs the earlier photo tests');
      const before_ = (await jenR.get('/api/v1/me/profile')).json.profile.photo;
      const d = await jenR.post('/api/v1/me/photo/delete', {});
      assert.equal(d.status, 200, d.text);
      assert.equal((await jenR.get('/api/v1/me/profile')).json.profile.photo, '');
      for (const path of [before_, photoPath(jenId)]) {
        const g = await requestBytes(srv.port, { path });
        assert.equal(g.status, 404, `${path} after delete`);
      }
      const p = keep(await patron(srv));
      const jen = keep(await staff(srv, JEN));
      const q = await p.waitFor('queues', (f) => (f.librarians || []).some((l) => l.id === jenId));
      assert.equal(q.librarians.find((l) => l.id === jenId).photo, '');
      await jen.close();
    });
  });
});
