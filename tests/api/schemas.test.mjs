// The JSON Schemas of the rapport.v1 frames (docs/schemas/ws/) catch what they should:
// a missing required field, a wrong type, an unknown field where the server never sends
// one; and they cover every frame type the C code builds and every command it decodes.
// No server is needed (the protocol tests check real frames through tests/api/lib.mjs).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SCHEMA_DIR, frameErrors, commandErrors } from './lib.mjs';

const schemaFiles = readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.json'));
const schema = (name) => JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8'));

/** Every C source file under src/, as text. */
function sources() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.c')) out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(ROOT, 'src'));
  return out.join('\n');
}

const okMsg = { type: 'msg', chat: 5, seq: 3, kind: 'text', from: 'staff', name: 'Jen Ortiz',
  text: 'Happy to help!', cmid: 'k2x9', at: 1763800001234 };

describe('WebSocket frame schemas', () => {
  it('are draft 2020-12, each with its own $id', () => {
    const ids = new Set();
    for (const f of schemaFiles) {
      const s = schema(f);
      assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema', f);
      assert.equal(s.$id, f, `${f}: $id is the file name`);
      ids.add(s.$id);
    }
    assert.equal(ids.size, schemaFiles.length);
  });

  it('accept a good msg frame and refuse a msg without seq, with a string seq, or an unknown field', () => {
    assert.equal(frameErrors(okMsg), null);
    const { seq, ...noSeq } = okMsg;
    assert.equal(seq, 3);
    const e1 = frameErrors(noSeq);
    assert.ok(e1 && e1.some((e) => e.includes("required property 'seq'")), JSON.stringify(e1));
    const e2 = frameErrors({ ...okMsg, seq: '3' });
    assert.ok(e2 && e2.some((e) => e.startsWith('/seq must be integer')), JSON.stringify(e2));
    assert.ok(frameErrors({ ...okMsg, colour: 'red' }));
    assert.ok(frameErrors({ ...okMsg, kind: 'event' }), 'an event needs `event`, not `text`');
  });

  it('check the frames inside a batch, and refuse an unknown frame type', () => {
    const { seq, ...noSeq } = okMsg;
    assert.equal(seq, 3);
    assert.equal(frameErrors({ type: 'batch', frames: [{ type: 'ack', cmid: 'k2x9', chat: 5, seq: 3 }, okMsg] }), null);
    assert.ok(frameErrors({ type: 'batch', frames: [{ type: 'ack', cmid: 'k2x9', chat: 5, seq: 3 }, noSeq] }));
    assert.ok(frameErrors({ type: 'frobnicate' }));
    assert.ok(frameErrors({ code: 'not_found', message: 'x' }), 'a frame without type');
  });

  it('tell the two welcomes and the two promises frames apart', () => {
    const patronPromises = { type: 'promises', promises: [{ id: 4, chat: null, what: 'the APA guide',
      due_at: 1763830800000, owner: { id: 2, name: 'Jen Ortiz' }, channel: 'email' }] };
    assert.equal(frameErrors(patronPromises), null);
    assert.ok(frameErrors({ ...patronPromises, now: 1 }), 'patron and staff fields mixed');
    assert.ok(frameErrors({ type: 'promises', now: 1, mine: [] }), 'staff promises without desk');
    assert.equal(frameErrors({ type: 'promises', now: 1, mine: [], desk: { open: 0, overdue: 0, due_soon: 0 } }), null);
    assert.ok(frameErrors({ type: 'welcome', role: 'staff', staff: { id: 2, name: 'J', role: 'librarian',
      max_chats: 3, status: 'on_duty' } }), 'a staff welcome without library, queue, limits...');
  });

  it('refuse the commands the server refuses as bad_frame', () => {
    assert.equal(commandErrors({ type: 'send', chat: 5, cmid: 'a1', text: 'hi' }), null);
    assert.ok(commandErrors({ type: 'send', chat: 5, text: 'no cmid' }));
    assert.ok(commandErrors({ type: 'send', chat: 5, cmid: 'bad cmid!', text: 'x' }));
    assert.ok(commandErrors({ type: 'ping', extra: 1 }));
    assert.ok(commandErrors({ type: 'resume', chat: '1', after: 0 }));
    assert.ok(commandErrors({ type: 'resume', chat: 1, after: -1 }));
    assert.ok(commandErrors({ type: 'typing', chat: 1, on: 'yes' }));
    assert.ok(commandErrors({ type: 'choose', chat: 1, choice: 'staff' }), 'staff choice without staff');
    assert.equal(commandErrors({ type: 'choose', chat: 1, choice: 'staff', staff: 2 }), null);
    assert.ok(commandErrors({ type: 'status', status: 'on_duty', handback: true }));
    assert.ok(commandErrors({ type: 'hello', role: 'patron', token: 't', signin: 's' }));
    assert.ok(commandErrors({ type: 'rate', chat: 1, rating: 6 }));
  });

  it('cover every frame type the server builds and every command it decodes', () => {
    const src = sources();
    const built = new Set([...src.matchAll(/frame_begin\([^,]+,\s*"([a-z_]+)"\)/g)].map((m) => m[1]));
    built.add('batch'); // ws.c writes the batch frame's head by hand
    const serverTypes = new Set(schema('frame.schema.json').properties.type.enum);
    assert.ok(built.size >= 15, `found only ${built.size} frame types in src/`);
    assert.deepEqual([...built].filter((t) => !serverTypes.has(t)).sort(), [], 'frames without a schema');
    assert.deepEqual([...serverTypes].filter((t) => !built.has(t)).sort(), [], 'schemas of frames never built');

    const proto = readFileSync(join(ROOT, 'src', 'net', 'proto.c'), 'utf8');
    const decoded = new Set([...proto.matchAll(/\{"([a-z_]+)", CMD_[A-Z_]+[,}]/g)].map((m) => m[1]));
    const clientTypes = new Set(schema('command.schema.json').properties.type.enum);
    assert.ok(decoded.size >= 15, `found only ${decoded.size} command types in proto.c`);
    assert.deepEqual([...decoded].sort(), [...clientTypes].sort());
    for (const t of [...serverTypes, ...clientTypes]) {
      const kind = serverTypes.has(t) && !clientTypes.has(t) ? ['server'] : clientTypes.has(t) && !serverTypes.has(t) ? ['client'] : ['server', 'client'];
      for (const k of kind) assert.ok(schemaFiles.includes(`${k}.${t}.json`), `${k}.${t}.json`);
    }
  });
});
