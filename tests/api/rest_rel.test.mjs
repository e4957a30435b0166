// Librarian photos and profiles over REST (API.md "Librarian profiles"): only real PNG or
// JPEG bytes with a matching Content-Type are taken, at most 512 KiB; the photo is served
// with its checked type, nosniff, a sandboxing CSP and a long cache under a changing URL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import {
  Server, stopAndCheck, request, login, rawConnect, HOST, JEN, SAM,
} from './lib.mjs';

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const KIB = 1024;

/** PNG signature + filler: the server checks the signature, not the whole image. */
const png = (n = 200) => Buffer.concat([PNG_SIG, crypto.randomBytes(n - PNG_SIG.length)]);
const jpeg = (n = 200) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(n - 4)]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
const GIF = Buffer.concat([Buffer.from('GIF89a'), crypto.randomBytes(64)]);
const HTML = Buffer.from('<!doctype html><script>alert(document.cookie)</script>');

async function session(port, email) {
  const l = await login(port, email);
  assert.equal(l.res.status, 200, l.res.text);
  return {
    id: l.body.staff.id,
    get: (path, headers = {}) => request(port, { path, headers: { Cookie: l.cookie, ...headers } }),
    post: (path, body, { type = 'application/json', csrf = true, cookie = true } = {}) => request(port, {
      method: 'POST', path, body,
      headers: {
        'Content-Type': type,
        ...(cookie ? { Cookie: l.cookie } : {}),
        ...(csrf ? { 'X-CSRF-Token': l.csrf } : {}),
      },
    }),
  };
}

const photoUrl = (id) => `/api/v1/staff/${id}/photo`;

/** GET with the body as bytes (request() decodes it as UTF-8). */
function getBytes(port, path) {
  return new Promise((res, rej) => {
    http.get({ host: HOST, port, path, agent: false }, (resp) => {
      const chunks = [];
      resp.on('data', (c) => chunks.push(c));
      resp.on('end', () => res({ status: resp.statusCode, headers: resp.headers, body: Buffer.concat(chunks) }));
    }).on('error', rej);
  });
}

describe('librarian photos', () => {
  const srv = new Server();
  let jen; let sam;
  before(async () => {
    await srv.start();
    jen = await session(srv.port, JEN);
    sam = await session(srv.port, SAM);
  });
  after(async () => { await stopAndCheck(srv, assert); });

  it('no photo yet: 404, and the profile says ""', async () => {
    const r = await request(srv.port, { path: photoUrl(jen.id) });
    assert.equal(r.status, 404, r.text);
    const p = await jen.get('/api/v1/me/profile');
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.profile.photo, '');
    assert.equal(p.json.profile.id, jen.id);
    assert.equal(typeof p.json.profile.listed, 'boolean');
  });

  it('a PNG is taken and served back byte for byte, with safe headers', async () => {
    const img = png(4096);
    const up = await jen.post('/api/v1/me/photo', img, { type: 'image/png' });
    assert.equal(up.status, 200, up.text);
    const url = up.json.profile.photo;
    assert.match(url, new RegExp(`^${photoUrl(jen.id)}\\?v=\\d+$`));
    const r = await getBytes(srv.port, url);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'image/png');
    assert.ok(r.body.equals(img), 'the bytes served are the bytes uploaded');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(r.headers['content-security-policy'] || '', /default-src 'none'/);
    assert.match(r.headers['content-security-policy'] || '', /sandbox/);
    assert.match(r.headers['cache-control'] || '', /public/);
    assert.match(r.headers['cache-control'] || '', /max-age=86400/);
    assert.doesNotMatch(r.headers['cache-control'] || '', /no-store/);
    // the profile and the desk know it
    const p = await jen.get('/api/v1/me/profile');
    assert.equal(p.json.profile.photo, url);
  });

  it('a JPEG replaces it under a new URL', async () => {
    const before_ = (await jen.get('/api/v1/me/profile')).json.profile.photo;
    const up = await jen.post('/api/v1/me/photo', jpeg(1000), { type: 'image/jpeg' });
    assert.equal(up.status, 200, up.text);
    assert.notEqual(up.json.profile.photo, before_, 'the cache key changes with the photo');
    const r = await request(srv.port, { path: up.json.profile.photo });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'image/jpeg');
    // JSON errors keep their own type and no-store
    const e = await request(srv.port, { path: photoUrl(999999) });
    assert.equal(e.status, 404);
    assert.match(e.headers['content-type'], /application\/json/);
    assert.equal(e.headers['cache-control'], 'no-store');
  });

  it('SVG, GIF, HTML and mismatched types are refused with 415', async () => {
    const cases = [
      [SVG, 'image/svg+xml'], [SVG, 'image/png'], [SVG, 'image/jpeg'],
      [GIF, 'image/gif'], [GIF, 'image/png'],
      [HTML, 'text/html'], [HTML, 'image/png'],
      [png(), 'image/jpeg'], [jpeg(), 'image/png'],
      [png(), 'application/octet-stream'], [png(), 'application/json'],
      [PNG_SIG, 'image/png'], // a signature and nothing after it is no image
    ];
    const before_ = (await jen.get('/api/v1/me/profile')).json.profile.photo;
    for (const [body, type] of cases) {
      const r = await jen.post('/api/v1/me/photo', body, { type });
      assert.equal(r.status, 415, `${type} with ${body.subarray(0, 8).toString('hex')}: ${r.status} ${r.text}`);
      assert.equal(r.json.error.code, 'unsupported_media_type');
    }
    assert.equal((await jen.get('/api/v1/me/profile')).json.profile.photo, before_, 'photo unchanged');
  });

  it('512 KiB is taken; one byte more is 413, even when only announced', async () => {
    const max = png(512 * KIB);
    const ok = await jen.post('/api/v1/me/photo', max, { type: 'image/png' });
    assert.equal(ok.status, 200, ok.text);
    const back = await getBytes(srv.port, ok.json.profile.photo);
    assert.equal(back.status, 200);
    assert.ok(back.body.equals(max), 'a 512 KiB photo is served whole');
    const c = await rawConnect(srv.port);
    const l = await login(srv.port, JEN);
    await c.write(`POST /api/v1/me/photo HTTP/1.1\r\nHost: ${HOST}:${srv.port}\r\n`
      + `Cookie: ${l.cookie}\r\nX-CSRF-Token: ${l.csrf}\r\nContent-Type: image/png\r\n`
      + `Content-Length: ${512 * KIB + 1}\r\n\r\n`);
    await c.until((x) => x.responses().length || x.ended, 5000, '413 for a photo over 512 KiB');
    assert.equal(c.responses()[0] && c.responses()[0].status, 413);
    c.destroy();
    // other routes keep the 64 KiB JSON limit and refuse images
    const big = await jen.post('/api/v1/me/profile', png(70 * KIB), { type: 'image/png' });
    assert.equal(big.status, 413);
    const img = await jen.post('/api/v1/me/profile', png(), { type: 'image/png' });
    assert.equal(img.status, 415);
  });

  it('needs a session and the CSRF token', async () => {
    const anon = await jen.post('/api/v1/me/photo', png(), { type: 'image/png', cookie: false, csrf: false });
    assert.equal(anon.status, 401, anon.text);
    const noCsrf = await jen.post('/api/v1/me/photo', png(), { type: 'image/png', csrf: false });
    assert.equal(noCsrf.status, 403, noCsrf.text);
    assert.equal(noCsrf.json.error.code, 'csrf_required');
    const del = await jen.post('/api/v1/me/photo/delete', {}, { csrf: false });
    assert.equal(del.status, 403, del.text);
  });

  it('delete removes it: 404 and "" afterwards; others are untouched', async () => {
    const s = await sam.post('/api/v1/me/photo', png(300), { type: 'image/png' });
    assert.equal(s.status, 200, s.text);
    const del = await jen.post('/api/v1/me/photo/delete', {});
    assert.equal(del.status, 200, del.text);
    assert.equal(del.json.profile.photo, '');
    const r = await request(srv.port, { path: photoUrl(jen.id) });
    assert.equal(r.status, 404);
    const rs = await request(srv.port, { path: s.json.profile.photo });
    assert.equal(rs.status, 200, 'Sam keeps his photo');
  });
});

describe('librarian profile', () => {
  const srv = new Server();
  let jen;
  before(async () => {
    await srv.start();
    jen = await session(srv.port, JEN);
  });
  after(async () => { await stopAndCheck(srv, assert); });

  const good = { name: 'Jen Ortiz', pronouns: 'she/her', subjects: 'nursing, APA', bio: 'Ask me\nabout <citations> & "quotes"', listed: true };

  it('saves and reads back every field, text as given', async () => {
    const r = await jen.post('/api/v1/me/profile', good);
    assert.equal(r.status, 200, r.text);
    const { profile } = r.json;
    for (const k of Object.keys(good)) assert.equal(profile[k], good[k], k);
    const g = await jen.get('/api/v1/me/profile');
    assert.deepEqual(g.json, r.json);
    // survives a restart (loaded from the store)
    await srv.stop();
    await srv.restart();
    jen = await session(srv.port, JEN);
    const g2 = await jen.get('/api/v1/me/profile');
    for (const k of Object.keys(good)) assert.equal(g2.json.profile[k], good[k], `${k} after restart`);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const bad = [
      { ...good, name: '' }, { ...good, name: '   ' }, { ...good, name: 'x'.repeat(128) },
      { ...good, name: 'two\nlines' }, { ...good, pronouns: 'p'.repeat(64) },
      { ...good, subjects: 's'.repeat(256) }, { ...good, bio: 'b'.repeat(501) },
      { ...good, listed: 'yes' }, { ...good, extra: 1 },
      { name: 'Only a name' },
    ];
    for (const b of bad) {
      const r = await jen.post('/api/v1/me/profile', b);
      assert.equal(r.status, 400, `${JSON.stringify(b).slice(0, 80)}: ${r.status} ${r.text}`);
    }
    const edge = await jen.post('/api/v1/me/profile', { ...good, name: 'é'.repeat(63), bio: 'b'.repeat(500), listed: false });
    assert.equal(edge.status, 200, edge.text);
    assert.equal(edge.json.profile.listed, false);
  });

  it('needs a session (401) and CSRF on POST (403)', async () => {
    const r = await request(srv.port, { path: '/api/v1/me/profile' });
    assert.equal(r.status, 401);
    const p = await jen.post('/api/v1/me/profile', good, { csrf: false });
    assert.equal(p.status, 403);
  });
});
