// Shared helpers for the protocol and REST tests: start the real binary, talk HTTP,
// WebSocket (through `ws`) and raw bytes (through node:net).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';
import crypto from 'node:crypto';
import WebSocket from 'ws';
import Ajv2020 from 'ajv/dist/2020.js';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(ROOT, process.env.RAPPORT_BIN || 'build/rapport');
export const HOST = '127.0.0.1';
export const SUBPROTOCOL = 'rapport.v1';
export const PASSWORD = 'rapport-demo';
export const JEN = 'jen@demo.library';
export const SAM = 'sam@demo.library';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects after `ms` with `what` in the message unless `p` settles first. */
export function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

let cmidCounter = 0;
/** A fresh client message id ([A-Za-z0-9_-], well under 64 characters). */
export function cmid(prefix = 'c') {
  cmidCounter += 1;
  return `${prefix}-${process.pid}-${cmidCounter}-${crypto.randomBytes(3).toString('hex')}`;
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export function tempDir(tag = 'rapport-api') {
  return mkdtempSync(join(tmpdir(), `${tag}-`));
}

/** Runs the binary to completion (CLI subcommands). */
export function runCli(args, { input = '', timeout = 15000 } = {}) {
  const r = spawnSync(BIN, args, { input, timeout, encoding: 'utf8' });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout || '',
    stderr: r.stderr || '',
    error: r.error,
    out: `${r.stdout || ''}${r.stderr || ''}`,
  };
}

/** Creates a second library and one staff member in `dataDir` (before the server starts). */
export function addLibrary(dataDir, { slug, name, queue, staff }) {
  const init = runCli(['init', '--data-dir', dataDir, '--library', slug, '--name', name,
    '--queue', queue]);
  if (init.status !== 0) throw new Error(`rapport init failed (${init.status}): ${init.out}`);
  for (const s of staff || []) addStaff(dataDir, slug, s);
}

/** `rapport staff add` with the password on stdin. */
export function addStaff(dataDir, library, s) {
  const add = runCli(['staff', 'add', '--data-dir', dataDir, '--library', library,
    '--email', s.email, '--name', s.name, '--role', s.role || 'librarian'],
  { input: `${s.password}\n` });
  if (add.status !== 0) throw new Error(`rapport staff add failed (${add.status}): ${add.out}`);
}

// Servers still running when this process exits (a test crashed) are killed, not orphaned.
const live = new Set();
process.on('exit', () => { for (const p of live) p.kill('SIGKILL'); });

/**
 * A running `rapport demo` on a free loopback port.
 * opts: args (extra CLI args), dataDir (reuse), setup(dataDir) run before the first start.
 */
export class Server {
  constructor(opts = {}) {
    this.args = opts.args || [];
    this.dataDir = opts.dataDir || tempDir();
    this.ownDir = !opts.dataDir;
    this.setup = opts.setup;
    this.proc = null;
    this.log = '';
    this.exit = null;
  }

  get base() { return `http://${HOST}:${this.port}`; }
  get wsUrl() { return `ws://${HOST}:${this.port}/ws`; }
  get origin() { return `http://${HOST}:${this.port}`; }

  async start() {
    if (this.setup) { await this.setup(this.dataDir); this.setup = null; }
    let lastErr;
    for (let attempt = 0; attempt < 3; attempt++) {
      this.port = await freePort();
      try {
        await this._spawn();
        return this;
      } catch (e) {
        lastErr = e;
        if (this.proc && this.exit === null) await this.kill();
      }
    }
    throw lastErr;
  }

  async _spawn() {
    this.exit = null;
    const args = ['demo', '--data-dir', this.dataDir, '--listen', HOST, '--port',
      String(this.port), ...this.args];
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    const keep = (d) => { this.log = (this.log + d.toString()).slice(-20000); };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    this.exited = new Promise((res) => {
      proc.on('exit', (code, signal) => { this.exit = { code, signal }; res(this.exit); });
      proc.on('error', (err) => { this.exit = { code: null, signal: null, err }; res(this.exit); });
    });
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`rapport exited early ${JSON.stringify(this.exit)}: ${this.log}`);
      try {
        const r = await request(this.port, { path: '/healthz', timeout: 1000 });
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    throw new Error(`rapport did not answer /healthz within 10 s: ${this.log}`);
  }

  /** SIGTERM; resolves { code, signal, graceful } (graceful: exited on its own within 5 s). */
  async stop() {
    if (!this.proc || this.exit) return { ...(this.exit || {}), graceful: true };
    this.proc.kill('SIGTERM');
    const t = await withTimeout(this.exited, 5000, 'exit after SIGTERM').catch(() => null);
    if (t) return { ...t, graceful: true };
    this.proc.kill('SIGKILL');
    const k = await this.exited;
    return { ...k, graceful: false };
  }

  /** SIGKILL now (simulated crash). */
  async kill() {
    if (!this.proc || this.exit) return this.exit;
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  /** Start again on the same data dir (and a new port). */
  async restart() {
    this.proc = null;
    return this.start();
  }

  cleanup() {
    if (this.proc && !this.exit) this.proc.kill('SIGKILL');
    if (this.ownDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Standard before/after wiring; the after hook asserts a clean SIGTERM shutdown. */
export async function stopAndCheck(srv, assert) {
  const r = await srv.stop();
  srv.cleanup();
  assert.equal(r.graceful, true, `server did not exit within 5 s of SIGTERM: ${srv.log.slice(-2000)}`);
  assert.equal(r.code, 0, `server exit after SIGTERM: ${JSON.stringify(r)} ${srv.log.slice(-2000)}`);
}

/**
 * A Server (`opts` as for new Server) for the enclosing describe(): started in its
 * before(), stopped and checked with stopAndCheck in its after().
 */
export function serverForSuite(opts) {
  const srv = new Server(opts);
  before(async () => { await srv.start(); });
  after(async () => { await stopAndCheck(srv, assert); });
  return srv;
}

// ---------------------------------------------------------------- HTTP

/**
 * One HTTP request through node:http (no keep-alive; any header allowed).
 * body: object (sent as JSON) or string/Buffer (sent as is).
 */
export function request(port, { method = 'GET', path = '/', headers = {}, body, timeout = 5000 } = {}) {
  return new Promise((res, rej) => {
    const h = { ...headers };
    let payload = null;
    if (body !== undefined) {
      payload = (typeof body === 'string' || Buffer.isBuffer(body)) ? Buffer.from(body)
        : Buffer.from(JSON.stringify(body));
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
        h['Content-Type'] = 'application/json';
      }
      h['Content-Length'] = payload.length;
    }
    const req = http.request({ host: HOST, port, method, path, headers: h, agent: false }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        res({ status: r.statusCode, headers: r.headers, text, json });
      });
      r.on('error', rej);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`HTTP ${method} ${path} timed out`)));
    req.on('error', rej);
    if (payload) req.write(payload);
    req.end();
  });
}

export async function healthz(port, timeout = 1000) {
  return request(port, { path: '/healthz', timeout });
}

/** POST /api/v1/login; returns { res, cookie, session, csrf }. */
export async function login(port, email, password = PASSWORD, headers = {}) {
  const res = await request(port, { method: 'POST', path: '/api/v1/login',
    body: { email, password }, headers });
  const set = [].concat(res.headers['set-cookie'] || []);
  const line = set.find((c) => c.startsWith('rapport_session=')) || null;
  const session = line ? line.split(';')[0].slice('rapport_session='.length) : null;
  return { res, setCookie: line, session, cookie: session ? `rapport_session=${session}` : null,
    csrf: res.json && res.json.csrf, body: res.json };
}

// ---------------------------------------------------------------- raw bytes

/**
 * Opens a raw TCP connection. Collects everything the server sends in `buf`.
 */
export function rawConnect(port) {
  return new Promise((res, rej) => {
    const sock = net.connect({ host: HOST, port }, () => res(new RawConn(sock)));
    sock.once('error', rej);
  });
}

export class RawConn {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.ended = false;
    this.error = null;
    this.waiters = new Set();
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this._wake(); });
    sock.on('end', () => { this.ended = true; this._wake(); });
    sock.on('close', () => { this.ended = true; this._wake(); });
    sock.on('error', (e) => { this.error = e; this.ended = true; this._wake(); });
  }

  _wake() { for (const w of [...this.waiters]) w(); }

  write(bytes) {
    return new Promise((res) => {
      if (this.sock.destroyed) return res(false);
      this.sock.write(bytes, (err) => res(!err));
    });
  }

  /** Waits until check(this) returns a truthy value; returns it. */
  until(check, ms, what) {
    return withTimeout(new Promise((res) => {
      const w = () => {
        let v;
        try { v = check(this); } catch { v = undefined; }
        if (v) { this.waiters.delete(w); res(v); }
      };
      this.waiters.add(w);
      w();
    }), ms, what).catch((e) => { this.waiters.clear(); throw e; });
  }

  /** Resolves when the server has closed the connection. */
  closed(ms = 5000) { return this.until((c) => c.ended, ms, 'server closing the connection'); }

  /** Parses every complete HTTP response in the buffer (Content-Length bodies only). */
  responses() { return parseHttpResponses(this.buf); }

  destroy() { this.sock.destroy(); }
}

/** Parses a byte stream of HTTP/1.1 responses (head + Content-Length body). */
export function parseHttpResponses(buf) {
  const out = [];
  let off = 0;
  while (off < buf.length) {
    const end = buf.indexOf('\r\n\r\n', off);
    if (end < 0) break;
    const head = buf.subarray(off, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
    if (!m) break;
    const headers = {};
    for (const l of head.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) {
        const k = l.slice(0, i).trim().toLowerCase();
        const v = l.slice(i + 1).trim();
        headers[k] = headers[k] ? `${headers[k]}, ${v}` : v;
      }
    }
    const len = headers['content-length'] !== undefined ? Number(headers['content-length']) : 0;
    if (end + 4 + len > buf.length) {
      out.push({ status: Number(m[1]), headers, body: buf.subarray(end + 4).toString('utf8'), partial: true });
      break;
    }
    const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
    let json;
    try { json = JSON.parse(body); } catch { json = undefined; }
    out.push({ status: Number(m[1]), headers, body, json });
    off = end + 4 + len;
  }
  return out;
}

/** Sends `bytes` on a fresh connection and waits for one whole response (or close). */
export async function rawHttp(port, bytes, ms = 5000) {
  const c = await rawConnect(port);
  await c.write(bytes);
  try {
    await c.until((x) => (x.responses().some((r) => !r.partial) || x.ended), ms, 'HTTP response');
  } finally {
    c.destroy();
  }
  return { conn: c, responses: c.responses(), raw: c.buf.toString('latin1') };
}

/**
 * Raw WebSocket handshake on a new connection. Returns { conn, status, headers, rest } where
 * `rest` is whatever followed the response head. Does not throw on refusals.
 */
export async function rawWsHandshake(port, { protocol = SUBPROTOCOL, origin, headers = {} } = {}) {
  const conn = await rawConnect(port);
  const key = crypto.randomBytes(16).toString('base64');
  const lines = [
    'GET /ws HTTP/1.1',
    `Host: ${HOST}:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  if (origin) lines.push(`Origin: ${origin}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  await conn.write(`${lines.join('\r\n')}\r\n\r\n`);
  await conn.until((c) => c.buf.indexOf('\r\n\r\n') >= 0 || c.ended, 5000, 'handshake response');
  const end = conn.buf.indexOf('\r\n\r\n');
  if (end < 0) return { conn, status: null, headers: {}, key };
  const head = conn.buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
  const hdrs = {};
  for (const l of head.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) hdrs[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const status = m ? Number(m[1]) : null;
  if (status === 101) {
    const expect = crypto.createHash('sha1')
      .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    if (hdrs['sec-websocket-accept'] !== expect) throw new Error('bad Sec-WebSocket-Accept');
    conn.buf = conn.buf.subarray(end + 4);
  }
  return { conn, status, headers: hdrs, head: head[0], key };
}

/** The frames inside a server `batch` frame, in order (or just [f]). */
export function unbatch(f) {
  return f && f.type === 'batch' && Array.isArray(f.frames) ? f.frames : [f];
}

/** A client-to-server (masked) WebSocket frame. */
export function wsFrame(opcode, payload, { fin = true } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const mask = crypto.randomBytes(4);
  let head;
  if (data.length < 126) {
    head = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | data.length]);
  } else if (data.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = (fin ? 0x80 : 0) | opcode; head[1] = 0x80 | 126; head.writeUInt16BE(data.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | opcode; head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ mask[i & 3];
  return Buffer.concat([head, mask, masked]);
}

/** Parses server-to-client frames at the start of `buf`; returns { frames, rest }. */
export function parseWsFrames(buf) {
  const frames = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const b0 = buf[off]; const b1 = buf[off + 1];
    let len = b1 & 0x7f; let p = off + 2;
    if (len === 126) { if (buf.length - off < 4) break; len = buf.readUInt16BE(off + 2); p = off + 4; }
    else if (len === 127) { if (buf.length - off < 10) break; len = Number(buf.readBigUInt64BE(off + 2)); p = off + 10; }
    if (b1 & 0x80) p += 4; // servers must not mask; tolerate it anyway
    if (buf.length < p + len) break;
    const payload = buf.subarray(p, p + len);
    const f = { fin: !!(b0 & 0x80), opcode: b0 & 0x0f, payload };
    if (f.opcode === 1) { try { f.json = JSON.parse(payload.toString('utf8')); } catch { /* keep raw */ } }
    if (f.json && f.json.type === 'batch') {
      // the server may combine frames; list them one by one, as separate frames
      off = p + len;
      for (const inner of unbatch(f.json)) frames.push({ ...f, json: inner });
      continue;
    }
    if (f.opcode === 8) {
      f.code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      f.reason = payload.subarray(2).toString('utf8');
    }
    frames.push(f);
    off = p + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/** Waits on a raw WebSocket connection for a frame matching pred (frames parsed from conn.buf). */
export async function rawWaitFrame(conn, pred, ms, what) {
  return conn.until((c) => parseWsFrames(c.buf).frames.find(pred), ms, what);
}

// ---------------------------------------------------------------- frame schemas

// docs/schemas/ws/: one JSON Schema per frame the server sends and per command a client
// sends, dispatched on `type` by frame.schema.json and command.schema.json. Every Client
// below checks each frame it receives and each command it sends against them.
export const SCHEMA_DIR = resolve(ROOT, 'docs', 'schemas', 'ws');

/** A fresh Ajv holding every schema of SCHEMA_DIR (draft 2020-12, strict keywords). */
export function loadFrameSchemas(dir = SCHEMA_DIR) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  // an annotation of the command schemas: who may send it ("patron", "staff" or "both")
  ajv.addKeyword({ keyword: 'x-rapport-sender', schemaType: 'string' });
  const senders = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const schema = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    ajv.addSchema(schema);
    if (schema['x-rapport-sender']) senders[schema.properties.type.const] = schema['x-rapport-sender'];
  }
  return { frame: ajv.getSchema('frame.schema.json'), command: ajv.getSchema('command.schema.json'),
    senders };
}

const validators = loadFrameSchemas();

function schemaErrors(validate, x) {
  if (validate(x)) return null;
  // "must match then" only repeats the errors of the branch that failed
  return validate.errors.filter((e) => e.keyword !== 'if')
    .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)} (${e.schemaPath})`);
}

/** null if f is a valid server frame, else the list of schema errors. */
export function frameErrors(f) { return schemaErrors(validators.frame, f); }
/** null if f is a valid client command, else the list of schema errors. */
export function commandErrors(f) { return schemaErrors(validators.command, f); }

// Every schema problem seen by any Client of this process. A test that did not run into
// it (through waitFor or close) still fails: the process exits non-zero.
const schemaProblems = [];
process.on('exit', () => {
  const open = schemaProblems.filter((p) => !p.reported);
  if (open.length) {
    process.stderr.write(`WebSocket frames that do not fit docs/schemas/ws:\n${open.map((p) => p.text).join('\n')}\n`);
    process.exitCode = 1;
  }
});

/** The `ref` the server gives an error about a command (proto_decode's rule). */
function refOf(f) {
  const ok = (s) => typeof s === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(s);
  if (ok(f.cmid)) return f.cmid;
  return ok(f.type) ? f.type : '';
}

// ---------------------------------------------------------------- WebSocket clients

/**
 * A WebSocket client (ws) that records every frame. waitFor() takes frames in arrival
 * order: a frame matched once is not matched again.
 */
export class Client {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.taken = new Set();
    this.waiters = new Set();
    this.closeInfo = null;
    this.bad = [];
    this.schemaProblems = [];
    this.sent = []; // { ref, frame, errors, answered } of each command sent as JSON
    this.closedP = new Promise((res) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this._wake();
        res(this.closeInfo);
      });
    });
    ws.on('message', (data, isBinary) => {
      let f;
      try { f = JSON.parse(data.toString('utf8')); } catch { this.bad.push(data); return; }
      if (isBinary) this.bad.push(data);
      this._checkFrame(f);
      this.frames.push(...unbatch(f));
      this._wake();
    });
    ws.on('error', (e) => { this.error = e; });
  }

  static open(url, { protocol = SUBPROTOCOL, headers = {}, origin } = {}) {
    return new Promise((res, rej) => {
      const opts = { headers, perMessageDeflate: false, handshakeTimeout: 5000 };
      if (origin) opts.origin = origin;
      const ws = protocol ? new WebSocket(url, protocol, opts) : new WebSocket(url, opts);
      const c = new Client(ws);
      ws.once('open', () => res(c));
      ws.once('unexpected-response', (req, r) => {
        rej(Object.assign(new Error(`handshake refused: HTTP ${r.statusCode}`), { status: r.statusCode }));
        req.destroy();
      });
      ws.once('error', rej);
    });
  }

  _wake() { for (const w of [...this.waiters]) w(); }

  _problem(text) {
    const p = { text, reported: false };
    this.schemaProblems.push(p);
    schemaProblems.push(p);
    this._wake();
  }

  /** Rejects with the schema problems seen on this connection, if any (once). */
  _throwProblems() {
    const open = this.schemaProblems.filter((p) => !p.reported);
    if (!open.length) return;
    for (const p of open) p.reported = true;
    throw new Error(`frames that do not fit docs/schemas/ws:\n${open.map((p) => p.text).join('\n')}`);
  }

  /** Checks a received frame against frame.schema.json, and answers against what was sent. */
  _checkFrame(f) {
    const errs = frameErrors(f);
    if (errs) this._problem(`server frame ${JSON.stringify(f).slice(0, 1500)}\n  ${errs.join('\n  ')}`);
    for (const x of unbatch(f)) {
      if (!x || typeof x !== 'object') continue;
      if (x.type === 'welcome') this.role = x.role;
      if (x.type === 'error' && x.code === 'bad_frame') {
        // the command it refuses: a schema-invalid one with that ref first
        const ref = x.ref || '';
        const open = this.sent.filter((s) => !s.answered && s.ref === ref);
        const hit = open.find((s) => s.errors) || open[0];
        if (hit) {
          hit.answered = true;
          // a command of the other role is refused by who sent it, not by its shape
          const sender = validators.senders[hit.frame.type] || 'both';
          const otherRole = sender !== 'both' && (!this.role || this.role !== sender);
          if (!hit.errors && !otherRole) {
            this._problem(`command ${JSON.stringify(hit.frame).slice(0, 600)} fits docs/schemas/ws but `
              + `the server refused it: ${JSON.stringify(x)}`);
          }
        }
      } else if (x.type === 'ack' && x.cmid) {
        const bad = this.sent.find((s) => s.errors && !s.answered && s.frame.cmid === x.cmid);
        if (bad) {
          bad.answered = true;
          this._problem(`command ${JSON.stringify(bad.frame).slice(0, 600)} does not fit docs/schemas/ws `
            + `(${bad.errors.join('; ')}) but the server accepted it: ${JSON.stringify(x)}`);
        }
      }
    }
  }

  /**
   * Sends a command (an object, or a string sent as is). Whatever parses as a JSON object is
   * checked against command.schema.json: a command the schema refuses must be refused by
   * the server too (bad_frame), and one it accepts must not be.
   */
  send(obj) {
    const text = typeof obj === 'string' ? obj : JSON.stringify(obj);
    let f;
    try { f = typeof obj === 'string' ? JSON.parse(obj) : obj; } catch { f = undefined; }
    if (f && typeof f === 'object' && !Array.isArray(f)) {
      this.sent.push({ ref: refOf(f), frame: f, errors: commandErrors(f), answered: false });
      if (this.sent.length > 2000) this.sent.splice(0, 1000);
    }
    this.ws.send(text);
  }

  /** Finds (and takes) the first untaken frame of `type` matching pred, waiting up to ms. */
  waitFor(type, pred = () => true, ms = 5000, { after } = {}) {
    const from = after ? this.frames.indexOf(after) + 1 : 0;
    const find = () => {
      for (let i = from; i < this.frames.length; i++) {
        if (this.taken.has(i)) continue;
        const f = this.frames[i];
        if ((type === null || f.type === type) && pred(f)) { this.taken.add(i); return f; }
      }
      return null;
    };
    return withTimeout(new Promise((res, rej) => {
      const w = () => {
        try { this._throwProblems(); } catch (e) { this.waiters.delete(w); rej(e); return; }
        const f = find();
        if (f) { this.waiters.delete(w); res(f); return; }
        if (this.closeInfo) {
          this.waiters.delete(w);
          rej(new Error(`connection closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${type}`));
        }
      };
      this.waiters.add(w);
      w();
    }), ms, `frame ${type}; recent: ${JSON.stringify(this.frames.slice(-5)).slice(0, 600)}`)
      .catch((e) => { this.waiters.clear(); throw e; });
  }

  /** Waits for an ack or error answering `cm` (ack by cmid, error by ref). */
  async answer(cm, ms = 5000) {
    return this.waitFor(null, (f) => (f.type === 'ack' && f.cmid === cm) || (f.type === 'error' && f.ref === cm), ms);
  }

  /** All frames seen so far of a type (taken or not). */
  all(type, pred = () => true) { return this.frames.filter((f) => f.type === type && pred(f)); }

  /** msg frames of one chat, in arrival order. */
  msgs(chat) { return this.all('msg', (f) => f.chat === chat); }

  closed(ms = 5000) { return withTimeout(this.closedP, ms, 'WebSocket close'); }

  get isOpen() { return this.ws.readyState === WebSocket.OPEN; }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    return withTimeout(this.closedP, 3000, 'close').catch(() => this.ws.terminate())
      .then(() => this._throwProblems());
  }

  terminate() { this.ws.terminate(); }
}

/** A patron: hello (with token if given) → welcome. Keeps the token. */
export async function patron(srv, { token, library, origin, hello = true } = {}) {
  const c = await Client.open(srv.wsUrl, origin ? { origin } : {});
  c.srv = srv;
  if (!hello) return c;
  const h = { type: 'hello', role: 'patron' };
  if (token) h.token = token;
  if (library) h.library = library;
  c.send(h);
  const w = await c.waitFor(null, (f) => f.type === 'welcome' || f.type === 'error');
  if (w.type !== 'welcome') throw new Error(`patron hello failed: ${JSON.stringify(w)}`);
  c.welcome = w;
  c.token = w.token || token;
  return c;
}

export function queueId(welcome, slug = 'ask') {
  const q = (welcome.queues || []).find((x) => x.slug === slug) || (welcome.queues || [])[0];
  if (!q) throw new Error(`no queue in welcome: ${JSON.stringify(welcome)}`);
  return q.id;
}

Object.assign(Client.prototype, {
  /** patron: join the queue; returns the ack (or throws on error). */
  async join(text = 'Do you have books on C?', { queue, cm = cmid('join') } = {}) {
    this.send({ type: 'join', queue: queue ?? queueId(this.welcome), cmid: cm, text });
    const a = await this.answer(cm);
    if (a.type !== 'ack') throw new Error(`join failed: ${JSON.stringify(a)}`);
    return a;
  },
  /** send a message; returns the ack (or throws on error). */
  async say(chat, text, cm = cmid('m')) {
    this.send({ type: 'send', chat, cmid: cm, text });
    const a = await this.answer(cm);
    if (a.type !== 'ack') throw new Error(`send failed: ${JSON.stringify(a)}`);
    return a;
  },
  /** resume after `after`; returns { msgs, resumed }. */
  async resume(chat, after = 0, ms = 5000) {
    const start = this.frames.length;
    this.send({ type: 'resume', chat, after });
    const got = () => this.frames.slice(start).filter((f) => f.type === 'msg' && f.chat === chat).length;
    const r = await this.waitFor(null, (f) => (f.type === 'resumed' && f.chat === chat)
      || (f.type === 'error' && (f.ref === 'resume')), ms).catch((e) => {
      throw new Error(`resume chat ${chat} after ${after}: ${e.message.slice(0, 200)}; `
        + `${got()} msg frames had arrived`);
    });
    if (r.type !== 'resumed') throw new Error(`resume failed: ${JSON.stringify(r)}`);
    const idx = this.frames.indexOf(r);
    const msgs = this.frames.slice(start, idx).filter((f) => f.type === 'msg' && f.chat === chat);
    return { msgs, resumed: r };
  },
});

/** A staff member: REST login, then WebSocket with the session cookie and own Origin. */
export async function staff(srv, email = JEN, password = PASSWORD) {
  const l = await login(srv.port, email, password);
  if (l.res.status !== 200 || !l.cookie) {
    throw new Error(`login ${email} failed: ${l.res.status} ${l.res.text}`);
  }
  return staffAgain(srv, l);
}

export async function staffWs(srv, cookie) {
  const headers = cookie ? { Cookie: cookie } : {};
  const c = await Client.open(srv.wsUrl, { headers, origin: srv.origin });
  c.srv = srv;
  return c;
}

/** Staff reconnect on an existing session (cookie from an earlier login). */
export async function staffAgain(srv, login_) {
  const c = await staffWs(srv, login_.cookie);
  c.login = login_;
  c.send({ type: 'hello', role: 'staff' });
  const w = await c.waitFor(null, (f) => f.type === 'welcome' || f.type === 'error');
  if (w.type !== 'welcome') throw new Error(`staff hello failed: ${JSON.stringify(w)}`);
  c.welcome = w;
  return c;
}

/** Patron `p` asks `text`; staff client `st` picks the chat and ends it. Resolves the chat's id. */
export async function endedChat(st, p, text) {
  const a = await p.join(text);
  st.send({ type: 'pick', chat: a.chat });
  await st.waitFor('chat', (f) => f.chat && f.chat.id === a.chat && f.chat.state === 'active');
  st.send({ type: 'end', chat: a.chat });
  await st.waitFor('chat', (f) => f.chat.id === a.chat && f.chat.state === 'ended');
  return a.chat;
}

/** A patron with a chat that `st` (staff client) has picked. Returns { p, chat }. */
export async function activeChat(srv, st, { text = 'Help with citations, please', library } = {}) {
  const p = await patron(srv, library ? { library } : {});
  const a = await p.join(text);
  st.send({ type: 'pick', chat: a.chat });
  await st.waitFor('chat', (f) => f.chat && f.chat.id === a.chat && f.chat.state === 'active');
  await p.waitFor('msg', (f) => f.chat === a.chat && f.kind === 'event' && f.event === 'joined');
  return { p, chat: a.chat };
}

/** The server still serves: a fresh patron completes hello and join, and /healthz answers. */
export async function assertServing(srv, assert) {
  const h = await healthz(srv.port, 2000);
  assert.equal(h.status, 200, 'healthz after bad input');
  const p = await patron(srv);
  const a = await p.join('still there?');
  assert.equal(a.seq, 1);
  await p.close();
}

/** Asserts that nothing matching arrives on `c` within ms. */
export async function assertNone(assert, c, pred, ms = 400, what = 'unexpected frame') {
  await sleep(ms);
  const bad = c.frames.filter(pred);
  assert.deepEqual(bad, [], what);
}

/** Text of `n` characters that does not compress well. */
export function noisyText(n) {
  const a = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ';
  const bytes = crypto.randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += a[bytes[i] % a.length];
  return s.replace(/^ /, 'x').replace(/ $/, 'x');
}

// ---------------------------------------------------------------- relationship memory, profiles

/** Like request(), but also returns the body as bytes (`bytes`), for images. */
export function requestBytes(port, { method = 'GET', path = '/', headers = {}, body, timeout = 5000 } = {}) {
  return new Promise((res, rej) => {
    const h = { ...headers };
    const payload = body === undefined ? null : Buffer.from(body);
    if (payload) h['Content-Length'] = payload.length;
    const req = http.request({ host: HOST, port, method, path, headers: h, agent: false }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const bytes = Buffer.concat(chunks);
        let json;
        try { json = JSON.parse(bytes.toString('utf8')); } catch { json = undefined; }
        res({ status: r.statusCode, headers: r.headers, bytes, text: bytes.toString('utf8'), json });
      });
      r.on('error', rej);
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`HTTP ${method} ${path} timed out`)));
    req.on('error', rej);
    if (payload) req.write(payload);
    req.end();
  });
}

/**
 * REST as one staff member (a login() result): get(path), post(path, body) with the
 * session cookie and, unless { csrf: false }, the X-CSRF-Token header.
 */
export function staffRest(port, l) {
  return {
    login: l,
    get: (path) => request(port, { path, headers: { Cookie: l.cookie } }),
    post: (path, body = {}, { csrf = true, headers = {} } = {}) => request(port, {
      method: 'POST', path, body,
      headers: { Cookie: l.cookie, ...(csrf ? { 'X-CSRF-Token': l.csrf } : {}), ...headers },
    }),
  };
}

/**
 * Sends `frame` on `c` and waits for its answer: the first later frame matching `pred`,
 * or an error whose ref is the frame's cmid (or type).
 */
export function ask(c, frame, pred, ms = 5000) {
  const last = c.frames[c.frames.length - 1];
  const ref = frame.cmid || frame.type;
  c.send(frame);
  return c.waitFor(null, (f) => (f.type === 'error' && f.ref === ref) || (f.type !== 'error' && pred(f)),
    ms, last ? { after: last } : {});
}

/** patron: agrees to be remembered (with the notice version from its welcome); the answer. */
export function remember(c, fields = {}, notice = c.welcome.notice && c.welcome.notice.version) {
  return ask(c, { type: 'remember', notice, ...fields }, (f) => f.type === 'relation');
}

/** Polls fn() until check(value) is truthy; returns the last value (checked by the caller). */
export async function pollUntil(fn, check, ms = 3000, every = 50) {
  const deadline = Date.now() + ms;
  let v = await fn();
  while (!check(v) && Date.now() < deadline) {
    await sleep(every);
    v = await fn();
  }
  return v;
}

// ---------------------------------------------------------------- the SMTP server

const sinks = new Set();
process.on('exit', () => { for (const p of sinks) p.kill('SIGKILL'); });

/**
 * Starts tests/api/smtp_sink.py (aiosmtpd, Debian's python3) on `port`, writing what it
 * accepts to `file` as JSON lines; `reject` names a recipient it refuses. Resolves
 * { port, file, stop() }.
 */
export async function startSink(port, file, { reject } = {}) {
  const args = [join(ROOT, 'tests/api/smtp_sink.py'), String(port), file];
  if (reject) args.push('--reject-rcpt', reject);
  const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  sinks.add(proc);
  let out = '';
  const exited = new Promise((res) => proc.on('exit', () => { sinks.delete(proc); res(); }));
  await withTimeout(new Promise((res, rej) => {
    proc.stdout.on('data', (d) => { out += d; if (out.includes('ready')) res(); });
    proc.stderr.on('data', (d) => { out += d; });
    proc.on('exit', (code) => rej(new Error(`smtp sink exited ${code}: ${out}`)));
  }), 10000, 'smtp sink ready');
  return {
    port,
    file,
    async stop() { proc.kill('SIGTERM'); await withTimeout(exited, 5000, 'sink exit').catch(() => proc.kill('SIGKILL')); },
  };
}

/** Every message the sink in `file` has accepted: [{ mail_from, rcpt_tos, data }]; with `to`, only those whose first recipient is `to`. */
export function received(file, to) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .filter((m) => !to || m.rcpt_tos[0] === to);
}

/** Header lines (unfolded) and the decoded text/plain part of a raw message. */
export function readMail(raw) {
  const cut = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, cut).replace(/\r\n[ \t]/g, ' ');
  const b = /boundary="([^"]+)"/.exec(head)[1];
  const texts = raw.slice(cut + 4).split(`--${b}`).slice(1, -1).map((c) => {
    const c2 = c.replace(/^\r\n/, '');
    const i = c2.indexOf('\r\n\r\n');
    return { head: c2.slice(0, i), text: Buffer.from(c2.slice(i + 4).replace(/\s+/g, ''), 'base64').toString('utf8') };
  });
  return { head, text: texts.find((t) => /text\/plain/.test(t.head)).text, html: texts.find((t) => /text\/html/.test(t.head)).text };
}
